"""Leaderboard building blocks: competition ranking (1, 2, 2, 4), what a board asks storage for, and the
streak a board can rank without walking anyone's history.

The board streak. After a membership's last *done* day every day is either paused or missed, so its
streak as of any later `today` needs no walk (DESIGN.md's rules): it stands as long as the missed, unpaused
days since — not counting today, which is not over yet — fit into the freezes it had on its last done day,
and is 0 after. Counting unpaused days, that is through `alive_until`, the (freezes + 1)-th unpaused day
after the last done day. `longest` cannot grow after the last done day either. So storage keeps, per
membership, the walk's state on its last done day (`BoardStreak`), updates it when a check-in makes a
later day done, and forgets it (None: unknown, worked out again by the board) when a check-in makes an
earlier day done, when pauses change or when the cohort's daily target changes. `tests/unit` holds these
functions to `bot.streaks.reference_walk`.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TypeVar

from bot.streaks import StreakState, walk

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

    def as_of(self, today: date) -> tuple[int, int] | None:
        """(current streak, longest) as of `today`; None when the last done day lies after `today` (a member
        moved west, or the cohort's day boundary moved): only a walk knows those."""
        if self.day is None:
            return 0, 0
        if self.day > today:
            return None
        assert self.alive_until is not None
        return (self.streak if today <= self.alive_until else 0), self.longest


def alive_until(day: date, freezes: int, is_paused: Callable[[date], bool]) -> date:
    """The (freezes + 1)-th unpaused day after `day`."""
    left = freezes + 1
    while True:
        day += ONE_DAY
        if not is_paused(day):
            left -= 1
            if left == 0:
                return day


def _on(state: StreakState, is_paused: Callable[[date], bool]) -> BoardStreak:
    assert state.through is not None
    return BoardStreak(state.through, state.streak, state.freezes, state.longest,
                       alive_until(state.through, state.freezes, is_paused))


def board_streak(minutes_by_day: Mapping[date, int], target: int, is_paused: Callable[[date], bool]) -> BoardStreak:
    """The state from a membership's whole history (every local date with minutes)."""
    done = {day for day, minutes in minutes_by_day.items() if minutes >= target}
    if not done:
        return BoardStreak()
    # Before the first done day the streak is 0 and no freeze is earned: start the walk there.
    start = StreakState(through=min(done) - ONE_DAY)
    return _on(walk(start, max(done), done.__contains__, is_paused), is_paused)


def after_done_day(state: BoardStreak, day: date, is_paused: Callable[[date], bool]) -> BoardStreak:
    """The state once `day`, later than the last done day, has become done (the days between are not)."""
    if state.day is None:
        start = StreakState(through=day - ONE_DAY)
    else:
        assert day > state.day, "an earlier day becoming done needs the whole walk again"
        start = StreakState(state.streak, state.freezes, state.longest, state.day)
    return _on(walk(start, day, day.__eq__, is_paused), is_paused)


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
