"""Focus sessions under concurrency, and removal, on SQLite and Postgres (issue 17): two `Database`s on one
database (two engines, as two bot processes have).

- One running session per member is the database's rule (a unique partial index): two units of work that both
  found no session and both start one -- one commits, the other gets DuplicateKey; two processes handling the same
  voice event at once leave exactly one open session.
- A session ending on a day a `checkin` in the other process is filling never takes the day over 960: whichever
  goes second gets what is left of the day (the session) or is refused (the check-in).
- `forget confirm:yes` takes the member's sessions with it, `cohort remove` the cohort's rooms and sessions."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import text

from bot import focus
from bot.clock import SimulatedClock
from bot.commands.checkin import MAX_MINUTES_PER_DAY
from bot.commands.context import Invocation, Toolkit
from bot.domain import FocusSession, VoicePresence
from bot.focusdesk import FocusDesk
from bot.ports import DuplicateKey
from bot.replies import Reply
from bot.scheduler import Scheduler
from bot.service import StudyBot
from storage import Database
from tests.integration.conftest import NOW

WS = "w"
ROOM = "hall"
MEMBERS = 12
FULL = 900  # minutes each racing member has logged before the race: 60 left


@dataclass
class Processes:
    first: Database
    second: Database
    clock: SimulatedClock
    postgres: bool

    def bot(self, database: Database) -> StudyBot:
        return StudyBot(database.unit_of_work, self.clock, Toolkit())

    async def rows(self, sql: str, **params: Any) -> list[dict[str, Any]]:
        async with self.first.engine.connect() as connection:
            return [dict(row._mapping) for row in await connection.execute(text(sql), params)]


@pytest.fixture
async def processes(database_url: str) -> AsyncIterator[Processes]:
    first = await Database.connect(database_url)
    second = await Database.connect(database_url)
    try:
        yield Processes(first, second, SimulatedClock(NOW), database_url.startswith("postgresql"))
    finally:
        await first.dispose()
        await second.dispose()


_keys = iter(range(10**9))


async def say(bot: StudyBot, user: str, line: str) -> Reply:
    return await bot.handle_text(Invocation(platform="test", workspace=WS, user_id=user, display_name=user,
                                            channel_id="club", idempotency_key=f"k{next(_keys)}"), line)


async def ok(bot: StudyBot, user: str, line: str) -> Reply:
    reply = await say(bot, user, line)
    assert not reply.is_error, f"{line!r} was refused: {reply.text}"
    return reply


def users(n: int = MEMBERS) -> list[str]:
    return [f"u{i:02d}" for i in range(n)]


async def club(processes: Processes, members: list[str], *, fill: int = 0) -> StudyBot:
    """A cohort in UTC (rollover 4) with focus room #hall; each member has logged `fill` minutes today."""
    bot = processes.bot(processes.first)
    await ok(bot, "owner", "cohort create club timezone:UTC rollover:4")
    await ok(bot, "owner", f"cohort focusroom add #{ROOM}")
    for user in members:
        await ok(bot, user, "cohort join club")
        left = fill
        while left:
            await ok(bot, user, f"checkin {min(left, 450)}")
            left -= min(left, 450)
    return bot


async def open_sessions(processes: Processes) -> dict[str, int]:
    """Open sessions by user id: how many each member has."""
    rows = await processes.rows("SELECT m.user_id, COUNT(*) AS n FROM focus_sessions s JOIN members m "
                                "ON m.id = s.member_id WHERE s.ended_at IS NULL GROUP BY m.user_id")
    return {row["user_id"]: row["n"] for row in rows}


# --- one running session per member -----------------------------------------------------------------------------


