"""Bulk test data written straight through the schema (Core inserts), so seeding a million check-ins does
not take a million commands."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import insert

from storage import Database
from storage.models import CheckInRow, CohortRow, MemberRow, MembershipRow

CHUNK = 5000
NOW = datetime(2026, 3, 6, 14, 0, tzinfo=UTC)
TODAY = NOW.date()


def chunks(rows: Sequence[dict[str, Any]]) -> Iterator[Sequence[dict[str, Any]]]:
    for start in range(0, len(rows), CHUNK):
        yield rows[start:start + CHUNK]


async def cohort_with_members(database: Database, members: int, *, name: str = "bench",
                              reminder: datetime | None = None) -> tuple[int, list[int]]:
    """A cohort in channel `name` and `members` memberships; returns the cohort id and membership ids."""
    async with database.engine.begin() as connection:
        owner = (await connection.execute(insert(MemberRow).values(
            platform="bench", workspace="w", user_id=f"{name}-owner", display_name="owner",
            allow_mentions=True, hidden=False).returning(MemberRow.id))).scalar_one()
        cohort = (await connection.execute(insert(CohortRow).values(
            platform="bench", workspace="w", name=name, name_key=name, channel_id=name, created_by=owner,
            timezone="UTC", sprint_minutes=30, daily_goal=1, rollover_hour=4, digest_time=time(20),
            recap_weekday=6, recap_time=time(18), created_at=NOW).returning(CohortRow.id))).scalar_one()
        users = [{"platform": "bench", "workspace": "w", "user_id": f"{name}-u{i}", "display_name": f"m{i}",
                  "allow_mentions": True, "hidden": False} for i in range(members)]
        for part in chunks(users):
            await connection.execute(insert(MemberRow), part)
        ids = (await connection.execute(MemberRow.__table__.select().with_only_columns(MemberRow.id).where(
            MemberRow.user_id.like(f"{name}-u%")).order_by(MemberRow.id))).scalars().all()
        spread = [reminder + timedelta(seconds=(i * 86400 // max(members, 1))) if reminder else None
                  for i in range(members)]
        rows = [{"cohort_id": cohort, "member_id": member_id, "role": "member", "active": True,
                 "reminder_time": time(19), "joined_at": NOW, "next_reminder_at": spread[i]}
                for i, member_id in enumerate(ids)]
        for part in chunks(rows):
            await connection.execute(insert(MembershipRow), part)
        memberships = (await connection.execute(MembershipRow.__table__.select().with_only_columns(
            MembershipRow.id).where(MembershipRow.cohort_id == cohort).order_by(MembershipRow.id))).scalars().all()
    return cohort, list(memberships)


async def history(database: Database, cohort: int, memberships: Sequence[int], member_of: dict[int, int],
                  days: int, *, per_member: int | None = None, today: date = TODAY) -> int:
    """Check-ins going back `days` days (one a day each), `per_member` of them per membership."""
    rows = []
    for membership in memberships:
        for back in range(1, (per_member or days) + 1):
            day = today - timedelta(days=back % days + 1)
            rows.append({"membership_id": membership, "member_id": member_of[membership], "cohort_id": cohort,
                         "local_date": day, "minutes": 30, "created_at": NOW,
                         "idempotency_key": f"seed-{membership}-{back}", "source": "seed"})
    async with database.engine.begin() as connection:
        for part in chunks(rows):
            await connection.execute(insert(CheckInRow), part)
    return len(rows)


async def member_ids(database: Database, memberships: Sequence[int]) -> dict[int, int]:
    async with database.engine.connect() as connection:
        rows = await connection.execute(MembershipRow.__table__.select().with_only_columns(
            MembershipRow.id, MembershipRow.member_id).where(MembershipRow.id.in_(list(memberships))))
        return dict(rows.all())
