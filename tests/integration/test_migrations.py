"""Alembic: the bot migrates an empty database itself, the stairway holds, the models match the
migrations, and a schema from a newer studybot is refused."""

from __future__ import annotations

from datetime import date

import pytest
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

from storage import Database, SchemaTooNew, create_engine, current_revision, downgrade, upgrade
from storage.database import MIGRATIONS
from storage.models import Base

TABLES = {"members", "cohorts", "memberships", "checkins", "sprints", "pauses", "outbox", "roadmaps",
          "roadmap_progress", "buddies", "group_sprints", "leaderboard_totals", "rate_budgets", "undone_checkins",
          "cohort_days", "league_entries", "league_standings", "league_optouts", "focus_rooms", "focus_sessions",
          "focus_status", "cohort_homes", "link_codes", "code_failures"}


def _script() -> ScriptDirectory:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(config)


async def _tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            names = await connection.run_sync(lambda sync: inspect(sync).get_table_names())
    finally:
        await engine.dispose()
    return set(names) - {"alembic_version"}


async def test_connect_upgrades_an_empty_database(database_url: str) -> None:
    assert await current_revision(database_url) is None
    database = await Database.connect(database_url)
    await database.dispose()
    assert await current_revision(database_url) == _script().get_current_head() == "0014_persons"
    assert await _tables(database_url) == TABLES
    database = await Database.connect(database_url)  # at head: nothing to do
    await database.dispose()


async def test_connect_without_migrate_leaves_the_schema_alone(database_url: str) -> None:
    database = await Database.connect(database_url, migrate=False)
    await database.dispose()
    assert await current_revision(database_url) is None


async def test_stairway(database_url: str) -> None:
    revisions = list(reversed(list(_script().walk_revisions())))
    for revision in revisions:
        await upgrade(database_url, revision.revision)
        await downgrade(database_url, revision.down_revision or "base")
        await upgrade(database_url, revision.revision)
    assert await current_revision(database_url) == revisions[-1].revision
    await downgrade(database_url, "base")
    assert await current_revision(database_url) is None
    assert await _tables(database_url) == set()
    await upgrade(database_url)
    assert await _tables(database_url) == TABLES


async def test_models_match_the_migrations(database_url: str) -> None:
    await upgrade(database_url)

    def differences(connection: Connection) -> list[object]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, Base.metadata)

    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            assert await connection.run_sync(differences) == []
    finally:
        await engine.dispose()


async def test_a_newer_schema_is_refused(database_url: str) -> None:
    await upgrade(database_url)
    engine = create_engine(database_url)
    try:
        async with engine.begin() as connection:
            await connection.execute(text("UPDATE alembic_version SET version_num = '9999_future'"))
    finally:
        await engine.dispose()
    with pytest.raises(SchemaTooNew) as raised:
        await Database.connect(database_url)
    message = str(raised.value)
    assert "9999_future" in message and "upgrade studybot" in message and "\n" not in message
    with pytest.raises(SchemaTooNew):
        await upgrade(database_url)
    assert await current_revision(database_url) == "9999_future"


async def test_upgrading_from_the_first_schema_keeps_every_row(database_url: str) -> None:
    """Rows written under 0001 survive every later migration (on SQLite, table rebuilds once cascaded)."""
    await upgrade(database_url, "0001_initial")
    engine = create_engine(database_url)
    try:
        async with engine.begin() as connection:
            for statement in (
                "INSERT INTO members (id, platform, workspace, user_id, display_name, allow_mentions, hidden) "
                "VALUES (1, 'test', 'w', 'ann', 'Ann', true, false)",
                "INSERT INTO cohorts (id, platform, workspace, name, name_key, channel_id, created_by, timezone, "
                "sprint_minutes, daily_goal, rollover_hour, digest_time, recap_weekday, recap_time) "
                "VALUES (1, 'test', 'w', 'Club', 'club', 'general', 1, 'UTC', 30, 1, 4, '20:00:00', 6, '18:00:00')",
                "INSERT INTO memberships (id, cohort_id, member_id, role, active) VALUES (1, 1, 1, 'organizer', true)",
                "INSERT INTO checkins (membership_id, member_id, cohort_id, local_date, minutes, created_at, "
                "idempotency_key, source) "
                "VALUES (1, 1, 1, '2026-03-02', 30, '2026-03-02 09:00:00+00', 'k1', 'command')",
            ):
                await connection.exec_driver_sql(statement)
        await upgrade(database_url)
        async with engine.connect() as connection:
            counts = {table: (await connection.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one()
                      for table in ("members", "cohorts", "memberships", "checkins")}
    finally:
        await engine.dispose()
    assert counts == {"members": 1, "cohorts": 1, "memberships": 1, "checkins": 1}
    database = await Database.connect(database_url)
    try:
        async with database.unit_of_work() as uow:
            (membership, cohort), = await uow.memberships.active_for_member(1)
            assert (cohort.name, membership.is_organizer) == ("Club", True)
            assert await uow.checkins.minutes_on(1, date(2026, 3, 2)) == 30
    finally:
        await database.dispose()
