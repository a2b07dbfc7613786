"""Ids name outbox keys (`sprint:<id>`, `digest:<cohort>:<date>`, ...), and those rows outlive the rows they
name: an id handed out again would make a new thing's message a duplicate of an old one, never sent. The
in-memory fake never reuses ids, so these sequences run on real databases: SQLite reuses the highest rowid of
a plain INTEGER PRIMARY KEY once that row is deleted, unless the table is AUTOINCREMENT."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Integer, text
from sqlalchemy.dialects import sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from storage import Database, create_engine, current_revision, downgrade, upgrade
from storage.models import Base
from tests.unit.test_zone_changes import World as SequenceWorld
from tests.unit.test_zone_changes import utc


class World(SequenceWorld):
    """The real StudyBot, Scheduler and Dispatcher over one database, with a simulated clock."""

    def __init__(self, database: Database, now: datetime) -> None:
        super().__init__(database.unit_of_work, now)

    async def advance(self, **delta: float) -> None:
        await self.run_until(self.clock.now() + timedelta(**delta))

    def sent(self, kind: str) -> list[tuple[str, dict[str, object]]]:
        return [(destination.target, reply.data) for _, destination, reply in self.notifier.of_type(kind)]


async def test_a_sprint_after_a_forgotten_members_sprint_gets_its_end_message(database: Database) -> None:
    world = World(database, utc(2026, 3, 6, 9))
    await world.ok("ann", "cohort create ml-club")
    await world.ok("bob", "cohort join ml-club")
    await world.ok("bob", "sprint start")  # the highest sprint id so far: its end message is keyed by it
    await world.advance(minutes=31)
    assert [target for target, _ in world.sent("sprint_end")] == ["bob"]
    await world.ok("bob", "forget confirm:yes")  # his sprint row goes; the outbox row for it stays

    await world.ok("carol", "cohort join ml-club")
    await world.ok("carol", "sprint start")
    await world.advance(minutes=31)
    assert [target for target, _ in world.sent("sprint_end")] == ["bob", "carol"]


async def test_a_cohort_made_the_day_another_was_removed_gets_its_own_digest(database: Database) -> None:
    world = World(database, utc(2026, 3, 6, 9))
    await world.ok("ann", "cohort create ml-club digest:10:00")
    await world.advance(hours=1, minutes=1)  # 10:01 UTC: ml-club's digest for 6 March is out
    assert [data["cohort"] for _, data in world.sent("digest")] == ["ml-club"]
    await world.ok("ann", "cohort remove ml-club confirm:ml-club")

    await world.ok("ann", "cohort create dl-club digest:12:00", channel="dl")
    await world.advance(hours=2)
    assert [(target, data["cohort"]) for target, data in world.sent("digest")] == [("ml", "ml-club"),
                                                                                    ("dl", "dl-club")]


# The tables with a surrogate id, and the rows a 0004 database is given before it is upgraded (ids left to the
# database, so Postgres sequences stay in step). Carol is the highest member, membership and sprint; her sprint
# row is deleted before the upgrade while the outbox row keyed by it stays.
SURROGATE = ("members", "cohorts", "memberships", "checkins", "sprints", "pauses", "outbox", "roadmaps",
             "roadmap_progress", "buddies", "group_sprints")
AT = "'2026-03-02 09:00:00+00'"
ROWS_AT_0004 = [
    "INSERT INTO members (platform, workspace, user_id, display_name, allow_mentions, hidden) VALUES "
    "('test', 'w', 'ann', 'Ann', true, false), ('test', 'w', 'bob', 'Bob', true, false), "
    "('test', 'w', 'carol', 'Carol', true, false)",
    "INSERT INTO cohorts (platform, workspace, name, name_key, channel_id, created_by, timezone, sprint_minutes, "
    "daily_goal, rollover_hour, digest_time, recap_weekday, recap_time) VALUES "
    "('test', 'w', 'Club', 'club', 'ml', 1, 'UTC', 30, 1, 4, '20:00:00', 6, '18:00:00'), "
    "('test', 'w', 'Gone', 'gone', 'dl', 1, 'UTC', 30, 1, 4, '20:00:00', 6, '18:00:00')",
    "INSERT INTO memberships (cohort_id, member_id, role, active) VALUES "
    "(1, 1, 'organizer', true), (1, 2, 'member', true), (1, 3, 'member', true), (2, 1, 'organizer', true)",
    "INSERT INTO checkins (membership_id, member_id, cohort_id, local_date, minutes, created_at, idempotency_key, "
    f"source) VALUES (1, 1, 1, '2026-03-02', 30, {AT}, 'k1', 'command'), "
    f"(2, 2, 1, '2026-03-02', 45, {AT}, 'sprint:2', 'sprint'), (3, 3, 1, '2026-03-02', 20, {AT}, 'k3', 'command')",
    "INSERT INTO leaderboard_totals (membership_id, period, starts_on, cohort_id, minutes) VALUES "
    "(1, 'week', '2026-03-02', 1, 30), (2, 'week', '2026-03-02', 1, 45)",
    "INSERT INTO sprints (member_id, membership_id, started_at, ends_at, status, minutes) VALUES "
    f"(1, 1, {AT}, {AT}, 'done', 30), (2, 2, {AT}, {AT}, 'done', 45), (3, 3, {AT}, {AT}, 'done', 30)",
    "INSERT INTO pauses (member_id, start_date, end_date) VALUES (2, '2026-03-05', '2026-03-06')",
    f"INSERT INTO roadmap_progress (membership_id, step, done_at) VALUES (1, 1, {AT})",
    "INSERT INTO buddies (cohort_id, requester_id, partner_id, created_at, status) VALUES "
    f"(1, 1, 2, {AT}, 'active')",
    "INSERT INTO group_sprints (cohort_id, channel_id, started_by, started_at, ends_at, status) VALUES "
    f"(1, 'ml', 1, {AT}, {AT}, 'done')",
    "INSERT INTO outbox (\"key\", kind, platform, workspace, destination_kind, target, text, data, due_at, "
    "created_at, status, attempts) VALUES "
    f"('sprint:3', 'sprint_end', 'test', 'w', 'dm', 'carol', 'Sprint done', '{{}}', {AT}, {AT}, 'sent', 1), "
    f"('digest:2:2026-03-02', 'digest', 'test', 'w', 'channel', 'dl', 'Digest', '{{}}', {AT}, {AT}, 'sent', 1)",
    "DELETE FROM sprints WHERE id = 3",  # the highest sprint goes; its outbox key stays
    "DELETE FROM cohorts WHERE id = 2",  # the highest cohort goes, with its membership; its digest key stays
]


async def _snapshot(connection: AsyncConnection) -> dict[str, list[tuple[object, ...]]]:
    tables = {name: f"SELECT * FROM {name} ORDER BY id" for name in SURROGATE}
    tables["leaderboard_totals"] = "SELECT * FROM leaderboard_totals ORDER BY membership_id, period, starts_on"
    return {name: [tuple(row) for row in await connection.execute(text(query))] for name, query in tables.items()}


async def _insert(connection: AsyncConnection, statement: str) -> int:
    result = await connection.execute(text(statement + " RETURNING id"))
    return int(result.scalar_one())


NEW_SPRINT = ("INSERT INTO sprints (member_id, membership_id, started_at, ends_at, status) "
              f"VALUES (1, 1, {AT}, {AT}, 'active')")
NEW_COHORT = ("INSERT INTO cohorts (platform, workspace, name, name_key, channel_id, created_by, timezone, "
              "sprint_minutes, daily_goal, rollover_hour, digest_time, recap_weekday, recap_time) VALUES "
              "('test', 'w', 'New', 'new', 'new', 1, 'UTC', 30, 1, 4, '20:00:00', 6, '18:00:00')")
NEW_MEMBER = ("INSERT INTO members (platform, workspace, user_id, display_name, allow_mentions, hidden) VALUES "
              "('test', 'w', 'dan', 'Dan', true, false)")


async def test_upgrading_a_0004_database_keeps_every_row_and_never_hands_an_id_out_again(database_url: str) -> None:
    await upgrade(database_url, "0004_leaderboard")
    engine = create_engine(database_url)
    try:
        async with engine.begin() as connection:
            for statement in ROWS_AT_0004:
                await connection.execute(text(statement))
        async with engine.connect() as connection:
            before = await _snapshot(connection)
        assert len(before["checkins"]) == 3 and len(before["memberships"]) == 3 and len(before["sprints"]) == 2

        await upgrade(database_url, "0005_ids_never_reused")
        assert await current_revision(database_url) == "0005_ids_never_reused"

        async with engine.begin() as connection:
            assert await _snapshot(connection) == before  # every row, with its id
            # Ids an outbox key names are not handed out again, though their rows went before the upgrade.
            assert await _insert(connection, NEW_SPRINT) == 4
            assert await _insert(connection, NEW_COHORT) == 3
            # And from now on the highest row's id is never handed out again once it is deleted.
            for table, statement in (("sprints", NEW_SPRINT), ("cohorts", NEW_COHORT), ("members", NEW_MEMBER)):
                highest = await connection.scalar(text(f"SELECT max(id) FROM {table}"))
                await connection.execute(text(f"DELETE FROM {table} WHERE id = {highest}"))
                assert await _insert(connection, statement) == highest + 1, table
    finally:
        await engine.dispose()


async def test_every_table_with_a_surrogate_id_never_reuses_ids(database_url: str) -> None:
    """The models say so for every table with a single integer id (a new table must too), and the migrated
    schema agrees."""
    marked = {table.name for table in Base.metadata.tables.values() if table.dialect_options["sqlite"]["autoincrement"]}
    surrogate = {table.name for table in Base.metadata.tables.values()
                 if [column.name for column in table.primary_key] == ["id"]
                 and isinstance(table.c.id.type.dialect_impl(sqlite.dialect()), Integer)}
    assert marked == surrogate and set(SURROGATE) <= surrogate
    await upgrade(database_url)
    assert await _never_reusing(database_url) == surrogate
    # Every revision from 0005 on keeps it: a later one must not drop it on its way down (SQLite table rebuilds
    # by batch_alter_table do unless given table_kwargs={"sqlite_autoincrement": True}).
    await downgrade(database_url, "0005_ids_never_reused")
    assert await _never_reusing(database_url) == surrogate - MADE_AFTER_0005


# Tables of later revisions: gone at 0005.
MADE_AFTER_0005 = {"focus_rooms", "focus_sessions", "cohort_homes", "code_failures"}


async def _never_reusing(database_url: str) -> set[str]:
    """The tables whose ids are never handed out twice: AUTOINCREMENT on SQLite, a sequence on Postgres."""
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            if connection.dialect.name == "sqlite":
                schema = await connection.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'table'"))
                return {name for name, sql in schema if "AUTOINCREMENT" in sql.upper()}
            return set((await connection.execute(text(
                "SELECT table_name FROM information_schema.columns WHERE table_schema = current_schema() "
                "AND column_name = 'id' AND column_default LIKE 'nextval(%'"))).scalars().all())
    finally:
        await engine.dispose()
