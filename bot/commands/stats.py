"""`stats [@member] [year] [theme:dark]`: a card worth sharing (twelve weeks or a year) and the numbers behind it."""

from __future__ import annotations

import calendar
from collections import defaultdict
from datetime import date, timedelta

from bot import streaks
from bot.cards import MARKS, SPAN_WEEKS, SPAN_WORDS, THEMES, CardDay, StatsCard
from bot.commands.context import Args, Context, clip
from bot.commands.resolve import enrolment as resolve_enrolment
from bot.commands.streak import week_progress
from bot.domain import Enrolment
from bot.errors import CommandError
from bot.localtime import week_start
from bot.mentions import mentioned_member
from bot.replies import Attachment, Reply

WEEKS = SPAN_WEEKS["weeks"]


async def run(ctx: Context, args: Args) -> Reply:
    span, who = _span_and_member(args)
    theme = _theme(args)
    mine = await resolve_enrolment(ctx, args)
    subject = await _subject(ctx, who, mine)
    membership = subject.membership
    assert membership.id is not None
    today = subject.local_date(ctx.now)
    first = await ctx.uow.checkins.first_day(membership.id)
    by_day = await ctx.uow.checkins.minutes_by_day(membership.id, first) if first else {}
    target = subject.cohort.daily_target
    status, _ = streaks.status(None, first, today, by_day, target, subject.is_off)
    states = day_states(subject, by_day, status, first, today)
    paused_days = sum(1 for state in states.values() if state == "paused")
    off_days = sum(1 for state in states.values() if state == "off")
    best = best_weekday(by_day)
    by_step = await ctx.uow.checkins.minutes_by_step(membership.id)
    start = week_start(today) - timedelta(weeks=SPAN_WEEKS[span] - 1)
    grid = [(start + timedelta(days=i), by_day.get(start + timedelta(days=i), 0))
            for i in range((today - start).days + 1)]
    week = await week_progress(ctx, subject, today)
    total = sum(by_day.values())
    done_days = sum(1 for minutes in by_day.values() if minutes >= target)
    name = subject.member.display_name
    lines = [f"{name} in {subject.cohort.name}: {total} minutes, {done_days} day{'s' if done_days != 1 else ''} done.",
             f"Streak {status.streak} (longest {status.longest}); {len(status.frozen_days)} days saved by a "
             f"freeze, {len(status.repaired_days)} repaired, {paused_days} paused, {off_days} off.",
             f"Best day: {calendar.day_name[best]}." if best is not None else "No check-ins yet.",
             *([f"This week: {week['minutes']}/{week['goal']} min toward the weekly goal."] if week["goal"] else []),
             *([f"By roadmap step: {', '.join(f'step {s}: {m} min' for s, m in sorted(_named(by_step).items()))}."]
               if _named(by_step) else [])]
    monday = week_start(today)
    week_done = sum(1 for day, minutes in by_day.items() if monday <= day <= today and minutes >= target)
    attachments = ()
    if ctx.tools.charts is not None:
        card = StatsCard(member=name, cohort=subject.cohort.name, today=today, target=target,
                         days=tuple(CardDay(day, minutes, states.get(day) if states.get(day) in MARKS else None)
                                    for day, minutes in grid),
                         streak=status.streak, longest=status.longest, week_minutes=int(week["minutes"] or 0),
                         week_done=week_done, week_goal=week["goal"], span=span, theme=theme)
        picture = ctx.tools.charts.stats_card(card)
        attachments = (Attachment(f"{name}-{today.isoformat()}.png", picture, "image/png"),)
    return Reply(text="\n".join(lines), private=not args.flag("share"), title="Stats", attachments=attachments,
                 data={"member": name, "cohort": subject.cohort.name, "total_minutes": total, "done_days": done_days,
                       "streak": status.streak, "longest": status.longest,
                       "frozen_days": [d.isoformat() for d in status.frozen_days], "paused_days": paused_days,
                       "repaired_days": [d.isoformat() for d in status.repaired_days], "off_days": off_days,
                       "marks": {day.isoformat(): states[day] for day, _ in grid if states.get(day) in MARKED},
                       "best_weekday": calendar.day_name[best] if best is not None else None,
                       "minutes_by_step": {str(s): m for s, m in _named(by_step).items()},
                       "days": [[day.isoformat(), minutes] for day, minutes in grid], "target": target,
                       "week": week, "week_done_days": week_done, "span": span, "theme": theme})


