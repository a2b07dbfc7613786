"""bot/offdays.py: weekdays as typed and read back, a weekday setting's history, holidays by the year."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.offdays import (
    EVERY_DAY,
    NO_DAY,
    Holiday,
    WeekdaysError,
    WeeklyDays,
    describe,
    is_off_day,
    parse_weekdays,
)
from tests.model import reference as ref

MONDAY = date(2026, 3, 2)


@pytest.mark.parametrize(("typed", "days"), [
    ("mon-fri", {0, 1, 2, 3, 4}), ("sat,sun", {5, 6}), ("sat sun", {5, 6}), ("Fri-Mon", {4, 5, 6, 0}),
    ("all", set(range(7))), ("weekdays", {0, 1, 2, 3, 4}), ("weekend", {5, 6}), ("off", set()),
    ("monday,Wednesday", {0, 2}), ("thurs", {3}), ("sun-sun", {6}), ("tue, thu", {1, 3}),
])
def test_parse_weekdays(typed: str, days: set[int]) -> None:
    assert parse_weekdays(typed) == sum(1 << day for day in days)


@pytest.mark.parametrize("typed", ["", "funday", "mon-", "-fri", "mon-xyz", ",", "1,2"])
def test_parse_weekdays_refuses_what_it_cannot_read(typed: str) -> None:
    with pytest.raises(WeekdaysError):
        parse_weekdays(typed)


@given(st.sets(st.integers(0, 6)))
def test_describe_reads_back_as_the_same_days(days: set[int]) -> None:
    mask = sum(1 << day for day in days)
    shown = describe(mask)
    assert parse_weekdays({"none": "off"}.get(shown, shown)) == mask
    assert ref.weekdays({"none": "off"}.get(shown, shown)) == days  # and as the model reads them


def test_describe_groups_runs_of_three_or_more() -> None:
    assert describe(parse_weekdays("mon,tue,wed,fri")) == "mon-wed,fri"
    assert describe(parse_weekdays("sat,sun")) == "sat,sun"
    assert (describe(EVERY_DAY), describe(NO_DAY)) == ("all", "none")


@given(st.lists(st.tuples(st.integers(0, 40), st.integers(0, 127)), max_size=6), st.integers(0, 127))
def test_weekly_days_keep_the_past_as_it_was(changes: list[tuple[int, int]], initial: int) -> None:
    """Each change applies from its day on and replaces later ones: the model's reading (the latest change made
    whose start is not after the day) agrees, and days before a change keep what they had."""
    history = WeeklyDays(initial)
    made: list[ref.DaysChange] = []
    moment = 0
    for offset, mask in changes:
        before = history
        start = MONDAY + timedelta(days=offset)
        history = history.set_from(start, mask)
        for day in (start - timedelta(days=k) for k in range(1, 8)):
            assert history.mask_on(day) == before.mask_on(day)
        moment += 1
        made.append(ref.DaysChange(_instant(moment), start, frozenset(d for d in range(7) if mask >> d & 1)))
    for day in (MONDAY + timedelta(days=k) for k in range(-3, 50)):
        expected = ref.weekdays_on(made, day, _instant(moment), frozenset(d for d in range(7) if initial >> d & 1))
        assert history.includes(day) == (day.weekday() in expected)


def _instant(n: int) -> datetime:
    return datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=n)


def test_set_from_the_same_days_adds_no_change() -> None:
    history = WeeklyDays(EVERY_DAY).set_from(MONDAY, parse_weekdays("mon-fri"))
    assert history.set_from(MONDAY + timedelta(days=3), parse_weekdays("mon-fri")) == history
    assert len(history.changes) == 1


def test_holiday_days_by_year_and_description() -> None:
    winter = Holiday(date(2026, 12, 28), date(2027, 1, 3), "Winter break")
    assert winter.days == 7
    assert [winter.days_in_year(year) for year in (2026, 2027, 2028)] == [4, 3, 0]
    assert winter.describe() == "2026-12-28 to 2027-01-03 Winter break"
    assert Holiday(MONDAY, MONDAY).describe() == "2026-03-02"


def test_an_off_day_is_any_of_the_four() -> None:
    study, rest = WeeklyDays(parse_weekdays("mon-fri")), WeeklyDays(parse_weekdays("wed"))
    holidays = (Holiday(MONDAY, MONDAY),)

    class Pause:
        def covers(self, day: date) -> bool:
            return day == MONDAY + timedelta(days=3)

    off = [is_off_day(MONDAY + timedelta(days=k), study=study, holidays=holidays, rest=rest, pauses=(Pause(),))
           for k in range(7)]
    assert off == [True, False, True, True, False, True, True]  # holiday, -, rest, paused, -, weekend
