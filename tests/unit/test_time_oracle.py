"""An oracle for local time (issue 13): the schedule's next-fire computations against an independent model.

Every IANA zone whose UTC offset changes in 2026-2027, every such transition, rollover hours 0-6, and wall
times on both sides of each gap or overlap (and at the rollover hour): `local_day`, `day_end`, `next_daily`
(the instant *and* the local date, with `after` just before each occurrence and exactly at the previous
one), chains of consecutive daily occurrences, `next_lastcall` and `next_weekly` are compared with a
reference written here from DESIGN.md's rules:

- a local date D owns the wall times from r:00 on D up to r:00 on D+1, so wall time `at` belongs to D on
  wall date D when at.hour >= r, else on wall date D+1;
- a wall time skipped by a DST jump fires at the first valid instant after it (the transition instant);
  a wall time repeated by a fall-back fires once, at its first occurrence;
- `day_end(D)` is wall r:00 on D+1 under the same rules; a last call is `day_end(D) - minutes`.

The reference does not use bot/localtime or bot/schedule. It works from a table of the zone's transitions,
found by scanning the zone's own UTC offsets (UTC instant -> offset is the tz data itself; wall -> instant,
gaps, folds and local dates are all worked out here). Two outside libraries check the reference itself:
`python-dateutil` classifies every wall time it resolves (exists / ambiguous) and its `resolve_imaginary`
must agree on the size of every gap, and APScheduler 3's `CronTrigger` must fire where the reference says
(after adapting for the two places where its semantics differ from ours, see `test_reference_agrees_with_cron`).

The heavy loop is one test. It runs the full set of checks once per distinct transition table (zones whose
offsets agree at every instant of the scanned span get the same answers from every function under test;
each zone's table is scanned on its own), then a lighter set (day ends, daily occurrences next to each
transition, every rollover hour) on every zone. It prints its comparison count and runtime.
"""

from __future__ import annotations

import time as clock
from bisect import bisect_right
from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo, available_timezones

import pytest
from apscheduler.triggers.cron import CronTrigger
from dateutil import tz as dateutil_tz

from bot.localtime import local_day
from bot.schedule import Slot, day_end, next_daily, next_lastcall, next_weekly

WINDOW = (datetime(2026, 1, 1, tzinfo=UTC), datetime(2028, 1, 1, tzinfo=UTC))  # transitions under test
SCAN = (datetime(2025, 11, 1, tzinfo=UTC), datetime(2028, 2, 15, tzinfo=UTC))  # margin for ±12-day windows
SCAN_STEP = 12 * 3600  # seconds; no zone changes offset twice within 12 hours
ROLLOVERS = range(7)
LASTCALL_MINUTES = (15, 60, 120, 720)  # the command allows 15 minutes to 12 hours; the jump's size is added
SECOND = timedelta(seconds=1)
MINUTE = timedelta(minutes=1)
DAY = timedelta(days=1)


# --- the reference -------------------------------------------------------------------------------------------


