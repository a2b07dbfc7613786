"""When things happen: reminders, digests and recaps as UTC instants of local wall-clock times.

A local date D owns the wall times from its rollover hour on D up to the rollover hour on D+1, so a
02:00 reminder with a 04:00 rollover fires in the early hours of the next calendar day, still for D.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

from bot.domain import Cohort, Enrolment
from bot.localtime import local_day, wall_time_to_utc


class Slot(NamedTuple):
    """One scheduled occurrence: the local date it belongs to, and its UTC instant.

    The date is kept with the instant, never re-derived from it: when a DST gap meets the rollover hour, a
    skipped wall time's first valid instant already lies in the next local date.
    """

    day: date
    at: datetime


def occurrence(day: date, at: time, zone: ZoneInfo, rollover_hour: int) -> datetime:
    """The UTC instant of wall time `at` belonging to local date `day`."""
    wall_day = day if at.hour >= rollover_hour else day + timedelta(days=1)
    return wall_time_to_utc(wall_day, at, zone)


def next_daily(after: datetime, at: time, zone: ZoneInfo, rollover_hour: int) -> Slot:
    """The first occurrence of `at` strictly after `after`."""
    start = local_day(after, zone, rollover_hour) - timedelta(days=1)
    for offset in range(4):
        day = start + timedelta(days=offset)
        instant = occurrence(day, at, zone, rollover_hour)
        if instant > after:
            return Slot(day, instant)
    raise AssertionError("a daily time always recurs within three days")


def next_weekly(after: datetime, weekday: int, at: time, zone: ZoneInfo, rollover_hour: int) -> Slot:
    """The first occurrence of `at` on a local date with `weekday` strictly after `after`."""
    # From the day before `after`'s local date, and one week and three days on: in the second pass of a hour
    # repeated across the rollover hour (Antarctica/Troll, rollover 2), `local_day` gives a date that has already
    # ended, so the next date of that weekday may be eight days after the one it says.
    start = local_day(after, zone, rollover_hour) - timedelta(days=1)
    for offset in range(10):
        day = start + timedelta(days=offset)
        if day.weekday() == weekday:
            instant = occurrence(day, at, zone, rollover_hour)
            if instant > after:
                return Slot(day, instant)
    raise AssertionError("a weekly time always recurs within ten days")


def day_end(day: date, zone: ZoneInfo, rollover_hour: int) -> datetime:
    """The instant local date `day` rolls over into the next one."""
    return wall_time_to_utc(day + timedelta(days=1), time(rollover_hour), zone)


def next_lastcall(after: datetime, minutes: int, zone: ZoneInfo, rollover_hour: int) -> Slot:
    """The first "last call" instant (`minutes` before a day's roll-over) strictly after `after`."""
    start = local_day(after, zone, rollover_hour) - timedelta(days=1)
    for offset in range(4):
        day = start + timedelta(days=offset)
        instant = day_end(day, zone, rollover_hour) - timedelta(minutes=minutes)
        if instant > after:
            return Slot(day, instant)
    raise AssertionError("a day ends within three days")


def schedule_reminder(enrolment: Enrolment, after: datetime) -> None:
    """Set the membership's next reminder and last-call instants (None when off or inactive)."""
    membership = enrolment.membership
    at, lastcall = membership.reminder_time, membership.lastcall_minutes
    rollover = enrolment.cohort.rollover_hour
    reminder = next_daily(after, at, enrolment.zone, rollover) if at is not None and membership.active else None
    lastcall_slot = next_lastcall(after, lastcall, enrolment.zone, rollover) if lastcall and membership.active else None
    membership.next_reminder_day, membership.next_reminder_at = reminder or (None, None)
    membership.next_lastcall_day, membership.next_lastcall_at = lastcall_slot or (None, None)


def schedule_cohort(cohort: Cohort, after: datetime) -> None:
    set_digest(cohort, next_daily(after, cohort.digest_time, cohort.zone, cohort.rollover_hour))
    set_recap(cohort, next_weekly(after, cohort.recap_weekday, cohort.recap_time, cohort.zone, cohort.rollover_hour))


def set_digest(cohort: Cohort, slot: Slot) -> None:
    cohort.next_digest_day, cohort.next_digest_at = slot


def set_recap(cohort: Cohort, slot: Slot) -> None:
    cohort.next_recap_day, cohort.next_recap_at = slot


def slot_day(day: date | None, instant: datetime, zone: ZoneInfo, rollover_hour: int) -> date:
    """The local date an occurrence was scheduled for; rows scheduled before dates were stored (migration
    0006) derive it from the instant, as they always did."""
    return day if day is not None else local_day(instant, zone, rollover_hour)
