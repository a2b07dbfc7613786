"""The calendar feeds, read by two parsers (icalendar with recurring-ical-events, and ics-py with dateutil's
rrule): the daily sprint is one recurring event at the member's local reminder time, before and after Berlin
moves its clocks on 29 March 2026; the roadmap's steps are all-day spans; the cohort's recap recurs weekly. And
the card: a PNG that decodes, 1200 x 630."""

from __future__ import annotations

import io
import itertools
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import icalendar
import ics
import recurring_ical_events
from aiohttp.test_utils import TestClient
from dateutil.rrule import rrulestr
from PIL import Image

from adapters.web import feeds
from bot.pages import CohortCalendar
from tests.web.conftest import Site, cohort_of_six, path_of

BERLIN = ZoneInfo("Europe/Berlin")


async def _berlin_member(site: Site) -> tuple[str, str]:
    await site.say("U-ANN-1", "cohort create ml-club timezone:Europe/Berlin roadmap:build-first-6m start:2026-03-02",
                   name="Ann")
    await site.say("U-BEN-2", "cohort join", name="Ben")
    await site.say("U-BEN-2", "remind set 18:30")
    cohort = path_of((await site.say("U-ANN-1", "cohort web on")).data["url"])
    member = path_of((await site.say("U-BEN-2", "stats web")).data["url"])
    return cohort, member


async def _feed(client: TestClient, path: str) -> bytes:
    response = await client.get(path)
    assert response.status == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    return await response.read()


async def test_the_daily_sprint_stays_at_the_local_reminder_time_across_dst(site: Site, client: TestClient) -> None:
    _, member = await _berlin_member(site)
    body = await _feed(client, f"{member}/calendar.ics")
    token = member.rsplit("/", 1)[-1]
    assert token.encode() not in body  # the link's secret is not in the feed

    calendar = icalendar.Calendar.from_ical(body)
    sprints = [event for event in calendar.walk("VEVENT") if str(event["UID"]).startswith("sprint-")]
    assert len(sprints) == 1
    sprint = sprints[0]
    assert sprint["RRULE"]["FREQ"] == ["DAILY"]
    assert sprint["DTSTART"].params["TZID"] == "Europe/Berlin"
    assert sprint.decoded("DTSTART").time() == time(18, 30)
    assert sprint.decoded("DURATION") == timedelta(minutes=30)
    assert "DTSTAMP" in sprint
    zones = [str(zone["TZID"]) for zone in calendar.walk("VTIMEZONE")]
    assert zones == ["Europe/Berlin"]

    # First parser: icalendar + recurring-ical-events, using the feed's own VTIMEZONE.
    around = recurring_ical_events.of(calendar).between(datetime(2026, 3, 27, tzinfo=BERLIN),
                                                        datetime(2026, 4, 1, tzinfo=BERLIN))
    starts = sorted(event.decoded("DTSTART") for event in around if str(event["UID"]).startswith("sprint-"))
    assert [start.date() for start in starts] == [date(2026, 3, 27) + timedelta(days=n) for n in range(5)]
    assert all(start.astimezone(BERLIN).time() == time(18, 30) for start in starts)
    assert [start.astimezone(UTC).time() for start in starts] == [time(17, 30)] * 2 + [time(16, 30)] * 3

    # Second parser: ics-py reads the event, dateutil expands its RRULE from the local start.
    parsed = ics.Calendar(body.decode())
    (event,) = [e for e in parsed.events if e.uid.startswith("sprint-")]
    rule = next(str(line) for line in event.extra if str(line).startswith("RRULE"))
    begin = event.begin.datetime
    assert begin.utcoffset() == timedelta(hours=1) and begin.time() == time(18, 30) and event.duration == timedelta(
        minutes=30)
    occurrences = rrulestr(rule, dtstart=begin).between(datetime(2026, 3, 27, tzinfo=UTC),
                                                         datetime(2026, 4, 1, tzinfo=UTC))
    assert [o.astimezone(UTC).strftime("%d %H:%M") for o in occurrences] == [
        "27 17:30", "28 17:30", "29 16:30", "30 16:30", "31 16:30"]

    # The roadmap's steps: all-day spans, one after the other.
    steps = sorted((event for event in calendar.walk("VEVENT") if str(event["UID"]).startswith("step-")),
                   key=lambda event: event.decoded("DTSTART"))
    assert steps and steps[0].decoded("DTSTART") == date(2026, 3, 2)
    assert steps[0].decoded("DTEND") == date(2026, 3, 30)  # four weeks, the end exclusive
    assert all(type(step.decoded("DTSTART")) is date for step in steps)
    assert all(a.decoded("DTEND") == b.decoded("DTSTART") for a, b in itertools.pairwise(steps))
    assert len([e for e in parsed.events if e.uid.startswith("step-")]) == len(steps)

    again = await _feed(client, f"{member}/calendar.ics")
    assert again == body  # stable within the day: same UIDs, same DTSTAMP, same ETag


