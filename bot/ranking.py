"""Leaderboard building blocks: competition ranking (1, 2, 2, 4), what a board asks storage for, and the
streak a board can rank without walking anyone's history.

The board streak. After a membership's last *done* day every day is either off or missed, so its streak
as of any later `today` needs no walk (DESIGN.md's rules): it stands as long as the missed days since — not
counting today, which is not over yet — fit into the freezes it had on its last done day, and is 0 after (a
repair offer restores nothing until a done day). Counting days that are not off, that is through
`alive_until`, the (freezes + 1)-th such day after the last done day. `longest` cannot grow after the last
done day either. So storage keeps, per membership, the walk's state on its last done day (`BoardStreak`),
updates it when a check-in makes a later day done, and forgets it (None: unknown, worked out again by the
board) when a check-in makes an earlier day done, lifts a repair offer's day to twice the target
(`mendable`), when a check-in is undone, when off days change or when the cohort's daily target changes.
`tests/unit` holds these functions to the reference walk.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TypeVar

from bot.streaks import REPAIR_FACTOR, StreakState, can_repair, step, walk

Row = TypeVar("Row")
ONE_DAY = timedelta(days=1)
BOARD_KINDS = ("streak", "week", "month", "all")


def competition_ranks(rows: Sequence[Row], key: Callable[[Row], Hashable]) -> list[int]:
    ranks: list[int] = []
    for index, row in enumerate(rows):
        if index and key(row) == key(rows[index - 1]):
            ranks.append(ranks[-1])
        else:
            ranks.append(index + 1)
    return ranks


@dataclass(frozen=True)
class BoardStreak:
    """The streak walk's state on the membership's last done day (`day`; None: no done day yet)."""

    day: date | None = None
    streak: int = 0
    freezes: int = 0
    longest: int = 0
    alive_until: date | None = None  # the last `today` on which `streak` still stands
    last_repair: date | None = None
    mendable: int = 0  # the streak `day` would restore with twice the daily target (a repair offer it fell short of)

    def as_of(self, today: date) -> tuple[int, int] | None:
        """(current streak, longest) as of `today`; None when the last done day lies after `today` (a member
        moved west, or the cohort's day boundary moved): only a walk knows those."""
        if self.day is None:
            return 0, 0
        if self.day > today:
            return None
        assert self.alive_until is not None
        return (self.streak if today <= self.alive_until else 0), self.longest


FOREVER = date.max
_LOOK_AHEAD = 1000  # off days repeat weekly after the last holiday and pause; past this many, every day is off


def alive_until(day: date, freezes: int, is_off: Callable[[date], bool]) -> date:
    """The (freezes + 1)-th day after `day` that is not an off day."""
    left = freezes + 1
    for _ in range(_LOOK_AHEAD):
        day += ONE_DAY
        if not is_off(day):
            left -= 1
            if left == 0:
                return day
    return FOREVER


def _settle(before: StreakState, day: date, minutes: int, target: int, is_off: Callable[[date], bool]) -> BoardStreak:
    """The board state once done day `day` (with `minutes`) follows the walk's state `before`."""
    after = step(before, day, minutes, target, is_off(day))
    mendable = before.offer if before.offer and minutes < REPAIR_FACTOR * target \
        and can_repair(before.last_repair, day) else 0
    return BoardStreak(day, after.streak, after.freezes, after.longest, alive_until(day, after.freezes, is_off),
                       after.last_repair, mendable)


def board_streak(minutes_by_day: Mapping[date, int], target: int, is_off: Callable[[date], bool]) -> BoardStreak:
    """The state from a membership's whole history (every local date with minutes)."""
    done = {day for day, minutes in minutes_by_day.items() if minutes >= target}
    if not done:
        return BoardStreak()
    # Before the first done day the streak is 0 and no freeze is earned: start the walk there.
    last = max(done)
    before = walk(StreakState(through=min(done) - ONE_DAY), last - ONE_DAY, lambda day: minutes_by_day.get(day, 0),
                  target, is_off)
    return _settle(before, last, minutes_by_day[last], target, is_off)


def after_done_day(state: BoardStreak, day: date, minutes: int, target: int,
                   is_off: Callable[[date], bool]) -> BoardStreak:
    """The state once `day`, later than the last done day, has become done with `minutes` (the days between
    are not)."""
    if state.day is None:
        return _settle(StreakState(through=day - ONE_DAY), day, minutes, target, is_off)
    assert day > state.day, "an earlier day becoming done needs the whole walk again"
    start = StreakState(state.streak, state.freezes, state.longest, state.day, last_repair=state.last_repair)
    return _settle(walk(start, day - ONE_DAY, lambda _: 0, target, is_off), day, minutes, target, is_off)


@dataclass(frozen=True)
class Board:
    """One leaderboard of one cohort, as storage is asked for it."""

    cohort_id: int
    kind: str  # one of BOARD_KINDS
    starts_on: date | None = None  # week and month: the period's first local date
    # streak: each member time zone's local date now (key None: members who use the cohort's zone)
    today: Mapping[str | None, date] = field(default_factory=dict)

    def today_in(self, zone: str | None) -> date:
        return self.today.get(zone, self.today[None])


@dataclass(frozen=True)
class BoardEntry:
    """A visible, active member's standing: `value` is days of streak or minutes; `longest` breaks streak ties."""

    membership_id: int
    member_id: int
    name: str
    value: int
    longest: int = 0

    @property
    def key(self) -> tuple[int, int]:
        return self.value, self.longest


def best_first(entry: BoardEntry) -> tuple[int, int, str, int]:
    """The board's order: value, then longest, then name ignoring case (then join order, as before)."""
    return -entry.value, -entry.longest, entry.name.lower(), entry.membership_id
