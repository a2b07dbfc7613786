"""Your data: `cohort export` (organizers), `export` (your own record) and `forget`."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from bot import streaks
from bot.commands.context import Args, Context
from bot.commands.resolve import enrolment as resolve_enrolment
from bot.commands.resolve import require_organizer, target_cohort
from bot.commands.stats import day_states
from bot.domain import CheckIn, Role
from bot.errors import CommandError
from bot.forgetting import forget_messages
from bot.replies import Attachment, Reply

MAX_EXPORT_BYTES = 8 * 1024 * 1024  # Discord's attachment limit for most servers; Slack takes more
CHECKIN_COLUMNS = ("local_date", "member", "user_id", "minutes", "note", "link", "topic", "step", "source",
                   "recorded_at_utc")


def _csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows([_cell(value) for value in row] for row in rows)
    content = buffer.getvalue().encode("utf-8")
    if len(content) > MAX_EXPORT_BYTES:
        raise CommandError("export_too_large", f"That export would be {len(content) // (1024 * 1024)} MB, more than "
                                               f"the {MAX_EXPORT_BYTES // (1024 * 1024)} MB a chat attachment can "
                                               "hold. The operator can copy the database instead (see deploy notes).")
    return content


def _cell(value: object) -> object:
    """Spreadsheets run cells that start with = + - @ as formulas; a leading quote keeps them text."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return "" if value is None else value


def _checkin_rows(checkins: Sequence[CheckIn], names: dict[int, tuple[str, str]]) -> list[list[object]]:
    return [[c.local_date.isoformat(), *names.get(c.member_id, ("", "")), c.minutes, c.note, c.link, c.topic,
             c.step, c.source, c.created_at.isoformat()] for c in checkins]


async def cohort_export(ctx: Context, args: Args) -> Reply:
    cohort = await target_cohort(ctx, args, name_arg="name")
    await require_organizer(ctx, cohort)
    assert cohort.id is not None
    names = {member.id or 0: (member.display_name, member.user_id)
             for _, member in await ctx.uow.memberships.active_in_cohort(cohort.id)}
    checkins = await ctx.uow.checkins.for_cohort(cohort.id)
    for checkin in checkins:
        if checkin.member_id not in names:  # members who left keep their rows; name them too
            member = await ctx.uow.members.get(checkin.member_id)
            names[checkin.member_id] = (member.display_name, member.user_id) if member else ("", "")
    content = _csv(CHECKIN_COLUMNS, _checkin_rows(checkins, names))
    return Reply(text=f"{len(checkins)} check-ins of {cohort.name}, as CSV.", private=True, title="Export",
                 data={"cohort": cohort.name, "rows": len(checkins)},
                 attachments=(Attachment(f"{cohort.name}-checkins.csv", content, "text/csv"),))


async def my_export(ctx: Context, args: Args) -> Reply:
    enrolment = await resolve_enrolment(ctx, args)
    membership = enrolment.membership
    assert membership.id is not None
    checkins = await ctx.uow.checkins.for_membership(membership.id)
    names = {ctx.member.id or 0: (ctx.member.display_name, ctx.member.user_id)}
    today = enrolment.local_date(ctx.now)
    first = await ctx.uow.checkins.first_day(membership.id)
    by_day = await ctx.uow.checkins.minutes_by_day(membership.id, first) if first else {}
    target = enrolment.cohort.daily_target
    status, _ = streaks.status(None, first, today, by_day, target, enrolment.is_off)
    history = [[day.isoformat(), by_day.get(day, 0), state]
               for day, state in day_states(enrolment, by_day, status, first, today).items()]
    files = (Attachment(f"{ctx.member.display_name}-checkins.csv", _csv(CHECKIN_COLUMNS,
                                                                       _checkin_rows(checkins, names)), "text/csv"),
             Attachment(f"{ctx.member.display_name}-days.csv", _csv(("local_date", "minutes", "day"), history),
                        "text/csv"))
    return Reply(text=f"Your {len(checkins)} check-ins in {enrolment.cohort.name} and your day-by-day record "
                      f"(done, frozen, repaired, paused, off, missed), as CSV.", private=True, title="Export",
                 data={"cohort": enrolment.cohort.name, "checkins": len(checkins), "days": len(history)},
                 attachments=files)


async def forget(ctx: Context, args: Args) -> Reply:
    linked = ctx.member.linked
    if linked:
        # The caller's data in this workspace: a linked account is split off first, keeping what it recorded here,
        # and only that is forgotten; the person's other accounts keep theirs (a refusal below rolls this back).
        await ctx.uow.persons.split(ctx.caller.id or 0)
        ctx.member = await ctx.uow.members.get(ctx.caller.id or 0) or ctx.caller
        ctx.account = None
    member_id = ctx.member.id
    assert member_id is not None
    memberships = await ctx.uow.memberships.active_for_member(member_id)
    checkins = 0
    for membership, _ in memberships:
        assert membership.id is not None
        checkins += len(await ctx.uow.checkins.for_membership(membership.id))
    if (args.text("confirm") or "").lower() != "yes":
        raise CommandError("confirm_needed", f"This deletes everything studybot keeps about you here: "
                                             f"{checkins} check-ins, {len(memberships)} cohort memberships, your "
                                             "settings, pauses, buddies, focus sessions and roadmap progress. It "
                                             "cannot be undone." + (" This account is unlinked from your others "
                                                                    "first; they keep what they recorded."
                                                                    if linked else "")
                                             + " To go ahead type `forget confirm:yes`.",
                           checkins=checkins, memberships=len(memberships))
    removed_cohorts = []
    for cohort in await ctx.uow.cohorts.created_by(member_id):
        assert cohort.id is not None
        others = [(m, member) for m, member in await ctx.uow.memberships.active_in_cohort(cohort.id)
                  if member.id != member_id]
        if not others:
            await ctx.uow.cohorts.remove(cohort.id)
            removed_cohorts.append(cohort.name)
            continue
        heir, person = min(others, key=lambda pair: (not pair[0].is_organizer, pair[0].id))
        heir.role = Role.ORGANIZER
        await ctx.uow.memberships.save(heir)
        cohort.created_by = person.id or 0
        await ctx.uow.cohorts.save(cohort)
    await forget_messages(ctx.uow, ctx.member)
    await ctx.uow.members.remove(member_id)
    gone = f" and the cohorts only you were in ({', '.join(removed_cohorts)})" if removed_cohorts else ""
    return Reply(text=f"Done: {checkins} check-ins, {len(memberships)} memberships, your settings, pauses, "
                      f"buddies, focus sessions and roadmap progress are deleted{gone}. "
                      "Thank you for studying with us.",
                 private=True, title="Forgotten",
                 data={"checkins": checkins, "memberships": len(memberships), "cohorts_removed": removed_cohorts})
