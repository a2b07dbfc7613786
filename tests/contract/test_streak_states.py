"""Saving many memberships' streak states in one call, the same on the fake, SQLite and Postgres."""

from __future__ import annotations

from datetime import UTC, date, datetime

from bot.domain import Cohort, Member, Membership
from bot.ports import UnitOfWorkFactory
from bot.streaks import StreakState

NOW = datetime(2026, 3, 6, 14, tzinfo=UTC)


async def test_save_streak_states_writes_each_and_clears_with_none(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        owner = await uow.members.add(Member("test", "w", "owner", "owner"))
        cohort = await uow.cohorts.add(Cohort("test", "w", "club", "c", owner.id or 0, created_at=NOW))
        ids = []
        for name in ("ann", "ben", "cat"):
            member = await uow.members.add(Member("test", "w", name, name))
            membership = await uow.memberships.add(Membership(cohort.id or 0, member.id or 0, joined_at=NOW,
                                                              streak_state=StreakState(1, 0, 1, date(2026, 3, 1))))
            ids.append(membership.id or 0)
        await uow.commit()
    async with uow_factory() as uow:
        await uow.memberships.save_streak_states({ids[0]: StreakState(9, 1, 12, date(2026, 3, 4)), ids[1]: None})
        await uow.commit()
    async with uow_factory() as uow:
        states = [(await uow.memberships.get_by_id(i)).streak_state for i in ids]  # type: ignore[union-attr]
    assert states == [StreakState(9, 1, 12, date(2026, 3, 4)), None, StreakState(1, 0, 1, date(2026, 3, 1))]
