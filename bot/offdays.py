"""Off days (DESIGN.md "Off days, repair and undo"): a cohort's study days and holidays, a member's rest days.

Each setting changes only today and the future, like a change of time zone: `WeeklyDays` keeps every change
with the date it took effect, so a day already lived keeps the status it had (no `rest mon` after a missed
Monday to mend a streak, no saved walk made stale), and a holiday can be added or ended only from today on.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import partial
from typing import Protocol

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
EVERY_DAY = 0b1111111
NO_DAY = 0
_NAMES = {name: index for index, name in enumerate(WEEKDAYS)} | {
    full: index for index, full in enumerate(("monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
                                              "sunday"))} | {"tues": 1, "thur": 3, "thurs": 3}
_WORDS = {"all": EVERY_DAY, "every": EVERY_DAY, "daily": EVERY_DAY, "weekdays": 0b0011111, "weekend": 0b1100000,
          "weekends": 0b1100000, "off": NO_DAY, "none": NO_DAY}


class WeekdaysError(ValueError):
    """Weekdays typed in a way `parse_weekdays` cannot read; the message says what was wrong."""


def parse_weekdays(text: str) -> int:
    """`mon-fri`, `mon,tue,thu`, `sat sun`, `weekdays`, `weekend`, `all`, `off` -> a mask (bit 0: Monday).
    A range wraps past Sunday (`fri-mon`)."""
    raw = text.strip().lower()
    if raw in _WORDS:
        return _WORDS[raw]
    mask = 0
    for part in filter(None, re.split(r"[,\s]+", raw)):
        if "-" in part:
            first, _, last = part.partition("-")
            start, end = _weekday(first), _weekday(last)
            index = start
            while True:
                mask |= 1 << index
                if index == end:
                    break
                index = (index + 1) % 7
        else:
            mask |= 1 << _weekday(part)
    if not mask:
        raise WeekdaysError("no weekday given")
    return mask


def _weekday(word: str) -> int:
    found = _NAMES.get(word.strip())
    if found is None:
        raise WeekdaysError(f"'{word[:20]}' is not a weekday")
    return found


def describe(mask: int) -> str:
    """`mon-fri`, `sat,sun`, `all`, `none`: how a mask reads back (runs of three or more as ranges)."""
    if mask == EVERY_DAY:
        return "all"
    if mask == NO_DAY:
        return "none"
    days = [index for index in range(7) if mask >> index & 1]
    runs: list[list[int]] = []
    for index in days:
        if runs and runs[-1][-1] == index - 1:
            runs[-1].append(index)
        else:
            runs.append([index])
    parts = []
    for run in runs:
        if len(run) >= 3:
            parts.append(f"{WEEKDAYS[run[0]]}-{WEEKDAYS[run[-1]]}")
        else:
            parts.extend(WEEKDAYS[index] for index in run)
    return ",".join(parts)


def count(mask: int) -> int:
    return bin(mask & EVERY_DAY).count("1")


@dataclass(frozen=True)
class WeeklyDays:
    """Weekdays as they were set over time: `initial` before the first change, then each `(from, mask)`."""

    initial: int
    changes: tuple[tuple[date, int], ...] = ()

    def mask_on(self, day: date) -> int:
        mask = self.initial
        for start, changed in self.changes:
            if start > day:
                break
            mask = changed
        return mask

    def includes(self, day: date) -> bool:
        return bool(self.mask_on(day) >> day.weekday() & 1)

    def set_from(self, day: date, mask: int) -> WeeklyDays:
        """The same history with `mask` in force from `day` on (later changes replaced)."""
        kept = tuple((start, changed) for start, changed in self.changes if start < day)
        before = WeeklyDays(self.initial, kept).mask_on(day - timedelta(days=1))
        return WeeklyDays(self.initial, kept if before == mask else (*kept, (day, mask)))


def study_days(mask: int = EVERY_DAY) -> WeeklyDays:
    return WeeklyDays(mask)


def rest_days(mask: int = NO_DAY) -> WeeklyDays:
    return WeeklyDays(mask)


MAX_HOLIDAY_SPAN = 31
MAX_HOLIDAY_DAYS_A_YEAR = 60
MAX_REST_DAYS = 3


@dataclass(frozen=True)
class Holiday:
    """A cohort's days off, `start` to `end` inclusive."""

    start: date
    end: date
    name: str = ""

    def covers(self, day: date) -> bool:
        return self.start <= day <= self.end

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def days_in_year(self, year: int) -> int:
        first, last = max(self.start, date(year, 1, 1)), min(self.end, date(year, 12, 31))
        return max(0, (last - first).days + 1)

    def describe(self) -> str:
        span = self.start.isoformat()
        if self.end != self.start:
            span += f" to {self.end.isoformat()}"
        return f"{span} {self.name}".rstrip()


def on_holiday(holidays: tuple[Holiday, ...], day: date) -> Holiday | None:
    return next((holiday for holiday in holidays if holiday.covers(day)), None)


class Span(Protocol):
    def covers(self, day: date) -> bool: ...


def is_off_day(day: date, *, study: WeeklyDays, holidays: tuple[Holiday, ...], rest: WeeklyDays,
               pauses: Sequence[Span] = ()) -> bool:
    """DESIGN.md's off day: outside the cohort's study days, a cohort holiday, a rest day, or paused."""
    return (not study.includes(day) or rest.includes(day) or on_holiday(holidays, day) is not None
            or any(pause.covers(day) for pause in pauses))


def off_days(study: WeeklyDays, holidays: tuple[Holiday, ...], rest: WeeklyDays,
             pauses: Sequence[Span] = ()) -> Callable[[date], bool]:
    """`is_off_day` for one member of one cohort, as the streak walk takes it."""
    return partial(is_off_day, study=study, holidays=holidays, rest=rest, pauses=tuple(pauses))


__all__ = [
    "EVERY_DAY",
    "NO_DAY",
    "WEEKDAYS",
    "Holiday",
    "WeekdaysError",
    "WeeklyDays",
    "count",
    "describe",
    "is_off_day",
    "off_days",
    "on_holiday",
    "parse_weekdays",
    "rest_days",
    "study_days",
]