def _span_and_member(args: Args) -> tuple[str, str | None]:
    """`stats year`, `stats year @ann`, `stats @ann year`, `stats span:year`: a span word (`weeks`, `year`) and at
    most one member, in either order."""
    words = [word for word in (args.text("member"), args.text("span")) if word]
    spans = [SPAN_WORDS[word.lower()] for word in words if word.lower() in SPAN_WORDS]
    others = [word for word in words if word.lower() not in SPAN_WORDS]
    if len(spans) > 1 or len(others) > 1:
        raise CommandError("bad_arguments", f"`stats` takes one member and one span (`weeks` or `year`), not "
                                            f"'{clip(' '.join(words))}'. Usage: `{args.spec.usage}`.")
    return (spans[0] if spans else "weeks"), (others[0] if others else None)


def _theme(args: Args) -> str:
    raw = args.text("theme")
    if raw is None:
        return THEMES[0]
    if raw.lower() not in THEMES:
        raise CommandError("bad_arguments", f"`theme:` takes `light` or `dark`, not '{clip(raw)}'.")
    return raw.lower()


async def _subject(ctx: Context, who: str | None, mine: Enrolment) -> Enrolment:
    if who is None:
        return mine
    member = await mentioned_member(ctx, who, "stats @ann")
    assert mine.cohort.id is not None and member.id is not None
    membership = await ctx.uow.memberships.get(mine.cohort.id, member.id)
    if membership is None or not membership.active:
        raise CommandError("not_member", f"{member.display_name} is not in {mine.cohort.name}.")
    if member.hidden and member.id != ctx.member.id:
        raise CommandError("private_stats", f"{member.display_name} keeps their stats private.")
    pauses = tuple(await ctx.uow.pauses.for_member(member.id))
    return Enrolment(cohort=mine.cohort, member=member, membership=membership, pauses=pauses)


def _named(by_step: dict[int | None, int]) -> dict[int, int]:
    return {step: minutes for step, minutes in by_step.items() if step is not None}


def best_weekday(by_day: dict[date, int]) -> int | None:
    """The weekday (Monday 0) with the most minutes, the earlier on a tie; None without minutes."""
    per_weekday: dict[int, int] = defaultdict(int)
    for day, minutes in by_day.items():
        per_weekday[day.weekday()] += minutes
    return max(per_weekday, key=lambda d: (per_weekday[d], -d)) if per_weekday else None


MARKED = MARKS  # what a picture marks besides minutes


def day_states(enrolment: Enrolment, by_day: dict[date, int], status: streaks.StreakStatus, first: date | None,
               today: date) -> dict[date, str]:
    """Each day from the first check-in to today: done, today (not done yet), paused, off (a holiday, not a
    study day, a rest day), frozen, repaired (a missed day a later double day mended) or missed."""
    frozen, repaired = set(status.frozen_days), set(status.repaired_days)
    target = enrolment.cohort.daily_target
    states = {}
    for day in days_between(first, today) if first else []:
        if by_day.get(day, 0) >= target:
            states[day] = "done"
        elif day == today:
            states[day] = "today"
        elif enrolment.is_paused(day):
            states[day] = "paused"
        elif enrolment.is_off(day):
            states[day] = "off"
        else:
            states[day] = "frozen" if day in frozen else "repaired" if day in repaired else "missed"
    return states


def days_between(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]
