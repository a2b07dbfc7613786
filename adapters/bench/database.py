"""A fresh database per scenario: a temporary SQLite file, or a database created on the given Postgres
server and dropped afterwards. When the server will not let us create one, an *empty* given database is
used (and emptied again afterwards); a non-empty one is refused, so a bench never touches real data."""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from storage import Database


class NotEmpty(Exception):
    """The Postgres database given to the bench already holds tables."""


def is_sqlite(url: str | None) -> bool:
    return url is None or make_url(url).get_backend_name() == "sqlite"


@asynccontextmanager
async def fresh_database(url: str | None) -> AsyncIterator[Database]:
    if is_sqlite(url):
        with tempfile.TemporaryDirectory(prefix="studybot-bench-") as folder:
            database = await Database.connect(f"sqlite+aiosqlite:///{folder}/bench.db")
            try:
                yield database
            finally:
                await database.dispose()
        return
    assert url is not None
    async with _postgres(url) as database:
        yield database


@asynccontextmanager
async def _postgres(url: str) -> AsyncIterator[Database]:
    server = make_url(url)
    name = f"studybot_bench_{uuid.uuid4().hex[:12]}"
    admin = create_async_engine(server, isolation_level="AUTOCOMMIT")
    try:
        try:
            async with admin.connect() as connection:
                await connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        except Exception as error:
            if "permission denied" not in str(error).lower():
                raise
            async with _given_if_empty(url) as database:
                yield database
            return
        database = await Database.connect(server.set(database=name).render_as_string(hide_password=False))
        try:
            yield database
        finally:
            await database.dispose()
            async with admin.connect() as connection:
                await connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.dispose()


@asynccontextmanager
async def _given_if_empty(url: str) -> AsyncIterator[Database]:
    engine = create_async_engine(url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            tables = (await connection.exec_driver_sql(
                "SELECT count(*) FROM information_schema.tables "
                "WHERE table_schema NOT IN ('pg_catalog', 'information_schema')")).scalar_one()
        if tables:
            raise NotEmpty(f"cannot create a database on {make_url(url).render_as_string(hide_password=True)} "
                           f"and the one given holds {tables} tables; give an empty database or a role with "
                           "CREATEDB")
        database = await Database.connect(url)
        try:
            yield database
        finally:
            await database.dispose()
            async with engine.connect() as connection:
                await connection.exec_driver_sql("DROP SCHEMA public CASCADE")
                await connection.exec_driver_sql("CREATE SCHEMA public")
    finally:
        await engine.dispose()
