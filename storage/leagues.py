"""Leagues in SQL (bot.ports.LeagueRepository): set-based, one statement per step however big the cohort."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, case, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain import Cohort, Member
from bot.ports import LeagueCandidate, LeagueResult, LeagueRow, LeagueScore
from storage.models import (
    CheckInRow,
    CohortRow,
    LeagueEntryRow,
    LeagueOptOutRow,
    LeagueStandingRow,
    MemberRow,
    MembershipRow,
)
from storage.rows import load

ACTIVE_DAYS = 14
ROWS = 2000  # rows per INSERT / executemany


class SqlLeagueRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def due_cohorts(self, now: datetime, limit: int) -> Sequence[Cohort]:
        c = CohortRow.__table__
        query = (select(c).where(c.c.next_league_at <= now).order_by(c.c.next_league_at, c.c.id).limit(limit)
                 .with_for_update(skip_locked=True))
        return [load(Cohort, row) for row in await self._session.execute(query)]

    async def candidates(self, cohort_id: int, week: date) -> list[LeagueCandidate]:
        m, k = MembershipRow.__table__, CheckInRow.__table__
        s, o = LeagueStandingRow.__table__, LeagueOptOutRow.__table__
        last_week = week - timedelta(days=7)
        recent = (select(k.c.membership_id,
                         func.sum(case((k.c.local_date >= last_week, k.c.minutes), else_=0)).label("minutes"))
                  .where(k.c.cohort_id == cohort_id, k.c.local_date >= week - timedelta(days=ACTIVE_DAYS),
                         k.c.local_date < week)
                  .group_by(k.c.membership_id).subquery())
        query = (select(m.c.id, func.coalesce(s.c.tier, 0), recent.c.minutes)
                 .select_from(m.join(recent, recent.c.membership_id == m.c.id)
                              .outerjoin(s, s.c.membership_id == m.c.id)
                              .outerjoin(o, o.c.member_id == m.c.member_id))
                 .where(m.c.cohort_id == cohort_id, m.c.active, o.c.member_id.is_(None)).order_by(m.c.id))
        return [LeagueCandidate(row[0], int(row[1]), int(row[2] or 0)) for row in await self._session.execute(query)]

    async def place(self, cohort_id: int, week: date, places: Sequence[tuple[int, int, int]]) -> int:
        if not places:
            return 0
        e = LeagueEntryRow.__table__
        taken = set((await self._session.scalars(
            select(e.c.membership_id).where(e.c.cohort_id == cohort_id, e.c.week == week))).all())
        rows = [{"cohort_id": cohort_id, "week": week, "membership_id": membership_id, "tier": tier,
                 "division": division} for membership_id, tier, division in places if membership_id not in taken]
        for start in range(0, len(rows), ROWS):
            await self._session.execute(e.insert(), rows[start:start + ROWS])
        return len(rows)

    async def open_weeks(self, cohort_id: int, before: date) -> list[date]:
        e = LeagueEntryRow.__table__
        query = (select(e.c.week).where(e.c.cohort_id == cohort_id, e.c.week < before, e.c.zone.is_(None))
                 .group_by(e.c.week).order_by(e.c.week))
        return list((await self._session.scalars(query)).all())

    def _scores_query(self, cohort_id: int, week: date, cap: int, target: int, where: Sequence[Any]) -> Any:
        e, k = LeagueEntryRow.__table__, CheckInRow.__table__
        in_week = [k.c.local_date >= week, k.c.local_date < week + timedelta(days=7)]
        if where:  # one division: its 30 memberships' days by (membership, day), not the whole cohort's week
            in_week.append(k.c.membership_id.in_(select(e.c.membership_id).where(
                e.c.cohort_id == cohort_id, e.c.week == week, *where)))
        else:
            in_week.append(k.c.cohort_id == cohort_id)
        days = (select(k.c.membership_id, func.sum(k.c.minutes).label("minutes"),
                       func.min(k.c.created_at).label("first_at"))
                .where(*in_week).group_by(k.c.membership_id, k.c.local_date).subquery())
        capped = case((days.c.minutes > cap, cap), else_=days.c.minutes)
        return (select(e.c.membership_id, e.c.tier, e.c.division, func.coalesce(func.sum(capped), 0),
                       func.count(case((days.c.minutes >= target, 1))), func.min(days.c.first_at))
                .select_from(e.outerjoin(days, days.c.membership_id == e.c.membership_id))
                .where(e.c.cohort_id == cohort_id, e.c.week == week, *where)
                .group_by(e.c.membership_id, e.c.tier, e.c.division).order_by(e.c.membership_id))

    async def scores(self, cohort_id: int, week: date, cap: int, target: int,
                     division: tuple[int, int] | None = None) -> list[LeagueScore]:
        e = LeagueEntryRow.__table__
        where = [] if division is None else [e.c.tier == division[0], e.c.division == division[1]]
        rows = await self._session.execute(self._scores_query(cohort_id, week, cap, target, where))
        return [_score(row) for row in rows]

    async def division_rows(self, cohort_id: int, week: date, tier: int, division: int, cap: int,
                            target: int) -> list[LeagueRow]:
        scores = await self.scores(cohort_id, week, cap, target, (tier, division))
        m, p = MembershipRow.__table__, MemberRow.__table__
        people = {row.id: (row.member_id, row.display_name, bool(row.hidden)) for row in await self._session.execute(
            select(m.c.id, m.c.member_id, p.c.display_name, p.c.hidden).select_from(m.join(p, p.c.id == m.c.member_id))
            .where(m.c.id.in_([score.membership_id for score in scores])))}
        return [LeagueRow(score, *people[score.membership_id]) for score in scores if score.membership_id in people]

    async def entry(self, cohort_id: int, week: date, membership_id: int) -> tuple[int, int] | None:
        e = LeagueEntryRow.__table__
        row = (await self._session.execute(select(e.c.tier, e.c.division).where(
            e.c.cohort_id == cohort_id, e.c.week == week, e.c.membership_id == membership_id))).first()
        return (int(row[0]), int(row[1])) if row else None

    async def finish(self, cohort_id: int, week: date, results: Sequence[LeagueResult]) -> None:
        if not results:
            return
        e, s = LeagueEntryRow.__table__, LeagueStandingRow.__table__
        statement = (update(e).where(and_(e.c.cohort_id == cohort_id, e.c.week == week,
                                          e.c.membership_id == bindparam("m_id")))
                     .values(points=bindparam("p"), rank=bindparam("r"), zone=bindparam("z"),
                             new_tier=bindparam("t")).execution_options(synchronize_session=False))
        params = [{"m_id": r.membership_id, "p": r.points, "r": r.rank, "z": r.zone, "t": r.new_tier}
                  for r in results]
        connection = await self._session.connection()
        for start in range(0, len(params), ROWS):
            await connection.execute(statement, params[start:start + ROWS])
        ids = [r.membership_id for r in results]
        for start in range(0, len(ids), 900):
            await self._session.execute(delete(s).where(s.c.membership_id.in_(ids[start:start + 900])))
        standings = [{"membership_id": r.membership_id, "cohort_id": cohort_id, "tier": r.new_tier} for r in results]
        for start in range(0, len(standings), ROWS):
            await self._session.execute(s.insert(), standings[start:start + ROWS])

    async def outcome(self, cohort_id: int, week: date) -> dict[tuple[str, int], int]:
        e = LeagueEntryRow.__table__
        query = (select(e.c.zone, e.c.new_tier, func.count()).where(
            e.c.cohort_id == cohort_id, e.c.week == week, e.c.zone.is_not(None)).group_by(e.c.zone, e.c.new_tier))
        return {(zone, int(tier)): int(count) for zone, tier, count in await self._session.execute(query)}

    async def recipients(self, membership_ids: Sequence[int]) -> dict[int, Member]:
        m = MembershipRow.__table__
        found: dict[int, Member] = {}
        for start in range(0, len(membership_ids), 900):
            query = (select(m.c.id, MemberRow).join(MemberRow, MemberRow.id == m.c.member_id)
                     .where(m.c.id.in_(membership_ids[start:start + 900])))
            found.update((row[0], load(Member, row[1])) for row in await self._session.execute(query))
        return found

    async def opted_out(self, member_id: int) -> bool:
        return await self._session.get(LeagueOptOutRow, member_id) is not None

    async def set_opted_out(self, member_id: int, out: bool) -> None:
        o = LeagueOptOutRow.__table__
        await self._session.execute(delete(o).where(o.c.member_id == member_id))
        if out:
            await self._session.execute(o.insert().values(member_id=member_id))


def _score(row: Any) -> LeagueScore:
    first = row[5]
    if isinstance(first, str):  # SQLite's MIN over a subquery column comes back as its stored text
        first = datetime.fromisoformat(first)
    if first is not None and first.tzinfo is None:
        first = first.replace(tzinfo=UTC)
    return LeagueScore(int(row[0]), int(row[1]), int(row[2]), int(row[3]), int(row[4]), first)
