"""One `uow_factory` fixture, parametrised over every implementation of the storage ports.

- memory:   tests.fakes.InMemoryStore, always.
- sqlite:   storage.Database on a fresh file in tmp_path; skipped until `storage.Database` exists.
- postgres: storage.Database on a fresh, throw-away database of the server in STUDYBOT_TEST_POSTGRES_URL;
            skipped when the variable is not set.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.ports import UnitOfWorkFactory
from tests.fakes import InMemoryStore

POSTGRES_URL_VARIABLE = "STUDYBOT_TEST_POSTGRES_URL"


def _database_class() -> Any:
    try:
        storage = importlib.import_module("storage")
    except ImportError as error:
        pytest.skip(f"storage is not importable yet ({error}); the SQL contract runs once it is")
    database = getattr(storage, "Database", None)
    if database is None:
        pytest.skip("storage.Database does not exist yet; the SQL contract runs once it does")
    return database


@pytest.fixture(params=[
    "memory",
    "sqlite",
    pytest.param("postgres", marks=pytest.mark.postgres),
])
async def uow_factory(request: pytest.FixtureRequest, tmp_path: Any) -> AsyncIterator[UnitOfWorkFactory]:
    if request.param == "memory":
        yield InMemoryStore().unit_of_work
        return
    if request.param == "sqlite":
        database = _database_class()
        db = await database.connect(f"sqlite+aiosqlite:///{tmp_path}/c.db")
        try:
            yield db.unit_of_work
        finally:
            await db.dispose()
        return
    server_url = os.environ.get(POSTGRES_URL_VARIABLE)
    if not server_url:
        pytest.skip(f"set {POSTGRES_URL_VARIABLE} (postgresql+asyncpg://user:pw@host/db) to run against Postgres")
    database = _database_class()
    async with _scratch_postgres_database(server_url) as url:
        db = await database.connect(url)
        try:
            yield db.unit_of_work
        finally:
            await db.dispose()


@contextlib.asynccontextmanager
async def _scratch_postgres_database(server_url: str) -> AsyncIterator[str]:
    """CREATE DATABASE a fresh one on the configured server, hand out its URL, DROP it afterwards."""
    from sqlalchemy import text
    from sqlalchemy.engine import make_url
    from sqlalchemy.ext.asyncio import create_async_engine

    server = make_url(server_url)
    name = f"studybot_contract_{uuid.uuid4().hex[:12]}"

    async def admin(statement: str) -> None:
        engine = create_async_engine(server, isolation_level="AUTOCOMMIT")
        try:
            async with engine.connect() as connection:
                await connection.execute(text(statement))
        finally:
            await engine.dispose()

    await admin(f'CREATE DATABASE "{name}"')
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        await admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
