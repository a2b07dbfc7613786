"""What the web pages show (issue 14), as plain data for the web adapter (adapters/web) to render.

Privacy is decided here, not in templates: a member's name appears only if they chose `privacy web:show`, else
"Member N" (numbered in the order the page lists them); members hidden from boards are not listed at all; no
platform id, user id, time zone or note is ever part of a page. A page is found only by its random slug or
token; a rotated or disabled one is simply not found.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta

from bot import streaks
from bot.commands import leaderboard
from bot.commands.resolve import load_enrolment
from bot.commands.roadmap import lookup
from bot.commands.stats import best_weekday, day_states
from bot.domain import Cohort, Enrolment
from bot.localtime import local_day, week_start
from bot.offdays import Holiday, describe
from bot.ports import UnitOfWork, UnitOfWorkFactory
from bot.ranking import BOARD_KINDS
from bot.roadmap import Roadmap, StepSpan, position, spans

PAGE_TOP = 50  # rows of a board on the page
WEEKS = 12  # the cohort's heatmap
YEAR_WEEKS = 53  # the member's calendar
# What a slug or token can look like (`secrets.token_urlsafe`, at most the column's 64 characters): anything else is
# not found without asking the database (a NUL or a lone surrogate would fail there: a 500, the input in the log).
LINK_SECRET = re.compile(r"[A-Za-z0-9_-]{1,64}")


@dataclass(frozen=True)
class BoardLine:
    rank: int
    name: str
    value: int


@dataclass(frozen=True)
class RoadmapView:
    title: str
    step: int
    step_title: str
    steps: int
    week_in_step: int
    started: bool
    next_title: str | None
    spans: tuple[StepSpan, ...]
    done: int = 0  # steps the member marked done (member page)

    @property
    def progress(self) -> float:
        """How far along the roadmap the cohort is: steps behind it over all steps (0 before the start)."""
        return 0.0 if not self.started else (self.step - 1) / self.steps


@dataclass(frozen=True)
class CohortPage:
    cohort: str
    board: str  # one of BOARD_KINDS
    unit: str  # "days" or "min"
    rows: tuple[BoardLine, ...]
    members: int
    done_today: int
    target: int
    today: date
    roadmap: RoadmapView | None
    days: tuple[tuple[date, int], ...]  # the last WEEKS weeks from a Monday: how many members were done
    study_days: str
    holidays: tuple[Holiday, ...]  # today's and coming ones


@dataclass(frozen=True)
class DayView:
    day: date
    minutes: int
    state: str  # done, today, paused, off, frozen, repaired, missed, or "" (before the first check-in; ahead)


@dataclass(frozen=True)
class MemberPage:
    member: str
    cohort: str
    streak: int
    longest: int
    freezes: int
    today: date
    target: int
    days: tuple[DayView, ...]  # YEAR_WEEKS weeks from a Monday, up to the end of this week
    weeks: tuple[tuple[date, int], ...]  # minutes per week (its Monday), the last WEEKS weeks
    best_weekday: str | None
    total_minutes: int
    roadmap: RoadmapView | None


@dataclass(frozen=True)
class MemberCalendar:
    cohort: str
    zone: str  # the member's own, else the cohort's (IANA)
    reminder: time | None  # their daily reminder time, local
    sprint_minutes: int
    since: date  # when the daily sprint starts recurring
    steps: tuple[StepSpan, ...]


@dataclass(frozen=True)
class CohortCalendar:
    cohort: str
    zone: str
    recap_weekday: int  # Monday 0
    recap_time: time
    since: date
    steps: tuple[StepSpan, ...]


async def cohort_page(uow: UnitOfWork, roadmaps: Mapping[str, Roadmap], slug: str, board: str,
                      now: datetime) -> CohortPage | None:
    cohort = await _cohort(uow, slug)
    if cohort is None or cohort.id is None or board not in BOARD_KINDS:
        return None
    return await board_page(uow, roadmaps, cohort, board, now)


async def work_out_board_first(units: UnitOfWorkFactory, slug: str, board: str) -> None:
    """Before the page's own unit of work, as before the `leaderboard` command: a cohort's unknown board
    streaks worked out in turns that other commands take turns with (leaderboard.work_out_in_turns)."""
    if board != "streak":
        return
    async with units() as uow:
        cohort = await _cohort(uow, slug)
    if cohort is not None and cohort.id is not None:
        await leaderboard.work_out_in_turns(units, cohort.id)


async def board_page(uow: UnitOfWork, roadmaps: Mapping[str, Roadmap], cohort: Cohort, board: str,
                     now: datetime) -> CohortPage:
    """A cohort's page data, whoever asks: the web page by its slug, `leaderboard card:true` for its picture."""
    assert cohort.id is not None
    today = local_day(now, cohort.zone, cohort.rollover_hour)
    prepared, walked = await leaderboard.prepare(uow, cohort, board, now)
    ranked = await leaderboard.leaders(uow, prepared, walked, PAGE_TOP)
    members = await uow.members.get_many([entry.member_id for _, entry in ranked])
    rows, anonymous = [], 0
    for rank, entry in ranked:
        member = members.get(entry.member_id)
        if member is None:
            continue
        if member.web_name:
            name = member.display_name
        else:
            anonymous += 1
            name = f"Member {anonymous}"
        rows.append(BoardLine(rank, name, entry.value))
    start = week_start(today) - timedelta(weeks=WEEKS - 1)
    done = await uow.checkins.done_counts(cohort.id, start)
    days = tuple((start + timedelta(days=n), done.get(start + timedelta(days=n), 0))
                 for n in range((today - start).days + 1))
    return CohortPage(
        cohort=cohort.name, board=board, unit="days" if board == "streak" else "min", rows=tuple(rows),
        members=await uow.memberships.count_active(cohort.id), done_today=done.get(today, 0),
        target=cohort.daily_target, today=today, roadmap=await _roadmap(uow, roadmaps, cohort, today),
        days=days, study_days=describe(cohort.study_days.mask_on(today)),
        holidays=tuple(h for h in cohort.holidays if h.end >= today))


