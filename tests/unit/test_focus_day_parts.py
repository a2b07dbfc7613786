"""`bot.focus.day_parts` against an oracle written from DESIGN.md's local day, `(t in zone − rollover).date()`,
with zoneinfo alone: the k-th whole minute of a session belongs to the local day of the instant it completes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from bot import focus
from bot.domain import Cohort, Enrolment, Member, Membership

ZONES = ("Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata", "UTC")
# Around the 2026 spring and autumn changes of Europe and North America (and Lord Howe's half-hour ones).
STARTS = (datetime(2026, 3, 7, tzinfo=UTC), datetime(2026, 3, 27, tzinfo=UTC), datetime(2026, 10, 24, tzinfo=UTC),
          datetime(2026, 10, 31, tzinfo=UTC), datetime(2026, 4, 4, tzinfo=UTC))


def enrolment(zone: str, rollover: int) -> Enrolment:
    cohort = Cohort(platform="test", workspace="w", name="c", channel_id="c", created_by=1, timezone=zone,
                    rollover_hour=rollover)
    return Enrolment(cohort, Member(platform="test", workspace="w", user_id="u", display_name="u", id=1),
                     Membership(cohort_id=1, member_id=1, id=1))


def oracle_day(instant: datetime, zone: str, rollover: int) -> date:
    return (instant.astimezone(ZoneInfo(zone)).replace(tzinfo=None) - timedelta(hours=rollover)).date()


def oracle(pieces: list[tuple[datetime, datetime]], zone: str, rollover: int) -> list[tuple[date, int]]:
    """Walk the pieces' seconds in order; each time 60 more have passed, a minute goes to the day of that instant
    (the instant just before it, when it falls exactly on a rollover: the minute was spent before it)."""
    total = sum((end - start).total_seconds() for start, end in pieces)
    days: list[tuple[date, int]] = []
    for k in range(1, int(total // 60) + 1):
        left, instant = 60.0 * k, None
        for start, end in pieces:
            length = (end - start).total_seconds()
            if left <= length:
                instant = start + timedelta(seconds=left)
                break
            left -= length
        assert instant is not None
        day = oracle_day(instant - timedelta(microseconds=1), zone, rollover)
        days[-1:] = [(day, days[-1][1] + 1)] if days and days[-1][0] == day else [*days[-1:], (day, 1)]
    return days


@settings(max_examples=300, deadline=None)
@given(zone=st.sampled_from(ZONES), rollover=st.integers(0, 12), start=st.sampled_from(STARTS),
       offset=st.integers(0, 3 * 24 * 3600), lengths=st.lists(st.integers(1, 20 * 3600), min_size=1, max_size=3),
       gaps=st.lists(st.integers(0, 6 * 3600), min_size=3, max_size=3))
def test_day_parts_agree_with_the_oracle(zone: str, rollover: int, start: datetime, offset: int,
                                         lengths: list[int], gaps: list[int]) -> None:
    pieces, cursor = [], start + timedelta(seconds=offset)
    for length, gap in zip(lengths, gaps, strict=False):
        pieces.append((cursor, cursor + timedelta(seconds=length)))
        cursor += timedelta(seconds=length + gap + 1)
    parts = focus.day_parts(pieces, enrolment(zone, rollover))
    assert parts == oracle(pieces, zone, rollover)
    assert sum(minutes for _, minutes in parts) == int(sum((e - s).total_seconds() for s, e in pieces) // 60)