class ZoneTable:
    """A zone as its list of offset transitions over SCAN, found from the zone's UTC offsets alone."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.zone = ZoneInfo(name)
        start, end = int(SCAN[0].timestamp()), int(SCAN[1].timestamp())
        self.initial = self._offset_at(start)
        transitions: list[tuple[datetime, timedelta, timedelta]] = []
        previous = self.initial
        for low in range(start, end, SCAN_STEP):
            high = low + SCAN_STEP
            current = self._offset_at(high)
            if current == previous:
                continue
            # Our own search over UTC seconds: the offset is `previous` at low and `current` at high.
            while high - low > 1:
                middle = (low + high) // 2
                if self._offset_at(middle) == previous:
                    low = middle
                else:
                    high = middle
            assert self._offset_at(high) == current, f"{name}: two changes within {SCAN_STEP} s"
            transitions.append((datetime.fromtimestamp(high, UTC), previous, current))
            previous = current
        self.transitions = transitions
        self.starts = [instant for instant, _, _ in transitions]
        self.offsets = sorted({self.initial, *(after for _, _, after in transitions)})
        self.signature = (self.initial, tuple(transitions))
        self._walls: dict[datetime, datetime] = {}

    def _offset_at(self, timestamp: int) -> timedelta:
        offset = datetime.fromtimestamp(timestamp, UTC).astimezone(self.zone).utcoffset()
        assert offset is not None
        return offset

    def offset(self, instant: datetime) -> timedelta:
        """The UTC offset in force at `instant`, from the table."""
        index = bisect_right(self.starts, instant)
        return self.transitions[index - 1][2] if index else self.initial

    def wall(self, instant: datetime) -> datetime:
        """The naive wall-clock reading of `instant`."""
        return (instant + self.offset(instant)).replace(tzinfo=None)

    def local_day(self, instant: datetime, rollover: int) -> date:
        return (self.wall(instant) - timedelta(hours=rollover)).date()

    def wall_to_utc(self, wall: datetime) -> datetime:
        """The instant of a naive wall time: the first of its readings, or the transition that skips it."""
        cached = self._walls.get(wall)
        if cached is None:
            cached = self._walls[wall] = self._resolve(wall)
        return cached

    def _resolve(self, wall: datetime) -> datetime:
        readings = []
        for offset in self.offsets:
            instant = (wall - offset).replace(tzinfo=UTC)
            if self.offset(instant) == offset:
                readings.append(instant)
        # dateutil's view of the same wall time. Its `datetime_ambiguous` compares fold=0 with fold=1, which
        # also differ inside a gap for zoneinfo, so "ambiguous" here means "ambiguous and existing".
        aware = wall.replace(tzinfo=self.zone)
        exists = dateutil_tz.datetime_exists(aware)
        ambiguous = exists and dateutil_tz.datetime_ambiguous(aware)
        assert exists == bool(readings), f"{self.name} {wall}: dateutil exists={exists}, table {readings}"
        assert ambiguous == (len(readings) > 1), f"{self.name} {wall}: dateutil ambiguous={ambiguous}, {readings}"
        if readings:
            return min(readings)  # repeated by a fall-back: the first occurrence only
        # Skipped: the rule wants the first valid instant after it, i.e. the transition whose wall-clock
        # jump [before, after) contains it.
        gaps = [(instant, before, after) for instant, before, after in self.transitions
                if (instant + before).replace(tzinfo=None) <= wall < (instant + after).replace(tzinfo=None)]
        assert len(gaps) == 1, f"{self.name} {wall}: in {len(gaps)} gaps"
        transition, before, after = gaps[0]
        # dateutil resolves a skipped time differently: it moves the wall time forward by the gap's size,
        # which is the instant `wall - before`, later than the transition unless `wall` is the gap's first
        # second. Check that it sees the same gap, then keep the rule's answer.
        resolved = dateutil_tz.resolve_imaginary(aware)
        assert resolved.replace(tzinfo=None) == wall + (after - before), f"{self.name} {wall}: {resolved}"
        assert resolved.astimezone(UTC) == (wall - before).replace(tzinfo=UTC)
        return transition

    # The rules, written directly.
    def occurrence(self, day: date, at: time, rollover: int) -> datetime:
        wall_day = day if at.hour >= rollover else day + DAY
        return self.wall_to_utc(datetime.combine(wall_day, at))

    def day_end(self, day: date, rollover: int) -> datetime:
        return self.wall_to_utc(datetime.combine(day + DAY, time(rollover)))


class Series:
    """Occurrences (instant, local date) for consecutive local dates: `first_after` is the answer to every
    "first one strictly after" question, by bisection over the whole list rather than a short walk."""

    def __init__(self, items: list[tuple[datetime, date]]) -> None:
        self.items = items
        self.instants = [instant for instant, _ in items]

    def first_after(self, after: datetime) -> Slot:
        index = bisect_right(self.instants, after)
        # The list is increasing (checked where it is built), so one element at or before `after` proves
        # no earlier date outside the list could be the answer, and one after it is the answer.
        assert 0 < index < len(self.items), f"the reference window does not cover {after}"
        instant, day = self.items[index]
        return Slot(day, instant)


# --- finding the zones ---------------------------------------------------------------------------------------

_TABLES: list[ZoneTable] | None = None


def dst_tables() -> list[ZoneTable]:
    """Every IANA zone whose offset changes during 2026-2027, as a transition table."""
    global _TABLES
    if _TABLES is None:
        tables = []
        for name in sorted(available_timezones()):
            try:
                table = ZoneTable(name)
            except (ValueError, OSError):  # pragma: no cover - a name without data
                continue
            if any(WINDOW[0] <= instant < WINDOW[1] for instant in table.starts):
                tables.append(table)
        _TABLES = tables
    return _TABLES


def test_the_dst_zones_are_found() -> None:
    names = {table.name for table in dst_tables()}
    assert {"America/New_York", "Europe/Berlin", "Australia/Lord_Howe", "Antarctica/Troll",
            "America/Santiago", "Pacific/Auckland", "Africa/Casablanca"} <= names
    assert not {"UTC", "Asia/Tokyo", "Asia/Kolkata", "America/Phoenix"} & names
    assert len(names) > 100
    new_york = next(table for table in dst_tables() if table.name == "America/New_York")
    assert [instant for instant in new_york.starts if WINDOW[0] <= instant < WINDOW[1]] == [
        datetime(2026, 3, 8, 7, tzinfo=UTC), datetime(2026, 11, 1, 6, tzinfo=UTC),
        datetime(2027, 3, 14, 7, tzinfo=UTC), datetime(2027, 11, 7, 6, tzinfo=UTC)]


def test_reference_on_the_issue_example() -> None:
    """Issue 13, defect 3: New York, rollover 3, reminder 02:30 on the night the clocks go forward."""
    new_york = next(table for table in dst_tables() if table.name == "America/New_York")
    assert new_york.occurrence(date(2026, 3, 7), time(2, 30), 3) == datetime(2026, 3, 8, 7, tzinfo=UTC)
    assert new_york.occurrence(date(2026, 3, 8), time(2, 30), 3) == datetime(2026, 3, 9, 6, 30, tzinfo=UTC)
    assert new_york.day_end(date(2026, 3, 7), 3) == datetime(2026, 3, 8, 7, tzinfo=UTC)
    # fall-back: 01:30 happens twice on 1 November; it fires once, at the first (EDT) one
    assert new_york.occurrence(date(2026, 10, 31), time(1, 30), 3) == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)


# --- the reference against APScheduler -----------------------------------------------------------------------


def test_reference_agrees_with_cron() -> None:
    """CronTrigger's daily fire times, adapted, equal the reference's wall-time instants around every
    transition of every distinct zone table (rollover 0, so the local date is the wall date).

    APScheduler 3 differs from the rule twice: a skipped time fires at the wall time read with the offset
    before the jump (the gap's size later than the transition) or, when the jump touches midnight, not at
    all that day (and then it may also miss the first wall time after the jump); so for a skipped time we
    check only that, and take the transition from the table. A repeated time fires twice, so only the first
    fire of each wall date counts.
    """
    checked = 0
    for table in _distinct(dst_tables()):
        for transition, before, after in _in_window(table):
            wall_day = (transition + before).date()
            for at in sorted(_transition_times(transition, before, after)):
                trigger = CronTrigger(hour=at.hour, minute=at.minute, second=at.second, timezone=table.zone)
                start = datetime.combine(wall_day - 2 * DAY, time(12)).replace(tzinfo=UTC)
                fire = trigger.get_next_fire_time(None, start)
                seen: set[date] = set()
                while fire is not None and fire.replace(tzinfo=None).date() <= wall_day + 2 * DAY:
                    day = fire.replace(tzinfo=None).date()
                    if day not in seen:
                        seen.add(day)
                        expected = table.wall_to_utc(datetime.combine(day, at))
                        wall = datetime.combine(day, at)
                        if dateutil_tz.datetime_exists(wall.replace(tzinfo=table.zone)):
                            assert fire.astimezone(UTC) == expected, (table.name, wall, fire)
                        else:
                            assert fire.astimezone(UTC) == (wall - before).replace(tzinfo=UTC), (table.name, fire)
                            assert expected == transition, (table.name, wall, expected)
                        checked += 1
                    fire = trigger.get_next_fire_time(fire, fire)
                for day in (wall_day + k * DAY for k in range(-1, 3)):
                    wall = datetime.combine(day, at)
                    # CronTrigger may drop a date whose wall time is skipped, or lies within one jump after a
                    # skipped midnight (it steps the day field from a time that does not exist)
                    assert day in seen or not all(
                        dateutil_tz.datetime_exists(moment.replace(tzinfo=table.zone))
                        for moment in (wall, wall - abs(after - before))), (table.name, wall, sorted(seen))
    assert checked > 1000


# --- the product against the reference ------------------------------------------------------------------------


def _distinct(tables: list[ZoneTable]) -> list[ZoneTable]:
    by_signature: dict[object, ZoneTable] = {}
    for table in tables:
        by_signature.setdefault(table.signature, table)
    return list(by_signature.values())


def _in_window(table: ZoneTable) -> list[tuple[datetime, timedelta, timedelta]]:
    return [item for item in table.transitions if WINDOW[0] <= item[0] < WINDOW[1]]


def _transition_times(transition: datetime, before: timedelta, after: timedelta) -> set[time]:
    """Wall times at, just before, inside and just after the gap or overlap of one transition."""
    first, last = sorted(((transition + before).replace(tzinfo=None), (transition + after).replace(tzinfo=None)))
    middle = first + (last - first) / 2
    return {moment.time() for moment in (first - MINUTE, first, first + MINUTE, middle, last - MINUTE, last,
                                          last + MINUTE)}


def _rollover_times(rollover: int) -> set[time]:
    edge = datetime.combine(date(2026, 1, 2), time(rollover))
    return {(edge + delta).time() for delta in (-MINUTE, timedelta(0), MINUTE)}


class Mismatches:
    def __init__(self) -> None:
        self.count = 0
        self.by_function: dict[str, int] = defaultdict(int)
        self.samples: list[str] = []
        self.comparisons = 0

    def check(self, function: str, context: tuple[object, ...], expected: object, got: object) -> None:
        self.comparisons += 1
        if expected == got:
            return
        self.count += 1
        self.by_function[function] += 1
        if len(self.samples) < 40:
            self.samples.append(f"{function}{context}: expected {expected!r}, got {got!r}")


# --- a defect the oracle found (fixed) -------------------------------------------------------------------------
# When the rollover hour lies strictly inside a repeated (fall-back) hour -- Antarctica/Troll (03:00 -> 01:00)
# with rollover 2, Pacific/Chatham (03:45 -> 02:45) with rollover 3 -- the wall clock passes r:00 (local date
# D+1 begins) and then goes back below it, so during the second pass `local_day` says D although D ended.
# `next_weekly` started its nine-day walk one date too early: when D+1's occurrence had already happened,
# the next one (D+8) was outside the walk and it raised AssertionError. The smallest examples:

WEEKLY_DEFECT_EXAMPLES = [
    # zone, rollover, after, weekday (Sunday), wall time, expected Slot
    ("Antarctica/Troll", 2, datetime(2026, 10, 25, 1, 30, tzinfo=UTC), 6, time(2, 0),
     Slot(date(2026, 11, 1), datetime(2026, 11, 1, 2, 0, tzinfo=UTC))),
    ("Pacific/Chatham", 3, datetime(2026, 4, 4, 14, 10, tzinfo=UTC), 6, time(3, 0),
     Slot(date(2026, 4, 12), datetime(2026, 4, 11, 14, 15, tzinfo=UTC))),
]


@pytest.mark.parametrize("example", WEEKLY_DEFECT_EXAMPLES, ids=lambda example: example[0])
def test_reference_on_the_weekly_defect_examples(example: tuple) -> None:
    name, rollover, after, weekday, at, expected = example
    table = next(table for table in dst_tables() if table.name == name)
    # `after` is in the second pass: past the end of the date local_day gives it
    assert table.local_day(after, rollover) == expected.day - 8 * DAY
    assert after >= table.day_end(expected.day - 8 * DAY, rollover)
    reference = Series([(table.occurrence(day, at, rollover), day)
                        for day in (date(2026, 1, 1) + k * DAY for k in range(365)) if day.weekday() == weekday])
    assert reference.first_after(after) == expected


@pytest.mark.parametrize("example", WEEKLY_DEFECT_EXAMPLES, ids=lambda example: example[0])
def test_next_weekly_in_a_repeated_rollover_hour(example: tuple) -> None:
    name, rollover, after, weekday, at, expected = example
    assert next_weekly(after, weekday, at, ZoneInfo(name), rollover) == expected


def _call(function, *args):  # returns whatever the product returns, or the exception it raised
    try:
        return function(*args)
    except Exception as error:  # an exception is a disagreement to report, not a crash
        return f"raised {type(error).__name__}: {error}"


def test_schedule_matches_the_reference_in_every_dst_zone(capsys: pytest.CaptureFixture[str]) -> None:
    started = clock.perf_counter()
    tables = dst_tables()
    representatives = _distinct(tables)
    found = Mismatches()
    chains = 0
    for table in representatives:
        zone, name = table.zone, table.name
        for transition, before, after in _in_window(table):
            base = (transition + before).replace(tzinfo=None).date()  # the wall date the transition happens on
            days = [base + k * DAY for k in range(-12, 13)]
            jump = abs(after - before)
            for rollover in ROLLOVERS:
                ends = [table.day_end(day, rollover) for day in days]
                assert ends == sorted(set(ends)), (name, rollover, ends)
                # afters that do not depend on the wall time: around the transition (and across an
                # overlap's second pass) and around each day end
                around = {transition + delta for delta in (-SECOND, timedelta(0), SECOND, jump / 2, jump - SECOND,
                                                           jump, jump + SECOND)}
                shared = around | {end + delta for end in ends[10:14] for delta in (-SECOND, timedelta(0), SECOND)}

                # local_day: around the transition, every 10 minutes, and at every shared after
                for instant in sorted(shared | {transition + k * 10 * MINUTE for k in range(-24, 25)}):
                    found.check("local_day", (name, rollover, instant), table.local_day(instant, rollover),
                                local_day(instant, zone, rollover))
                # day_end, and the reference's own promise that D's end starts D+1
                for day, end in zip(days[8:16], ends[8:16], strict=True):
                    found.check("day_end", (name, day, rollover), end, _call(day_end, day, zone, rollover))
                    assert table.local_day(end, rollover) == day + DAY, (name, day, rollover)

                # last calls: just before each candidate, exactly at it, and at the shared afters
                for minutes in sorted({*LASTCALL_MINUTES, *(m for m in (jump // MINUTE,) if 15 <= m <= 720)}):
                    series = Series([(end - timedelta(minutes=minutes), day)
                                     for day, end in zip(days, ends, strict=True)])
                    candidates = series.instants[9:16]  # the dates base-3 .. base+3
                    afters = shared | {c - SECOND for c in candidates} | set(candidates)
                    for after_ in sorted(afters):
                        found.check("next_lastcall", (name, rollover, minutes, after_), series.first_after(after_),
                                    _call(next_lastcall, after_, minutes, zone, rollover))

                for at in sorted(_transition_times(transition, before, after) | _rollover_times(rollover)):
                    occurrences = [table.occurrence(day, at, rollover) for day in days]
                    assert occurrences == sorted(set(occurrences)), (name, rollover, at, occurrences)
                    daily = Series(list(zip(occurrences, days, strict=True)))
                    near = occurrences[9:16]  # the dates base-3 .. base+3
                    afters = shared | {o - SECOND for o in near} | set(near)
                    for after_ in sorted(afters):
                        found.check("next_daily", (name, rollover, at, after_), daily.first_after(after_),
                                    _call(next_daily, after_, at, zone, rollover))

                    # a chain across the transition: each local date exactly once, instants increasing
                    slot = daily.first_after(occurrences[8] - SECOND)
                    got_chain = [slot]
                    for _ in range(6):
                        step = _call(next_daily, got_chain[-1].at, at, zone, rollover)
                        if not isinstance(step, Slot):
                            break
                        got_chain.append(step)
                    chains += 1
                    expected_chain = [Slot(day, instant)
                                      for instant, day in zip(occurrences[8:15], days[8:15], strict=True)]
                    found.check("daily chain", (name, rollover, at, occurrences[8]), expected_chain, got_chain)
                    found.check("chain shape", (name, rollover, at, occurrences[8]), True,
                                [s.day for s in got_chain] == [got_chain[0].day + k * DAY for k in range(7)]
                                and all(a.at < b.at for a, b in pairwise(got_chain)))

                    # weekly, for the weekdays of the dates next to the transition
                    for weekday in {day.weekday() for day in days[11:14]}:
                        weekly = Series([(o, d) for o, d in zip(occurrences, days, strict=True)
                                         if d.weekday() == weekday])
                        for after_ in sorted(around | {o - SECOND for o in near[2:5]} | set(near[2:5])):
                            got = _call(next_weekly, after_, weekday, at, zone, rollover)
                            expected = weekly.first_after(after_)
                            found.check("next_weekly", (name, rollover, weekday, at, after_), expected, got)

    # Every other zone directly too, lighter: day ends, and each daily occurrence next to a transition
    # (reached from the previous one), for every rollover hour.
    for table in tables:
        zone, name = table.zone, table.name
        for transition, before, after in _in_window(table):
            base = (transition + before).replace(tzinfo=None).date()
            days = [base + k * DAY for k in range(-2, 2)]
            first, last = sorted((transition + before, transition + after))
            edges = {first.time(), (first + (last - first) / 2).time(), (last - MINUTE).time()}
            for rollover in ROLLOVERS:
                for day in days[1:3]:
                    found.check("day_end", (name, day, rollover), table.day_end(day, rollover),
                                _call(day_end, day, zone, rollover))
                for at in edges | {time(rollover)}:
                    occurrences = [table.occurrence(day, at, rollover) for day in days]
                    for previous, instant, day in zip(occurrences, occurrences[1:], days[1:], strict=False):
                        found.check("next_daily", (name, rollover, at, previous), Slot(day, instant),
                                    _call(next_daily, previous, at, zone, rollover))

    elapsed = clock.perf_counter() - started
    with capsys.disabled():
        print(f"\ntime oracle: {len(tables)} DST zones in {len(representatives)} distinct transition tables, "
              f"{found.comparisons} comparisons ({chains} chains), {found.count} disagreements, "
              f"{elapsed:.1f} s")
    assert not found.count, (
        f"{found.count} disagreements {dict(found.by_function)}:\n" + "\n".join(found.samples))
