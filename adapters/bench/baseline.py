"""1. baseline: what the database alone does on this machine — single-row insert transactions per second
with the raw driver (sqlite3 with the bot's WAL / synchronous=NORMAL settings, or asyncpg)."""

from __future__ import annotations

import asyncio
import sqlite3
import time

from sqlalchemy import make_url

from adapters.bench.common import Result, Scale, median, repeat
from storage import Database

TARGET = "the database's own limit (reference)"


async def baseline(database: Database, scale: Scale) -> Result:
    count = scale.pick(5000, 1000)
    url = make_url(database.url)
    if url.get_backend_name() == "sqlite":
        path = url.database or ":memory:"
        rates = await repeat(lambda _: asyncio.to_thread(_sqlite_round, path, count), least=3, most=3, budget_s=0)
    else:
        rates = await _postgres(url.set(drivername="postgresql").render_as_string(hide_password=False),
                                scale.pick(3000, 500))
    return Result("baseline", {"transactions_per_s": round(median(rates), 1), "repeats": len(rates)}, TARGET, True)


def _sqlite_round(path: str, count: int) -> float:
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON"):
            connection.execute(f"PRAGMA {pragma}")
        connection.execute("CREATE TABLE IF NOT EXISTS bench_baseline (id INTEGER PRIMARY KEY, v INTEGER)")
        started = time.perf_counter()
        for number in range(count):
            connection.execute("BEGIN IMMEDIATE")  # as the bot's engine begins every transaction
            connection.execute("INSERT INTO bench_baseline (v) VALUES (?)", (number,))
            connection.execute("COMMIT")
        return count / (time.perf_counter() - started)
    finally:
        connection.execute("DROP TABLE IF EXISTS bench_baseline")
        connection.close()


async def _postgres(dsn: str, count: int) -> list[float]:
    import asyncpg

    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute("CREATE TABLE bench_baseline (id bigserial PRIMARY KEY, v int)")

        async def one_round(_: int) -> float:
            started = time.perf_counter()
            for number in range(count):
                async with connection.transaction():
                    await connection.execute("INSERT INTO bench_baseline (v) VALUES ($1)", number)
            return count / (time.perf_counter() - started)

        return await repeat(one_round, least=3, most=3, budget_s=0)
    finally:
        await connection.execute("DROP TABLE IF EXISTS bench_baseline")
        await connection.close()
