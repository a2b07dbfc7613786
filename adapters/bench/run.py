"""Runs every scenario, each on a fresh database, and renders the report as a table or one JSON object."""

from __future__ import annotations

import contextlib
import ctypes
import gc
import json
import logging
import os
import platform
import sqlite3
import time
import traceback
from collections.abc import Awaitable, Callable
from dataclasses import asdict
from typing import Any

from adapters.bench import scenarios
from adapters.bench.common import Result, Scale
from adapters.bench.database import fresh_database, is_sqlite
from storage import Database

log = logging.getLogger(__name__)
Report = dict[str, Any]


async def run(url: str | None, scale: Scale, *, progress: Callable[[str], None] | None = None,
              only: frozenset[str] | None = None) -> Report:
    """`url` None: a temporary SQLite file per scenario; else a Postgres server to make fresh databases on.
    `only`: the scenarios to run (every one when None); the baseline runs too when one of them needs its rate."""
    started = time.perf_counter()
    results: list[Result] = []
    server: dict[str, str] = {}
    chosen = frozenset(scenarios.NAMES) if only is None else only

    async def attempt(name: str, work: Callable[[Database], Awaitable[Result]]) -> Result:
        if progress:
            progress(f"{name} …")
        began = time.perf_counter()
        try:
            async with fresh_database(url) as database:
                if not server and not is_sqlite(url):
                    server["postgres"] = await _postgres_version(database)
                result = await work(database)
        except Exception as error:
            traceback.print_exc()
            result = Result(name, {}, "", False, error=f"{type(error).__name__}: {error}"[:500])
        result.figures["scenario_s"] = round(time.perf_counter() - began, 1)
        results.append(result)
        # Each scenario stands for a process of its own: what its bot froze out of the collector's sight
        # (`settle_heap`, as `studybot run` does once started) is collected before the next one settles its own.
        gc.unfreeze()
        gc.collect()
        _give_back_freed_memory()
        return result

    rate = 0.0
    if "baseline" in chosen or chosen & scenarios.NEEDS_RATE:
        base = await attempt("baseline", lambda db: scenarios.baseline(db, scale))
        rate = base.figures.get("transactions_per_s", 0.0)
    for name, scenario in scenarios.SCENARIOS.items():
        if name in chosen:
            await attempt(name, lambda db, scenario=scenario: scenario(db, scale, rate))
    if "memory" in chosen:
        results.append(scenarios.memory(sqlite=is_sqlite(url)))
    return {"quick": scale.quick, "database": "sqlite" if is_sqlite(url) else "postgres",
            "seconds": round(time.perf_counter() - started, 1), "machine": machine() | server,
            "scenarios": [asdict(result) for result in results]}


def _give_back_freed_memory() -> None:
    """glibc keeps freed heap for reuse; a new process would start without it (Linux only: elsewhere a no-op)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


async def _postgres_version(database: Database) -> str:
    async with database.engine.connect() as connection:
        return str((await connection.exec_driver_sql("SHOW server_version")).scalar_one())


def machine() -> dict[str, Any]:
    return {"cores": os.cpu_count(), "python": platform.python_version(), "sqlite": sqlite3.sqlite_version,
            "platform": platform.platform()}


def failed(report: Report) -> bool:
    """A crash in any scenario."""
    return any(result["error"] for result in report["scenarios"])


def missed(report: Report) -> bool:
    return any(not result["passed"] for result in report["scenarios"])


def table(report: Report) -> str:
    box = report["machine"]
    database = report["database"] + (f" {box['postgres']}" if "postgres" in box else "")
    lines = [f"studybot bench ({'quick' if report['quick'] else 'full'} run, {database}): {report['seconds']} s "
             f"on {box['cores']} cores, Python {box['python']}, SQLite {box['sqlite']}, {box['platform']}", ""]
    lines.append(f"{'scenario':<21} {'result':<6} {'target':<58} figures")
    for result in report["scenarios"]:
        status = "ERROR" if result["error"] else ("pass" if result["passed"] else "MISS")
        figures = ", ".join(f"{key}={number(value)}" for key, value in result["figures"].items()
                            if key != "scenario_s")
        if result["error"]:
            figures = f"{result['error']} {figures}".strip()
        lines.append(f"{result['name']:<21} {status:<6} {result['target']:<58} {figures}")
    return "\n".join(lines)


def number(value: float) -> str:
    if isinstance(value, int) or float(value).is_integer():
        return f"{int(value):,}"
    if abs(value) < 1:
        return f"{value:.3g}"
    return f"{value:,.3f}" if abs(value) < 100 else f"{value:,.1f}"


def as_json(report: Report) -> str:
    return json.dumps(report)
