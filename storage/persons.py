"""Linked accounts: moving a person's data between the accounts that hold it, and one-time codes.

A person is the account holding their data; a linked account points at it (`members.person_id`). Joining two
persons moves everything of one holder to the other, merging memberships of one cohort; splitting an account off
gives back what it recorded. Both keep the kept-on-write figures (board totals, period totals, done days) true by
counting the memberships they touched again from their check-ins."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, exists, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain import LinkCode, Member, Role
from bot.localtime import week_start
from storage import done_days
from storage.boards import UNKNOWN
from storage.models import (
    BuddyRow,
    CheckInRow,
    CodeFailureRow,
    CohortRow,
    FocusSessionRow,
    GroupSprintRow,
    LeaderboardTotalRow,
    LeagueOptOutRow,
    LinkCodeRow,
    MemberRow,
    MembershipRow,
    PauseRow,
    SprintRow,
    StepDoneRow,
    UndoneCheckInRow,
)
from storage.rows import STREAK_COLUMNS
from storage.rows import load as _load
from storage.sql import insert_for

P = MemberRow.__table__
M = MembershipRow.__table__
K = CheckInRow.__table__
T = LeaderboardTotalRow.__table__
U = UndoneCheckInRow.__table__
S = SprintRow.__table__
F = FocusSessionRow.__table__
B = BuddyRow.__table__
R = StepDoneRow.__table__
OPT_OUT = LeagueOptOutRow.__table__
CODES = LinkCodeRow.__table__
FAILURES = CodeFailureRow.__table__

NO_ROUTE = {"remind_via": None, "dm_platform": None, "dm_workspace": None, "dm_user_id": None}
FAILURES_KEPT = timedelta(days=1)


class SqlPersonRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def accounts(self, person_ids: Sequence[int]) -> dict[int, list[Member]]:
        ids = sorted(set(person_ids))
        found: dict[int, list[Member]] = {person: [] for person in ids}
        if not ids:
            return found
        rows = await self._session.scalars(
            select(MemberRow).where(or_(MemberRow.id.in_(ids), MemberRow.person_id.in_(ids)))
            .order_by(MemberRow.person_id.is_not(None), MemberRow.id))
        for row in rows:  # a linked account's own id names no person: nothing found for it (as in the fake)
            if (row.person_id or row.id) in found:
                found[row.person_id or row.id].append(_load(Member, row))
        return found

    # --- joining two persons ---------------------------------------------------------------------------
    async def join(self, holder_id: int, other_id: int) -> list[int]:
        session = self._session
        await session.execute(update(P).where(or_(P.c.id == other_id, P.c.person_id == other_id))
                              .values(person_id=holder_id, linked=False, **NO_ROUTE))
        await session.execute(update(P).where(P.c.id == holder_id).values(linked=True))
        await self._move_checkins(other_id, holder_id)
        merged: list[int] = []
        theirs = (await session.execute(select(M.c.id, M.c.cohort_id).where(M.c.member_id == other_id))).all()
        mine = dict((await session.execute(select(M.c.cohort_id, M.c.id).where(
            M.c.member_id == holder_id, M.c.cohort_id.in_([cohort for _, cohort in theirs])))).all())
        for membership, cohort in theirs:
            if cohort in mine:
                await self._merge_memberships(membership, mine[cohort])
                merged.append(cohort)
            else:
                await session.execute(update(M).where(M.c.id == membership).values(
                    member_id=holder_id, board_version=M.c.board_version + 1, **UNKNOWN,
                    **dict.fromkeys(STREAK_COLUMNS)))  # the holder's zone, rest days and pauses apply now
        await self._move_member_rows(other_id, holder_id)
        await session.execute(delete(PauseRow.__table__).where(PauseRow.__table__.c.member_id == other_id))
        await session.execute(delete(OPT_OUT).where(OPT_OUT.c.member_id == other_id))
        await done_days_recount(session, merged)
        session.expire_all()
        return sorted(merged)

    async def _move_checkins(self, source: int, target: int) -> None:
        """The source's check-ins become the target's, marked with the account that recorded them. An
        idempotency key the target already uses gets the source's id appended (it named another platform's
        interaction; a replay of it is then recorded again, the rarest of double counts, as undo can fix)."""
        mine = K.alias("mine")
        clash = exists().where(mine.c.member_id == target, mine.c.idempotency_key == K.c.idempotency_key)
        await self._session.execute(update(K).where(K.c.member_id == source, clash)
                                    .values(idempotency_key=K.c.idempotency_key + f"@{source}"))
        await self._session.execute(update(K).where(K.c.member_id == source).values(
            member_id=target, account_id=func.coalesce(K.c.account_id, source)))
        await self._move_undone(source, target)

    async def _move_undone(self, source: int, target: int) -> None:
        keys = (await self._session.execute(select(U.c.idempotency_key, U.c.undone_at)
                                            .where(U.c.member_id == source))).all()
        if keys:
            await self._session.execute(
                insert_for(self._session)(U).on_conflict_do_nothing(),
                [{"member_id": target, "idempotency_key": key, "undone_at": at} for key, at in keys])
            await self._session.execute(delete(U).where(U.c.member_id == source))

    async def _merge_memberships(self, source: int, target: int) -> None:
        """Two memberships of one person in one cohort become the target: its check-ins, sprints, focus sessions and
        roadmap steps, organizer or active if either was."""
        session = self._session
        for table in (K, S, F):
            await session.execute(update(table).where(table.c.membership_id == source).values(membership_id=target))
        steps = (await session.execute(select(R.c.step, R.c.done_at).where(R.c.membership_id == source))).all()
        have = set((await session.scalars(select(R.c.step).where(R.c.membership_id == target))).all())
        for step, at in steps:
            if step not in have:
                await session.execute(insert(R).values(membership_id=target, step=step, done_at=at))
        rows = {row.id: row for row in (await session.execute(select(M).where(M.c.id.in_([source, target])))).all()}
        src, dst = rows[source], rows[target]
        values: dict[str, Any] = {"joined_at": min((at for at in (src.joined_at, dst.joined_at) if at is not None),
                                                   default=None)}
        if Role.ORGANIZER in (src.role, dst.role):
            values["role"] = str(Role.ORGANIZER)
        if src.active and not dst.active:  # the active one's reminders carry on
            values.update(active=True, **{name: getattr(src, name) for name in (
                "reminder_time", "next_reminder_at", "next_reminder_day", "lastcall_minutes", "next_lastcall_at",
                "next_lastcall_day", "next_dayend_at")})
        await session.execute(update(M).where(M.c.id == target).values(values))
        await session.execute(delete(M).where(M.c.id == source))
        await retally(session, [target])

    async def _move_member_rows(self, source: int, target: int) -> None:
        """Rows that name the source account as a person (not as the recorder of a check-in) name the target."""
        session = self._session
        await session.execute(update(S).where(S.c.member_id == source).values(member_id=target))
        open_target = await session.scalar(select(F.c.id).where(F.c.member_id == target, F.c.ended_at.is_(None)))
        moved = F.c.member_id == source
        if open_target is not None:  # one running focus session a person: the holder's goes on
            moved = and_(moved, F.c.ended_at.is_not(None))
        await session.execute(update(F).where(moved).values(member_id=target))
        await session.execute(update(B).where(B.c.requester_id == source).values(requester_id=target))
        await session.execute(update(B).where(B.c.partner_id == source).values(partner_id=target))
        await session.execute(delete(B).where(B.c.requester_id == B.c.partner_id))  # buddies of themselves
        groups = GroupSprintRow.__table__
        await session.execute(update(groups).where(groups.c.started_by == source).values(started_by=target))
        cohorts = CohortRow.__table__
        await session.execute(update(cohorts).where(cohorts.c.created_by == source).values(created_by=target))

    # --- splitting an account off -------------------------------------------------------------------------
    async def split(self, account_id: int) -> None:
        session = self._session
        account = await session.get(MemberRow, account_id)
        if account is None:
            return
        holder_id = account.person_id
        if holder_id is None:  # the holder leaving: the others leave it instead, and stay one person together
            if account.linked:
                await self._split_others_off(account_id)
            return
        await session.execute(update(P).where(P.c.id == account_id).values(person_id=None, linked=False, **NO_ROUTE))
        others = await session.scalar(select(func.count()).where(P.c.person_id == holder_id))
        holder = await session.get(MemberRow, holder_id)
        assert holder is not None
        values: dict[str, Any] = {"linked": bool(others)}
        if (holder.dm_platform, holder.dm_workspace, holder.dm_user_id) == (
                account.platform, account.workspace, account.user_id):
            values.update({name: None for name in ("dm_platform", "dm_workspace", "dm_user_id")})
        still_there = await session.scalar(select(func.count()).where(
            or_(P.c.id == holder_id, P.c.person_id == holder_id), P.c.platform == account.platform))
        if holder.remind_via == account.platform and not still_there:  # no account left on the platform chosen
            values["remind_via"] = None
        await session.execute(update(P).where(P.c.id == holder_id).values(values))
        recorded = (await session.execute(
            select(M).where(M.c.member_id == holder_id, exists().where(
                K.c.membership_id == M.c.id, K.c.account_id == account_id)))).all()
        touched: list[int] = []
        for membership in recorded:
            own = await session.scalar(select(M.c.id).where(M.c.cohort_id == membership.cohort_id,
                                                            M.c.member_id == account_id))
            if own is None:
                own = await self._membership_like(membership, account_id)
            await session.execute(update(K).where(K.c.membership_id == membership.id, K.c.account_id == account_id)
                                  .values(membership_id=own, member_id=account_id, account_id=None))
            touched += [membership.id, own]
        await retally(session, touched)
        await done_days_recount(session, [membership.cohort_id for membership in recorded])
        session.expire_all()

    async def _split_others_off(self, holder_id: int) -> None:
        """The holder keeps the person's data, settings and memberships (organizer roles, the cohorts it created);
        each other account leaves with what it recorded, and they are joined again as one person."""
        others = list(await self._session.scalars(select(P.c.id).where(P.c.person_id == holder_id).order_by(P.c.id)))
        for other in others:
            await self.split(other)
        heir, *rest = others
        for other in rest:
            await self.join(heir, other)

    async def _membership_like(self, membership: Any, member_id: int) -> int:
        """A membership of `member_id` in the same cohort, joined when the person joined, as a plain member."""
        keep = ("cohort_id", "active", "reminder_time", "joined_at", "next_reminder_at", "lastcall_minutes",
                "next_lastcall_at", "next_reminder_day", "next_lastcall_day")
        row = MembershipRow(member_id=member_id, role=str(Role.MEMBER),
                            **{name: getattr(membership, name) for name in keep})
        self._session.add(row)
        await self._session.flush()
        return row.id

    # --- one-time codes -------------------------------------------------------------------------------
    async def add_code(self, code: LinkCode) -> None:
        await self._session.execute(delete(CODES).where(CODES.c.member_id == code.member_id,
                                                        CODES.c.kind == code.kind))
        await self._session.execute(insert(CODES).values(
            code_hash=code.code_hash, kind=code.kind, member_id=code.member_id, cohort_id=code.cohort_id,
            created_at=code.created_at, expires_at=code.expires_at))

    async def take_code(self, code_hash: str) -> LinkCode | None:
        row = (await self._session.execute(delete(CODES).where(CODES.c.code_hash == code_hash)
                                           .returning(*CODES.c))).first()
        return _code(row) if row is not None else None

    async def peek_code(self, code_hash: str) -> LinkCode | None:
        row = (await self._session.execute(select(CODES).where(CODES.c.code_hash == code_hash))).first()
        return _code(row) if row is not None else None

    async def add_failure(self, member_id: int, at: datetime) -> None:
        await self._session.execute(delete(FAILURES).where(FAILURES.c.member_id == member_id,
                                                           FAILURES.c.at < at - FAILURES_KEPT))
        await self._session.execute(insert(FAILURES).values(member_id=member_id, at=at))

    async def failures_since(self, member_id: int, since: datetime) -> int:
        return int(await self._session.scalar(
            select(func.count()).where(FAILURES.c.member_id == member_id, FAILURES.c.at >= since)) or 0)


def _code(row: Any) -> LinkCode:
    return LinkCode(code_hash=row.code_hash, kind=row.kind, member_id=row.member_id, created_at=row.created_at,
                    expires_at=row.expires_at, cohort_id=row.cohort_id)


async def retally(session: AsyncSession, membership_ids: Sequence[int]) -> None:
    """Count memberships' board figures again from their check-ins: all-time and period minutes; the board streak
    and the saved walk become unknown (worked out again when next needed)."""
    for membership in sorted(set(membership_ids)):
        by_day = dict((await session.execute(
            select(K.c.local_date, func.sum(K.c.minutes)).where(K.c.membership_id == membership)
            .group_by(K.c.local_date))).all())
        await session.execute(update(M).where(M.c.id == membership).values(
            minutes_total=sum(int(minutes) for minutes in by_day.values()), board_version=M.c.board_version + 1,
            **UNKNOWN, **dict.fromkeys(STREAK_COLUMNS)))
        await session.execute(delete(T).where(T.c.membership_id == membership))
        periods: dict[tuple[str, date], int] = defaultdict(int)
        for day, minutes in by_day.items():
            periods["week", week_start(day)] += int(minutes)
            periods["month", day.replace(day=1)] += int(minutes)
        cohort = await session.scalar(select(M.c.cohort_id).where(M.c.id == membership))
        if periods and cohort is not None:
            await session.execute(insert(T), [
                {"membership_id": membership, "period": period, "starts_on": start, "cohort_id": cohort,
                 "minutes": minutes} for (period, start), minutes in sorted(periods.items())])


async def done_days_recount(session: AsyncSession, cohort_ids: Sequence[int]) -> None:
    for cohort in sorted(set(cohort_ids)):
        await done_days.recount(session, cohort)
