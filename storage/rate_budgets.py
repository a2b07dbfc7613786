"""The send budgets all processes of a bot share (bot.ports.RateBudgetRepository), in `rate_budgets`.

Postgres: one upsert, on the database's clock, that takes the slots and answers how far off the first one
is; concurrent reservations queue on the row's lock for that one statement and its commit. SQLite (one
process by design): the same schedule read and written under the transaction's BEGIN IMMEDIATE lock, on this
machine's clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import RateBudgetRow
from storage.sql import insert_for

# `clock_timestamp()`, not `now()`: the time a statement runs, not the time its transaction began. The CTE's
# clock is read before the statement may wait for another reservation's lock; RETURNING reads it again once the
# row is ours, so a wait shows up as a first slot already (partly) past.
_RESERVE_POSTGRES = text("""
WITH clock AS (SELECT clock_timestamp() AS now)
INSERT INTO rate_budgets AS budget (key, next_free_at)
SELECT :key, clock.now + make_interval(secs => CAST(:lead AS float8) + CAST(:span AS float8)) FROM clock
ON CONFLICT (key) DO UPDATE
SET next_free_at = greatest(budget.next_free_at + make_interval(secs => :span), excluded.next_free_at)
RETURNING extract(epoch FROM budget.next_free_at - clock_timestamp())::float8
""")


class SqlRateBudgetRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def reserve(self, key: str, slots: int, interval: float, lead: float = 0.0) -> float:
        span = slots * interval
        if self._session.bind.dialect.name == "postgresql":
            until_end = (await self._session.execute(
                _RESERVE_POSTGRES, {"key": key, "span": span, "lead": lead})).scalar_one()
            return float(until_end) - span
        now = datetime.now(UTC)
        free_at = await self._session.scalar(select(RateBudgetRow.next_free_at).where(RateBudgetRow.key == key))
        earliest = now + timedelta(seconds=lead)
        start = earliest if free_at is None else max(free_at, earliest)
        end = start + timedelta(seconds=span)
        insert = insert_for(self._session)
        await self._session.execute(insert(RateBudgetRow).values(key=key, next_free_at=end)
                                    .on_conflict_do_update(index_elements=["key"], set_={"next_free_at": end}))
        return (start - datetime.now(UTC)).total_seconds()
