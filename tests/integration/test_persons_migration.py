"""Migration 0014_persons on a database with history: every existing member becomes a person of one account
(person_id NULL, not linked), every check-in is kept with no recording account, and the app reads and writes the
upgraded data as it does new data; down to 0013 and up again keeps every row."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from sqlalchemy import Date, Time, bindparam, inspect, text

from bot.clock import SimulatedClock
from bot.commands.context import Invocation
from bot.domain import CohortHome
from bot.localtime import week_start
from bot.service import StudyBot
from storage import Database, create_engine, current_revision, downgrade, upgrade
from storage.models import UTCDateTime
from tests.integration.conftest import sqlite_url

NOW = datetime(2026, 3, 6, 14, tzinfo=UTC)  # Friday; the week began on Monday 2 March
D0 = NOW.date()
BEFORE = "0013_focus_rooms"
MEMBERS = {1: "ann", 2: "ben", 3: "cat"}
# (membership = member id, local date, minutes): written at 0013 with the figures the check-in path kept then.
CHECKINS = [(1, D0, 30), (1, D0 - timedelta(days=1), 45), (1, date(2026, 2, 27), 20),
            (2, D0 - timedelta(days=4), 60), (2, D0 - timedelta(days=4), 15), (3, D0, 90)]
TARGET = 30


async def _history_at_0013(url: str) -> None:
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            for i, name in MEMBERS.items():
                await connection.execute(text(
                    "INSERT INTO members (id, platform, workspace, user_id, display_name, allow_mentions, hidden) "
                    "VALUES (:id, 'test', 'w', :name, :name, true, false)"), {"id": i, "name": name})
            await connection.execute(text(
                "INSERT INTO cohorts (id, platform, workspace, name, name_key, channel_id, created_by, timezone, "
                "sprint_minutes, daily_goal, rollover_hour, digest_time, recap_weekday, recap_time) VALUES "
                "(1, 'test', 'w', 'club', 'club', 'general', 1, 'UTC', 30, 1, 4, :digest, 6, :recap)")
                .bindparams(bindparam("digest", type_=Time()), bindparam("recap", type_=Time())),
                {"digest": time(20), "recap": time(18)})
            periods: dict[tuple[int, str, date], int] = defaultdict(int)
            days: dict[tuple[int, date], int] = defaultdict(int)
            for i in MEMBERS:
                await connection.execute(text(
                    "INSERT INTO memberships (id, cohort_id, member_id, role, active, minutes_total) "
                    "VALUES (:id, 1, :id, :role, true, :total)"),
                    {"id": i, "role": "organizer" if i == 1 else "member",
                     "total": sum(minutes for m, _, minutes in CHECKINS if m == i)})
            for key, (membership, day, minutes) in enumerate(CHECKINS):
                await connection.execute(text(
                    "INSERT INTO checkins (membership_id, member_id, cohort_id, local_date, minutes, created_at, "
                    "idempotency_key, source) VALUES (:m, :m, 1, :day, :minutes, :at, :key, 'command')")
                    .bindparams(bindparam("day", type_=Date()), bindparam("at", type_=UTCDateTime())),
                    {"m": membership, "day": day, "minutes": minutes, "at": NOW - timedelta(days=1),
                     "key": f"k{key}"})
                periods[membership, "week", week_start(day)] += minutes
                periods[membership, "month", day.replace(day=1)] += minutes
                days[membership, day] += minutes
            for (membership, period, start), minutes in periods.items():
                await connection.execute(text(
                    "INSERT INTO leaderboard_totals (membership_id, period, starts_on, cohort_id, minutes) "
                    "VALUES (:m, :period, :start, 1, :minutes)").bindparams(bindparam("start", type_=Date())),
                    {"m": membership, "period": period, "start": start, "minutes": minutes})
            done: dict[date, int] = defaultdict(int)
            for (_, day), minutes in days.items():
                if minutes >= TARGET:
                    done[day] += 1
            for day, number in done.items():
                await connection.execute(text(
                    "INSERT INTO cohort_days (cohort_id, local_date, done) VALUES (1, :day, :done)")
                    .bindparams(bindparam("day", type_=Date())), {"day": day, "done": number})
    finally:
        await engine.dispose()


async def _raw(url: str) -> tuple[dict[int, tuple[object, ...]], list[object], int, set[str]]:
    """Members' (person_id, linked), the check-ins' account ids, how many check-ins, the members' columns."""
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            columns = {c["name"] for c in await connection.run_sync(lambda sync: inspect(sync).get_columns("members"))}
            count = (await connection.execute(text("SELECT count(*) FROM checkins"))).scalar_one()
            if "person_id" not in columns:
                return {}, [], count, columns
            members = {row[0]: tuple(row[1:]) for row in await connection.execute(text(
                "SELECT id, person_id, linked FROM members ORDER BY id"))}
            accounts = [row[0] for row in await connection.execute(text("SELECT account_id FROM checkins"))]
    finally:
        await engine.dispose()
    return members, accounts, count, columns


async def _board(database: Database, user: str, board: str, key: str) -> tuple[list[tuple[int, str, int]], dict]:
    bot = StudyBot(database.unit_of_work, SimulatedClock(NOW))
    reply = await bot.handle_text(Invocation("test", "w", user, user, "general", key), f"leaderboard {board}")
    assert not reply.is_error, reply.text
    return [(row["rank"], row["name"], row["value"]) for row in reply.data["rows"]], reply.data["you"]


