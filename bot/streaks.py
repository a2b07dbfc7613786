"""Streaks, freezes and repair: DESIGN.md's walk, in an incremental form that resumes from a saved state so a
check-in never has to read the whole history."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

MAX_FREEZES = 2
FREEZE_EVERY = 7
REPAIR_FACTOR = 2  # a repairing day holds twice the daily target
REPAIR_GAP_DAYS = 30  # no repair when another happened in the 30 days before


@dataclass(frozen=True)
class StreakState:
    """The walk's state after every day up to and including `through` has been processed."""

    streak: int = 0
    freezes: int = 0
    longest: int = 0
    through: date | None = None
    offer: int = 0  # the streak a missed day broke, while the next day may still repair it (0: no offer)
    offer_day: date | None = None  # that missed day
    last_repair: date | None = None  # the last day that repaired a streak


@dataclass(frozen=True)
class Offer:
    """A repair that stands today: `missed` broke a streak of `streak`; a day of `need_minutes` mends it."""

    missed: date
    streak: int
    need_minutes: int


@dataclass(frozen=True)
class StreakStatus:
    streak: int
    longest: int
    freezes: int
    today_done: bool
    frozen_days: tuple[date, ...] = ()
    repaired_days: tuple[date, ...] = ()  # missed days that a later day repaired
    repaired_on: tuple[date, ...] = ()  # the days that repaired them
    repaired_today: bool = False
    offer: Offer | None = None


@dataclass
class Trail:
    """What a walk noticed on the way, for those who show it (stats, the heatmap)."""

    frozen: list[date] = field(default_factory=list)
    repaired: list[date] = field(default_factory=list)  # the missed days
    repaired_on: list[date] = field(default_factory=list)  # the days that repaired them


def can_repair(last_repair: date | None, day: date) -> bool:
    return last_repair is None or (day - last_repair).days > REPAIR_GAP_DAYS


def step(state: StreakState, day: date, minutes: int, target: int, off: bool, trail: Trail | None = None,
         ) -> StreakState:
    """One day of the walk (`day` follows `state.through`)."""
    done = minutes >= target
    streak, freezes, longest = state.streak, state.freezes, state.longest
    offer, offer_day, last_repair = state.offer, state.offer_day, state.last_repair
    if offer and (done or not off):  # the next day that is not an undone off day settles the offer
        if done and minutes >= REPAIR_FACTOR * target and can_repair(last_repair, day):
            streak, last_repair = offer, day
            if trail is not None and offer_day is not None:
                trail.repaired.append(offer_day)
                trail.repaired_on.append(day)
        offer, offer_day = 0, None
    if done:
        streak += 1
        if streak % FREEZE_EVERY == 0 and freezes < MAX_FREEZES:
            freezes += 1
        longest = max(longest, streak)
    elif off:
        pass
    elif freezes > 0 and streak > 0:
        freezes -= 1
        if trail is not None:
            trail.frozen.append(day)
    else:
        if streak > 0:
            offer, offer_day = streak, day
        streak = 0
    return StreakState(streak, freezes, longest, day, offer, offer_day, last_repair)


def walk(
    state: StreakState,
    until: date,
    minutes_on: Callable[[date], int],
    target: int,
    is_off: Callable[[date], bool],
    trail: Trail | None = None,
) -> StreakState:
    """Walk the days after `state.through` up to `until` (inclusive). `state.through` must be set."""
    assert state.through is not None
    day = state.through + timedelta(days=1)
    while day <= until:
        state = step(state, day, minutes_on(day), target, is_off(day), trail)
        day += timedelta(days=1)
    return state


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
    is_off: Callable[[date], bool],
    trail: Trail | None = None,
) -> tuple[StreakStatus, StreakState | None]:
    """The streak as of `today`, and a state worth saving (through the day before yesterday).

    `minutes_by_day` must hold every day after `saved.through` (every day from `first_day` when nothing
    is saved or the save is not `trusted`: `bot.progress.resume_day` says which). The saved state stops
    two days back so a check-in for `yesterday` never invalidates it.
    """
    if first_day is None:
        return StreakStatus(0, 0, 0, False), None

    def minutes_on(day: date) -> int:
        return minutes_by_day.get(day, 0)

    saved = trusted(saved, today)
    start = saved if saved is not None and saved.through is not None else None
    if start is None or start.through < first_day - timedelta(days=1):
        start = StreakState(through=first_day - timedelta(days=1))
    trail = trail if trail is not None else Trail()
    checkpoint = walk(start, today - timedelta(days=2), minutes_on, target_minutes, is_off, trail)
    yesterday = walk(checkpoint, today - timedelta(days=1), minutes_on, target_minutes, is_off, trail)
    today_done = minutes_on(today) >= target_minutes
    repairs = len(trail.repaired)
    final = step(yesterday, today, minutes_on(today), target_minutes, is_off(today), trail) if today_done \
        else yesterday
    repaired_today = len(trail.repaired) > repairs
    offer = None
    if yesterday.offer and yesterday.offer_day is not None and not repaired_today \
            and can_repair(yesterday.last_repair, today):
        offer = Offer(yesterday.offer_day, yesterday.offer, REPAIR_FACTOR * target_minutes)
    result = StreakStatus(final.streak, final.longest, final.freezes, today_done, tuple(trail.frozen),
                          tuple(trail.repaired), tuple(trail.repaired_on), repaired_today, offer)
    return result, checkpoint if checkpoint.through >= first_day - timedelta(days=1) else None
