"""A database that says it cannot be used now is "unavailable": the user gets `try_again` (never
`internal`), nothing is recorded, `/healthz` says 503, and the clock logs one warning per outage instead of a
traceback per tick. The real-server tests refuse connections to a database of their own
(`ALLOW_CONNECTIONS false` and its backends terminated); the classification of what the server can say is
checked on synthetic errors too."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sqlite3
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import exc as sa_exc
from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from adapters.clockwork import start_clockwork
from adapters.ops import Operations, PrometheusTelemetry
from bot.clock import SimulatedClock
from bot.commands.context import Invocation
from bot.delivery import Dispatcher
from bot.errors import StorageUnavailable
from bot.scheduler import Scheduler
from bot.service import StudyBot
from storage import Database
from storage.errors import is_unavailable
from tests.integration.conftest import POSTGRES_ENV, _postgres_database
from tests.unit.conftest import TOOLS
from tests.unit.test_scheduler import RecordingNotifier

NOW = datetime(2026, 3, 6, 14, tzinfo=UTC)
needs_postgres = pytest.mark.skipif(not os.environ.get(POSTGRES_ENV),
                                    reason=f"Postgres tests need {POSTGRES_ENV}, e.g. "
                                           "postgresql+asyncpg://postgres@127.0.0.1:5432/test")


# --- what the server says, on synthetic errors ------------------------------------------------------------


class DriverError(Exception):
    """Stands for a driver's exception: asyncpg's carry `.sqlstate`."""

    def __init__(self, message: str, sqlstate: str | None = None) -> None:
        super().__init__(message)
        if sqlstate is not None:
            self.sqlstate = sqlstate


def _wrapped(orig: BaseException, statement: str | None = "SELECT 1") -> sa_exc.DBAPIError:
    """What SQLAlchemy raises for a driver error it has no more specific class for: a plain DBAPIError."""
    return sa_exc.DBAPIError(statement, None, orig)  # type: ignore[arg-type]


@pytest.mark.parametrize("sqlstate", ["57P03", "08006", "08001", "08003", "57P01", "57P02", "53300"])
def test_what_a_server_says_when_it_cannot_serve_now_is_unavailable(sqlstate: str) -> None:
    assert is_unavailable(_wrapped(DriverError("refused", sqlstate)))
    assert is_unavailable(_wrapped(DriverError("refused", sqlstate), statement=None))  # at connect time
    # SQLAlchemy's asyncpg adapter may keep the code only on the driver's exception it was raised from
    adapter_error = DriverError("refused")
    adapter_error.__cause__ = DriverError("refused", sqlstate)
    assert is_unavailable(_wrapped(adapter_error))
    assert is_unavailable(DriverError("refused", sqlstate))  # unwrapped, straight from the driver


def test_a_refused_or_reset_connection_inside_the_driver_error_is_unavailable() -> None:
    refused = DriverError("connect failed")
    refused.__cause__ = ConnectionRefusedError(111, "Connection refused")
    assert is_unavailable(_wrapped(refused, statement=None))
    assert is_unavailable(_wrapped(ConnectionResetError(104, "reset")))  # type: ignore[arg-type]


def test_a_database_not_accepting_connections_is_unavailable_when_connecting() -> None:
    # ALLOW_CONNECTIONS false: 55000 while connecting; the same code from a statement is a plain bug
    refused = DriverError('database "x" is not currently accepting connections', "55000")
    assert is_unavailable(_wrapped(refused, statement=None))
    assert not is_unavailable(_wrapped(DriverError("currval of sequence is not yet defined", "55000")))


def test_sqlite_locked_beyond_its_timeout_is_unavailable() -> None:
    locked = sa_exc.OperationalError("BEGIN IMMEDIATE", None, sqlite3.OperationalError("database is locked"))
    assert is_unavailable(locked)


@pytest.mark.parametrize("sqlstate", ["23505", "23503", "42P01", "22P02", "40001", None])
def test_what_the_request_got_wrong_is_not_unavailable(sqlstate: str | None) -> None:
    assert not is_unavailable(_wrapped(DriverError("no", sqlstate)))
    assert not is_unavailable(_wrapped(DriverError("no", sqlstate), statement=None))
    assert not is_unavailable(sa_exc.IntegrityError("INSERT", None, DriverError("duplicate key", "23505")))
    assert not is_unavailable(ValueError("not a database error"))


# --- a real server refusing connections ---------------------------------------------------------------------


class Refusal:
    """Turns a database's connections off (and its open sessions out) from an admin connection, and back on."""

    def __init__(self, url: str) -> None:
        self.name = make_url(url).database
        self._admin: AsyncEngine = create_async_engine(os.environ[POSTGRES_ENV], isolation_level="AUTOCOMMIT")

    async def refuse(self) -> None:
        async with self._admin.connect() as connection:
            await connection.exec_driver_sql(f'ALTER DATABASE "{self.name}" ALLOW_CONNECTIONS false')
            await connection.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                          "WHERE datname = :name AND pid <> pg_backend_pid()"), {"name": self.name})

    async def allow(self) -> None:
        async with self._admin.connect() as connection:
            await connection.exec_driver_sql(f'ALTER DATABASE "{self.name}" ALLOW_CONNECTIONS true')

    async def dispose(self) -> None:
        await self._admin.dispose()