def _one_account_persons(members: dict[int, tuple[object, ...]]) -> bool:
    return {i: (person, bool(linked)) for i, (person, linked) in members.items()} \
        == {i: (None, False) for i in members}


async def test_members_with_history_become_one_account_persons(database_url: str) -> None:
    await upgrade(database_url, BEFORE)
    await _history_at_0013(database_url)
    await upgrade(database_url)
    members, accounts, count, _ = await _raw(database_url)
    assert set(members) == set(MEMBERS) and _one_account_persons(members)
    assert (accounts, count) == ([None] * len(CHECKINS), len(CHECKINS))

    database = await Database.connect(database_url)
    try:
        async with database.unit_of_work() as uow:
            ann = await uow.members.find("test", "w", "ann")
            assert ann is not None and (ann.id, ann.person_id, ann.linked, ann.person) == (1, None, False, 1)
            assert (ann.remind_via, ann.dm_route) == (None, ("test", "w", "ann"))
            assert await uow.members.account("test", "w", "ann") == ann
            assert {u: m.id for u, m in (await uow.members.find_many("test", "w", ["ann", "cat"])).items()} \
                == {"ann": 1, "cat": 3}
            assert {p: [a.id for a in accounts] for p, accounts in (await uow.persons.accounts([1, 2, 3])).items()} \
                == {1: [1], 2: [2], 3: [3]}
            assert await uow.cohorts.homes(1) == [CohortHome("test", "w", "general")]
            assert [c.id for c in await uow.cohorts.list_in_workspace("test", "w")] == [1]
            assert all(c.account_id is None for c in await uow.checkins.for_cohort(1))
        # The boards read the figures kept at 0013; a check-in through the app adds to them.
        assert await _board(database, "ben", "all", "b1") == ([(1, "ann", 95), (2, "cat", 90), (3, "ben", 75)],
                                                              {"rank": 3, "value": 75})
        bot = StudyBot(database.unit_of_work, SimulatedClock(NOW))
        reply = await bot.handle_text(Invocation("test", "w", "ann", "ann", "general", "a1"), "checkin 25")
        assert not reply.is_error, reply.text
        assert await _board(database, "ann", "all", "a2") == ([(1, "ann", 120), (2, "cat", 90), (3, "ben", 75)],
                                                              {"rank": 1, "value": 120})
        assert await _board(database, "ann", "week", "a3") == ([(1, "ann", 100), (2, "cat", 90), (3, "ben", 75)],
                                                               {"rank": 1, "value": 100})
        async with database.unit_of_work() as uow:
            recorded = await uow.checkins.find_by_key(1, "a1")
            assert recorded is not None and (recorded.minutes, recorded.account_id) == (25, None)
            assert await uow.checkins.minutes_on(1, D0) == 55
            counts = await uow.checkins.done_counts(1, D0 - timedelta(days=30))
            assert {day: n for day, n in counts.items() if n} == {D0: 2, D0 - timedelta(days=1): 1,
                                                                   D0 - timedelta(days=4): 1}
    finally:
        await database.dispose()

    await downgrade(database_url, BEFORE)
    assert await current_revision(database_url) == BEFORE
    _, _, count, columns = await _raw(database_url)
    assert count == len(CHECKINS) + 1 and "person_id" not in columns
    await upgrade(database_url)
    members, accounts, count, _ = await _raw(database_url)
    assert set(members) == set(MEMBERS) and _one_account_persons(members)
    assert (accounts, count) == ([None] * (len(CHECKINS) + 1), len(CHECKINS) + 1)

    # Linking works on the upgraded history: ben's account joins ann's person, their days add up.
    database = await Database.connect(database_url)
    try:
        async with database.unit_of_work() as uow:
            assert await uow.persons.join(1, 2) == [1]
            await uow.commit()
        async with database.unit_of_work() as uow:
            ben = await uow.members.find("test", "w", "ben")
            assert ben is not None and ben.id == 1
            assert {c.idempotency_key: c.account_id for c in await uow.checkins.for_membership(1)} == {
                "k0": None, "k1": None, "k2": None, "a1": None, "k3": 2, "k4": 2}
        assert await _board(database, "cat", "all", "c1") == ([(1, "ann", 195), (2, "cat", 90)],
                                                              {"rank": 2, "value": 90})
    finally:
        await database.dispose()


async def test_the_downgrade_never_hands_an_id_out_again_on_sqlite(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path / "ids.db")
    await upgrade(url, BEFORE)
    await _history_at_0013(url)
    await upgrade(url)
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:  # the highest member and check-in go (forget, undo)
            await connection.execute(text("DELETE FROM checkins WHERE id = (SELECT max(id) FROM checkins)"))
            await connection.execute(text("DELETE FROM members WHERE id = 3"))
        await downgrade(url, BEFORE)
        async with engine.begin() as connection:
            await connection.execute(text(
                "INSERT INTO members (platform, workspace, user_id, display_name, allow_mentions, hidden) "
                "VALUES ('test', 'w', 'dan', 'dan', true, false)"))
            await connection.execute(text(
                "INSERT INTO checkins (membership_id, member_id, cohort_id, local_date, minutes, created_at, "
                "idempotency_key, source) VALUES (1, 1, 1, '2026-03-06', 5, '2026-03-06 15:00:00', 'new', 'command')"))
            highest = (await connection.execute(text(
                "SELECT (SELECT max(id) FROM members), (SELECT max(id) FROM checkins)"))).one()
    finally:
        await engine.dispose()
    assert tuple(highest) == (len(MEMBERS) + 1, len(CHECKINS) + 1)