async def test_two_units_of_work_starting_a_session_for_one_member_one_gets_duplicate_key(
        processes: Processes) -> None:
    await club(processes, ["ann"])
    async with processes.first.unit_of_work() as uow:
        member = await uow.members.find("test", WS, "ann")
        room = await uow.focus.room_for("test", WS, ROOM)
        assert member is not None and member.id is not None and room is not None and room.id is not None
        membership = await uow.memberships.get(room.cohort_id, member.id)
        assert membership is not None and membership.id is not None
    session = FocusSession(member_id=member.id, membership_id=membership.id, room_id=room.id, started_at=NOW,
                           seen_at=NOW, confirmed_at=NOW, due_at=NOW + focus.IDLE_AFTER)
    # Postgres: both look first and find nothing, then both insert (the second waits on the first's index entry
    # and fails once it commits). SQLite's writers are serialised from their first statement (BEGIN IMMEDIATE),
    # so there both just insert; the second runs after the first committed.
    both_looked = asyncio.Barrier(2) if processes.postgres else None

    async def start(database: Database) -> str:
        async with database.unit_of_work() as uow:
            if both_looked is not None:
                assert await uow.focus.open_session(member.id or 0) is None
                await both_looked.wait()
            try:
                await uow.focus.start(FocusSession(**{**vars(session), "id": None}))
            except DuplicateKey:
                return "duplicate"
            await uow.commit()
            return "started"

    outcomes = await asyncio.gather(start(processes.first), start(processes.second))
    assert sorted(outcomes) == ["duplicate", "started"]
    assert await open_sessions(processes) == {"ann": 1}
    # ended, it no longer holds the index: the next one starts
    async with processes.second.unit_of_work() as uow:
        running = await uow.focus.open_session(member.id)
        assert running is not None
        running.ended_at, running.end_reason, running.minutes = NOW, "left", 0
        await uow.focus.save(running)
        await uow.focus.start(FocusSession(**{**vars(session), "id": None}))
        await uow.commit()
    assert await open_sessions(processes) == {"ann": 1}


async def test_the_same_voice_event_handled_by_two_processes_at_once_starts_one_session(
        processes: Processes) -> None:
    await club(processes, users())
    one, other = processes.bot(processes.first), processes.bot(processes.second)
    joins = [bot.focus.voice_changed("test", WS, VoicePresence(user, ROOM)) for user in users() for bot in (one, other)]
    await asyncio.gather(*joins)
    assert await open_sessions(processes) == dict.fromkeys(users(), 1)
    # ... and a start-up snapshot in one process racing the events in the other starts none twice either
    processes.clock.advance(minutes=20)
    await asyncio.gather(*(bot.focus.voice_changed("test", WS, VoicePresence(user, None))
                           for user in users() for bot in (one, other)))
    assert await open_sessions(processes) == {}
    processes.clock.advance(minutes=1)
    await asyncio.gather(one.focus.voice_snapshot("test", WS, [VoicePresence(user, ROOM) for user in users()],
                                                  start_missing=True),
                         *(other.focus.voice_changed("test", WS, VoicePresence(user, ROOM)) for user in users()))
    assert await open_sessions(processes) == dict.fromkeys(users(), 1)
    # each of the first sessions ended once: one check-in of 20 minutes and one DM each
    focus = await processes.rows("SELECT minutes FROM checkins WHERE source = 'focus'")
    assert [row["minutes"] for row in focus] == [20] * MEMBERS
    dms = await processes.rows("SELECT key FROM outbox WHERE kind = 'focus_end'")
    assert len(dms) == MEMBERS


# --- the day cap --------------------------------------------------------------------------------------------------


def _within_cap(days: dict[str, int]) -> None:
    over = {user: minutes for user, minutes in days.items() if minutes > MAX_MINUTES_PER_DAY}
    assert not over, f"{len(over)} of {len(days)} days above {MAX_MINUTES_PER_DAY}: {over}"


async def _days(processes: Processes) -> dict[str, int]:
    rows = await processes.rows("SELECT m.user_id, c.local_date, SUM(c.minutes) AS total FROM checkins c "
                                "JOIN members m ON m.id = c.member_id GROUP BY m.user_id, c.local_date")
    assert len({row["user_id"] for row in rows}) == len(rows), f"check-ins on more than one day: {rows}"
    return {row["user_id"]: int(row["total"]) for row in rows}


