"""`cohort create|join|leave|info|settings|remove`."""

from __future__ import annotations

import re
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from bot import focus, leagues, persons, teamgoal
from bot.commands import buddy as buddies
from bot.commands import firstday
from bot.commands import roadmap as roadmaps
from bot.commands.bridge import described, shown_channel
from bot.commands.context import Args, Context, clip
from bot.commands.resolve import enrolment as resolve_enrolment
from bot.commands.resolve import named_cohort, require_organizer, target_cohort
from bot.domain import Cohort, Enrolment, Membership, Role
from bot.errors import CommandError
from bot.instants import iso, when
from bot.localtime import local_day, parse_hhmm, parse_zone
from bot.offdays import NO_DAY, WEEKDAYS, WeekdaysError, describe, parse_weekdays
from bot.ports import DuplicateKey
from bot.replies import Reply
from bot.schedule import next_daily, next_weekly, schedule_cohort, schedule_reminder

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{1,39}$")


async def create(ctx: Context, args: Args) -> Reply:
    inv = ctx.invocation
    name = args.text("name")
    if name is None or not NAME.match(name):
        shown = f"'{clip(name)}' is not a name I can use. " if name else ""
        raise CommandError("bad_name", f"{shown}A cohort name is 2–40 letters, digits, `-` or `_`, "
                                       "e.g. `cohort create ml-club timezone:Europe/Berlin`.")
    if inv.channel_id is None:
        raise CommandError("no_channel", "Create a cohort from the channel it should live in.")
    taken = await ctx.uow.cohorts.find_by_channel(inv.platform, inv.workspace, inv.channel_id)
    if taken is not None:
        raise CommandError("channel_taken", f"This channel already belongs to {taken.name}. "
                                            f"Type `cohort join {taken.name}`, or create yours in another channel.")
    assert ctx.member.id is not None
    bridged = await ctx.uow.cohorts.find_by_name(inv.platform, inv.workspace, name)
    if bridged is not None and (bridged.platform, bridged.workspace) != (inv.platform, inv.workspace):
        raise CommandError("name_taken", f"{bridged.name} already lives here too (bridged from "
                                         f"{bridged.platform.capitalize()}). Pick another name, or "
                                         f"`cohort join {bridged.name}`.")
    cohort = Cohort(platform=inv.platform, workspace=inv.workspace, name=name, channel_id=inv.channel_id,
                    created_by=ctx.member.id, created_at=ctx.now)
    _apply_settings(cohort, args, ctx.now)
    await _apply_roadmap(ctx, cohort, args)
    schedule_cohort(cohort, ctx.now)
    try:
        cohort = await ctx.uow.cohorts.add(cohort)
    except DuplicateKey:
        raise CommandError("name_taken", f"There is already a cohort called {name} here. "
                                         f"Pick another name, or `cohort join {name}`.") from None
    assert cohort.id is not None
    membership = Membership(cohort_id=cohort.id, member_id=ctx.member.id, role=Role.ORGANIZER, joined_at=ctx.now)
    schedule_reminder(Enrolment(cohort, ctx.member, membership), ctx.now)
    await ctx.uow.memberships.add(membership)
    return Reply(text=f"{ctx.member.display_name} started the cohort {cohort.name} here "
                      f"({cohort.sprint_minutes}-minute sprints, {cohort.timezone}). "
                      f"Join with `cohort join {cohort.name}`, then `checkin` every day.",
                 data={"cohort": cohort.name, **settings_data(cohort)}, title="New cohort",
                 followups=(await firstday.organizer_checklist(ctx, cohort),))


