"""Local days, wall-clock times across DST, zone parsing."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.errors import CommandError
from bot.localtime import local_day, parse_hhmm, parse_zone, wall_time_to_utc, week_start

NEW_YORK = ZoneInfo("America/New_York")
BERLIN = ZoneInfo("Europe/Berlin")
KIRITIMATI = ZoneInfo("Pacific/Kiritimati")
KOLKATA = ZoneInfo("Asia/Kolkata")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(("instant", "zone", "expected"), [
    (utc(2026, 3, 7, 8, 59), NEW_YORK, date(2026, 3, 6)),  # 03:59 EST: still the day before
    (utc(2026, 3, 7, 9, 0), NEW_YORK, date(2026, 3, 7)),  # 04:00 EST
    (utc(2026, 3, 8, 7, 59), NEW_YORK, date(2026, 3, 7)),  # 03:59 EDT, the morning clocks sprang forward
    (utc(2026, 3, 8, 8, 0), NEW_YORK, date(2026, 3, 8)),  # 04:00 EDT
    (utc(2026, 11, 1, 8, 59), NEW_YORK, date(2026, 10, 31)),  # 03:59 EST after falling back
    (utc(2026, 11, 1, 9, 0), NEW_YORK, date(2026, 11, 1)),
    (utc(2026, 3, 6, 13, 59), KIRITIMATI, date(2026, 3, 6)),  # 03:59 on the 7th at UTC+14
    (utc(2026, 3, 6, 14, 0), KIRITIMATI, date(2026, 3, 7)),
    (utc(2026, 3, 6, 22, 29), KOLKATA, date(2026, 3, 6)),  # 03:59 IST (UTC+5:30)
    (utc(2026, 3, 6, 22, 30), KOLKATA, date(2026, 3, 7)),
])
def test_local_day_respects_the_rollover_hour(instant: datetime, zone: ZoneInfo, expected: date) -> None:
    assert local_day(instant, zone, 4) == expected


def test_rollover_zero_is_midnight() -> None:
    assert local_day(utc(2026, 3, 7, 4, 59), NEW_YORK, 0) == date(2026, 3, 6)
    assert local_day(utc(2026, 3, 7, 5, 0), NEW_YORK, 0) == date(2026, 3, 7)


@pytest.mark.parametrize(("day", "at", "zone", "expected"), [
    (date(2026, 3, 6), time(19, 0), NEW_YORK, utc(2026, 3, 7, 0, 0)),
    (date(2026, 3, 8), time(2, 30), NEW_YORK, utc(2026, 3, 8, 7, 0)),  # skipped: the jump to 03:00 EDT
    (date(2026, 11, 1), time(1, 30), NEW_YORK, utc(2026, 11, 1, 5, 30)),  # repeated: the first, EDT
    (date(2026, 3, 29), time(2, 30), BERLIN, utc(2026, 3, 29, 1, 0)),  # skipped: 03:00 CEST
    (date(2026, 10, 25), time(2, 30), BERLIN, utc(2026, 10, 25, 0, 30)),  # repeated: the first, CEST
    (date(2026, 3, 7), time(19, 0), KIRITIMATI, utc(2026, 3, 7, 5, 0)),
    (date(2026, 3, 7), time(19, 0), KOLKATA, utc(2026, 3, 7, 13, 30)),
])
def test_wall_time_to_utc(day: date, at: time, zone: ZoneInfo, expected: datetime) -> None:
    assert wall_time_to_utc(day, at, zone) == expected


@settings(max_examples=300, deadline=None)
@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2037, 12, 31)),
       st.times().map(lambda t: t.replace(second=0, microsecond=0)),
       st.sampled_from(["America/New_York", "Europe/Berlin", "Pacific/Kiritimati", "Asia/Kolkata",
                        "Australia/Lord_Howe", "America/Sao_Paulo", "UTC"]))
def test_wall_times_land_on_themselves_or_on_the_jump_after_them(day: date, at: time, name: str) -> None:
    zone = ZoneInfo(name)
    instant = wall_time_to_utc(day, at, zone)
    assert instant.tzinfo is UTC
    wall = instant.astimezone(zone).replace(tzinfo=None)
    wanted = datetime.combine(day, at)
    if wall != wanted:  # a gap: the first instant after it, where the offset changes
        assert wall > wanted
        before = (instant - timedelta(seconds=1)).astimezone(zone)
        assert before.utcoffset() != instant.astimezone(zone).utcoffset()
    else:  # a repeated wall time resolves to its first occurrence
        assert instant.astimezone(zone).fold == 0


def test_parse_zone_is_case_insensitive_takes_a_city_alone_and_suggests() -> None:
    assert parse_zone("europe/berlin").key == "Europe/Berlin"
    assert parse_zone("berlin").key == "Europe/Berlin" and parse_zone("new york").key == "America/New_York"
    for typo, suggestion in (("Europe/Berln", "Europe/Berlin"), ("berln", "Europe/Berlin"),
                             ("new yrok", "America/New_York")):
        with pytest.raises(CommandError) as caught:
            parse_zone(typo)
        assert caught.value.code == "bad_timezone"
        assert suggestion in caught.value.data["suggestions"]
    with pytest.raises(CommandError):
        parse_zone("")


@pytest.mark.parametrize("text", ["7pm", "24:00", "19:60", "1900", "", "19:0"])
def test_parse_hhmm_refuses(text: str) -> None:
    with pytest.raises(CommandError) as caught:
        parse_hhmm(text)
    assert caught.value.code == "bad_time"
    assert "HH:MM" in caught.value.message


def test_parse_hhmm_and_week_start() -> None:
    assert parse_hhmm("7:05") == time(7, 5)
    assert parse_hhmm(" 23:59 ") == time(23, 59)
    assert week_start(date(2026, 3, 8)) == date(2026, 3, 2)  # Sunday -> Monday
    assert week_start(date(2026, 3, 2)) == date(2026, 3, 2)
