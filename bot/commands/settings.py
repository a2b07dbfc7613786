"""Personal settings: `remind`, `timezone`, `pause`."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from bot.commands import link
from bot.commands.buddy import move_day_end
from bot.commands.context import Args, Context, clip
from bot.commands.resolve import enrolment as resolve_enrolment
from bot.domain import Enrolment, Pause
from bot.errors import CommandError
from bot.instants import iso, when
from bot.localtime import parse_hhmm, parse_zone
from bot.notices import duration
from bot.progress import forget_saved_walk_from
from bot.replies import Reply
from bot.schedule import day_end, next_daily, next_lastcall, schedule_reminder

MAX_PAUSE_DAYS = 60
_DAYS = re.compile(r"^(\d{1,4})\s*d?$", re.IGNORECASE)
_LEAD = re.compile(r"^(?:(\d{1,2})h)?(?:(\d{1,3})m(?:in)?)?$")


async def remind_set(ctx: Context, args: Args) -> Reply:
    raw = args.text("time")
    via = args.text("via")
    if via is not None:
        routed = await link.remind_via(ctx, via)
        if raw is None:
            return routed
    if raw is None:
        raise CommandError("bad_time", "Say when, in 24-hour time: `remind set 21:30`. `remind off` stops them.")
    if raw.lower() == "off":
        return await remind_off(ctx, args)
    at = parse_hhmm(raw, "reminder time")
    enrolment = await resolve_enrolment(ctx, args)
    enrolment.membership.reminder_time = at
    schedule_reminder(enrolment, ctx.now)
    await ctx.uow.memberships.save(enrolment.membership)
    return _reminder_reply(enrolment, f"I'll remind you at {at:%H:%M} ({enrolment.zone.key}) on days you "
                                      "haven't finished yet.", ctx.now)


async def remind_off(ctx: Context, args: Args) -> Reply:
    enrolment = await resolve_enrolment(ctx, args)
    enrolment.membership.reminder_time = None
    schedule_reminder(enrolment, ctx.now)
    await ctx.uow.memberships.save(enrolment.membership)
    return _reminder_reply(enrolment, f"Daily reminders for {enrolment.cohort.name} are off. "
                                      "`remind set 19:00` turns them back on.", ctx.now)


async def remind_show(ctx: Context, args: Args) -> Reply:
    if (via := args.text("via")) is not None:
        return await link.remind_via(ctx, via)
    enrolment = await resolve_enrolment(ctx, args)
    at = enrolment.membership.reminder_time
    text = (f"Your reminder for {enrolment.cohort.name} comes at {at:%H:%M} ({enrolment.zone.key})."
            if at else f"Reminders for {enrolment.cohort.name} are off. `remind set 19:00` turns them on.")
    return _reminder_reply(enrolment, text, ctx.now)


async def remind_lastcall(ctx: Context, args: Args) -> Reply:
    raw = (args.text("length") or "").lower().replace(" ", "")
    enrolment = await resolve_enrolment(ctx, args)
    if raw == "off":
        minutes = None
    else:
        match = _LEAD.match(raw)
        minutes = (int(match.group(1) or 0) * 60 + int(match.group(2) or 0)) if match else 0
        if not match or not 15 <= minutes <= 12 * 60:
            raise CommandError("bad_lastcall", "Say how long before your day ends, from 15 minutes to 12 hours: "
                                               "`remind lastcall 2h`, `remind lastcall 90m`, or `remind lastcall off`.")
    enrolment.membership.lastcall_minutes = minutes
    schedule_reminder(enrolment, ctx.now)
    await ctx.uow.memberships.save(enrolment.membership)
    text = (f"Last call is on: {duration(minutes)} before your day ends, if your streak is at risk." if minutes
            else "Last call is off.")
    return _reminder_reply(enrolment, text, ctx.now)


async def privacy(ctx: Context, args: Args) -> Reply:
    changed = False
    if args.has("mentions"):
        ctx.member.allow_mentions = _on_off(args.text("mentions") or "", "mentions", "on", "off")
        changed = True
    if args.has("boards"):
        ctx.member.hidden = not _on_off(args.text("boards") or "", "boards", "show", "hide")
        changed = True
    if args.has("web"):
        ctx.member.web_name = _on_off(args.text("web") or "", "web", "show", "hide")
        changed = True
    if changed:
        await ctx.uow.members.save(ctx.member)
    member_id = ctx.member.id or 0
    if args.has("leagues") and member_id:  # from next Monday's placement; this week's division plays on
        await ctx.uow.leagues.set_opted_out(member_id, not _on_off(args.text("leagues") or "", "leagues", "on", "off"))
    leagues_on = not (member_id and await ctx.uow.leagues.opted_out(member_id))
    on_pages = "your name" if ctx.member.web_name else 'you as "Member N"'
    text = (f"The digest {'may' if ctx.member.allow_mentions else 'will never'} @mention you; you are "
            f"{'hidden from' if ctx.member.hidden else 'shown on'} leaderboards; cohort web pages show {on_pages}; "
            f"you {'play' if leagues_on else 'do not play'} in leagues. "
            "Change with `privacy mentions:off`, `privacy boards:hide`, `privacy web:show` or `privacy leagues:off`.")
    return Reply(text=text, private=True, title="Privacy",
                 data={"mentions": ctx.member.allow_mentions, "boards": "hide" if ctx.member.hidden else "show",
                       "web": "show" if ctx.member.web_name else "hide", "leagues": "on" if leagues_on else "off"})


def _on_off(raw: str, name: str, yes: str, no: str) -> bool:
    if raw.lower() in (yes, no):
        return raw.lower() == yes
    raise CommandError("bad_arguments", f"`{name}:` takes `{yes}` or `{no}`, not '{clip(raw)}'.")


def _reminder_reply(enrolment: Enrolment, text: str, now: datetime) -> Reply:
    """The reminder settings, with the next reminder and last call as instants (in the text as tokens the
    adapters show in the reader's own zone; in the data as ISO instants)."""
    at, lead = enrolment.membership.reminder_time, enrolment.membership.lastcall_minutes
    zone, rollover = enrolment.zone, enrolment.cohort.rollover_hour
    reminder = next_daily(now, at, zone, rollover).at if at is not None else None
    lastcall = next_lastcall(now, lead, zone, rollover).at if lead else None
    if reminder is not None:
        text += f"\nNext reminder: {when(reminder, zone, 'datetime')}, unless that day is done or off."
    if lastcall is not None:
        text += f"\nNext last call: {when(lastcall, zone, 'datetime')}, if your streak is at risk then."
    return Reply(text=text, private=True, title="Reminder",
                 data={"cohort": enrolment.cohort.name, "reminder_time": f"{at:%H:%M}" if at else None,
                       "lastcall_minutes": lead, "timezone": zone.key,
                       "next_reminder_at": iso(reminder) if reminder else None,
                       "next_lastcall_at": iso(lastcall) if lastcall else None})


async def timezone_set(ctx: Context, args: Args) -> Reply:
    raw = args.text("zone")
    if raw is None:
        raise CommandError("bad_timezone", "Name your time zone: `timezone set Europe/Berlin`.")
    zone = parse_zone(raw)
    ctx.member.timezone = zone.key
    await ctx.uow.members.save(ctx.member)
    assert ctx.member.id is not None
    for membership, cohort in await ctx.uow.memberships.active_for_member(ctx.member.id):
        schedule_reminder(Enrolment(cohort, ctx.member, membership), ctx.now)
        move_day_end(Enrolment(cohort, ctx.member, membership), ctx.now)
        # The local day moved: a saved walk may cover today or later days (moving west by a day or two).
        membership.streak_state = None
        await ctx.uow.memberships.save(membership)
    return Reply(text=f"Your time zone is now {zone.key}. Check-ins already made keep their dates; "
                      "reminders and new check-ins follow the new zone.",
                 data={"timezone": zone.key}, private=True, title="Time zone")


async def timezone_show(ctx: Context, args: Args) -> Reply:
    if ctx.member.timezone:
        text = f"Your time zone is {ctx.member.timezone}."
    else:
        text = "You use your cohort's time zone. `timezone set Europe/Berlin` sets your own."
    return Reply(text=text, data={"timezone": ctx.member.timezone}, private=True, title="Time zone")


async def pause(ctx: Context, args: Args) -> Reply:
    enrolment = await resolve_enrolment(ctx, args)
    today = enrolment.local_date(ctx.now)
    member_id = enrolment.member.id
    assert member_id is not None
    raw = (args.text("length") or "").lower()
    current = [p for p in await ctx.uow.pauses.for_member(member_id) if p.end >= today]
    if not raw and not args.has("until"):
        return _pause_status(current, today, enrolment)
    if raw == "off":
        await _end_pauses(ctx, current, today)
        return Reply(text="Pause lifted: today counts again. Welcome back!", private=True, title="Pause",
                     data={"paused": False, "until": None})
    end = _pause_end(raw, args.text("until"), today)
    await _end_pauses(ctx, current, today)
    await ctx.uow.pauses.add(Pause(member_id=member_id, start=today, end=end))
    for membership, _ in await ctx.uow.memberships.active_for_member(member_id):
        await forget_saved_walk_from(ctx.uow, membership, today)
    days = (end - today).days + 1
    ends_at = _pause_ends_at(enrolment, end)
    return Reply(text=f"Paused for {days} day{'s' if days != 1 else ''}, through {end.isoformat()} (until "
                      f"{when(ends_at, enrolment.zone, 'datetime')}). "
                      "Your streak waits and reminders stop; `pause off` ends it early.",
                 data={"paused": True, "from": today.isoformat(), "until": end.isoformat(), "days": days,
                       "ends_at": iso(ends_at)},
                 private=True, title="Pause")


def _pause_ends_at(enrolment: Enrolment, end: date) -> datetime:
    """The instant a pause through local date `end` is over: when that day rolls over."""
    return day_end(end, enrolment.zone, enrolment.cohort.rollover_hour)


def _pause_end(raw: str, until: str | None, today: date) -> date:
    if until or re.match(r"^\d{4}-\d{2}-\d{2}$", raw):
        text = until or raw
        try:
            end = date.fromisoformat(text)
        except ValueError:
            raise CommandError("bad_date", f"'{clip(text)}' is not a date. Use `YYYY-MM-DD`, "
                                           "e.g. `pause until:2026-04-01`.") from None
        if end < today:
            raise CommandError("bad_date", f"{end.isoformat()} has already passed. Pick a day from today on.")
    else:
        match = _DAYS.match(raw)
        if not match or int(match.group(1)) < 1:
            raise CommandError("bad_pause", f"'{clip(raw)}' is not a pause length. Type `pause 3d` for three "
                                            "days, `pause until:2026-04-01`, or `pause off`.")
        end = today + timedelta(days=int(match.group(1)) - 1)
    if (end - today).days + 1 > MAX_PAUSE_DAYS:
        raise CommandError("bad_pause", f"A pause lasts at most {MAX_PAUSE_DAYS} days. "
                                        f"Type `pause {MAX_PAUSE_DAYS}d` or less.")
    return end


async def _end_pauses(ctx: Context, pauses: list[Pause], today: date) -> None:
    for existing in pauses:
        if existing.start < today:
            existing.end = today - timedelta(days=1)
            await ctx.uow.pauses.save(existing)
        else:
            assert existing.id is not None
            await ctx.uow.pauses.remove(existing.id)


def _pause_status(current: list[Pause], today: date, enrolment: Enrolment) -> Reply:
    active = next((p for p in current if p.covers(today)), None)
    if active is None:
        return Reply(text="You are not paused. `pause 3d` pauses your streak and reminders for three days.",
                     data={"paused": False, "until": None}, private=True, title="Pause")
    ends_at = _pause_ends_at(enrolment, active.end)
    return Reply(text=f"You are paused through {active.end.isoformat()} "
                      f"(until {when(ends_at, enrolment.zone, 'datetime')}). `pause off` ends it early.",
                 data={"paused": True, "until": active.end.isoformat(), "ends_at": iso(ends_at)}, private=True,
                 title="Pause")
