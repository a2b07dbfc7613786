"""The permissions matrix and hostile input, on a real SQLite file and a real Postgres server. Each case
lives in a workspace of its own, so one database serves them all."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import text

from bot.clock import SimulatedClock
from bot.commands.context import Invocation
from bot.service import StudyBot
from storage import Database
from tests.unit.conftest import TOOLS
from tests.unit.test_abuse import COMMAND_WORDS, NASTY
from tests.unit.test_permissions import CASES, SCOPES, expected


def _bot(database: Database) -> StudyBot:
    bot = StudyBot(database.unit_of_work, SimulatedClock(datetime(2026, 3, 6, 14, tzinfo=UTC)), TOOLS)
    bot.throttle.wait = lambda key, now: None  # type: ignore[method-assign] # thousands of commands by design
    return bot


async def test_permission_matrix(database: Database) -> None:
    bot = _bot(database)
    failures = []
    for number, (template, kind, role, scope) in enumerate(CASES):
        home, away = f"w{number}", f"away{number}"

        async def say(user: str, line: str, channel: str, workspace: str, admin: bool = False) -> dict:
            invocation = Invocation("test", workspace, user, user, channel, f"{workspace}:{user}:{line}", admin)
            return (await bot.handle_text(invocation, line)).data

        await say("org", "cohort create ml-club", "ml", home)
        await say("mem", "cohort join ml-club", "ml", home)
        await say("orgb", "cohort create dl-club", "dl", home)
        await say("far", "cohort create far-club", "far", away)
        user = {"stranger": "str", "member": "mem", "organizer": "org", "admin": "adm"}[role]
        line = template.format(c=SCOPES[scope])
        got = (await say(user, line, "random", home, admin=role == "admin")).get("error", "ok")
        if got != expected(kind, role, scope):
            failures.append((role, line, got))
    assert failures == []


async def test_hostile_input_gets_answers_and_leaves_consistent_data(database: Database) -> None:
    bot = _bot(database)
    setup = Invocation("test", "hostile", "ann", "ann", "c", "setup")
    assert not (await bot.handle_text(setup, "cohort create ml-club")).is_error
    for head in COMMAND_WORDS:
        for number, nasty in enumerate(NASTY):
            line = f"{head} {nasty}"
            reply = await bot.handle_text(Invocation("test", "hostile", "ann", "ann", "c", f"{head}{number}"), line)
            assert reply.text and "Traceback" not in reply.text
            assert reply.data.get("error") != "internal", (line, reply.text)
    async with database.engine.connect() as connection:
        bad = await connection.scalar(text(
            "SELECT count(*) FROM checkins WHERE minutes < 1 OR minutes > 600 OR length(note) > 500"))
        over = await connection.scalar(text(
            "SELECT count(*) FROM (SELECT membership_id, local_date FROM checkins GROUP BY membership_id, local_date"
            " HAVING sum(minutes) > 960) AS days"))
    assert (bad, over) == (0, 0)