async def join(ctx: Context, args: Args) -> Reply:
    cohort = await target_cohort(ctx, args, name_arg="name")
    assert cohort.id is not None and ctx.member.id is not None
    membership = await ctx.uow.memberships.get(cohort.id, ctx.member.id)
    if membership is not None and membership.active:
        return Reply(text=f"You are already in {cohort.name}.", data={"cohort": cohort.name, "joined": False},
                     private=True, title="Cohort")
    if membership is None:
        membership = Membership(cohort_id=cohort.id, member_id=ctx.member.id, joined_at=ctx.now)
        schedule_reminder(Enrolment(cohort, ctx.member, membership), ctx.now)
        await ctx.uow.memberships.add(membership)
    else:
        membership.active = True
        membership.streak_state = None  # the member's zone may have changed while away: walk afresh
        schedule_reminder(Enrolment(cohort, ctx.member, membership), ctx.now)
        await ctx.uow.memberships.save(membership)
        await buddies.watch_after_rejoin(ctx.uow, cohort.id, ctx.member.id, ctx.now)
    return Reply(text=f"Welcome to {cohort.name}, {ctx.member.display_name}! Your day's goal is "
                      f"{cohort.daily_target} minutes. `checkin` when you've done it.",
                 data={"cohort": cohort.name, "joined": True}, title="Cohort")


async def leave(ctx: Context, args: Args) -> Reply:
    enrolment = await resolve_enrolment(ctx, args, name_arg="name")
    membership, cohort = enrolment.membership, enrolment.cohort
    assert cohort.id is not None
    membership.active = False
    membership.web_token = None  # their page's link dies with the membership; rejoining does not bring it back
    schedule_reminder(enrolment, ctx.now)  # inactive: no reminder, no last call
    membership.next_dayend_at = None
    was_organizer = membership.is_organizer
    membership.role = Role.MEMBER
    await ctx.uow.memberships.save(membership)
    assert ctx.member.id is not None
    await _end_focus_session(ctx, membership)
    ended = await buddies.end_pairings(ctx.uow, cohort.id, ctx.member.id, ctx.now)  # on both sides: see there
    remaining = await ctx.uow.memberships.active_in_cohort(cohort.id)
    if was_organizer and remaining and not any(m.is_organizer for m, _ in remaining):
        successor, person = min(remaining, key=lambda pair: (pair[0].joined_at is None, pair[0].joined_at, pair[0].id))
        successor.role = Role.ORGANIZER
        await ctx.uow.memberships.save(successor)
        handover = f" {person.display_name} is now its organizer."
    else:
        handover = ""
    paired = f" Your buddy pairing with {', '.join(ended)} has ended." if ended else ""
    return Reply(text=f"You left {cohort.name}. Your history is kept if you `cohort join {cohort.name}` again."
                      + paired + handover, data={"cohort": cohort.name, "left": True, "buddies_ended": ended},
                 private=True, title="Cohort")


async def _end_focus_session(ctx: Context, membership: Membership) -> None:
    """Time in the cohort's focus rooms counts for its members: a session running there ends as they leave."""
    assert ctx.member.id is not None
    await ctx.uow.members.lock([ctx.member.id])
    running = await ctx.uow.focus.open_session(ctx.member.id)
    if running is not None and running.membership_id == membership.id:
        await focus.end(ctx.uow, running, ctx.now, "left_cohort", ctx.now)


async def info(ctx: Context, args: Args) -> Reply:
    cohort = await target_cohort(ctx, args, name_arg="name")
    assert cohort.id is not None
    pairs = await ctx.uow.memberships.active_in_cohort(cohort.id)
    names = await persons.names_on(ctx.uow, ctx.invocation.platform, ctx.invocation.workspace,
                                   [member for _, member in pairs])
    organizers = sorted(names[member.id or 0] for m, member in pairs if m.is_organizer)
    settings = settings_data(cohort)
    lines = [f"{cohort.name}: {len(pairs)} member{'s' if len(pairs) != 1 else ''}, "
             f"organized by {', '.join(organizers) or 'nobody yet'}.", _settings_line(cohort)]
    homes = await ctx.uow.cohorts.homes(cohort.id)
    if len(homes) > 1:
        lines.append("Lives in: " + "; ".join(f"{home.platform.capitalize()} ({home.workspace}) "
                                               f"{shown_channel(home, ctx.invocation.platform)}" for home in homes)
                     + ". Check-ins from any of them count the same.")
    offer = not cohort.leagues and len(pairs) >= leagues.OFFER_AT
    if offer:  # big enough for weekly divisions matched by pace
        lines.append(f"With {len(pairs)} members, weekly leagues could help: divisions of up to 30 matched by pace, "
                     "promotion and demotion each Monday. Organizers: `cohort settings leagues:on`.")
    upcoming, instants = _upcoming(ctx, cohort)
    return Reply(text="\n".join([*lines, upcoming]), private=True, title=f"Cohort {cohort.name}",
                 data={"cohort": cohort.name, "members": len(pairs), "organizers": organizers, **settings,
                       **instants, "offer_leagues": offer, "homes": [described(home) for home in homes]})