async def _race_ends_with_checkins(processes: Processes,
                                   ending: Callable[[StudyBot, str], Awaitable[object]] | None,
                                   tick: bool = False) -> None:
    """Each member has logged 900 minutes today and has been in #hall for 40 minutes; one process ends the
    sessions (each member leaving, or the idle guard's tick) while the other records `checkin 40` for each."""
    bot = await club(processes, users(), fill=FULL)
    processes.clock.advance(minutes=-40 if not tick else -110)
    for user in users():
        await bot.focus.voice_changed("test", WS, VoicePresence(user, ROOM))
    if tick:  # they answer "Still studying?" early, 40 minutes in; an hour later they are asked, and never answer
        processes.clock.advance(minutes=40)
        ids = {row["user_id"]: row["id"] for row in await processes.rows(
            "SELECT m.user_id, s.id FROM focus_sessions s JOIN members m ON m.id = s.member_id")}
        for user in users():
            assert (await bot.focus.confirm("test", user, ids[user])).data["confirmed"] is True
        processes.clock.advance(minutes=60)
        await Scheduler(processes.first.unit_of_work, processes.clock).tick()
        asked = await processes.rows("SELECT key FROM outbox WHERE kind = 'focus_check'")
        assert len(asked) == MEMBERS
        processes.clock.advance(minutes=10)
    else:
        processes.clock.advance(minutes=40)
    assert processes.clock.now() == NOW
    other = processes.bot(processes.second)
    ends: list[Awaitable[object]] = ([Scheduler(processes.first.unit_of_work, processes.clock).tick()] if tick
                                     else [ending(bot, user) for user in users()] if ending else [])
    replies = (await asyncio.gather(*(say(other, user, "checkin 40") for user in users()), *ends))[:MEMBERS]

    days = await _days(processes)
    _within_cap(days)
    sessions = {row["user_id"]: row for row in await processes.rows(
        "SELECT m.user_id, s.minutes, s.end_reason FROM focus_sessions s JOIN members m ON m.id = s.member_id")}
    assert await open_sessions(processes) == {}
    for user, reply in zip(users(), replies, strict=True):
        if reply.is_error:  # the session went first (40 minutes: 940), and the check-in no longer fitted
            assert reply.data["error"] == "too_many_minutes", reply.text
            assert (sessions[user]["minutes"], days[user]) == (40, FULL + 40), (user, sessions[user])
        else:  # the check-in went first: the session records what was left of the day
            assert (sessions[user]["minutes"], days[user]) == (MAX_MINUTES_PER_DAY - FULL - 40,
                                                               MAX_MINUTES_PER_DAY), (user, sessions[user])
    assert len(await processes.rows("SELECT key FROM outbox WHERE kind = 'focus_end'")) == MEMBERS


async def test_a_session_ending_while_another_process_checks_in_never_passes_the_cap(processes: Processes) -> None:
    await _race_ends_with_checkins(
        processes, lambda bot, user: bot.focus.voice_changed("test", WS, VoicePresence(user, None)))


async def test_the_idle_guard_ending_sessions_while_another_process_checks_in_never_passes_the_cap(
        processes: Processes) -> None:
    await _race_ends_with_checkins(processes, None, tick=True)


# --- removal ------------------------------------------------------------------------------------------------------


async def _counts(processes: Processes) -> dict[str, int]:
    [row] = await processes.rows("SELECT (SELECT COUNT(*) FROM focus_rooms) AS focus_rooms, "
                                 "(SELECT COUNT(*) FROM focus_sessions) AS focus_sessions, "
                                 "(SELECT COUNT(*) FROM focus_status) AS focus_status")
    return {name: int(value) for name, value in row.items()}


async def _sessions_of(processes: Processes, user: str) -> int:
    [row] = await processes.rows("SELECT COUNT(*) AS n FROM focus_sessions s JOIN members m ON m.id = s.member_id "
                                 "WHERE m.user_id = :user", user=user)
    return int(row["n"])


