"""`checkin`: record study minutes for today (or yesterday), exactly once per idempotency key."""

from __future__ import annotations

import unicodedata
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from urllib.parse import urlsplit

from bot import bars, persons, teamgoal
from bot.commands import roadmap as roadmaps
from bot.commands.context import Args, Context, clip, printable
from bot.commands.firstday import first_checkin_tips
from bot.commands.resolve import enrolment as resolve_enrolment
from bot.domain import CheckIn, Enrolment
from bot.errors import CommandError
from bot.localtime import week_start
from bot.ports import DuplicateKey, UnitOfWork
from bot.progress import forget_saved_walk_from, streak_status
from bot.replies import Reply
from bot.streaks import REPAIR_FACTOR, StreakStatus

MAX_MINUTES = 600
MAX_MINUTES_PER_DAY = 960
MAX_NOTE = 500
MAX_LINK = 500
MAX_TOPIC = 200


@dataclass(frozen=True)
class Recorded:
    checkin: CheckIn
    duplicate: bool
    first: bool = False  # the membership's first check-in (its reply then explains reminders, privately)


@dataclass(frozen=True)
class Entry:
    """What a `checkin` command asks for, validated: minutes on `day` (today, or yesterday)."""

    minutes: int
    note: str | None
    link: str | None
    today: date
    day: date
    key: str


def read_entry(args: Args, enrolment: Enrolment, now: datetime, idempotency_key: str | None) -> Entry:
    minutes = args.integer("minutes", low=1, high=MAX_MINUTES, unit="minutes", code="bad_minutes",
                           default=enrolment.cohort.sprint_minutes, suffix="m")
    assert minutes is not None
    note = clean_note(args.text("note"))
    link = clean_link(args.text("link"))
    today = enrolment.local_date(now)
    day = today - timedelta(days=1) if args.flag("yesterday") else today
    return Entry(minutes, note, link, today, day, idempotency_key or f"auto:{uuid.uuid4()}")


async def run(ctx: Context, args: Args) -> Reply:
    enrolment = await resolve_enrolment(ctx, args)
    entry = read_entry(args, enrolment, ctx.now, ctx.invocation.idempotency_key)
    topic, step = await _topic(ctx, enrolment, args.text("topic"))
    outcome = await record(ctx.uow, enrolment, minutes=entry.minutes, day=entry.day, now=ctx.now, key=entry.key,
                           note=entry.note, link=entry.link, source="command", topic=topic, step=step,
                           account_id=ctx.account.id if ctx.account else None)
    await persons.checked_in_from(ctx.uow, ctx.member, ctx.caller)
    return await checkin_reply(ctx.uow, enrolment, outcome, entry.today)


async def _topic(ctx: Context, enrolment: Enrolment, raw: str | None) -> tuple[str | None, int | None]:
    """The topic as typed, and the roadmap step it names (a number, or words from a step's title or topics)."""
    topic = clean_note(raw)
    if topic is None:
        return None, None
    if len(topic) > MAX_TOPIC:
        raise CommandError("bad_topic", f"Keep `topic:` under {MAX_TOPIC} characters, e.g. `topic:3` for step 3.")
    cohort = enrolment.cohort
    roadmap = await roadmaps.find(ctx, cohort.roadmap_id) if cohort.roadmap_id else None
    step = roadmaps.step_named(roadmap, topic, strict=False) if roadmap is not None else None
    return topic, step.number if step is not None else None


async def record(uow: UnitOfWork, enrolment: Enrolment, *, minutes: int, day: date, now: datetime,
                 key: str, note: str | None, link: str | None, source: str, topic: str | None = None,
                 step: int | None = None, account_id: int | None = None) -> Recorded:
    """`account_id`: the linked account that recorded it, when not the member's own."""
    member_id, membership = enrolment.member.id, enrolment.membership
    assert member_id is not None and membership.id is not None and enrolment.cohort.id is not None
    # The day's total is read, and the check-in written, under the member's lock: whatever else adds minutes to
    # their day (another process, a sprint ending) waits, so the cap holds (a relock by the caller is harmless).
    await uow.members.lock([member_id])
    existing = await uow.checkins.find_by_key(member_id, key)
    if existing is not None:
        return Recorded(existing, duplicate=True)
    if await uow.checkins.was_undone(member_id, key):
        raise CommandError("checkin_undone", "That check-in was undone, so it is not recorded again. "
                                             "To log it anew, type `checkin` once more.")
    logged = await uow.checkins.minutes_on(membership.id, day)
    if logged + minutes > MAX_MINUTES_PER_DAY:
        raise day_full(logged, minutes, day)
    await forget_saved_walk_from(uow, membership, day)
    first = await uow.checkins.first_day(membership.id) is None
    checkin = CheckIn(membership_id=membership.id, member_id=member_id, cohort_id=enrolment.cohort.id,
                      local_date=day, minutes=minutes, created_at=now, idempotency_key=key,
                      note=note, link=link, source=source, topic=topic, step=step, account_id=account_id)
    try:
        added = await uow.checkins.add(checkin)
    except DuplicateKey:
        existing = await uow.checkins.find_by_key(member_id, key)
        assert existing is not None
        return Recorded(existing, duplicate=True)
    await teamgoal.celebrate_reached(uow, [enrolment.cohort], [day], now)
    return Recorded(added, duplicate=False, first=first)


