"""Every storage path of the streak rules against the reference walk, on real databases (issue 15).

Random histories of three members: check-ins by the group-commit path (members at once, in the cohort's channel)
and by the ordinary one (`cohort:` from another channel), for today or yesterday, under, at and over twice the
target; random study days, holidays, rest days (also changed midway), pauses and `undo`. After every day, each
member's `streak` (resumed from saved walks) and the streak board (ranked from the kept board figures) must be
what the reference walk (tests/model/reference.py, written from DESIGN.md) says.
"""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.clock import SimulatedClock
from bot.commands.context import Invocation
from bot.replies import Reply
from bot.service import StudyBot
from storage import Database
from tests.model import reference as ref

START = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)  # a Monday; the cohort is in UTC, rolling over at 04:00
DAY = timedelta(hours=24, minutes=1)  # a day and a minute: yesterday's check-ins are just out of undo's reach
TARGET = 30
MEMBERS = ("ann", "ben", "cat")
STUDY = ("all", "mon-fri", "sat-thu", "mon,wed,fri")
REST = ("off", "sat,sun", "fri", "sun", "tue,thu")
EVERY_DAY = frozenset(range(7))
_workspaces = itertools.count()


@dataclass(frozen=True)
class Move:
    minutes: int
    batched: bool  # the group-commit path, else the ordinary one
    yesterday: bool
    pause: bool  # `pause 2d` first
    undo: bool  # `undo` after


@dataclass(frozen=True)
class History:
    study: str
    holidays: frozenset[int]  # day numbers
    rest: tuple[str, ...]  # each member's, from day 0
    change: tuple[int, int, str]  # (day, member, pattern): a rest change midway
    days: tuple[tuple[Move, ...], ...]


moves = st.builds(Move, st.sampled_from((0, 0, 10, 30, 30, 45, 60, 90)), st.booleans(),
                  st.sampled_from((False, False, False, True)), st.sampled_from((False,) * 9 + (True,)),
                  st.sampled_from((False,) * 7 + (True,)))
histories = st.builds(
    History, st.sampled_from(STUDY), st.frozensets(st.integers(1, 16), max_size=4),
    st.tuples(*(st.sampled_from(REST) for _ in MEMBERS)),
    st.tuples(st.integers(1, 16), st.integers(0, len(MEMBERS) - 1), st.sampled_from(REST)),
    st.lists(st.tuples(*(moves for _ in MEMBERS)), min_size=6, max_size=16).map(tuple))


@dataclass
class Person:
    name: str
    checkins: list[tuple[date, int]] = field(default_factory=list)  # in the order recorded
    today_from: int = 0  # index in `checkins` of the first one recorded within undo's reach
    pauses: list[tuple[date, date]] = field(default_factory=list)
    rest: list[ref.DaysChange] = field(default_factory=list)

    def minutes(self) -> dict[date, int]:
        by_day: dict[date, int] = {}
        for day, minutes in self.checkins:
            by_day[day] = by_day.get(day, 0) + minutes
        return by_day


