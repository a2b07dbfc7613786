"""Runs every scenario on a fresh database and prints the table (or one JSON object)."""

from __future__ import annotations

import json
import os
import platform
import sqlite3
import tempfile
import time
import traceback
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import asdict

from sqlalchemy import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from adapters.bench import scenarios
from adapters.bench.scenarios import Result, Scale
from storage import Database


@asynccontextmanager
async def fresh_database(url: str | None) -> AsyncIterator[Database]:
    """A new SQLite file, or a new database on the given Postgres server, dropped afterwards."""
    if url is None or make_url(url).get_backend_name() == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            database = await Database.connect(f"sqlite+aiosqlite:///{folder}/bench.db")
            try:
                yield database
            finally:
                await database.dispose()
        return
    name = f"studybot_bench_{uuid.uuid4().hex[:10]}"
    admin = create_async_engine(url, isolation_level="AUTOCOMMIT")
    async with admin.connect() as connection:
        await connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    database = await Database.connect(make_url(url).set(database=name).render_as_string(hide_password=False))
    try:
        yield database
    finally:
        await database.dispose()
        async with admin.connect() as connection:
            await connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.dispose()


async def run(url: str | None, scale: Scale) -> dict[str, object]:
    started = time.perf_counter()
    results: list[Result] = []

    async def attempt(name: str, work: Callable[[Database], Awaitable[Result]]) -> Result:
        try:
            async with fresh_database(url) as database:
                result = await work(database)
        except Exception as error:
            result = Result(name, {}, "", False, error=f"{type(error).__name__}: {error}"[:300])
            traceback.print_exc()
        results.append(result)
        return result

    base = await attempt("baseline", lambda db: scenarios.baseline(db, scale))
    rate = base.figures.get("transactions_per_s", 0.0)
    await attempt("checkin_burst", lambda db: scenarios.checkin_burst(db, scale, rate))
    await attempt("history_independence", lambda db: scenarios.history_independence(db, scale))
    await attempt("leaderboard", lambda db: scenarios.leaderboard(db, scale))
    await attempt("reminder_tick", lambda db: scenarios.reminder_tick(db, scale))
    await attempt("delivery", lambda db: scenarios.delivery(db, scale))
    results.append(scenarios.memory())
    return {"quick": scale.quick, "database": "postgres" if url and "postgres" in url else "sqlite",
            "seconds": round(time.perf_counter() - started, 1), "machine": machine(),
            "scenarios": [asdict(result) for result in results]}


def machine() -> dict[str, object]:
    return {"cores": os.cpu_count(), "python": platform.python_version(), "sqlite": sqlite3.sqlite_version,
            "platform": platform.platform()}


def table(report: dict[str, object]) -> str:
    lines = [f"studybot bench ({'quick' if report['quick'] else 'full'}, {report['database']}, "
             f"{report['seconds']} s on {report['machine']['cores']} cores, "  # type: ignore[index]
             f"Python {report['machine']['python']})", ""]  # type: ignore[index]
    lines.append(f"{'scenario':<22} {'result':<7} {'target':<42} figures")
    for result in report["scenarios"]:  # type: ignore[attr-defined]
        status = "ERROR" if result["error"] else ("pass" if result["passed"] else "miss")
        figures = ", ".join(f"{key}={value:.4g}" for key, value in result["figures"].items()) or result["error"]
        lines.append(f"{result['name']:<22} {status:<7} {result['target']:<42} {figures}")
    return "\n".join(lines)


def as_json(report: dict[str, object]) -> str:
    return json.dumps(report)