async def member_page(uow: UnitOfWork, roadmaps: Mapping[str, Roadmap], token: str,
                      now: datetime) -> MemberPage | None:
    enrolment = await _enrolment(uow, token)
    if enrolment is None or enrolment.membership.id is None:
        return None
    membership_id = enrolment.membership.id
    today = enrolment.local_date(now)
    first = await uow.checkins.first_day(membership_id)
    by_day = await uow.checkins.minutes_by_day(membership_id, first) if first else {}
    target = enrolment.cohort.daily_target
    status, _ = streaks.status(None, first, today, by_day, target, enrolment.is_off)
    states = day_states(enrolment, by_day, status, first, today)
    start = week_start(today) - timedelta(weeks=YEAR_WEEKS - 1)
    days = tuple(DayView(start + timedelta(days=n), by_day.get(start + timedelta(days=n), 0),
                         states.get(start + timedelta(days=n), "")) for n in range(YEAR_WEEKS * 7))
    weekly: dict[date, int] = {}
    for day, minutes in by_day.items():
        weekly[week_start(day)] = weekly.get(week_start(day), 0) + minutes
    mondays = [week_start(today) - timedelta(weeks=n) for n in reversed(range(WEEKS))]
    best = best_weekday(by_day)
    roadmap = await _roadmap(uow, roadmaps, enrolment.cohort, today)
    if roadmap is not None:
        done = await uow.roadmaps.steps_done(membership_id)
        roadmap = replace(roadmap, done=len(done))
    return MemberPage(
        member=enrolment.member.display_name, cohort=enrolment.cohort.name, streak=status.streak,
        longest=status.longest, freezes=status.freezes, today=today, target=target, days=days,
        weeks=tuple((monday, weekly.get(monday, 0)) for monday in mondays),
        best_weekday=calendar.day_name[best] if best is not None else None, total_minutes=sum(by_day.values()),
        roadmap=roadmap)


async def member_calendar(uow: UnitOfWork, roadmaps: Mapping[str, Roadmap], token: str,
                          now: datetime) -> MemberCalendar | None:
    enrolment = await _enrolment(uow, token)
    if enrolment is None:
        return None
    cohort = enrolment.cohort
    today = enrolment.local_date(now)
    roadmap = await _roadmap(uow, roadmaps, cohort, today)
    joined = enrolment.membership.joined_at
    since = local_day(joined, enrolment.zone, cohort.rollover_hour) if joined is not None else today
    return MemberCalendar(cohort=cohort.name, zone=enrolment.zone.key, reminder=enrolment.membership.reminder_time,
                          sprint_minutes=cohort.sprint_minutes, since=since,
                          steps=roadmap.spans if roadmap is not None else ())


async def cohort_calendar(uow: UnitOfWork, roadmaps: Mapping[str, Roadmap], slug: str,
                          now: datetime) -> CohortCalendar | None:
    cohort = await _cohort(uow, slug)
    if cohort is None:
        return None
    today = local_day(now, cohort.zone, cohort.rollover_hour)
    roadmap = await _roadmap(uow, roadmaps, cohort, today)
    created = cohort.created_at
    since = local_day(created, cohort.zone, cohort.rollover_hour) if created is not None else today
    return CohortCalendar(cohort=cohort.name, zone=cohort.timezone, recap_weekday=cohort.recap_weekday,
                          recap_time=cohort.recap_time, since=since,
                          steps=roadmap.spans if roadmap is not None else ())


async def _cohort(uow: UnitOfWork, slug: str) -> Cohort | None:
    return await uow.cohorts.find_by_web_slug(slug) if LINK_SECRET.fullmatch(slug) else None


async def _enrolment(uow: UnitOfWork, token: str) -> Enrolment | None:
    if not LINK_SECRET.fullmatch(token):
        return None
    membership = await uow.memberships.find_by_web_token(token)
    if membership is None or membership.id is None or not membership.active:
        return None
    return await load_enrolment(uow, membership.id)


async def _roadmap(uow: UnitOfWork, roadmaps: Mapping[str, Roadmap], cohort: Cohort,
                   today: date) -> RoadmapView | None:
    if not cohort.roadmap_id or cohort.roadmap_start is None:
        return None
    roadmap = await lookup(uow, roadmaps, cohort.platform, cohort.workspace, cohort.roadmap_id)
    if roadmap is None:
        return None
    where = position(roadmap, cohort.roadmap_start, today)
    following = where.next_step(roadmap)
    return RoadmapView(title=roadmap.title, step=where.step.number, step_title=where.step.title,
                       steps=len(roadmap.steps), week_in_step=where.week_in_step, started=where.started,
                       next_title=following.title if following else None,
                       spans=tuple(spans(roadmap, cohort.roadmap_start)))
