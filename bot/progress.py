"""A membership's streak right now, resuming from its saved walk state so history length doesn't matter."""

from __future__ import annotations

from datetime import date, timedelta

from bot import streaks
from bot.domain import Enrolment, Membership
from bot.ports import UnitOfWork
from bot.streaks import StreakState, StreakStatus


async def streak_status(uow: UnitOfWork, enrolment: Enrolment, today: date) -> StreakStatus:
    membership = enrolment.membership
    assert membership.id is not None
    first = await uow.checkins.first_day(membership.id)
    if first is None:
        return StreakStatus(0, 0, 0, False)
    saved = membership.streak_state
    minutes = await uow.checkins.minutes_by_day(membership.id, resume_day(saved, first, today))
    result, checkpoint = streaks.status(
        saved, first, today, minutes, enrolment.cohort.daily_target, enrolment.is_off
    )
    if checkpoint != saved:
        membership.streak_state = checkpoint
        await uow.memberships.save(membership)
    return result


async def forget_saved_walk_from(uow: UnitOfWork, membership: Membership, day: date) -> None:
    """A write that changes `day` makes any saved walk that already covered it stale."""
    if membership.streak_state is not None and still_valid(membership.streak_state, day) is None:
        membership.streak_state = None
        await uow.memberships.save(membership)


def still_valid(saved: StreakState | None, written: date) -> StreakState | None:
    """The saved walk, unless a write to `written` changed a day it already covered."""
    if saved is not None and saved.through is not None and written <= saved.through:
        return None
    return saved


def resume_day(saved: StreakState | None, first: date, today: date | None = None) -> date:
    """The first day whose minutes a walk resuming from `saved` needs (from `first` when nothing is saved, or,
    given the walk's `today`, when the save is dated on or after it: `streaks.trusted`)."""
    if today is not None:
        saved = streaks.trusted(saved, today)
    return first if saved is None or saved.through is None else max(first, saved.through + timedelta(days=1))