@contextlib.asynccontextmanager
async def refusable_database() -> AsyncIterator[tuple[Database, Refusal]]:
    """A migrated database of the test's own, and the switch that makes it refuse connections."""
    async for url in _postgres_database():
        database = await Database.connect(url)
        refusal = Refusal(url)
        try:
            yield database, refusal
        finally:
            await refusal.allow()
            await refusal.dispose()
            await database.dispose()


def _say(key: str) -> Invocation:
    return Invocation("test", "w", "ann", "ann", "general", key)


@needs_postgres
@pytest.mark.postgres
async def test_a_check_in_while_the_database_refuses_connections_is_try_again_and_records_nothing() -> None:
    async with refusable_database() as (database, refusal):
        bot = StudyBot(database.unit_of_work, SimulatedClock(NOW), TOOLS)
        ops = Operations(database, PrometheusTelemetry(), last_beat=lambda: None, tick_every=timedelta(seconds=20),
                         adapters={})
        assert not (await bot.handle_text(_say("create"), "cohort create ml-club")).is_error
        await refusal.refuse()
        refused = await bot.handle_text(_say("during"), "checkin 30")
        assert refused.data["error"] == "try_again"
        assert (await bot.handle_text(_say("again"), "checkin 30")).data["error"] == "try_again"  # not just once
        assert (await ops.healthz(None)).status == 503  # type: ignore[arg-type]
        await refusal.allow()
        assert (await ops.healthz(None)).status == 200  # type: ignore[arg-type]
        after = await bot.handle_text(_say("during"), "checkin 30")
        assert after.data.get("error") is None
        assert after.data["minutes_today"] == 30  # the refused ones recorded nothing


@needs_postgres
@pytest.mark.postgres
async def test_a_statement_cut_off_by_an_admin_shutdown_is_unavailable() -> None:
    async with refusable_database() as (database, _refusal):
        with pytest.raises(StorageUnavailable):  # the server ends the session mid-statement: 57P01
            async with database.unit_of_work() as uow:
                await uow._session.execute(text("SELECT pg_terminate_backend(pg_backend_pid())"))  # type: ignore[union-attr]


@needs_postgres
@pytest.mark.postgres
async def test_the_clock_logs_one_warning_per_outage_and_no_traceback(caplog: pytest.LogCaptureFixture,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    caplog.set_level(logging.INFO)
    async with refusable_database() as (database, refusal):
        clock = SimulatedClock(NOW)
        scheduler = Scheduler(database.unit_of_work, clock)
        notifier = RecordingNotifier()
        notifier.clock = clock
        dispatcher = Dispatcher(database.unit_of_work, clock, {"test": notifier}, owner="p")
        outcomes: list[str] = []
        beat = asyncio.Event()
        tick = scheduler.tick

        async def counted() -> object:
            try:
                report = await tick()
            except BaseException:
                outcomes.append("failed")
                raise
            else:
                outcomes.append("ok")
                return report
            finally:
                beat.set()

        async def until(condition: Callable[[], bool]) -> None:
            """Bounded wait for the clock's own ticks (every 20 ms)."""
            async with asyncio.timeout(10):
                while not condition():
                    beat.clear()
                    await beat.wait()

        monkeypatch.setattr(scheduler, "tick", counted)
        clockwork = start_clockwork(scheduler, dispatcher, every=timedelta(milliseconds=20))
        try:
            await until(lambda: "ok" in outcomes)
            await refusal.refuse()
            before = len(outcomes)
            await until(lambda: outcomes[before:].count("failed") >= 6)  # several ticks over the outage
            await refusal.allow()
            before = len(outcomes)
            await until(lambda: "ok" in outcomes[before:])
        finally:
            await clockwork.stop()  # lets the beat in flight finish (and log)
        ours = [r for r in caplog.records if r.name == "adapters.clockwork"]
        skipped = [r for r in ours if r.levelno == logging.WARNING and "tick skipped" in r.getMessage()]
        assert len(skipped) == 1, [r.getMessage() for r in ours]
        assert "database unavailable" in skipped[0].getMessage()
        recovered = [r for r in ours if r.levelno == logging.INFO]
        assert len(recovered) == 1 and "available again" in recovered[0].getMessage(), [r.getMessage() for r in ours]
        assert [r.getMessage() for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR] == []
