"""Migration 0004 backfills the leaderboard figures from the check-ins already stored, and the bench's bulk
seed brings them in line the same way; after either, every board answers what the check-ins say."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Date, Time, bindparam, text

from adapters.bench import seed
from bot.clock import SimulatedClock
from bot.commands.context import Invocation
from bot.service import StudyBot
from storage import Database, create_engine, downgrade, upgrade
from storage.models import UTCDateTime

NOW = datetime(2026, 3, 6, 14, tzinfo=UTC)  # Friday; the week began on Monday 2 March
TODAY = NOW.date()


async def _rows_at_0003(url: str) -> None:
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            for i, name in enumerate(("ann", "ben", "cat"), start=1):
                await connection.execute(text(
                    "INSERT INTO members (id, platform, workspace, user_id, display_name, allow_mentions, hidden) "
                    "VALUES (:id, 'test', 'w', :name, :name, true, :hidden)"),
                    {"id": i, "name": name, "hidden": i == 3})
            await connection.execute(text(
                "INSERT INTO cohorts (id, platform, workspace, name, name_key, channel_id, created_by, timezone, "
                "sprint_minutes, daily_goal, rollover_hour, digest_time, recap_weekday, recap_time) VALUES "
                "(1, 'test', 'w', 'club', 'club', 'general', 1, 'UTC', 30, 1, 4, :digest, 6, :recap)")
                .bindparams(bindparam("digest", type_=Time()), bindparam("recap", type_=Time())),
                {"digest": time(20), "recap": time(18)})
            for i in (1, 2, 3):
                await connection.execute(text(
                    "INSERT INTO memberships (id, cohort_id, member_id, role, active) "
                    "VALUES (:id, 1, :id, 'member', true)"), {"id": i})
            checkins = [(1, TODAY, 30), (1, TODAY - timedelta(days=1), 45), (1, TODAY - timedelta(days=10), 20),
                        (2, TODAY - timedelta(days=4), 60), (2, TODAY - timedelta(days=4), 15),
                        (3, TODAY, 90)]
            for key, (membership, day, minutes) in enumerate(checkins):
                await connection.execute(text(
                    "INSERT INTO checkins (membership_id, member_id, cohort_id, local_date, minutes, created_at, "
                    "idempotency_key, source) VALUES (:m, :m, 1, :day, :minutes, :at, :key, 'command')")
                    .bindparams(bindparam("day", type_=Date()), bindparam("at", type_=UTCDateTime())),
                    {"m": membership, "day": day, "minutes": minutes, "at": NOW, "key": f"k{key}"})
    finally:
        await engine.dispose()


async def _board(database: Database, user: str, board: str, *, platform: str = "test", channel: str = "general",
                 ) -> tuple[list[tuple[int, str, int]], dict | None]:
    bot = StudyBot(database.unit_of_work, SimulatedClock(NOW))
    reply = await bot.handle_text(Invocation(platform, "w", user, user, channel, f"{user}-{board}"),
                                  f"leaderboard {board}")
    assert not reply.is_error, reply.text
    return [(row["rank"], row["name"], row["value"]) for row in reply.data["rows"]], reply.data["you"]


async def test_the_upgrade_backfills_the_figures(database_url: str) -> None:
    await upgrade(database_url, "0003_study_group")
    await _rows_at_0003(database_url)
    await upgrade(database_url)
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            totals = dict((await connection.execute(text("SELECT id, minutes_total FROM memberships"))).all())
            unknown = (await connection.execute(text(
                "SELECT count(*) FROM memberships WHERE board_streak IS NULL"))).scalar_one()
            periods = {(m, period, date.fromisoformat(str(start)), minutes) for m, period, start, minutes in (
                await connection.execute(text(
                    "SELECT membership_id, period, starts_on, minutes FROM leaderboard_totals")))}
    finally:
        await engine.dispose()
    assert totals == {1: 95, 2: 75, 3: 90}
    assert unknown == 3  # worked out by the first streak board
    assert periods == {(1, "week", date(2026, 3, 2), 75), (1, "week", date(2026, 2, 23), 20),
                       (1, "month", date(2026, 3, 1), 75), (1, "month", date(2026, 2, 1), 20),
                       (2, "week", date(2026, 3, 2), 75), (2, "month", date(2026, 3, 1), 75),
                       (3, "week", date(2026, 3, 2), 90), (3, "month", date(2026, 3, 1), 90)}
    database = await Database.connect(database_url)
    try:
        assert await _board(database, "ben", "all") == ([(1, "ann", 95), (2, "ben", 75)], {"rank": 2, "value": 75})
        assert await _board(database, "ann", "week") == ([(1, "ann", 75), (1, "ben", 75)], {"rank": 1, "value": 75})
        assert await _board(database, "cat", "month") == ([(1, "ann", 75), (1, "ben", 75)], None)  # cat hides
        assert await _board(database, "ben", "streak") == ([(1, "ann", 2)], {"rank": 2, "value": 0})
    finally:
        await database.dispose()
    await downgrade(database_url, "0003_study_group")  # no table rebuild: the check-ins stay
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            assert (await connection.execute(text("SELECT count(*) FROM checkins"))).scalar_one() == 6
    finally:
        await engine.dispose()


async def test_the_bench_seed_brings_the_figures_in_line(database_url: str) -> None:
    database = await Database.connect(database_url)
    try:
        cohort, memberships = await seed.cohort_with_members(database, 3, name="board")
        rows = [seed.checkin(cohort, membership, member, seed.TODAY - timedelta(days=i * 3 + k), 30 + i, f"s{k}")
                for i, (membership, member) in enumerate(memberships.items()) for k in range(3)]
        await seed.checkins(database, rows)
        await seed.leaderboard_figures(database, cohort)
        # Everything each seeded member logged is in the last 9 days: u0 logged 90, u1 93, u2 96.
        bench = {"platform": "bench", "channel": "board"}
        assert (await _board(database, "board-u0", "all", **bench))[1] == {"rank": 3, "value": 90}
        assert (await _board(database, "board-u2", "all", **bench))[0][0] == (1, "board-u2", 96)
        assert await _board(database, "board-u1", "streak", **bench) == ([(1, "board-u0", 3)],
                                                                          {"rank": 2, "value": 0})
    finally:
        await database.dispose()
