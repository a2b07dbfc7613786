"""Faults on a real SQLite file: a database locked by another process makes commands say "try again"
instead of claiming success, and nothing accepted is ever lost."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

import storage.database
from bot.clock import SimulatedClock
from bot.commands.context import Invocation
from bot.service import StudyBot
from storage import Database


def _say(key: str) -> Invocation:
    return Invocation("test", "w", "ann", "ann", channel_id="c", idempotency_key=key)


async def test_a_locked_database_gets_try_again_and_loses_nothing(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(storage.database, "SQLITE_BUSY_TIMEOUT_MS", 200)  # don't wait 5 s in a test
    path = tmp_path / "locked.db"
    database = await Database.connect(f"sqlite+aiosqlite:///{path}")
    bot = StudyBot(database.unit_of_work, SimulatedClock(datetime(2026, 3, 6, 14, tzinfo=UTC)))
    try:
        assert not (await bot.handle_text(_say("1"), "cohort create ml-club")).is_error
        assert (await bot.handle_text(_say("2"), "checkin 30")).data["minutes_today"] == 30
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("BEGIN EXCLUSIVE")  # another process holds the write lock
        try:
            refused = await bot.handle_text(_say("3"), "checkin 45")
            assert refused.data["error"] == "try_again" and "nothing was recorded" in refused.text
        finally:
            other.execute("ROLLBACK")
            other.close()
        again = await bot.handle_text(_say("3"), "checkin 45")  # the same command, retried
        assert again.data["minutes_today"] == 75 and again.data["duplicate"] is False
    finally:
        await database.dispose()
    reopened = await Database.connect(f"sqlite+aiosqlite:///{path}")
    try:
        bot = StudyBot(reopened.unit_of_work, SimulatedClock(datetime(2026, 3, 6, 15, tzinfo=UTC)))
        assert (await bot.handle_text(_say("4"), "streak")).data["minutes_today"] == 75
    finally:
        await reopened.dispose()
