"""The team goal: minutes a cohort aims for together each Monday-Sunday week (its own local calendar), and the one
celebration in the channel when a week reaches it.

The celebration is an outbox message under the key `teamgoal:<cohort>:<monday>`, owed by the check-in that
crosses the goal, in the same transaction (a check-in command, a batch of them, a sprint's end): the unique key
keeps it once per cohort and week, across processes and also when an undo takes the week below the goal and
another check-in crosses it again. So that two check-ins crossing it together in two processes cannot each read
the other's minutes as missing, the week's total is read under a lock on the cohort (taken after the members'
locks, in cohort id order) — only while the goal stands and this week's celebration is not owed yet; afterwards a
check-in pays one indexed look-up of the key.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from bot import bars
from bot.domain import Cohort, OutboxMessage
from bot.localtime import local_day, week_start
from bot.owed import owed
from bot.ports import UnitOfWork
from bot.replies import Reply
from bot.schedule import day_end

MIN_GOAL = 30
MAX_GOAL = 100_000  # minutes a week: a cohort of 100 members studying 16 h a day stays under it


def key(cohort_id: int, monday: date) -> str:
    return f"teamgoal:{cohort_id}:{monday.isoformat()}"


def percent(minutes: int, goal: int) -> int:
    """Rounded down, as the bar's cells are: 100 only once the goal is met."""
    return minutes * 100 // goal if goal > 0 else 0


def line(minutes: int, goal: int) -> str:
    """`Team goal ▓▓▓▓▓▓░░░░ 62% (372/600 min)`, with a tick once reached."""
    text = f"Team goal {bars.bar(minutes, goal)} {percent(minutes, goal)}% ({minutes}/{goal} min)"
    return f"{text} {bars.DONE}" if minutes >= goal > 0 else text


def summary(goal: int | None, minutes: int) -> dict[str, int] | None:
    """What a digest or recap keeps in its data to draw the bar (None: no team goal)."""
    return {"goal": goal, "minutes": minutes, "percent": percent(minutes, goal)} if goal else None


def text_of(data: Any) -> str | None:
    """The bar from a digest's or recap's `team` data."""
    if not isinstance(data, dict) or not data.get("goal"):
        return None
    return line(int(data["minutes"]), int(data["goal"]))


@dataclass(frozen=True)
class Week:
    cohort: Cohort
    today: date
    monday: date
    totals: dict[int, int]  # minutes per membership id this week

    @property
    def minutes(self) -> int:
        return sum(self.totals.values())

    @property
    def days_left(self) -> int:
        """The days of the week still to come, today included (Sunday: 1)."""
        return 7 - self.today.weekday()


def today_of(cohort: Cohort, now: datetime) -> date:
    return local_day(now, cohort.zone, cohort.rollover_hour)


async def week(uow: UnitOfWork, cohort: Cohort, now: datetime, day: date | None = None) -> Week:
    """The cohort's week holding `day` (default: its today), from check-ins dated within it."""
    assert cohort.id is not None
    today = day or today_of(cohort, now)
    monday = week_start(today)
    totals = await uow.checkins.totals_in_cohort(cohort.id, monday, monday + timedelta(days=6))
    return Week(cohort, today, monday, totals)


def celebration(cohort: Cohort, monday: date, minutes: int) -> Reply:
    goal = cohort.team_goal or 0
    data = {"type": "teamgoal", "cohort": cohort.name, "week": monday.isoformat(), "goal": goal, "minutes": minutes}
    return Reply(text=f"🎉 {cohort.name} reached its team goal: {minutes} of {goal} minutes together this week! "
                      "Everyone's sprints added up. See the week with `team`.",
                 title="Team goal reached", private=False, data=data)


async def celebrate_reached(uow: UnitOfWork, cohorts: Iterable[Cohort], days: Iterable[date], now: datetime) -> None:
    """After check-ins were written (in this unit of work): owe each cohort's celebration for the weeks of `days`
    (the check-ins' local dates) that now reach its goal. Call it after the members' locks."""
    wanted: dict[int, tuple[Cohort, set[date]]] = {}
    for cohort, day in zip(cohorts, days, strict=True):
        if cohort.team_goal and cohort.id is not None:
            wanted.setdefault(cohort.id, (cohort, set()))[1].add(week_start(day))
    for cohort_id in sorted(wanted):  # in id order: two batches never wait for each other's cohorts
        cohort, mondays = wanted[cohort_id]
        current = week_start(today_of(cohort, now))
        open_weeks = [monday for monday in sorted(mondays)
                      if monday == current and await uow.outbox.get_by_key(key(cohort_id, monday)) is None]
        if not open_weeks:  # a past week (yesterday's check-in on a Monday) is no longer celebrated
            continue
        await uow.cohorts.lock(cohort_id)
        for monday in open_weeks:
            reached = await week(uow, cohort, now, monday)
            if reached.minutes >= (cohort.team_goal or 0):
                await uow.outbox.add(_owed(cohort, monday, reached.minutes, now))


def _owed(cohort: Cohort, monday: date, minutes: int, now: datetime) -> OutboxMessage:
    # Still worth sending until the week is over (a long outage drops it rather than cheer a week later).
    until = day_end(monday + timedelta(days=6), cohort.zone, cohort.rollover_hour)
    return owed(key(cohort.id or 0, monday), "teamgoal", cohort, "channel", cohort.channel_id,
                celebration(cohort, monday, minutes), now, now, until=until)
