"""Times in the reader's zone (issue 20, item 1): the core writes instants as tokens (`bot.instants`), never as a
wall time in a fixed zone; a member whose zone is not UTC is never told "UTC"; reply data keeps ISO instants."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot import instants
from bot.instants import Instant, countdown, plain, tokens, when
from bot.replies import Reply
from tests.unit.conftest import Harness

BERLIN = ZoneInfo("Europe/Berlin")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def test_a_token_carries_the_instant_the_style_the_zone_and_a_fallback_in_that_zone() -> None:
    at = utc(2026, 3, 6, 16, 59)
    token = when(at, BERLIN)
    assert token == "⟦at:1772816340:time:Europe/Berlin|17:59 CET⟧"
    assert tokens(f"Ends at {token}.") == [Instant(1772816340, "time", "Europe/Berlin", "17:59 CET")]
    assert tokens(token)[0].at == at
    assert plain(f"Ends at {token}.") == "Ends at 17:59 CET."


@pytest.mark.parametrize(("style", "zone", "expected"), [
    ("time", "Europe/Berlin", "17:59 CET"),
    ("datetime", "Europe/Berlin", "Fri 6 Mar 17:59 CET"),
    ("date", "Europe/Berlin", "Fri 6 Mar"),
    ("time", "America/New_York", "11:59 EST"),
    ("datetime", "Asia/Kolkata", "Fri 6 Mar 22:29 IST"),
    ("time", "America/Sao_Paulo", "13:59 -03"),  # no letters in the tz data: the offset, never "UTC"
    ("time", "UTC", "16:59 UTC"),  # a member whose zone is UTC may read UTC
])
def test_fallbacks_in_the_readers_zone(style: instants.Style, zone: str, expected: str) -> None:
    assert plain(when(utc(2026, 3, 6, 16, 59), ZoneInfo(zone), style)) == expected


def test_the_fallback_follows_daylight_saving_time() -> None:
    assert plain(when(utc(2026, 3, 28, 14, 30), BERLIN)) == "15:30 CET"
    assert plain(when(utc(2026, 3, 29, 14, 30), BERLIN)) == "16:30 CEST"
    assert plain(when(utc(2026, 10, 25, 0, 30), BERLIN)) == "02:30 CEST"  # the first 02:30 of the night
    assert plain(when(utc(2026, 10, 25, 1, 30), BERLIN)) == "02:30 CET"  # the second


@pytest.mark.parametrize(("minutes", "expected"), [
    (30, "in 30 min"), (0.5, "now"), (60, "in 1 h"), (125, "in 2 h 5 min"), (47 * 60 + 59, "in 47 h 59 min"),
    (3 * 24 * 60, "in 3 days"), (-25, "25 min ago")])
def test_relative_fallbacks(minutes: float, expected: str) -> None:
    now = utc(2026, 3, 6, 14)
    assert plain(when(now + timedelta(minutes=minutes), BERLIN, "relative", now=now)) == expected
    assert plain(countdown(utc(2026, 3, 6, 14, 30), BERLIN, now)) == "15:30 CET (in 30 min)"


def test_naive_instants_and_relative_without_now_are_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        when(datetime(2026, 3, 6, 14), BERLIN)  # noqa: DTZ001
    with pytest.raises(ValueError, match="now"):
        when(utc(2026, 3, 6, 14), BERLIN, "relative")


def test_a_lookalike_with_markup_is_no_token() -> None:
    for forged in ("⟦at:1:time:UTC|<!channel>⟧", "⟦at:1:time:UTC|a&b⟧", "⟦at:1:bold:UTC|x⟧", "⟦at:x:time:UTC|x⟧",
                   "⟦at:1:time:Europe/Berlin|x|y⟧", "⟦at:1:time:UTC|" + "x" * 61 + "⟧"):
        assert tokens(forged) == [] and plain(forged) == forged
    assert tokens("⟦at:1:time:|typed by a member⟧") == [Instant(1, "time", "", "typed by a member")]  # harmless


def _texts(reply: Reply) -> list[str]:
    """The reply's text and those of any follow-ups the caller gets with it."""
    return [reply.text, *(followup.text for followup in getattr(reply, "followups", ()))]


async def _every_reply(h: Harness, lines: list[tuple[str, str]]) -> list[tuple[str, Reply]]:
    replies = []
    for user, line in lines:
        replies.append((line, await h.ok(user, line)))
    return replies


