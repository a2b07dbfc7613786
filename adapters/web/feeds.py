"""Calendar feeds (RFC 5545) with `icalendar`: what a calendar app subscribes to.

- A member's: the daily sprint as one recurring event (`RRULE:FREQ=DAILY`) at their reminder time in their
  zone (`DTSTART;TZID=…` with the zone's VTIMEZONE, so it stays at 18:30 local across DST, not a list of UTC
  instants), lasting the cohort's sprint minutes; and the roadmap's steps as all-day spans. No reminder set
  (`remind off`): the roadmap only.
- A cohort's: the roadmap's steps and the weekly recap (`RRULE:FREQ=WEEKLY;BYDAY=..`) in the cohort's zone.

UIDs are stable (a hash of the feed's token and the event's kind, never the token itself), and DTSTAMP is the
day's midnight UTC, so a feed reads the same all day long and its ETag holds."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import icalendar

from bot.pages import CohortCalendar, MemberCalendar
from bot.roadmap import StepSpan

PRODID = "-//studybot//web pages//EN"
BYDAY = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
RECAP_MINUTES = 15
CONTENT_TYPE = "text/calendar"


def member_feed(feed: MemberCalendar, token: str, today: date) -> bytes:
    calendar = _calendar(f"studybot · {feed.cohort}", feed.zone)
    stamp = _stamp(today)
    if feed.reminder is not None:
        event = icalendar.Event()
        event.add("uid", _uid(token, "sprint"))
        event.add("dtstamp", stamp)
        event.add("summary", f"Study sprint ({feed.cohort})")
        event.add("description", f"Your daily {feed.sprint_minutes}-minute focus sprint with {feed.cohort}. "
                                 "Check in when you are done.")
        event.add("dtstart", _local(feed.since, feed.reminder, feed.zone))
        event.add("duration", timedelta(minutes=feed.sprint_minutes))
        event.add("rrule", {"freq": "daily"})
        event.add("transp", "TRANSPARENT")
        calendar.add_component(event)
    for span in feed.steps:
        calendar.add_component(_step(span, token, feed.cohort, stamp))
    return _finish(calendar, feed.since)


def cohort_feed(feed: CohortCalendar, slug: str, today: date) -> bytes:
    calendar = _calendar(f"studybot · {feed.cohort}", feed.zone)
    stamp = _stamp(today)
    first = feed.since + timedelta(days=(feed.recap_weekday - feed.since.weekday()) % 7)
    recap = icalendar.Event()
    recap.add("uid", _uid(slug, "recap"))
    recap.add("dtstamp", stamp)
    recap.add("summary", f"Weekly recap ({feed.cohort})")
    recap.add("description", f"{feed.cohort}'s week in numbers, in the cohort's channel.")
    recap.add("dtstart", _local(first, feed.recap_time, feed.zone))
    recap.add("duration", timedelta(minutes=RECAP_MINUTES))
    recap.add("rrule", {"freq": "weekly", "byday": BYDAY[feed.recap_weekday]})
    recap.add("transp", "TRANSPARENT")
    calendar.add_component(recap)
    for span in feed.steps:
        calendar.add_component(_step(span, slug, feed.cohort, stamp))
    return _finish(calendar, feed.since)


def _calendar(name: str, zone: str) -> icalendar.Calendar:
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", icalendar.vText(name))  # an X- property: escaped only when said to be text
    calendar.add("x-wr-timezone", zone)
    calendar.add("refresh-interval", timedelta(hours=12), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT12H")
    return calendar


def _step(span: StepSpan, token: str, cohort: str, stamp: datetime) -> icalendar.Event:
    event = icalendar.Event()
    event.add("uid", _uid(token, f"step-{span.step.number}"))
    event.add("dtstamp", stamp)
    event.add("summary", f"Step {span.step.number}: {span.step.title} ({cohort})")
    details = []
    if span.step.topics:
        details.append("Topics: " + ", ".join(span.step.topics))
    if span.step.project:
        details.append(f"Project: {span.step.project}")
    if details:
        event.add("description", "\n".join(details))
    event.add("dtstart", span.first)
    # All-day: DTEND is the day after the last (exclusive); an ongoing step is shown on the day it starts.
    event.add("dtend", (span.last or span.first) + timedelta(days=1))
    event.add("transp", "TRANSPARENT")
    return event


def _local(day: date, at: time, zone: str) -> datetime:
    """A local wall time with its zone: written as DTSTART;TZID=zone (UTC as …Z)."""
    tz = UTC if zone in ("UTC", "Etc/UTC") else ZoneInfo(zone)
    return datetime.combine(day, at, tz)


def _stamp(today: date) -> datetime:
    return datetime.combine(today, time(0), UTC)


def _uid(token: str, kind: str) -> str:
    digest = hashlib.sha256(f"{token}:{kind}".encode()).hexdigest()[:24]
    return f"{kind}-{digest}@studybot"


def _finish(calendar: icalendar.Calendar, since: date) -> bytes:
    # The zones' VTIMEZONEs, generated from zoneinfo for the years the events can reach.
    calendar.add_missing_timezones(first_date=since - timedelta(days=366), last_date=date(2038, 1, 1))
    return calendar.to_ical()