async def settings(ctx: Context, args: Args) -> Reply:
    cohort = await target_cohort(ctx, args, name_arg="name")
    changed = _apply_settings(cohort, args, ctx.now, current_channel=ctx.invocation.channel_id)
    changed |= await _apply_roadmap(ctx, cohort, args)
    if not changed:
        upcoming, instants = _upcoming(ctx, cohort)
        return Reply(text=_settings_line(cohort) + f"\n{upcoming}\nOrganizers change them with e.g. "
                          "`cohort settings sprint:25 digest:21:00`.",
                     data={"cohort": cohort.name, **settings_data(cohort), **instants}, private=True, title="Settings")
    await require_organizer(ctx, cohort)
    if "channel" in changed and (ctx.invocation.platform, ctx.invocation.workspace) != (cohort.platform,
                                                                                         cohort.workspace):
        raise CommandError("bridged_home", f"{cohort.name}'s own channel is on {cohort.platform.capitalize()}; "
                                           "move it from there. This channel is a bridged home "
                                           "(`cohort unbridge` removes it).")
    if "channel" in changed:
        inv = ctx.invocation
        owner = await ctx.uow.cohorts.find_by_channel(inv.platform, inv.workspace, cohort.channel_id)
        if owner is not None and owner.id != cohort.id:
            raise CommandError("channel_taken", f"This channel already belongs to {owner.name}.")
    if changed & {"timezone", "rollover", "digest", "recap"}:
        schedule_cohort(cohort, ctx.now)
    if changed & {"leagues", "timezone", "rollover"}:
        leagues.schedule(cohort, ctx.now)
    await ctx.uow.cohorts.save(cohort)
    assert cohort.id is not None
    if changed & {"sprint", "goal", "rollover", "timezone"}:
        await ctx.uow.memberships.reset_streak_states(cohort.id)
    elif "days" in changed:
        today = local_day(ctx.now, cohort.zone, cohort.rollover_hour)
        await ctx.uow.memberships.forget_board_streaks(cohort_id=cohort.id, alive_from=today)
    if changed & {"rollover", "timezone"}:
        for membership, member in await ctx.uow.memberships.active_in_cohort(cohort.id):
            schedule_reminder(Enrolment(cohort, member, membership), ctx.now)
            buddies.move_day_end(Enrolment(cohort, member, membership), ctx.now)
            await ctx.uow.memberships.save(membership)
    upcoming, instants = _upcoming(ctx, cohort)
    return Reply(text=f"Updated {', '.join(sorted(changed))}.\n{_settings_line(cohort)}\n{upcoming}",
                 data={"cohort": cohort.name, "changed": sorted(changed), **settings_data(cohort), **instants},
                 private=True, title="Settings")


async def remove(ctx: Context, args: Args) -> Reply:
    name = args.text("name")
    if name is None:
        raise CommandError("bad_arguments", "Name the cohort to delete: `cohort remove NAME confirm:NAME`.")
    cohort = await named_cohort(ctx, name)
    await require_organizer(ctx, cohort)
    if (args.text("confirm") or "").lower() != cohort.name.lower():
        raise CommandError("confirm_needed", f"This deletes {cohort.name} with every check-in in it, for good. "
                                             f"To go ahead type `cohort remove {cohort.name} confirm:{cohort.name}`.")
    assert cohort.id is not None
    await ctx.uow.cohorts.remove(cohort.id)
    return Reply(text=f"The cohort {cohort.name} and its check-ins are deleted.",
                 data={"cohort": cohort.name, "removed": True}, private=True, title="Cohort")