BERLIN_SESSION = [
    ("ann", "cohort create ml-club timezone:Europe/Berlin"),
    ("bob", "cohort join ml-club"),
    ("ann", "sprint start attention group:true"),
    ("bob", "sprint join"),
    ("ann", "sprint status"),
    ("bob", "sprint status"),
    ("ann", "remind"),
    ("ann", "remind set 21:30"),
    ("ann", "remind lastcall 2h"),
    ("ann", "cohort info"),
    ("ann", "cohort settings"),
    ("ann", "cohort settings digest:21:00 recap:sat@10:00"),
    ("bob", "pause 3d"),
    ("bob", "pause"),
    ("ann", "streak"),
    ("ann", "sprint stop"),
    ("ann", "checkin 30"),
    ("ann", "timezone show"),
    ("ann", "help"),
]


async def test_no_reply_to_a_berlin_member_says_utc(h: Harness) -> None:
    replies = await _every_reply(h, BERLIN_SESSION)
    seen = 0
    for line, reply in replies:
        for text in _texts(reply):
            assert "UTC" not in plain(text), f"{line!r} said UTC: {plain(text)}"
            for instant in tokens(text):
                seen += 1
                assert instant.zone == "Europe/Berlin", line
                assert instant.fallback.endswith("CET") or instant.style in ("relative", "date"), line
        assert "UTC" not in str(reply.title or "")
    assert seen >= 14  # sprint start/join/status, reminders, cohort info and settings, pause
    by_line = dict(replies)
    started = by_line["sprint start attention group:true"]
    assert plain(started.text).count("Ends at 15:30 CET (in 30 min)") == 1  # 14:30 UTC, a Friday in March
    assert started.data["ends_at"] == "2026-03-06T14:30:00Z"  # data keeps ISO instants
    assert "15:30 CET (in 30 min)" in plain(by_line["sprint join"].text)
    assert plain(by_line["sprint status"].text).startswith("Your sprint on attention ends at 15:30 CET (in 30 min)")
    assert "Next reminder: Fri 6 Mar 19:00 CET" in plain(by_line["remind"].text)
    assert by_line["remind"].data["next_reminder_at"] == "2026-03-06T18:00:00Z"
    assert "Next last call: Sat 7 Mar 02:00 CET" in plain(by_line["remind lastcall 2h"].text)
    assert by_line["remind lastcall 2h"].data["next_lastcall_at"] == "2026-03-07T01:00:00Z"
    info = by_line["cohort info"]
    assert "Next digest Fri 6 Mar 20:00 CET; next recap Sun 8 Mar 18:00 CET." in plain(info.text)
    assert (info.data["next_digest_at"], info.data["next_recap_at"]) == ("2026-03-06T19:00:00Z", "2026-03-08T17:00:00Z")
    changed = by_line["cohort settings digest:21:00 recap:sat@10:00"]
    assert "Next digest Fri 6 Mar 21:00 CET; next recap Sat 7 Mar 10:00 CET." in plain(changed.text)
    paused = by_line["pause 3d"]
    assert "through 2026-03-08 (until Mon 9 Mar 04:00 CET)" in plain(paused.text)
    assert paused.data["ends_at"] == "2026-03-09T03:00:00Z"
    assert "(until Mon 9 Mar 04:00 CET)" in plain(by_line["pause"].text)


async def test_the_fallback_is_in_the_members_own_zone_when_they_set_one(h: Harness) -> None:
    await h.ok("ann", "cohort create ml-club timezone:Europe/Berlin")
    await h.ok("bob", "cohort join ml-club")
    await h.ok("bob", "timezone set America/New_York")
    started = await h.ok("bob", "sprint start")
    (end, until) = tokens(started.text)
    assert end == Instant(1772807400, "time", "America/New_York", "09:30 EST")
    assert until.style == "relative" and until.fallback == "in 30 min"
    assert "Next digest Fri 6 Mar 14:00 EST" in plain((await h.ok("bob", "cohort info")).text)


async def test_a_utc_cohort_still_says_utc(h: Harness) -> None:
    """The rule is about readers elsewhere: in UTC, UTC is the right abbreviation."""
    await h.ok("ann", "cohort create ml-club")
    assert "Ends at 14:30 UTC (in 30 min)" in plain((await h.ok("ann", "sprint start")).text)


async def test_the_last_call_says_when_the_day_ends_in_the_members_zone(h: Harness) -> None:
    from bot import notices
    from bot.domain import Cohort, Enrolment, Member, Membership

    cohort = Cohort(platform="test", workspace="w", name="ml-club", channel_id="c", created_by=1,
                    timezone="Europe/Berlin")
    enrolment = Enrolment(cohort, Member("test", "w", "u", "ann"), Membership(cohort_id=1, member_id=1))
    reply = notices.last_call(enrolment, datetime(2026, 3, 6).date(), 10, 4, 120)  # noqa: DTZ001
    assert "ends in 2 h (at 04:00 CET) unless you log 20 more minutes" in plain(reply.text)
    assert reply.data["day_ends_at"] == "2026-03-07T03:00:00Z"
