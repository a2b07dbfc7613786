"""Bulk test data written straight through the schema (Core executemany in chunks, rows generated chunk by
chunk so a million check-ins never sit in memory at once), so seeding does not take a million commands."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, date, datetime, time, timedelta
from itertools import islice
from typing import Any

from sqlalchemy import func, insert, select
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


async def count(database: Database, table: Any) -> int:
    async with database.engine.connect() as connection:
        return int((await connection.execute(select(func.count()).select_from(table))).scalar_one())
