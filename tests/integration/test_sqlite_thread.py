"""SQLite units of work run on a database thread of their own (storage/sqlite_thread.py): every statement
there, none on the bot's event loop; a cancelled caller leaves nothing behind; dispose ends the thread."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine

from bot.domain import Member
from storage import Database
from tests.integration.conftest import add_enrolment, sqlite_url

THREAD_PREFIX = "studybot-sqlite"


@pytest.fixture
async def sqlite_db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database.connect(sqlite_url(tmp_path / "studybot.db"))
    yield database
    await database.dispose()


@contextmanager
def statement_threads() -> Iterator[list[tuple[str, str]]]:
    """(thread name, statement) of every statement any engine issues meanwhile."""
    seen: list[tuple[str, str]] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append((threading.current_thread().name, statement))

    event.listen(Engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(Engine, "before_cursor_execute", record)


def database_threads() -> list[threading.Thread]:
    return [thread for thread in threading.enumerate() if thread.name.startswith(THREAD_PREFIX)]


async def test_every_statement_of_a_unit_of_work_runs_on_the_database_thread(sqlite_db: Database) -> None:
    with statement_threads() as seen:
        async with sqlite_db.unit_of_work() as uow:
            seed = await add_enrolment(uow)
            await uow.checkins.minutes_by_day_since({seed.ids[2]: seed.cohort.created_at.date()})
            await uow.commit()
    names = {name for name, _ in seen}
    assert len(seen) >= 4 and len(names) == 1, seen
    assert names.pop().startswith(THREAD_PREFIX)
    assert threading.current_thread().name not in {name for name, _ in seen}


async def test_the_event_loop_turns_while_the_database_thread_waits_for_a_lock(sqlite_db: Database,
                                                                               tmp_path: Path) -> None:
    """Another process holds the write lock: the unit of work waits for it (busy_timeout) on its own thread,
    and the bot's event loop goes on serving everything else meanwhile."""
    other = sqlite3.connect(tmp_path / "studybot.db", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    begun = threading.Event()

    def on_begin(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement == "BEGIN IMMEDIATE":
            begun.set()

    async def write() -> None:
        async with sqlite_db.unit_of_work() as uow:
            await uow.members.add(Member("slack", "T", "waiting", "Waiting"))
            await uow.commit()

    event.listen(Engine, "before_cursor_execute", on_begin)
    writing = asyncio.create_task(write())
    try:
        assert await asyncio.to_thread(begun.wait, 5)  # the database thread is now stuck behind the lock
        for _ in range(100):
            await asyncio.sleep(0)  # each a turn of the event loop
        assert not writing.done()
    finally:
        event.remove(Engine, "before_cursor_execute", on_begin)
        other.execute("ROLLBACK")
        other.close()
    await writing
    async with sqlite_db.unit_of_work() as uow:
        assert await uow.members.find("slack", "T", "waiting") is not None


async def test_a_cancelled_unit_of_work_keeps_nothing_and_frees_the_connection(sqlite_db: Database) -> None:
    holding = asyncio.Event()

    async def abandoned() -> None:
        async with sqlite_db.unit_of_work() as uow:
            await uow.members.add(Member("slack", "T", "abandoned", "Gone"))
            holding.set()
            await asyncio.Event().wait()  # holds the connection and its write lock until cancelled
            await uow.commit()

    task = asyncio.create_task(abandoned())
    await holding.wait()
    waiting = asyncio.create_task(_add(sqlite_db, "queued"))  # waits for the one connection meanwhile
    await asyncio.sleep(0.01)
    assert not waiting.done()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await asyncio.wait_for(waiting, 5)  # the connection came back, without waiting out the pool timeout
    async with sqlite_db.unit_of_work() as uow:
        assert await uow.members.find("slack", "T", "abandoned") is None
        assert await uow.members.find("slack", "T", "queued") is not None


async def test_a_caller_cancelled_while_queueing_for_the_connection_leaves_the_others_working(
        sqlite_db: Database) -> None:
    async with sqlite_db.unit_of_work() as holder:
        await holder.members.add(Member("slack", "T", "holder", "Holder"))
        queued = [asyncio.create_task(_add(sqlite_db, f"q{n}")) for n in range(3)]
        await asyncio.sleep(0.01)
        queued[1].cancel()
        await holder.commit()
    results = await asyncio.gather(*queued, return_exceptions=True)
    assert results[0] is None and results[2] is None and isinstance(results[1], asyncio.CancelledError)
    async with sqlite_db.unit_of_work() as uow:
        assert [await uow.members.find("slack", "T", f"q{n}") is not None for n in range(3)] == [True, False, True]


async def test_dispose_ends_the_database_thread_and_a_later_unit_of_work_starts_it_again(tmp_path: Path) -> None:
    before = set(database_threads())
    database = await Database.connect(sqlite_url(tmp_path / "studybot.db"))
    try:
        await _add(database, "first")
        assert len(set(database_threads()) - before) == 1
        await database.dispose()
        assert set(database_threads()) - before == set()
        await _add(database, "second")
        async with database.unit_of_work() as uow:
            assert await uow.members.find("slack", "T", "first") is not None
            assert await uow.members.find("slack", "T", "second") is not None
    finally:
        await database.dispose()
    assert set(database_threads()) - before == set()


async def test_an_in_memory_database_gets_no_database_thread() -> None:
    before = set(database_threads())
    database = await Database.connect("sqlite+aiosqlite:///:memory:")
    try:
        with statement_threads() as seen:
            await _add(database, "in-memory")
        assert seen and {name for name, _ in seen} == {threading.current_thread().name}
        assert set(database_threads()) == before
    finally:
        await database.dispose()


async def _add(database: Database, user_id: str) -> None:
    async with database.unit_of_work() as uow:
        await uow.members.add(Member("slack", "T", user_id, user_id))
        await uow.commit()
