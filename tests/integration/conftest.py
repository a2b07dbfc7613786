"""Integration fixtures: each test gets an empty database, a SQLite file under tmp_path and, when
STUDYBOT_TEST_POSTGRES_URL is set, a freshly created Postgres database too."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, time
from pathlib import Path

import pytest
from sqlalchemy import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from bot.domain import Cohort, Member, Membership
from bot.ports import UnitOfWork
from storage import Database

POSTGRES_ENV = "STUDYBOT_TEST_POSTGRES_URL"
NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


async def _postgres_database() -> AsyncIterator[str]:
    """Create a throwaway database next to the one STUDYBOT_TEST_POSTGRES_URL names, drop it after."""
    base = os.environ.get(POSTGRES_ENV)
    if not base:
        pytest.skip(f"Postgres tests need {POSTGRES_ENV}, e.g. postgresql+asyncpg://postgres@127.0.0.1:5432/test")
    name = f"studybot_test_{uuid.uuid4().hex[:12]}"
    admin = create_async_engine(base, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as connection:
            await connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        yield make_url(base).set(database=name).render_as_string(hide_password=False)
        async with admin.connect() as connection:
            await connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """The URL of an empty database, never migrated."""
    if request.param == "sqlite":
        yield sqlite_url(tmp_path / "studybot.db")
        return
    async for url in _postgres_database():
        yield url


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    db = await Database.connect(database_url)
    try:
        yield db
    finally:
        await db.dispose()


@dataclass
class Seed:
    member: Member
    cohort: Cohort
    membership: Membership

    @property
    def ids(self) -> tuple[int, int, int]:
        assert self.member.id and self.cohort.id and self.membership.id
        return self.member.id, self.cohort.id, self.membership.id


async def add_enrolment(uow: UnitOfWork, user_id: str = "u1", cohort_name: str = "ml-club",
                        cohort: Cohort | None = None) -> Seed:
    member = await uow.members.add(Member(platform="discord", workspace="g1", user_id=user_id,
                                          display_name=f"User {user_id}"))
    assert member.id is not None
    if cohort is None:
        cohort = await uow.cohorts.add(Cohort(platform="discord", workspace="g1", name=cohort_name,
                                              channel_id=f"chan-{cohort_name}", created_by=member.id,
                                              timezone="Europe/Berlin", digest_time=time(21, 15), created_at=NOW))
    assert cohort.id is not None
    membership = await uow.memberships.add(Membership(cohort_id=cohort.id, member_id=member.id, joined_at=NOW))
    return Seed(member, cohort, membership)


@pytest.fixture
async def seed(database: Database) -> Seed:
    async with database.unit_of_work() as uow:
        seeded = await add_enrolment(uow)
        await uow.commit()
    return seeded
