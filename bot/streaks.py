"""Streaks and freezes: the reference walk of DESIGN.md, and an incremental form that resumes from a
saved state so a check-in never has to read the whole history."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

MAX_FREEZES = 2
FREEZE_EVERY = 7


@dataclass(frozen=True)
class StreakState:
    """The walk's state after every day up to and including `through` has been processed."""

    streak: int = 0
    freezes: int = 0
    longest: int = 0
    through: date | None = None


@dataclass(frozen=True)
class StreakStatus:
    streak: int
    longest: int
    freezes: int
    today_done: bool
    frozen_days: tuple[date, ...] = ()


def _done_day(state: StreakState) -> tuple[int, int, int]:
    streak = state.streak + 1
    freezes = state.freezes
    if streak % FREEZE_EVERY == 0 and freezes < MAX_FREEZES:
        freezes += 1
    return streak, freezes, max(state.longest, streak)


def walk(
    state: StreakState,
    until: date,
    is_done: Callable[[date], bool],
    is_paused: Callable[[date], bool],
    frozen: list[date] | None = None,
) -> StreakState:
    """Walk the days after `state.through` up to `until` (inclusive). `state.through` must be set."""
    assert state.through is not None
    day = state.through + timedelta(days=1)
    streak, freezes, longest = state.streak, state.freezes, state.longest
    while day <= until:
        if is_done(day):
            streak, freezes, longest = _done_day(StreakState(streak, freezes, longest))
        elif is_paused(day):
            pass
        elif freezes > 0 and streak > 0:
            freezes -= 1
            if frozen is not None:
                frozen.append(day)
        else:
            streak = 0
        day += timedelta(days=1)
    return StreakState(streak, freezes, longest, max(until, state.through))


def trusted(saved: StreakState | None, today: date) -> StreakState | None:
    """The saved walk, unless it is dated on or after `today`: then the member's local day has moved back since
    it was saved (a zone or rollover change; or a process still on the old zone saved it meanwhile), and it may
    have walked today, or later days, as missed. Such a save is not resumed from; the walk starts afresh."""
    if saved is not None and saved.through is not None and saved.through >= today:
        return None
    return saved


def status(
    saved: StreakState | None,
    first_day: date | None,
    today: date,
    minutes_by_day: Mapping[date, int],
    target_minutes: int,
    is_paused: Callable[[date], bool],
) -> tuple[StreakStatus, StreakState | None]:
    """The streak as of `today`, and a state worth saving (through the day before yesterday).

    `minutes_by_day` must hold every day after `saved.through` (every day from `first_day` when nothing
    is saved or the save is not `trusted`: `bot.progress.resume_day` says which). The saved state stops
    two days back so a check-in for `yesterday` never invalidates it.
    """
    if first_day is None:
        return StreakStatus(0, 0, 0, False), None

    def is_done(day: date) -> bool:
        return minutes_by_day.get(day, 0) >= target_minutes

    saved = trusted(saved, today)
    start = saved if saved is not None and saved.through is not None else None
    if start is None or start.through < first_day - timedelta(days=1):
        start = StreakState(through=first_day - timedelta(days=1))
    frozen: list[date] = []
    checkpoint_day = today - timedelta(days=2)
    checkpoint = walk(start, checkpoint_day, is_done, is_paused, frozen)
    yesterday_state = walk(checkpoint, today - timedelta(days=1), is_done, is_paused, frozen)
    today_done = is_done(today)
    streak, freezes, longest = yesterday_state.streak, yesterday_state.freezes, yesterday_state.longest
    if today_done:
        streak, freezes, longest = _done_day(yesterday_state)
    result = StreakStatus(streak, longest, freezes, today_done, tuple(frozen))
    return result, checkpoint if checkpoint.through >= first_day - timedelta(days=1) else None


def reference_walk(
    done_days: set[date], paused_days: set[date], first_day: date | None, today: date
) -> StreakStatus:
    """DESIGN.md's walk, spelled out plainly; the property test holds `status` to it."""
    if first_day is None:
        return StreakStatus(0, 0, 0, False)
    streak = freezes = longest = 0
    day = first_day
    while day < today:
        if day in done_days:
            streak += 1
            if streak % 7 == 0 and freezes < 2:
                freezes += 1
        elif day in paused_days:
            pass
        elif freezes > 0 and streak > 0:
            freezes -= 1
        else:
            streak = 0
        longest = max(longest, streak)
        day += timedelta(days=1)
    today_done = today in done_days
    if today_done:
        streak += 1
        if streak % 7 == 0 and freezes < 2:
            freezes += 1
        longest = max(longest, streak)
    return StreakStatus(streak, longest, freezes, today_done)
