"""Bulk test data written straight through the schema (Core executemany in chunks, rows generated chunk by
chunk so a million check-ins never sit in memory at once), so seeding does not take a million commands."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, date, datetime, time, timedelta
from itertools import islice
from typing import Any

from sqlalchemy import func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from storage import Database
from storage.models import CheckInRow, CohortRow, MemberRow, MembershipRow

CHUNK = 5000
NOW = datetime(2026, 3, 6, 14, 0, tzinfo=UTC)  # a Friday afternoon, UTC
TODAY = NOW.date()

Row = dict[str, Any]


def chunks(rows: Iterable[Row], size: int = CHUNK) -> Iterator[list[Row]]:
    iterator = iter(rows)
    while part := list(islice(iterator, size)):
        yield part


async def insert_rows(connection: AsyncConnection, table: Any, rows: Iterable[Row]) -> int:
    count = 0
    for part in chunks(rows):
        await connection.execute(insert(table), part)
        count += len(part)
    return count


async def cohort_with_members(database: Database, members: int, *, name: str,
                              reminder: Callable[[int], tuple[time | None, datetime | None]] | None = None,
                              ) -> tuple[int, dict[int, int]]:
    """A UTC cohort in channel `name` with `members` members (user ids `<name>-u<i>`) and their memberships;
    `reminder(i)` gives member i's reminder time and next reminder instant (default 19:00, none scheduled).
    Returns the cohort id and {membership id: member id}, in member order."""
    async with database.engine.begin() as connection:
        owner = (await connection.execute(insert(MemberRow).values(
            platform="bench", workspace="w", user_id=f"{name}-owner", display_name=f"{name} owner",
            allow_mentions=True, hidden=False).returning(MemberRow.id))).scalar_one()
        cohort = (await connection.execute(insert(CohortRow).values(
            platform="bench", workspace="w", name=name, name_key=name.lower(), channel_id=name, created_by=owner,
            timezone="UTC", sprint_minutes=30, daily_goal=1, rollover_hour=4, digest_time=time(20),
            recap_weekday=6, recap_time=time(18), created_at=NOW - timedelta(days=2000),
        ).returning(CohortRow.id))).scalar_one()
        await insert_rows(connection, MemberRow, (
            {"platform": "bench", "workspace": "w", "user_id": f"{name}-u{i}", "display_name": f"{name}-u{i}",
             "allow_mentions": True, "hidden": False} for i in range(members)))
        ids = (await connection.execute(select(MemberRow.id).where(
            MemberRow.platform == "bench", MemberRow.workspace == "w",
            MemberRow.user_id.like(f"{name}-u%")).order_by(MemberRow.id))).scalars().all()

        def membership(i: int, member_id: int) -> Row:
            at, next_at = reminder(i) if reminder else (time(19), None)
            return {"cohort_id": cohort, "member_id": member_id, "role": "member", "active": True,
                    "reminder_time": at, "joined_at": NOW - timedelta(days=2000), "next_reminder_at": next_at}

        await insert_rows(connection, MembershipRow, (membership(i, m) for i, m in enumerate(ids)))
        pairs = (await connection.execute(select(MembershipRow.id, MembershipRow.member_id).where(
            MembershipRow.cohort_id == cohort).order_by(MembershipRow.member_id))).all()
    return cohort, {membership_id: member_id for membership_id, member_id in pairs}


def checkin(cohort: int, membership: int, member: int, day: date, minutes: int, key: str) -> Row:
    return {"membership_id": membership, "member_id": member, "cohort_id": cohort, "local_date": day,
            "minutes": minutes, "created_at": datetime.combine(day, time(12), UTC), "idempotency_key": key,
            "source": "seed"}


async def checkins(database: Database, rows: Iterable[Row]) -> int:
    async with database.engine.begin() as connection:
        return await insert_rows(connection, CheckInRow, rows)


# Monday of a check-in's week and the 1st of its month, per dialect.
_PERIOD_START = {
    "sqlite": {"week": "date(local_date, 'weekday 0', '-6 days')", "month": "date(local_date, 'start of month')"},
    "postgresql": {"week": "CAST(date_trunc('week', local_date) AS DATE)",
                   "month": "CAST(date_trunc('month', local_date) AS DATE)"},
}


async def leaderboard_figures(database: Database, cohort: int) -> None:
    """Bring the cohort's leaderboard figures in line with its check-ins after `checkins()` seeded them.

    `checkins()` writes rows straight into the table, past the repository that keeps the figures up to date
    on every real check-in (storage/boards.py), so a scenario that seeds check-ins for a board must call this
    before asking. It recomputes them set-based, as migration 0004 backfills them: all-time minutes per
    membership and the per-week / per-month totals, summed from the check-ins; board streaks become unknown
    (NULL), so the first streak board walks each membership's history once and stores the result, exactly as
    after the upgrade of a live database."""
    starts = _PERIOD_START[database.dialect]
    async with database.engine.begin() as connection:
        await connection.execute(text(
            "UPDATE memberships SET minutes_total = COALESCE((SELECT SUM(minutes) FROM checkins "
            "WHERE checkins.membership_id = memberships.id), 0), board_version = board_version + 1, "
            "board_day = NULL, board_streak = NULL, board_freezes = NULL, board_longest = NULL, "
            "board_alive_until = NULL WHERE cohort_id = :cohort"), {"cohort": cohort})
        await connection.execute(text("DELETE FROM leaderboard_totals WHERE cohort_id = :cohort"), {"cohort": cohort})
        for period, start in starts.items():
            await connection.execute(text(
                f"INSERT INTO leaderboard_totals (membership_id, period, starts_on, cohort_id, minutes) "
                f"SELECT membership_id, '{period}', {start}, cohort_id, SUM(minutes) FROM checkins "
                f"WHERE cohort_id = :cohort GROUP BY membership_id, cohort_id, {start}"), {"cohort": cohort})
        await connection.execute(text("DELETE FROM cohort_days WHERE cohort_id = :cohort"), {"cohort": cohort})
        await connection.execute(text(  # members done per day, as migration 0010 counts them
            "INSERT INTO cohort_days (cohort_id, local_date, done) SELECT :cohort, local_date, COUNT(*) FROM ("
            " SELECT local_date FROM checkins WHERE cohort_id = :cohort GROUP BY membership_id, local_date"
            " HAVING SUM(minutes) >= (SELECT sprint_minutes * daily_goal FROM cohorts WHERE id = :cohort)) AS d "
            "GROUP BY local_date"), {"cohort": cohort})
        if database.dialect == "postgresql":
            # A bulk load leaves the planner's statistics behind (autovacuum would catch up a little later
            # on a live database that grew this big); without them Postgres picks poor plans at first.
            await connection.execute(text("ANALYZE"))


async def count(database: Database, table: Any) -> int:
    async with database.engine.connect() as connection:
        return int((await connection.execute(select(func.count()).select_from(table))).scalar_one())
