"""`StudyBot.calendar`: the coming days' off days as a member sees them, for App Home and autocomplete."""

from __future__ import annotations

from datetime import date

from bot.commands.context import Invocation
from bot.service import OffDay
from tests.unit.conftest import Harness


def _who(user: str, channel: str | None = None) -> Invocation:
    return Invocation(platform="test", workspace="local", user_id=user, display_name=user, channel_id=channel)


async def test_a_members_week_holds_the_cohorts_and_their_own_off_days(h: Harness) -> None:
    await h.ok("ann", "cohort create ml-club days:mon-fri")  # 2026-03-06 is a Friday
    await h.ok("ann", "cohort holiday add 2026-03-10 to:2026-03-11 Exams")
    await h.ok("ann", "cohort holiday add 2026-04-01 Easter")
    await h.ok("ann", "rest fri")
    await h.ok("ann", "pause until:2026-03-09")
    found = await h.bot.calendar(_who("ann"))
    assert found is not None and found.cohort == "ml-club"
    assert (found.today, found.cohort_today, found.until) == (date(2026, 3, 6), date(2026, 3, 6), date(2026, 3, 12))
    assert found.off == (OffDay(date(2026, 3, 6), "your rest day"), OffDay(date(2026, 3, 7), "not a study day"),
                         OffDay(date(2026, 3, 8), "not a study day"), OffDay(date(2026, 3, 9), "paused"),
                         OffDay(date(2026, 3, 10), "holiday Exams"), OffDay(date(2026, 3, 11), "holiday Exams"))
    assert [holiday.name for holiday in found.holidays] == ["Exams", "Easter"]


async def test_someone_outside_the_cohort_sees_only_the_cohorts_off_days(h: Harness) -> None:
    await h.ok("ann", "cohort create ml-club days:mon-fri")
    await h.ok("bob", "rest fri")
    found = await h.bot.calendar(_who("bob", "general"), days=3)
    assert found is not None
    assert [off.reason for off in found.off] == ["not a study day", "not a study day"]


async def test_no_cohort_no_calendar(h: Harness) -> None:
    assert await h.bot.calendar(_who("cy")) is None  # never seen
    await h.ok("ann", "cohort create ml-club", channel="c1")
    await h.ok("ann", "cohort create book-club", channel="c2")
    assert await h.bot.calendar(_who("ann")) is None  # in two, none named
    assert await h.bot.calendar(_who("ann"), "nope") is None
    named = await h.bot.calendar(_who("ann"), "book-club")
    assert named is not None and named.cohort == "book-club" and named.off == ()
