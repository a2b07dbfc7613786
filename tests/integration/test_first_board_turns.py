"""The first streak board after a changed daily target works a whole cohort's board streaks out in turns, each
in a short unit of work of its own: on SQLite (one connection per process, every transaction holding the write
lock) other commands complete between the turns instead of waiting for the whole walk, and the board answers
exactly what working everything out inside its own unit of work answers."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import make_url

from adapters.bench import seed
from bot.clock import SimulatedClock
from bot.commands import PRELUDES, leaderboard
from bot.commands.context import Invocation
from bot.replies import Reply
from bot.service import StudyBot
from storage import Database

MEMBERS = 3 * leaderboard.TURN  # three turns


def _history(cohort: int, memberships: dict[int, int]) -> list[seed.Row]:
    """Member i logs 20 to 60 minutes a day on 30 days ending i % 7 days ago: streaks of every length."""
    return [seed.checkin(cohort, membership, member, seed.TODAY - timedelta(days=i % 7 + 1 + k),
                         20 + (i * 7 + k * 11) % 41, f"s{k}")
            for i, (membership, member) in enumerate(memberships.items()) for k in range(30)]


async def _cohort(url: str) -> Database:
    """A cohort of MEMBERS with history whose daily target was just changed: every board streak unknown."""
    database = await Database.connect(url)
    cohort, memberships = await seed.cohort_with_members(database, MEMBERS, name="club")
    await seed.checkins(database, _history(cohort, memberships))
    await seed.leaderboard_figures(database, cohort)
    changed = await _bot(database).handle_text(
        Invocation("bench", "w", "club-owner", "owner", "club", "target", is_admin=True), "cohort settings sprint:40")
    assert not changed.is_error, changed.text
    assert _unknown(database) == MEMBERS
    return database


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[Database]:
    database = await _cohort(f"sqlite+aiosqlite:///{tmp_path / 'turns.db'}")
    try:
        yield database
    finally:
        await database.dispose()


def _bot(database: Database) -> StudyBot:
    return StudyBot(database.unit_of_work, SimulatedClock(seed.NOW))


def _unknown(database: Database) -> int:
    """Board streaks unknown as committed, read past the bot's one connection (WAL lets a reader in)."""
    connection = sqlite3.connect(make_url(database.url).database or "")
    try:
        return int(connection.execute("SELECT count(*) FROM memberships WHERE board_streak IS NULL").fetchone()[0])
    finally:
        connection.close()


async def _ask(bot: StudyBot, user: str, line: str, key: str) -> Reply:
    reply = await bot.handle_text(Invocation("bench", "w", user, user, "club", key), line)
    assert not reply.is_error, reply.text
    return reply


async def test_other_commands_complete_between_the_turns_of_a_first_board(database: Database) -> None:
    bot = _bot(database)
    board = asyncio.create_task(_ask(bot, "club-u0", "leaderboard streak", "board"))
    unknown_when_done: list[int] = []
    member = 1
    while not board.done():  # one check-in after another, each by someone else, until the board is done
        await _ask(bot, f"club-u{member}", "checkin 40", f"other-{member}")
        unknown_when_done.append(_unknown(database))
        member += 1
    await board
    # Check-ins completed while part of the cohort had been worked out and part had not: the board released
    # the lock between turns. (Walked in its own unit of work, every check-in waited for all of it.)
    assert any(0 < unknown < MEMBERS - 10 for unknown in unknown_when_done), unknown_when_done
    assert _unknown(database) == 0


async def test_the_board_answers_as_when_worked_out_in_its_own_unit_of_work(
        tmp_path: Path, database: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    in_turns = await _ask(_bot(database), "club-u3", "leaderboard streak", "board")
    reference_db = await _cohort(f"sqlite+aiosqlite:///{tmp_path / 'reference.db'}")
    try:
        with monkeypatch.context() as patch:
            patch.delitem(PRELUDES, "leaderboard")  # everything worked out inside the command's unit of work
            at_once = await _ask(_bot(reference_db), "club-u3", "leaderboard streak", "board")
        assert _unknown(reference_db) == 0
    finally:
        await reference_db.dispose()
    assert in_turns.data["rows"] and in_turns.data["rows"][0]["value"] > 1
    assert (in_turns.data["rows"], in_turns.data["you"]) == (at_once.data["rows"], at_once.data["you"])
    assert in_turns.text == at_once.text


async def test_a_membership_changed_after_its_version_was_read_is_left_to_the_board(database: Database) -> None:
    async with database.unit_of_work() as uow:
        cohort = await uow.cohorts.find_by_channel("bench", "w", "club")
        assert cohort is not None and cohort.id is not None
        unknown = await uow.memberships.board_unknown(cohort.id)
    bot = _bot(database)
    await _ask(bot, "club-u7", "checkin 40", "late")  # its figures change after the versions were read
    turns = await leaderboard.work_out_in_turns(database.unit_of_work, cohort.id, unknown)
    assert turns == 3
    assert _unknown(database) == 1  # its walk, from before that check-in, was not saved
    reply = await _ask(bot, "club-u7", "leaderboard streak", "board")
    assert _unknown(database) == 0 and reply.data["you"] is not None


async def test_the_web_pages_first_streak_board_takes_turns_too(database: Database) -> None:
    bot = _bot(database)
    organizer = Invocation("bench", "w", "club-owner", "owner", "club", "web", is_admin=True)
    assert not (await bot.handle_text(organizer, "cohort web on")).is_error
    async with database.unit_of_work() as uow:
        cohort = await uow.cohorts.find_by_channel("bench", "w", "club")
        assert cohort is not None and cohort.web_slug is not None
    page = asyncio.create_task(bot.cohort_page(cohort.web_slug))
    unknown_when_done: list[int] = []
    member = 1
    while not page.done():
        await _ask(bot, f"club-u{member}", "checkin 40", f"other-{member}")
        unknown_when_done.append(_unknown(database))
        member += 1
    assert (await page) is not None
    assert any(0 < unknown < MEMBERS - 10 for unknown in unknown_when_done), unknown_when_done
    assert _unknown(database) == 0
