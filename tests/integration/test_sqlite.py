"""SQLite specifics: the connection is set up for one writer at a time, in WAL mode, with foreign keys."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from bot.domain import Membership
from storage import Database
from tests.integration.conftest import sqlite_url


@pytest.fixture
async def sqlite_db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database.connect(sqlite_url(tmp_path / "studybot.db"))
    yield database
    await database.dispose()


@pytest.mark.parametrize(("pragma", "expected"), [
    ("journal_mode", "wal"), ("foreign_keys", 1), ("synchronous", 1), ("busy_timeout", 5000),
])
async def test_pragmas(sqlite_db: Database, pragma: str, expected: object) -> None:
    async with sqlite_db.engine.connect() as connection:
        result = await connection.exec_driver_sql(f"PRAGMA {pragma}")
        assert result.scalar() == expected


async def test_foreign_keys_are_enforced(sqlite_db: Database) -> None:
    with pytest.raises(IntegrityError, match="FOREIGN KEY"):
        async with sqlite_db.unit_of_work() as uow:
            await uow.memberships.add(Membership(cohort_id=404, member_id=404))


async def test_one_pooled_connection(sqlite_db: Database) -> None:
    assert sqlite_db.dialect == "sqlite"
    assert sqlite_db.engine.pool.size() == 1  # type: ignore[attr-defined]


async def test_in_memory_database_works() -> None:
    database = await Database.connect("sqlite+aiosqlite:///:memory:")
    try:
        async with database.unit_of_work() as uow:
            assert await uow.cohorts.list_in_workspace("slack", "T") == []
    finally:
        await database.dispose()


async def test_a_failing_statement_never_carries_its_parameters_into_errors_or_logs(database_url: str) -> None:
    """What a member wrote (a note, a name, a link) must not reach a log line through a database error."""
    database = await Database.connect(database_url)
    secret = "my-private-note-2b7c"
    insert = text("INSERT INTO members (platform, workspace, user_id, display_name, allow_mentions, hidden, web_name) "
                 "VALUES ('t', 'w', 'u', :name, true, false, false)")
    try:
        async with database.engine.begin() as connection:
            await connection.execute(insert, {"name": secret})
        try:
            async with database.engine.begin() as connection:
                await connection.execute(insert, {"name": secret})
        except IntegrityError as error:
            assert secret not in str(error) and "hidden" in str(error)
        else:
            raise AssertionError("the second insert should have hit the unique key")
    finally:
        await database.dispose()