async def test_the_cohort_feed_has_the_steps_and_the_weekly_recap(site: Site, client: TestClient) -> None:
    cohort, _ = await _berlin_member(site)
    body = await _feed(client, f"{cohort}/calendar.ics")
    calendar = icalendar.Calendar.from_ical(body)
    (recap,) = [event for event in calendar.walk("VEVENT") if str(event["UID"]).startswith("recap-")]
    assert recap["RRULE"]["FREQ"] == ["WEEKLY"] and recap["RRULE"]["BYDAY"] == ["SU"]
    start = recap.decoded("DTSTART")
    assert start.weekday() == 6 and start.time() == time(18, 0) and recap["DTSTART"].params["TZID"] == "Europe/Berlin"
    around = recurring_ical_events.of(calendar).between(datetime(2026, 3, 20, tzinfo=BERLIN),
                                                        datetime(2026, 4, 6, tzinfo=BERLIN))
    recaps = sorted(e.decoded("DTSTART") for e in around if str(e["UID"]).startswith("recap-"))
    assert [r.astimezone(UTC).strftime("%m-%d %H:%M") for r in recaps] == ["03-22 17:00", "03-29 16:00",
                                                                           "04-05 16:00"]
    parsed = ics.Calendar(body.decode())
    assert len([e for e in parsed.events if e.uid.startswith("step-")]) == 5
    assert b"Ben" not in body and b"Ann" not in body  # the cohort's feed names no one


async def test_no_reminder_means_no_daily_sprint_and_a_utc_cohort_writes_z(site: Site, client: TestClient) -> None:
    await site.say("U-ANN-1", "cohort create utc-club", name="Ann")
    await site.say("U-ANN-1", "remind off")
    member = path_of((await site.say("U-ANN-1", "stats web")).data["url"])
    calendar = icalendar.Calendar.from_ical(await _feed(client, f"{member}/calendar.ics"))
    assert calendar.walk("VEVENT") == []
    body = feeds.cohort_feed(CohortCalendar(cohort="utc-club", zone="UTC", recap_weekday=6, recap_time=time(18),
                                            since=date(2026, 3, 3), steps=()), "slug", date(2026, 3, 6))
    assert b"DTSTART:20260308T180000Z" in body
    ics.Calendar(body.decode())  # the second parser reads it too


async def test_the_card_is_a_1200_by_630_png(site: Site, client: TestClient) -> None:
    paths = await cohort_of_six(site)
    for board in ("streak", "week", "month", "all"):
        response = await client.get(f"{paths['cohort']}/card.png?board={board}")
        assert response.status == 200 and response.content_type == "image/png"
        image = Image.open(io.BytesIO(await response.read()))
        image.load()
        assert image.format == "PNG" and image.size == (1200, 630)
    response = await client.get("/c/unknown/card.png")
    assert response.status == 404


async def test_leaderboard_card_true_attaches_the_same_card_in_chat(site: Site) -> None:
    await cohort_of_six(site)
    plain = await site.say("U-BEN-2", "leaderboard week")
    assert plain.attachments == ()
    reply = await site.say("U-BEN-2", "leaderboard week card:true")
    assert reply.data["rows"] == plain.data["rows"] and not reply.private
    (card,) = reply.attachments
    assert card.content_type == "image/png" and card.filename.startswith("ml-club-week-")
    image = Image.open(io.BytesIO(card.content))
    assert image.size == (1200, 630)
    page = await site.bot.cohort_page((await site.say("U-ANN-1", "cohort web on")).data["url"].rsplit("/", 1)[-1],
                                      "week")
    assert page is not None
    from adapters.web.card import cohort_card
    assert card.content == cohort_card(page)  # the page's card: names only by choice there too


def test_every_text_in_a_feed_is_escaped_the_calendar_name_too() -> None:
    """RFC 5545 TEXT: a comma, a semicolon, a backslash and a line break are escaped, so no name can end a line and
    start a property of its own (X-WR-CALNAME is not a property icalendar knows: it has to be told it is text)."""
    name = "a,b;c\\d\nX-INJECTED:1"
    body = feeds.cohort_feed(CohortCalendar(cohort=name, zone="Europe/Berlin", recap_weekday=0, recap_time=time(9),
                                            since=date(2026, 3, 2), steps=()), "slug", date(2026, 3, 6))
    assert b"\nX-INJECTED" not in body and b"X-WR-CALNAME:studybot \xc2\xb7 a\\,b\\;c\\\\d\\nX-INJECTED:1" in body
    calendar = icalendar.Calendar.from_ical(body)
    assert "X-INJECTED" not in calendar and str(calendar["X-WR-CALNAME"]).startswith("studybot · a\\,b")
    assert str(calendar.walk("VEVENT")[0]["SUMMARY"]) == f"Weekly recap ({name})"