def _apply_settings(cohort: Cohort, args: Args, now: datetime, current_channel: str | None = None) -> set[str]:
    changed: set[str] = set()
    if args.has("timezone"):
        cohort.timezone = parse_zone(args.text("timezone") or "").key
        changed.add("timezone")
    for key, attr, low, high, unit in (("sprint", "sprint_minutes", 5, 180, "sprint minutes"),
                                       ("goal", "daily_goal", 1, 10, "sprints a day"),
                                       ("rollover", "rollover_hour", 0, 12, "rollover hour")):
        value = args.integer(key, low=low, high=high, unit=unit, code=f"bad_{key}")
        if value is not None:
            setattr(cohort, attr, value)
            changed.add(key)
    if args.has("digest"):
        cohort.digest_time = parse_hhmm(args.text("digest") or "", "digest time")
        changed.add("digest")
    if args.has("recap"):
        cohort.recap_weekday, cohort.recap_time = _parse_recap(args.text("recap") or "")
        changed.add("recap")
    for key in ("digest_mentions", "digest_thread"):
        if args.has(key):
            raw = (args.text(key) or "").lower()
            if raw not in ("on", "off"):
                raise CommandError("bad_arguments", f"`{key}:` takes `on` or `off`, e.g. `cohort settings {key}:off`.")
            setattr(cohort, key, raw == "on")
            changed.add(key)
    if args.has("weekly_goal"):
        raw = (args.text("weekly_goal") or "").lower()
        cohort.weekly_goal = None if raw == "off" else args.integer(
            "weekly_goal", low=30, high=7 * 960, unit="minutes a week", code="bad_weekly_goal")
        changed.add("weekly_goal")
    if args.has("team_goal"):
        raw = (args.text("team_goal") or "").lower()
        cohort.team_goal = None if raw == "off" else args.integer(
            "team_goal", low=teamgoal.MIN_GOAL, high=teamgoal.MAX_GOAL, unit="minutes a week for the whole cohort",
            code="bad_team_goal")
        changed.add("team_goal")
    if args.has("leagues"):
        raw = (args.text("leagues") or "").lower()
        if raw not in ("on", "off"):
            raise CommandError("bad_arguments", "`leagues:` takes `on` or `off`, e.g. `cohort settings leagues:on`.")
        cohort.leagues = raw == "on"
        changed.add("leagues")
    if args.has("channel"):
        if (args.text("channel") or "").lower() != "here" or current_channel is None:
            raise CommandError("bad_channel", "Move the cohort by typing `cohort settings channel:here` "
                                              "in its new channel.")
        cohort.channel_id = current_channel
        changed.add("channel")
    if args.has("days"):
        raw = args.text("days") or ""
        try:
            mask = parse_weekdays(raw)
        except WeekdaysError as error:
            raise CommandError("bad_days", f"{str(error).capitalize()}. Say which days the cohort studies, e.g. "
                                           "`days:mon-fri`, `days:mon,tue,thu` or `days:all`.") from None
        if mask == NO_DAY:
            raise CommandError("bad_days", "A cohort studies on at least one day. `days:all` studies every day; "
                                           "for a break, `cohort holiday add`.")
        # From the cohort's today on: days already lived keep what they were.
        cohort.study_days = cohort.study_days.set_from(local_day(now, cohort.zone, cohort.rollover_hour), mask)
        changed.add("days")
    return changed


