"""Local days, time zones and wall-clock times turned into UTC instants (DST-aware)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.errors import CommandError
from bot.zones import all_zone_names, find_zone, suggest_zones

__all__ = ["all_zone_names", "local_day", "parse_hhmm", "parse_zone", "suggest_zones", "wall_time_to_utc", "week_start"]


def local_day(instant: datetime, zone: ZoneInfo, rollover_hour: int) -> date:
    """The study day an instant belongs to: `(instant in zone - rollover_hour).date()`.

    Wall-clock arithmetic on purpose: with a 04:00 rollover, 03:59 local belongs to the day before.
    """
    return (instant.astimezone(zone) - timedelta(hours=rollover_hour)).date()


def week_start(day: date) -> date:
    """The Monday of the Monday–Sunday week that holds `day`."""
    return day - timedelta(days=day.weekday())


def wall_time_to_utc(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The UTC instant of wall-clock `at` on `day` in `zone`.

    A wall time skipped by a DST jump maps to the first valid instant after it (the transition);
    a wall time repeated by a fall-back maps to its first occurrence, so it happens once.
    """
    naive = datetime.combine(day, at)
    first = naive.replace(tzinfo=zone, fold=0).astimezone(UTC)
    if first.astimezone(zone).replace(tzinfo=None) == naive:
        return first
    # In a gap: fold=1 reads the wall time with the offset after the jump and lands before it.
    low = naive.replace(tzinfo=zone, fold=1).astimezone(UTC)
    high = first
    if low > high:
        low, high = high, low
    return _transition_between(low, high, zone)


def _transition_between(low: datetime, high: datetime, zone: ZoneInfo) -> datetime:
    """The first instant in (low, high] whose UTC offset differs from low's (to the second)."""
    before = low.astimezone(zone).utcoffset()
    while high - low > timedelta(seconds=1):
        middle = low + (high - low) / 2
        if middle.astimezone(zone).utcoffset() == before:
            low = middle
        else:
            high = middle
    return high.replace(microsecond=0)


def parse_zone(text: str) -> ZoneInfo:
    """An IANA zone from user text: its name in any case, an alias or a city alone (`Berlin`,
    `Bangalore`, see `bot.zones`), or a `bad_timezone` error with the suggestions Discord would offer."""
    cleaned = text.strip()
    name = find_zone(cleaned)
    if name is not None:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    suggestions = suggest_zones(cleaned) if cleaned else []
    hint = f" Did you mean {', '.join(suggestions)}?" if suggestions else ""
    raise CommandError(
        "bad_timezone",
        f"'{_short(cleaned)}' is not a time zone I know.{hint} "
        "Use an IANA name such as `Europe/Berlin` or `America/New_York`, or a city such as `Berlin`.",
        suggestions=suggestions,
    )


_HHMM = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


def parse_hhmm(text: str, what: str = "time") -> time:
    match = _HHMM.match(text.strip())
    if not match:
        raise CommandError(
            "bad_time",
            f"'{_short(text)}' is not a {what} I understand. Use 24-hour `HH:MM`, for example `19:00`.",
        )
    return time(int(match.group(1)), int(match.group(2)))


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