class Group:
    def __init__(self, database: Database, history: History) -> None:
        self.clock = SimulatedClock(START)
        self.bot = StudyBot(database.unit_of_work, self.clock)
        self.bot.throttle.wait = lambda key, now: None  # type: ignore[method-assign] # many commands by design
        self.workspace = f"paths{next(_workspaces)}"
        self.history = history
        self.people = [Person(name) for name in MEMBERS]
        self.study = [ref.DaysChange(START, START.date(), frozenset(ref.weekdays(history.study)))]
        self.holidays = {START.date() + timedelta(days=n) for n in history.holidays}
        self.keys = itertools.count()

    async def say(self, who: str, line: str, channel: str = "club") -> Reply:
        invocation = Invocation("test", self.workspace, who, who, channel, f"{who}:{next(self.keys)}")
        return await self.bot.handle_text(invocation, line)

    async def ok(self, who: str, line: str, channel: str = "club") -> Reply:
        reply = await self.say(who, line, channel)
        assert not reply.is_error, (line, reply.text)
        return reply

    @property
    def today(self) -> date:
        return ref.local_day(self.clock.now(), ZoneInfo("UTC"), 4)

    def off(self, person: Person, day: date) -> bool:
        return (day.weekday() not in ref.weekdays_on(self.study, day, self.clock.now(), EVERY_DAY)
                or day.weekday() in ref.weekdays_on(person.rest, day, self.clock.now(), frozenset())
                or day in self.holidays or any(start <= day <= end for start, end in person.pauses))

    async def set_up(self) -> None:
        await self.ok("ann", f"cohort create club days:{self.history.study}")
        for name in MEMBERS[1:]:
            await self.ok(name, "cohort join club")
        for number in sorted(self.history.holidays):
            await self.ok("ann", f"cohort holiday add {(self.today + timedelta(days=number)).isoformat()}")
        for person, pattern in zip(self.people, self.history.rest, strict=True):
            await self.rest(person, pattern)

    async def rest(self, person: Person, pattern: str) -> None:
        await self.ok(person.name, f"rest {pattern}")
        person.rest.append(ref.DaysChange(self.clock.now(), self.today, frozenset(ref.weekdays(pattern))))

    async def live(self, number: int, moves: tuple[Move, ...]) -> None:
        today = self.today
        for person in self.people:
            person.today_from = len(person.checkins)
        change_day, who, pattern = self.history.change
        if change_day == number:
            await self.rest(self.people[who], pattern)
        for person, move in zip(self.people, moves, strict=True):
            if move.pause:
                await self.ok(person.name, "pause 2d")
                person.pauses = [(s, min(e, today - timedelta(days=1))) for s, e in person.pauses if s < today]
                person.pauses.append((today, today + timedelta(days=1)))
        batched = [(p, m) for p, m in zip(self.people, moves, strict=True) if m.minutes and m.batched]
        replies = await asyncio.gather(*(self.say(p.name, self.checkin(m)) for p, m in batched))
        for (person, move), reply in zip(batched, replies, strict=True):
            self.recorded(person, move, reply)
        for person, move in zip(self.people, moves, strict=True):
            if move.minutes and not move.batched:
                self.recorded(person, move, await self.say(person.name, self.checkin(move) + " cohort:club", "hall"))
        for person, move in zip(self.people, moves, strict=True):
            if move.undo:
                await self.undo(person)

    @staticmethod
    def checkin(move: Move) -> str:
        return f"checkin {move.minutes}" + (" yesterday:true" if move.yesterday else "")

    def recorded(self, person: Person, move: Move, reply: Reply) -> None:
        assert not reply.is_error, reply.text
        day = self.today - timedelta(days=1) if move.yesterday else self.today
        person.checkins.append((day, move.minutes))
        walked = ref.walk(person.minutes(), TARGET, lambda d: self.off(person, d), self.today)
        assert (reply.data["streak"], reply.data["longest"], reply.data["freezes"]) == (
            walked.streak, walked.longest, walked.freezes), (person.name, reply.data)
        before = person.minutes().get(day, 0) - move.minutes
        assert reply.data["repaired"] == (day in walked.repaired_on and before < 2 * TARGET), reply.data

    async def undo(self, person: Person) -> None:
        reply = await self.say(person.name, "undo")
        if len(person.checkins) == person.today_from:
            assert reply.data.get("error") == "nothing_to_undo", reply.data
            return
        day, minutes = person.checkins.pop()
        assert not reply.is_error and reply.data["undone"]["minutes"] == minutes, reply.data
        assert reply.data["undone"]["local_date"] == day.isoformat()

    async def check(self) -> None:
        today = self.today
        entries = []
        for person in self.people:
            walked = ref.walk(person.minutes(), TARGET, lambda d, p=person: self.off(p, d), today)
            data = (await self.ok(person.name, "streak")).data
            offer = None if walked.offer is None else {
                "missed": walked.offer[0].isoformat(), "streak": walked.offer[1], "need_minutes": 2 * TARGET}
            assert (data["streak"], data["longest"], data["freezes"], data["today_done"], data["repair"]) == (
                walked.streak, walked.longest, walked.freezes, walked.today_done, offer), (person.name, today)
            entries.append((person.name, walked.streak, walked.longest))
        board = (await self.ok("ann", "leaderboard streak")).data["rows"]
        assert board == ref.competition_rows(entries), today


@settings(max_examples=12, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(history=histories)
async def test_every_path_walks_as_the_reference_does(database: Database, history: History) -> None:
    group = Group(database, history)
    await group.set_up()
    for number, day in enumerate(history.days):
        await group.live(number, day)
        await group.check()
        group.clock.advance(DAY)
