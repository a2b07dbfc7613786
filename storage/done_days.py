"""A cohort's members done per local date (`cohort_days`), kept on write like the leaderboards' figures, so the web
page's heatmap reads a few rows instead of summing months of check-ins (1.2 s at 10,000 members).

A (membership, date) counts once its minutes reach the cohort's daily target: a check-in that crosses it adds one,
an undo that falls back below takes one away, a member forgotten takes their done days away, and a change of the
daily target counts the cohort again from its check-ins (`recount`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import date

from sqlalchemy import bindparam, delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import CheckInRow, CohortDayRow, CohortRow
from storage.sql import insert_for, slices

D = CohortDayRow.__table__
K = CheckInRow.__table__
C = CohortRow.__table__
TARGET = C.c.sprint_minutes * C.c.daily_goal


async def day_totals(session: AsyncSession, pairs: Sequence[tuple[int, date]]) -> dict[tuple[int, date], int]:
    """Minutes per (membership, local date) asked for, as stored now."""
    totals: dict[tuple[int, date], int] = {}
    for part in slices(sorted(set(pairs))):
        wanted = set(part)
        rows = await session.execute(
            select(K.c.membership_id, K.c.local_date, func.sum(K.c.minutes))
            .where(K.c.membership_id.in_({membership for membership, _ in part}),
                   K.c.local_date.in_({day for _, day in part}))
            .group_by(K.c.membership_id, K.c.local_date))
        totals.update(((membership, day), int(minutes)) for membership, day, minutes in rows
                      if (membership, day) in wanted)
    return totals


async def count(session: AsyncSession, added: Mapping[tuple[int, date], int], after: Mapping[tuple[int, date], int],
                cohort_of: Mapping[int, int]) -> None:
    """Check-ins that added `added` minutes to (membership, date), which now hold `after`: each date that reached its
    cohort's target counts one more member done."""
    targets = await _targets(session, set(cohort_of.values()))
    gained: dict[tuple[int, date], int] = defaultdict(int)
    for (membership, day), minutes in added.items():
        cohort = cohort_of[membership]
        total = after.get((membership, day), 0)
        if total - minutes < targets[cohort] <= total:
            gained[cohort, day] += 1
    if gained:
        await _add(session, gained)


async def uncount(session: AsyncSession, cohort_id: int, day: date, before: int, after: int) -> None:
    """A (membership, date) of the cohort went from `before` to `after` minutes (an undo)."""
    target = (await _targets(session, {cohort_id}))[cohort_id]
    if after < target <= before:
        await _add(session, {(cohort_id, day): -1})


async def forget_member(session: AsyncSession, member_id: int) -> None:
    """Before a member's check-ins go (`forget`): their done days stop counting."""
    done = (select(K.c.cohort_id, K.c.local_date)
            .select_from(K.join(C, C.c.id == K.c.cohort_id))
            .where(K.c.member_id == member_id)
            .group_by(K.c.cohort_id, K.c.membership_id, K.c.local_date, TARGET)
            .having(func.sum(K.c.minutes) >= TARGET).subquery())
    rows = await session.execute(select(done.c.cohort_id, done.c.local_date, func.count())
                                 .group_by(done.c.cohort_id, done.c.local_date))
    lost = {(cohort, day): -int(number) for cohort, day, number in rows}
    if lost:
        await _add(session, lost)


async def recount(session: AsyncSession, cohort_id: int) -> None:
    """Count the cohort's done days again from its check-ins (its daily target changed)."""
    await session.execute(delete(D).where(D.c.cohort_id == cohort_id))
    target = select(TARGET).where(C.c.id == cohort_id).scalar_subquery()
    done = (select(K.c.local_date).where(K.c.cohort_id == cohort_id)
            .group_by(K.c.membership_id, K.c.local_date).having(func.sum(K.c.minutes) >= target).subquery())
    await session.execute(insert(D).from_select(
        ["cohort_id", "local_date", "done"],
        select(bindparam("cohort", cohort_id), done.c.local_date, func.count()).group_by(done.c.local_date)))


async def done_counts(session: AsyncSession, cohort_id: int, since: date) -> dict[date, int]:
    rows = await session.execute(select(D.c.local_date, D.c.done)
                                 .where(D.c.cohort_id == cohort_id, D.c.local_date >= since, D.c.done > 0))
    return {day: int(done) for day, done in rows}


async def _targets(session: AsyncSession, cohort_ids: set[int]) -> dict[int, int]:
    rows = await session.execute(select(C.c.id, TARGET).where(C.c.id.in_(sorted(cohort_ids))))
    return {cohort: int(target) for cohort, target in rows}


async def _add(session: AsyncSession, changes: Mapping[tuple[int, date], int]) -> None:
    """In (cohort, date) order, so that concurrent writers take the rows' locks in the same order."""
    upsert = insert_for(session)(D)
    upsert = upsert.on_conflict_do_update(index_elements=[D.c.cohort_id, D.c.local_date],
                                          set_={"done": D.c.done + upsert.excluded.done})
    await session.execute(upsert, [{"cohort_id": cohort, "local_date": day, "done": delta}
                                   for (cohort, day), delta in sorted(changes.items())])


__all__ = ["count", "day_totals", "done_counts", "forget_member", "recount", "uncount"]