async def add_note(ctx: Context, args: Args) -> Reply:
    """`note`: what you did (and a link) on your latest check-in today — a sprint's, say, recorded by the timer."""
    enrolment = await resolve_enrolment(ctx, args)
    note, link = clean_note(args.text("note")), clean_link(args.text("link"))
    if note is None and link is None:
        raise CommandError("empty_note", "Say what you did, e.g. `note read the LoRA paper`, "
                                         "or add a link: `note link:https://github.com/you/repo`.")
    assert enrolment.membership.id is not None
    today = enrolment.local_date(ctx.now)
    latest = await ctx.uow.checkins.latest_on(enrolment.membership.id, today)
    if latest is None:
        raise CommandError("no_checkin_today", "You have no check-in today to add a note to. Record one with "
                                               "its note instead: `checkin 30 what you did`.")
    latest.note = note or latest.note
    latest.link = link or latest.link
    await ctx.uow.checkins.save_note(latest)
    shown = f" — {latest.note}" if latest.note else ""
    text = f"Added to your {latest.minutes}-min check-in of {today.isoformat()}{shown}"
    data = {"cohort": enrolment.cohort.name, "minutes": latest.minutes, "local_date": today.isoformat(),
            "note": latest.note}
    if latest.link:
        text += f"\n{latest.link}"
        data["link"] = latest.link
    return Reply(text=text, data=data, private=True, title="Check-in")


def day_full(logged: int, minutes: int, day: date) -> CommandError:
    left = MAX_MINUTES_PER_DAY - logged
    return CommandError(
        "too_many_minutes",
        f"That would make {logged + minutes} minutes on {day.isoformat()}; a day holds at most "
        f"{MAX_MINUTES_PER_DAY}. " + (f"You can still log up to {left}: `checkin {left}`." if left > 0
                                      else "That day is full — rest, and come back tomorrow."),
        minutes_left=max(left, 0),
    )


async def checkin_reply(uow: UnitOfWork, enrolment: Enrolment, outcome: Recorded, today: date) -> Reply:
    assert enrolment.membership.id is not None
    status = await streak_status(uow, enrolment, today)
    minutes_that_day = await uow.checkins.minutes_on(enrolment.membership.id, outcome.checkin.local_date)
    week = None
    if enrolment.cohort.weekly_goal:
        by_day = await uow.checkins.minutes_by_day(enrolment.membership.id, week_start(today))
        week = sum(by_day.values())
    return compose_reply(enrolment, outcome, status, minutes_that_day, today, week)


def compose_reply(enrolment: Enrolment, outcome: Recorded, status: StreakStatus, minutes_that_day: int,
                  today: date, week_minutes: int | None = None) -> Reply:
    """`week_minutes`: this week's (Monday to today) minutes, when the cohort has a weekly goal."""
    checkin = outcome.checkin
    target = enrolment.cohort.daily_target
    day_done = minutes_that_day >= target
    name = enrolment.member.display_name
    what = f" — {checkin.note}" if checkin.note else ""
    when = "" if checkin.local_date == today else f" for {checkin.local_date.isoformat()}"
    if outcome.duplicate:
        headline = f"Already recorded: {checkin.minutes} min{when}. Nothing was added twice."
    else:
        headline = f"{name} logged {checkin.minutes} min{when}{what}"
    progress = bars.progress(minutes_that_day, target)
    progress += " Day done." if day_done else f" — {target - minutes_that_day} more to finish the day."
    text = f"{headline}\n{progress}\nStreak {status.streak} (longest {status.longest}), freezes {status.freezes}."
    week = bars.week_line(week_minutes, enrolment.cohort.weekly_goal)
    if week is not None:
        text += f"\n{week}"
    # This check-in repaired a streak when its day repaired one and, before it, held less than the double.
    repaired = (not outcome.duplicate and checkin.local_date in status.repaired_on
                and minutes_that_day - checkin.minutes < REPAIR_FACTOR * target)
    if repaired:
        text += "\nStreak repaired: a double session mends the missed day."
    elif status.offer is not None and checkin.local_date == today:
        text += (f"\nLog {status.offer.need_minutes - minutes_that_day} more min today to repair your "
                 f"{status.offer.streak}-day streak.")
    data = {
        "cohort": enrolment.cohort.name,
        "channel": enrolment.cohort.channel_id,
        "minutes": checkin.minutes,
        "minutes_today": minutes_that_day,
        "target": target,
        "day_done": day_done,
        "streak": status.streak,
        "longest": status.longest,
        "freezes": status.freezes,
        "local_date": checkin.local_date.isoformat(),
        "duplicate": outcome.duplicate,
        "repaired": repaired,
        "checkin_key": checkin.idempotency_key,  # what `undo checkin:KEY` (an Undo button under it) names
    }
    if checkin.link:
        data["link"] = checkin.link
    if checkin.topic:
        data["topic"], data["step"] = checkin.topic, checkin.step
    followups = (first_checkin_tips(enrolment),) if outcome.first and not outcome.duplicate else ()
    return Reply(text=text, data=data, private=False, title="Check-in", followups=followups)


def clean_note(note: str | None) -> str | None:
    if note is None:
        return None
    cleaned = printable(note).strip()
    if len(cleaned) > MAX_NOTE:
        raise CommandError("note_too_long", f"Your note has {len(cleaned)} characters; the limit is {MAX_NOTE}. "
                                            "Shorten it, or put the details behind `link:URL`.")
    return cleaned or None


def clean_link(link: str | None) -> str | None:
    if link is None:
        return None
    parts = urlsplit(link)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc or len(link) > MAX_LINK \
            or any(ch.isspace() or unicodedata.category(ch) == "Cc" for ch in link):
        raise CommandError("bad_link", f"'{clip(link)}' is not a web link I can keep. "
                                       "Use an http or https address, e.g. `link:https://github.com/you/repo`.")
    return link