async def test_forget_and_cohort_remove_take_focus_sessions_and_rooms_with_them(processes: Processes) -> None:
    bot = await club(processes, ["ann", "bob"])
    await ok(bot, "owner", "cohort focusroom add #cam video:on status:on")
    for user in ("ann", "bob"):
        await bot.focus.voice_changed("test", WS, VoicePresence(user, ROOM))
    processes.clock.advance(minutes=30)
    await bot.focus.voice_changed("test", WS, VoicePresence("ann", "cam", video=True))  # ends one, starts another
    processes.clock.advance(minutes=10)
    assert (await _sessions_of(processes, "ann"), await _sessions_of(processes, "bob")) == (2, 1)
    assert await _counts(processes) == {"focus_rooms": 2, "focus_sessions": 3, "focus_status": 1}

    forgotten = await ok(bot, "ann", "forget confirm:yes")
    assert forgotten.data["cohorts_removed"] == []  # bob and the owner are still in it
    assert await _sessions_of(processes, "ann") == 0
    assert await _counts(processes) == {"focus_rooms": 2, "focus_sessions": 1, "focus_status": 1}
    assert await open_sessions(processes) == {"bob": 1}
    await bot.focus.voice_changed("test", WS, VoicePresence("ann", ROOM))  # a stranger now: nothing starts
    assert await open_sessions(processes) == {"bob": 1}

    await ok(bot, "owner", "cohort remove club confirm:club")
    assert await _counts(processes) == {"focus_rooms": 0, "focus_sessions": 0, "focus_status": 0}
    await bot.focus.voice_changed("test", WS, VoicePresence("bob", None))  # his session went with the cohort
    await bot.focus.voice_snapshot("test", WS, [VoicePresence("bob", ROOM)], start_missing=True)
    assert await _counts(processes) == {"focus_rooms": 0, "focus_sessions": 0, "focus_status": 0}
    # and the channel can be another cohort's focus room again
    await ok(bot, "owner", "cohort create other timezone:UTC")
    await ok(bot, "owner", f"cohort focusroom add #{ROOM}")
    assert (await _counts(processes))["focus_rooms"] == 1


async def test_an_answer_racing_the_idle_guard_never_reopens_the_session_it_ended(processes: Processes) -> None:
    """The idle guard (one process) ends an unanswered session while the member's late answer arrives in another,
    which has already read the session as open: the answer waits for the guard's transaction and reads it again,
    rather than writing back the open session it read before (its time would be counted again). On SQLite the
    answer's transaction cannot begin before the guard's ends, so there it simply comes after."""
    bot = await club(processes, ["ann"])
    await bot.focus.voice_changed("test", WS, VoicePresence("ann", ROOM))
    processes.clock.advance(focus.IDLE_AFTER)
    await Scheduler(processes.first.unit_of_work, processes.clock).tick()  # asked
    processes.clock.advance(focus.ANSWER_WITHIN)
    [session_id] = [row["id"] for row in await processes.rows("SELECT id FROM focus_sessions")]
    answer_read_it = asyncio.Event()

    class Watched:
        """The second process's unit of work, telling when the answer has read the session."""

        def __init__(self) -> None:
            self.uow = processes.second.unit_of_work()

        async def __aenter__(self) -> Any:
            opened = await self.uow.__aenter__()
            read = opened.focus.session

            async def session(wanted: int) -> FocusSession | None:
                found = await read(wanted)
                answer_read_it.set()
                return found

            opened.focus.session = session
            return opened

        async def __aexit__(self, *exc: Any) -> None:
            await self.uow.__aexit__(*exc)

    answer = FocusDesk(Watched, processes.clock)  # type: ignore[arg-type]
    async with processes.first.unit_of_work() as uow:
        assert await focus.idle_guard(uow, processes.clock.now()) == 1  # ended, not committed yet
        answering = asyncio.create_task(answer.confirm("test", "ann", session_id))
        if processes.postgres:
            await asyncio.wait_for(answer_read_it.wait(), 10)  # it has read the session, still open to it
        await uow.commit()
    reply = await asyncio.wait_for(answering, 10)
    assert reply.data.get("confirmed") is False, reply.data
    [row] = await processes.rows("SELECT ended_at, end_reason FROM focus_sessions")
    assert row["ended_at"] is not None and row["end_reason"] == "idle"
