"""`rest [days|off]`: a member's weekly rest days, off days in every cohort (DESIGN.md "Off days").

A change applies from the member's today on (the latest today among their cohorts, so no cohort's past moves):
`rest mon` after a missed Monday does not mend that Monday.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.commands.context import Args, Context, clip
from bot.domain import Member
from bot.errors import CommandError
from bot.localtime import local_day
from bot.offdays import MAX_REST_DAYS, NO_DAY, WEEKDAYS, WeekdaysError, count, describe, parse_weekdays
from bot.ports import UnitOfWork
from bot.replies import Reply

FULL_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


async def run(ctx: Context, args: Args) -> Reply:
    member = ctx.member
    assert member.id is not None
    today = await member_today(ctx.uow, member, ctx.now)
    raw = args.text("days")
    current = member.rest_days.mask_on(today)
    if raw is None:
        return _reply(current, today, changed=False)
    try:
        mask = parse_weekdays(raw)
    except WeekdaysError as error:
        raise CommandError("bad_days", f"{str(error).capitalize()}. Name up to {MAX_REST_DAYS} weekdays, e.g. "
                                       "`rest sat,sun` or `rest fri`; `rest off` for none.") from None
    if count(mask) > MAX_REST_DAYS:
        raise CommandError("too_many_rest_days", f"'{clip(raw)}' is {count(mask)} days; you can rest at most "
                                                 f"{MAX_REST_DAYS} days a week. Try `rest sat,sun`, or `pause` "
                                                 "for a longer break.")
    member.rest_days = member.rest_days.set_from(today, mask)
    await ctx.uow.members.save(member)
    await ctx.uow.memberships.forget_board_streaks(member_id=member.id, alive_from=today)
    return _reply(mask, today, changed=True)


async def member_today(uow: UnitOfWork, member: Member, now: datetime) -> date:
    """The latest local today among the member's cohorts (UTC's, rolled over at 04:00, outside any)."""
    assert member.id is not None
    days = [local_day(now, ZoneInfo(member.timezone or cohort.timezone), cohort.rollover_hour)
            for _, cohort in await uow.memberships.active_for_member(member.id)]
    return max(days, default=local_day(now, ZoneInfo(member.timezone or "UTC"), 4))


def _reply(mask: int, today: date, *, changed: bool) -> Reply:
    days = [FULL_NAMES[index] for index in range(7) if mask >> index & 1]
    if mask == NO_DAY:
        text = "You have no rest days: every study day counts. `rest sat,sun` makes weekends yours."
    else:
        named = days[0] if len(days) == 1 else ", ".join(days[:-1]) + " and " + days[-1]
        text = (f"Your rest days: {named}. On them no reminder comes and your streak waits (a check-in still "
                "counts), in every cohort.")
        if changed:
            text += f" From today ({today.isoformat()}) on."
        else:
            text += " `rest off` clears them."
    return Reply(text=text, private=True, title="Rest days",
                 data={"rest_days": [WEEKDAYS[index] for index in range(7) if mask >> index & 1],
                       "days": describe(mask), "from": today.isoformat(), "changed": changed})
