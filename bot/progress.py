"""A membership's streak right now, resuming from its saved walk state so history length doesn't matter."""

from __future__ import annotations

from datetime import date, timedelta

from bot import streaks
from bot.domain import Enrolment, Membership
from bot.ports import UnitOfWork
from bot.streaks import StreakStatus


async def streak_status(uow: UnitOfWork, enrolment: Enrolment, today: date) -> StreakStatus:
    membership = enrolment.membership
    assert membership.id is not None
    first = await uow.checkins.first_day(membership.id)
    if first is None:
        return StreakStatus(0, 0, 0, False)
    saved = membership.streak_state
    since = first if saved is None or saved.through is None else max(first, saved.through + timedelta(days=1))
    minutes = await uow.checkins.minutes_by_day(membership.id, since)
    result, checkpoint = streaks.status(
        saved, first, today, minutes, enrolment.cohort.daily_target, enrolment.is_paused
    )
    if checkpoint != saved:
        membership.streak_state = checkpoint
        await uow.memberships.save(membership)
    return result


async def forget_saved_walk_from(uow: UnitOfWork, membership: Membership, day: date) -> None:
    """A write that changes `day` makes any saved walk that already covered it stale."""
    state = membership.streak_state
    if state is not None and state.through is not None and day <= state.through:
        membership.streak_state = None
        await uow.memberships.save(membership)