async def _apply_roadmap(ctx: Context, cohort: Cohort, args: Args) -> set[str]:
    changed: set[str] = set()
    raw = args.text("roadmap")
    if raw is not None:
        if raw.lower() == "off":
            cohort.roadmap_id = cohort.roadmap_start = None
        elif await roadmaps.find(ctx, raw.lower()) is None:
            raise CommandError("unknown_roadmap", f"There is no roadmap '{clip(raw)}'. "
                                                  f"Roadmaps: {', '.join(await roadmaps.available(ctx))}.",
                               choices=await roadmaps.available(ctx))
        else:
            cohort.roadmap_id = raw.lower()
            cohort.roadmap_start = cohort.roadmap_start or local_day(ctx.now, cohort.zone, cohort.rollover_hour)
        changed.add("roadmap")
    start = args.text("start")
    if start is not None:
        try:
            cohort.roadmap_start = date.fromisoformat(start)
        except ValueError:
            raise CommandError("bad_date", f"'{clip(start)}' is not a date. Use `start:YYYY-MM-DD`, "
                                           "e.g. `start:2026-03-02`.") from None
        changed.add("start")
    return changed


def _parse_recap(raw: str) -> tuple[int, time]:
    match = re.match(r"^([A-Za-z]{3})[A-Za-z]*[@ _-]?(\d{1,2}:\d{2})?$", raw.strip())
    day = match.group(1).lower() if match else ""
    if day not in WEEKDAYS:
        raise CommandError("bad_recap", f"'{clip(raw)}' is not a recap time. Use a weekday and a time, "
                                        "e.g. `recap:sun@18:00`.")
    assert match is not None
    return WEEKDAYS.index(day), parse_hhmm(match.group(2) or "18:00", "recap time")


def settings_data(cohort: Cohort) -> dict[str, object]:
    return {"timezone": cohort.timezone, "sprint_minutes": cohort.sprint_minutes,
            "daily_goal": cohort.daily_goal, "rollover_hour": cohort.rollover_hour,
            "digest_time": f"{cohort.digest_time:%H:%M}",
            "recap": f"{WEEKDAYS[cohort.recap_weekday]}@{cohort.recap_time:%H:%M}",
            "digest_mentions": cohort.digest_mentions, "digest_thread": cohort.digest_thread,
            "roadmap": cohort.roadmap_id,
            "roadmap_start": cohort.roadmap_start.isoformat() if cohort.roadmap_start else None,
            "weekly_goal": cohort.weekly_goal,
            "team_goal": cohort.team_goal,
            "leagues": cohort.leagues,
            "study_days": describe(cohort.study_days.mask_on(date.max))}


def _upcoming(ctx: Context, cohort: Cohort) -> tuple[str, dict[str, str]]:
    """The next digest and recap as instants: tokens in the text (each reader sees their own zone; the fallback
    is in the caller's zone, else the cohort's), ISO instants in the data."""
    zone, rollover = ZoneInfo(ctx.member.timezone or cohort.timezone), cohort.rollover_hour
    digest = next_daily(ctx.now, cohort.digest_time, cohort.zone, rollover).at
    recap = next_weekly(ctx.now, cohort.recap_weekday, cohort.recap_time, cohort.zone, rollover).at
    return (f"Next digest {when(digest, zone, 'datetime')}; next recap {when(recap, zone, 'datetime')}.",
            {"next_digest_at": iso(digest), "next_recap_at": iso(recap)})


def _settings_line(cohort: Cohort) -> str:
    roadmap = (f" Roadmap {cohort.roadmap_id} from {cohort.roadmap_start.isoformat()}."
               if cohort.roadmap_id and cohort.roadmap_start else "")
    weekly = f" Weekly goal {cohort.weekly_goal} min." if cohort.weekly_goal else ""
    days = describe(cohort.study_days.mask_on(date.max))
    weekly += "" if days == "all" else f" Study days {days}."
    weekly += f" Team goal {cohort.team_goal} min a week." if cohort.team_goal else ""
    weekly += " Leagues on." if cohort.leagues else ""
    return (f"Time zone {cohort.timezone}; {cohort.sprint_minutes}-minute sprints, {cohort.daily_goal} a day; "
            f"the day rolls over at {cohort.rollover_hour:02d}:00; digest at {cohort.digest_time:%H:%M}; "
            f"recap {WEEKDAYS[cohort.recap_weekday].capitalize()} {cohort.recap_time:%H:%M}.{roadmap}{weekly}")
