"""Transactions: commit, rollback, savepoints after a duplicate, restarts and unreachable databases."""

from __future__ import annotations

import asyncio
import re
import sqlite3
from datetime import UTC, date, time, timedelta
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import create_async_engine

from bot.domain import CheckIn, Member, Pause, Sprint
from bot.errors import StorageUnavailable
from bot.ports import DuplicateKey
from bot.streaks import StreakState
from storage import Database
from tests.integration.conftest import NOW, Seed, add_enrolment, sqlite_url

DAY = date(2026, 3, 1)


def checkin(seed: Seed, key: str, minutes: int = 30) -> CheckIn:
    member_id, cohort_id, membership_id = seed.ids
    return CheckIn(membership_id=membership_id, member_id=member_id, cohort_id=cohort_id, local_date=DAY,
                   minutes=minutes, created_at=NOW, idempotency_key=key)


async def test_duplicate_key_leaves_the_transaction_usable(database: Database, seed: Seed) -> None:
    async with database.unit_of_work() as uow:
        await uow.checkins.add(checkin(seed, "once"))
        await uow.commit()
    async with database.unit_of_work() as uow:
        await uow.checkins.add(checkin(seed, "before", 10))
        with pytest.raises(DuplicateKey):
            await uow.checkins.add(checkin(seed, "once", 99))
        await uow.checkins.add(checkin(seed, "after", 5))
        await uow.commit()
    async with database.unit_of_work() as uow:
        assert await uow.checkins.minutes_on(seed.ids[2], DAY) == 45


async def test_nothing_is_kept_without_commit(database: Database) -> None:
    async with database.unit_of_work() as uow:
        await uow.members.add(Member("slack", "T1", "gone", "Gone"))
    with pytest.raises(RuntimeError, match="boom"):
        async with database.unit_of_work() as uow:
            await uow.members.add(Member("slack", "T1", "boom", "Boom"))
            raise RuntimeError("boom")
    async with database.unit_of_work() as uow:
        await uow.members.add(Member("slack", "T1", "kept", "Kept"))
        await uow.commit()
        await uow.members.add(Member("slack", "T1", "late", "Late"))  # after the commit: rolled back
    async with database.unit_of_work() as uow:
        assert await uow.members.find("slack", "T1", "gone") is None
        assert await uow.members.find("slack", "T1", "boom") is None
        assert await uow.members.find("slack", "T1", "kept") is not None
        assert await uow.members.find("slack", "T1", "late") is None


async def test_each_call_gives_a_new_unit_of_work(database: Database) -> None:
    first = database.unit_of_work()
    assert database.unit_of_work() is not first
    async with first:
        pass
    with pytest.raises(RuntimeError):
        async with first:
            pass


async def test_everything_survives_a_restart(database_url: str) -> None:
    database = await Database.connect(database_url)
    async with database.unit_of_work() as uow:
        member = await uow.members.add(Member("discord", "g", "u", "Ada", timezone="Asia/Kolkata"))
        assert member.id is not None
        seed = await add_enrolment(uow, user_id="u9")
        seed.membership.streak_state = StreakState(streak=3, freezes=1, longest=8, through=DAY)
        seed.membership.reminder_time = time(7, 30)
        await uow.memberships.save(seed.membership)
        added = await uow.checkins.add(checkin(seed, "k"))
        sprint = await uow.sprints.add(Sprint(seed.ids[0], seed.ids[2], NOW, NOW + timedelta(minutes=30)))
        pause = await uow.pauses.add(Pause(seed.ids[0], DAY, DAY + timedelta(days=3)))
        await uow.commit()
    await database.dispose()

    database = await Database.connect(database_url)
    try:
        async with database.unit_of_work() as uow:
            assert await uow.members.get(member.id) == member
            assert await uow.cohorts.get(seed.ids[1]) == seed.cohort
            membership = await uow.memberships.get_by_id(seed.ids[2])
            assert membership == seed.membership
            assert membership is not None and membership.joined_at is not None
            assert membership.joined_at.tzinfo is UTC and membership.joined_at == NOW
            stored = await uow.checkins.find_by_key(seed.ids[0], "k")
            assert stored == added and stored is not None and stored.created_at.tzinfo is UTC
            assert await uow.sprints.active_for_member(seed.ids[0]) == sprint
            assert await uow.pauses.for_member(seed.ids[0]) == [pause]
    finally:
        await database.dispose()


async def test_concurrent_writers_all_succeed(database: Database, seed: Seed) -> None:
    async def write(n: int) -> None:
        async with database.unit_of_work() as uow:
            await uow.checkins.add(checkin(seed, f"task-{n}", 1))
            await uow.commit()

    await asyncio.gather(*(write(n) for n in range(200)))
    async with database.unit_of_work() as uow:
        assert await uow.checkins.minutes_on(seed.ids[2], DAY) == 200


async def test_unreachable_postgres_is_storage_unavailable() -> None:
    with pytest.raises(StorageUnavailable, match=re.escape("127.0.0.1:1")) as raised:
        await Database.connect("postgresql+asyncpg://studybot:secret@127.0.0.1:1/nowhere")
    assert "secret" not in str(raised.value)


async def test_missing_sqlite_folder_is_named(tmp_path: Path) -> None:
    missing = tmp_path / "no" / "such" / "dir"
    with pytest.raises(StorageUnavailable, match=re.escape(str(missing))):
        await Database.connect(sqlite_url(missing / "studybot.db"))
    assert not missing.exists()


async def test_sqlite_that_stays_locked_is_storage_unavailable(tmp_path: Path) -> None:
    path = tmp_path / "studybot.db"
    database = await Database.connect(sqlite_url(path))
    other_process = sqlite3.connect(path, isolation_level=None)
    try:
        other_process.execute("BEGIN IMMEDIATE")
        with pytest.raises(StorageUnavailable, match="locked"):
            async with database.unit_of_work() as uow:
                await uow.members.find("slack", "T", "U")
    finally:
        other_process.close()
        await database.dispose()


@pytest.mark.postgres
async def test_connection_lost_inside_a_unit_of_work(database: Database, database_url: str) -> None:
    if database.dialect != "postgresql":
        pytest.skip("Postgres only: SQLite has no server to lose")
    admin = create_async_engine(database_url, isolation_level="AUTOCOMMIT")
    try:
        with pytest.raises(StorageUnavailable) as raised:
            async with database.unit_of_work() as uow:
                await uow.members.find("slack", "T", "U")
                async with admin.connect() as connection:
                    await connection.exec_driver_sql(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE datname = current_database() AND pid <> pg_backend_pid()")
                await uow.members.find("slack", "T", "U")
        assert raised.value.__cause__ is not None
    finally:
        await admin.dispose()
    async with database.unit_of_work() as uow:  # the pool recovers
        assert await uow.members.find("slack", "T", "U") is None
