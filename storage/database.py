"""Engine set-up, schema checks and migrations at start, and the unit-of-work factory."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import URL, event, make_url
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine

from bot.errors import StorageUnavailable
from storage.errors import SchemaTooNew, is_unavailable
from storage.sqlite_in_place import in_place_url
from storage.sqlite_thread import DatabaseThread
from storage.unit_of_work import SqlUnitOfWork

MIGRATIONS = Path(__file__).with_name("migrations")
POOL_TIMEOUT = 30  # seconds a unit of work may queue for a connection before it reports the DB unavailable
SQLITE_BUSY_TIMEOUT_MS = 5000
# Any fixed number: serialises migrations when several processes start against one Postgres.
MIGRATION_LOCK_ID = 0x57D7B07

T = TypeVar("T")


def create_engine(url: str) -> AsyncEngine:
    """An async engine set up for studybot: pre-ping on Postgres; WAL and write-serialising
    transactions on SQLite. Fails with StorageUnavailable when a SQLite file's folder is missing."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_async_engine(parsed, pool_pre_ping=True, pool_timeout=POOL_TIMEOUT, hide_parameters=True)
    if _is_memory(parsed):
        return _tune_sqlite(create_async_engine(parsed, hide_parameters=True))
    folder = Path(parsed.database or "").parent
    if not folder.is_dir():
        raise StorageUnavailable(
            f"The folder {folder} for the SQLite database {parsed.database} does not exist; "
            "create it or choose another database path."
        )
    return _sqlite_engine(parsed)


def _sqlite_engine(url: URL) -> AsyncEngine:
    # One connection per engine: sessions queue for it instead of fighting over SQLite's lock.
    # hide_parameters: a failing statement's error (and so a log line) never carries a note, a name or a link
    engine = create_async_engine(url, pool_size=1, max_overflow=0, pool_timeout=POOL_TIMEOUT, hide_parameters=True)
    return _tune_sqlite(engine)


def _is_memory(url: URL) -> bool:
    return url.database in (None, "", ":memory:") or bool(url.query.get("mode") == "memory")


def _tune_sqlite(engine: AsyncEngine) -> AsyncEngine:
    @event.listens_for(engine.sync_engine, "connect")
    def on_connect(dbapi_connection: Any, _record: object) -> None:
        # Take transaction control away from the driver so "begin" below decides how to begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in ("journal_mode=WAL", "foreign_keys=ON", "synchronous=NORMAL",
                       f"busy_timeout={SQLITE_BUSY_TIMEOUT_MS}"):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def on_begin(connection: Connection) -> None:
        # Take the write lock up front: a deferred transaction that later writes fails with
        # "database is locked" instead of waiting its turn.
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def _alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def _head_check(connection: Connection) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The database's revisions and the code's heads; SchemaTooNew for a revision the code lacks."""
    script = ScriptDirectory.from_config(_alembic_config())
    known = {revision.revision for revision in script.walk_revisions()}
    current = tuple(MigrationContext.configure(connection).get_current_heads())
    for revision in current:
        if revision not in known:
            raise SchemaTooNew(revision)
    return current, tuple(script.get_heads())


def _prepare(connection: Connection, *, migrate: bool, revision: str = "head") -> None:
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK_ID})")
    current, heads = _head_check(connection)
    if migrate and (revision != "head" or set(current) != set(heads)):
        command.upgrade(_alembic_config(connection), revision)


async def _run(engine: AsyncEngine, work: Callable[[Connection], T]) -> T:
    """Run `work` in one transaction, translating connection trouble into StorageUnavailable."""
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(_in_transaction, work)
    except Exception as error:
        if not is_unavailable(error):
            raise
        where = engine.url.render_as_string(hide_password=True)
        reason = getattr(error, "orig", None) or error
        raise StorageUnavailable(f"Cannot use the database {where}: {reason}") from error


def _in_transaction(connection: Connection, work: Callable[[Connection], T]) -> T:
    """On SQLite, with foreign keys off: Alembic's batch mode rebuilds a table by copying it and dropping the
    original, and with them on that DROP would cascade into every table that refers to it (one migration
    emptied `memberships` that way). The switch only works outside a transaction, so it is made around it,
    and the transaction ends with SQLite's own check that every reference still holds."""
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        _pragma(connection, "foreign_keys=OFF")
    try:
        with connection.begin():
            result = work(connection)
            if sqlite and (broken := connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()):
                raise RuntimeError(f"the schema change left references that do not hold: {broken[:5]}")
        return result
    finally:
        if sqlite:
            _pragma(connection, "foreign_keys=ON")


def _pragma(connection: Connection, pragma: str) -> None:
    cursor = connection.connection.cursor()  # straight to the driver: no transaction is begun for it
    try:
        cursor.execute(f"PRAGMA {pragma}")
    finally:
        cursor.close()


async def _once(url: str, work: Callable[[Connection], T]) -> T:
    engine = create_engine(url)
    try:
        return await _run(engine, work)
    finally:
        await engine.dispose()


async def current_revision(url: str) -> str | None:
    """The schema revision the database is at (None when it was never migrated)."""
    return await _once(url, lambda connection: MigrationContext.configure(connection).get_current_revision())


async def upgrade(url: str, revision: str = "head") -> None:
    """Migrate the database up to `revision`; refuses a database newer than this code."""
    await _once(url, lambda connection: _prepare(connection, migrate=True, revision=revision))


async def downgrade(url: str, revision: str) -> None:
    """Migrate the database down to `revision` ("base" empties it)."""
    await _once(url, lambda connection: command.downgrade(_alembic_config(connection), revision))


class Database:
    """An engine and its session factory. Build with `await Database.connect(url)`."""

    def __init__(self, engine: AsyncEngine, url: str) -> None:
        self.engine = engine  # on the caller's event loop: migrations, and code that reads the tables directly
        self.url = url
        self.dialect = engine.dialect.name
        self._thread: DatabaseThread | None = None
        self._uow_engine = engine
        if self.dialect == "sqlite" and not _is_memory(engine.url):
            # Units of work get a connection of their own on a database thread (see storage/sqlite_thread.py);
            # a second connection to an in-memory database would be a second, empty database.
            self._thread = DatabaseThread(f"studybot-sqlite:{Path(engine.url.database or '').name}")
            self._uow_engine = _sqlite_engine(in_place_url(engine.url))
        self._sessions = async_sessionmaker(self._uow_engine, expire_on_commit=False)

    @classmethod
    async def connect(cls, url: str, *, migrate: bool = True) -> Database:
        """Open the database, upgrading an empty or older schema to head unless `migrate` is False.
        Raises SchemaTooNew for a schema from a newer studybot, StorageUnavailable when unreachable."""
        engine = create_engine(url)
        try:
            await _run(engine, lambda connection: _prepare(connection, migrate=migrate))
        except BaseException:
            await engine.dispose()
            raise
        return cls(engine, url)

    def unit_of_work(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self._sessions, self._thread)

    async def dispose(self) -> None:
        """Close the connections and end the database thread (both come back if the database is used again)."""
        if self._thread is not None and self._thread.running:
            await self._thread.run(self._uow_engine.dispose())
            await self._thread.stop()
        await self.engine.dispose()

    def __repr__(self) -> str:
        return f"Database({self.engine.url.render_as_string(hide_password=True)!r})"
