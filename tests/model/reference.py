"""A small reference model of studybot's rules, written from /work/shared/DESIGN.md and the README's Rules
section — deliberately *not* built on the bot's own rule code (bot.localtime, bot.schedule, bot.streaks,
bot.ranking): local days, wall-clock instants, the streak walk and the board order are worked out here
again, plainly, with zoneinfo and nothing else.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

MINUTE = timedelta(minutes=1)


def local_day(instant: datetime, zone: ZoneInfo, rollover_hour: int) -> date:
    """DESIGN.md: the local day of t is `(t in z - rollover_hour).date()` (wall-clock arithmetic)."""
    return (instant.astimezone(zone) - timedelta(hours=rollover_hour)).date()


def _wall(instant: datetime, zone: ZoneInfo) -> datetime:
    return instant.astimezone(zone).replace(tzinfo=None)


def wall_to_utc(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The instant wall time `at` on `day` happens in `zone`: its first occurrence when a fall-back repeats it,
    the first valid instant after it (the transition) when a spring-forward skips it.

    Worked out by trying every UTC offset the zone uses around that day, not with `fold`."""
    naive = datetime.combine(day, at)
    offsets = set()
    for hours in range(-48, 49, 6):
        probe = naive.replace(tzinfo=UTC) + timedelta(hours=hours)
        offset = probe.astimezone(zone).utcoffset()
        assert offset is not None
        offsets.add(offset)
    candidates = sorted((naive - offset).replace(tzinfo=UTC) for offset in offsets)
    valid = [u for u in candidates if _wall(u, zone) == naive]
    if valid:
        return valid[0]
    # Skipped wall time: the first minute whose wall clock reads at least `naive` (binary search).
    low, high = candidates[0], candidates[-1]
    assert _wall(low, zone) < naive <= _wall(high, zone)
    while high - low > MINUTE:
        middle = low + ((high - low) // MINUTE // 2) * MINUTE
        if _wall(middle, zone) >= naive:
            high = middle
        else:
            low = middle
    return high


def day_end(day: date, zone: ZoneInfo, rollover_hour: int) -> datetime:
    """When local date `day` rolls over: the rollover hour on the next calendar day."""
    return wall_to_utc(day + timedelta(days=1), time(rollover_hour), zone)


def daily_due(day: date, at: time, zone: ZoneInfo, rollover_hour: int) -> datetime:
    """A daily wall time (reminder, digest) for local date `day`. A local date owns the wall times from its
    rollover hour up to the next day's rollover hour, so a time before the rollover hour falls on the next
    calendar day."""
    wall_date = day if at >= time(rollover_hour) else day + timedelta(days=1)
    return wall_to_utc(wall_date, at, zone)


def lastcall_due(day: date, lead_minutes: int, zone: ZoneInfo, rollover_hour: int) -> datetime:
    return day_end(day, zone, rollover_hour) - timedelta(minutes=lead_minutes)


def occurrences(due: Callable[[date], datetime], zone: ZoneInfo, rollover_hour: int, after: datetime,
                until: datetime) -> list[tuple[date, datetime]]:
    """(local date, instant) of every occurrence with after < instant <= until, in time order."""
    first = local_day(after, zone, rollover_hour) - timedelta(days=2)
    last = local_day(until, zone, rollover_hour) + timedelta(days=2)
    found = []
    day = first
    while day <= last:
        instant = due(day)
        if after < instant <= until:
            found.append((day, instant))
        day += timedelta(days=1)
    return sorted(found, key=lambda pair: pair[1])


@dataclass(frozen=True)
class Streak:
    streak: int
    longest: int
    freezes: int
    today_done: bool
    repaired: tuple[date, ...] = ()  # missed days a later day repaired
    offer: tuple[date, int] | None = None  # (missed day, streak it broke) while a repair stands today
    repaired_on: tuple[date, ...] = ()  # the days that repaired them


def walk(minutes_by_day: Mapping[date, int], target: int, off: Callable[[date], bool], today: date) -> Streak:
    """DESIGN.md's walk with off days and repair, from the first check-in's date up to yesterday, then today.

    - done day (minutes >= target, off or not): streak + 1; every 7th streak day earns a freeze, at most 2 held;
    - an off day (holiday, outside study days, rest day, paused) that is not done: nothing changes;
    - a missed day: spends a freeze when there is one and a streak; else the streak is 0, and when it was S >= 1
      the next day that is not an undone off day may repair it: done with twice the target, and no repair in the
      30 days before it -> the streak is S + 1. Whatever that day is, the offer is then gone.
    - today: counts only once done; until then the streak stands, and so does a repair offer."""
    if not minutes_by_day:
        return Streak(0, 0, 0, False)
    streak = longest = freezes = 0
    broken: tuple[date, int] | None = None  # the missed day that broke a streak, and that streak
    repairs: list[date] = []  # the days that repaired one
    repaired: list[date] = []

    def earn() -> None:
        nonlocal streak, freezes, longest
        streak += 1
        if streak % 7 == 0 and freezes < 2:
            freezes += 1
        longest = max(longest, streak)

    def repair_allowed(day: date) -> bool:
        return all(not (day - timedelta(days=30) <= earlier < day) for earlier in repairs)

    day = min(minutes_by_day)
    offer_today = None
    while day <= today:
        minutes = minutes_by_day.get(day, 0)
        done = minutes >= target
        if day == today:
            if broken is not None and repair_allowed(today):
                offer_today = broken
            if not done:
                break
        if broken is not None and (done or not off(day)):
            if done and minutes >= 2 * target and repair_allowed(day):
                streak = broken[1]
                repairs.append(day)
                repaired.append(broken[0])
                if day == today:
                    offer_today = None
            broken = None
        if done:
            earn()
        elif off(day):
            pass
        elif freezes > 0 and streak > 0:
            freezes -= 1
        else:
            if streak >= 1:
                broken = (day, streak)
            streak = 0
        day += timedelta(days=1)
    return Streak(streak, longest, freezes, minutes_by_day.get(today, 0) >= target, tuple(repaired), offer_today,
                  tuple(repairs))


def competition_rows(entries: Iterable[tuple[str, int, int]]) -> list[dict[str, object]]:
    """Board rows from (name, value, tie-break) entries: best first (value, then tie-break, then name ignoring
    case), competition ranks (1, 2, 2, 4) over (value, tie-break), only values above zero."""
    ordered = sorted((e for e in entries if e[1] > 0), key=lambda e: (-e[1], -e[2], e[0].lower()))
    rows: list[dict[str, object]] = []
    for index, (name, value, tie) in enumerate(ordered):
        previous = ordered[index - 1] if index else None
        rank = rows[-1]["rank"] if previous is not None and (previous[1], previous[2]) == (value, tie) \
            else index + 1
        rows.append({"rank": rank, "name": name, "value": value})
    return rows


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def weekdays(pattern: str) -> set[int]:
    """`mon-fri`, `sat,sun`, `all`, `off`: weekday numbers (Monday 0), ranges wrapping past Sunday."""
    if pattern == "all":
        return set(range(7))
    if pattern == "off":
        return set()
    found: set[int] = set()
    for part in pattern.split(","):
        first, _, last = part.partition("-")
        start = WEEKDAY_NAMES.index(first)
        end = WEEKDAY_NAMES.index(last) if last else start
        found.add(start)
        while start != end:
            start = (start + 1) % 7
            found.add(start)
    return found


@dataclass(frozen=True)
class DaysChange:
    """`days:` or `rest` typed at `made_at`: `weekdays` from local date `start` on."""

    made_at: datetime
    start: date
    weekdays: frozenset[int]


def weekdays_on(changes: Iterable[DaysChange], day: date, as_of: datetime, initial: frozenset[int]) -> frozenset[int]:
    """The weekdays in force on `day`, by the changes made up to `as_of`: the latest one whose start is not after
    `day` (a later change replaces what an earlier one said from its start on)."""
    chosen = initial
    for change in changes:
        if change.made_at <= as_of and change.start <= day:
            chosen = change.weekdays
    return chosen
