"""Repositories: rows in, `bot.domain` dataclasses out. Every method returns fresh dataclass instances;
`save(obj)` writes obj's fields to the row with obj.id."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import fields, replace
from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy import BigInteger, Text, any_, bindparam, cast, delete, func, or_, select, text, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain import (
    CheckIn,
    Cohort,
    CohortHome,
    Enrolment,
    Member,
    Membership,
    OutboxMessage,
    OutboxStatus,
    Pause,
    Sprint,
    SprintStatus,
)
from bot.ports import DUE_DAY, DueColumn, DueKind, DuplicateKey, StreakInputs
from bot.schedule import Slot
from bot.streaks import StreakState
from storage import done_days
from storage.boards import SqlBoards, forget_streaks, tally, untally
from storage.errors import is_unique_violation
from storage.models import (
    Base,
    CheckInRow,
    CohortHomeRow,
    CohortRow,
    FocusSessionRow,
    GroupSprintRow,
    MemberRow,
    MembershipRow,
    OutboxRow,
    PauseRow,
    SprintRow,
    UndoneCheckInRow,
)
from storage.rows import STREAK_COLUMNS
from storage.rows import columns as _columns
from storage.rows import load as _load
from storage.rows import load_membership as _membership
from storage.rows import membership_columns as _membership_columns
from storage.rows import plain as _plain
from storage.rows import streak_columns as _streak_columns
from storage.sql import insert_for, slices

R = TypeVar("R", bound=Base)


class _Repository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    @asynccontextmanager
    async def _savepoint(self) -> AsyncIterator[None]:
        """Flush the writes made inside in a savepoint, so a unique violation leaves the surrounding
        transaction usable (Postgres aborts the whole transaction otherwise); it raises DuplicateKey."""
        try:
            async with self._session.begin_nested():
                yield
        except IntegrityError as error:
            if is_unique_violation(error):
                raise DuplicateKey(str(error.orig)) from error
            raise

    async def _insert(self, row: R) -> R:
        async with self._savepoint():
            self._session.add(row)
        return row

    async def _row(self, model: type[R], row_id: int | None) -> R:
        row = await self._session.get(model, row_id) if row_id is not None else None
        if row is None:
            raise LookupError(f"no {model.__tablename__} row with id {row_id}; add it before saving")
        return row

    async def _update(self, model: type[Base], row_id: int | None, values: dict[str, Any]) -> None:
        row = await self._row(model, row_id)
        async with self._savepoint():
            for name, value in values.items():
                setattr(row, name, value)


class SqlMemberRepository(_Repository):
    async def get(self, member_id: int) -> Member | None:
        row = await self._session.get(MemberRow, member_id)
        return _load(Member, row) if row else None

    async def find(self, platform: str, workspace: str, user_id: str) -> Member | None:
        account = await self.account(platform, workspace, user_id)
        if account is None or account.person_id is None:
            return account
        return await self.get(account.person_id)

    async def account(self, platform: str, workspace: str, user_id: str) -> Member | None:
        row = await self._session.scalar(select(MemberRow).filter_by(
            platform=platform, workspace=workspace, user_id=user_id))
        return _load(Member, row) if row else None

    async def find_many(self, platform: str, workspace: str, user_ids: Sequence[str]) -> dict[str, Member]:
        table = MemberRow.__table__
        found: dict[str, Member] = {}
        for part in slices(sorted(set(user_ids))):
            query = select(table).where(table.c.platform == platform, table.c.workspace == workspace,
                                        table.c.user_id.in_(part))
            found.update((row.user_id, _load(Member, row)) for row in await self._session.execute(query))
        linked = {user: member.person_id for user, member in found.items() if member.person_id is not None}
        if linked:
            holders = await self.get_many(list(linked.values()))
            found.update((user, holders[person]) for user, person in linked.items() if person in holders)
        return found

    async def get_many(self, member_ids: Sequence[int]) -> dict[int, Member]:
        table = MemberRow.__table__
        found: dict[int, Member] = {}
        for part in slices(sorted(set(member_ids))):
            found.update((row.id, _load(Member, row))
                         for row in await self._session.execute(select(table).where(table.c.id.in_(part))))
        return found

    async def add(self, member: Member) -> Member:
        try:
            return _load(Member, await self._insert(MemberRow(**_columns(member))))
        except DuplicateKey:
            existing = await self.find(member.platform, member.workspace, member.user_id)
            assert existing is not None
            return existing

    async def save(self, member: Member) -> None:
        values = _columns(member)
        del values["display_name"]  # only `rename` changes it
        await self._update(MemberRow, member.id, values)

    async def rename(self, member_id: int, display_name: str) -> None:
        await self._update(MemberRow, member_id, {"display_name": display_name})

    async def remove(self, member_id: int) -> None:
        await done_days.forget_member(self._session, member_id)  # before the cascade takes their check-ins
        await self._session.execute(delete(MemberRow).where(MemberRow.id == member_id))
        self._session.expunge_all()  # the database cascaded; drop whatever of theirs is still cached

    async def lock(self, member_ids: Sequence[int]) -> None:
        """FOR NO KEY UPDATE: it excludes other lockers and updates of the row, yet not the FOR KEY SHARE
        locks that inserting rows which refer to the member (a sprint, a pause) takes. SQLite has no row
        locks and drops the clause: there the statement begins the transaction, whose BEGIN IMMEDIATE
        (storage/database.py) makes it the database's only writer until it ends."""
        ids = sorted(set(member_ids))
        if not ids:
            return
        table = MemberRow.__table__
        query = select(table.c.id).order_by(table.c.id).with_for_update(key_share=True)
        if self._session.bind.dialect.name == "sqlite":
            for part in slices(ids):
                await self._session.execute(query.where(table.c.id.in_(part)))
            return
        await self._session.execute(query.where(table.c.id == any_(bindparam("ids", ids, type_=ARRAY(BigInteger)))))


def _cohort_columns(cohort: Cohort) -> dict[str, Any]:
    return {**_columns(cohort), "name_key": cohort.name.lower()}


class SqlCohortRepository(_Repository):
    async def get(self, cohort_id: int) -> Cohort | None:
        row = await self._session.get(CohortRow, cohort_id)
        return _load(Cohort, row) if row else None

    async def find_by_name(self, platform: str, workspace: str, name: str) -> Cohort | None:
        own = await self._first(platform=platform, workspace=workspace, name_key=name.lower())
        if own is not None:
            return own
        row = await self._session.scalar(self._bridged(platform, workspace).where(
            CohortRow.name_key == name.lower()).order_by(CohortRow.id).limit(1))
        return _load(Cohort, row) if row else None

    def _bridged(self, platform: str, workspace: str) -> Any:
        """Cohorts of other platforms or workspaces with a home in this one."""
        return select(CohortRow).join(CohortHomeRow, CohortHomeRow.cohort_id == CohortRow.id).where(
            CohortHomeRow.platform == platform, CohortHomeRow.workspace == workspace)

    async def homes(self, cohort_id: int) -> Sequence[CohortHome]:
        cohort = await self.get(cohort_id)
        if cohort is None:
            return []
        rows = await self._session.scalars(select(CohortHomeRow).filter_by(cohort_id=cohort_id)
                                           .order_by(CohortHomeRow.id))
        return [CohortHome(cohort.platform, cohort.workspace, cohort.channel_id),
                *(CohortHome(row.platform, row.workspace, row.channel_id, row.id) for row in rows)]

    async def add_home(self, cohort_id: int, home: CohortHome, at: datetime) -> CohortHome:
        row = await self._insert(CohortHomeRow(cohort_id=cohort_id, platform=home.platform, workspace=home.workspace,
                                               channel_id=home.channel_id, created_at=at))
        return replace(home, id=row.id)

    async def remove_home(self, home_id: int) -> None:
        await self._session.execute(delete(CohortHomeRow).where(CohortHomeRow.id == home_id))

    async def find_by_web_slug(self, slug: str) -> Cohort | None:
        row = await self._session.scalar(select(CohortRow).where(CohortRow.web_slug == slug))
        return _load(Cohort, row) if row else None

    async def find_by_channel(self, platform: str, workspace: str, channel_id: str) -> Cohort | None:
        own = await self._first(platform=platform, workspace=workspace, channel_id=channel_id)
        if own is not None:
            return own
        row = await self._session.scalar(self._bridged(platform, workspace).where(
            CohortHomeRow.channel_id == channel_id).limit(1))
        return _load(Cohort, row) if row else None

    async def _first(self, **criteria: str) -> Cohort | None:
        row = await self._session.scalar(select(CohortRow).filter_by(**criteria).order_by(CohortRow.id).limit(1))
        return _load(Cohort, row) if row else None

    async def list_in_workspace(self, platform: str, workspace: str) -> Sequence[Cohort]:
        rows = list(await self._session.scalars(
            select(CohortRow).filter_by(platform=platform, workspace=workspace).order_by(CohortRow.name_key)))
        rows += await self._session.scalars(self._bridged(platform, workspace))
        return [_load(Cohort, row) for row in sorted(rows, key=lambda row: (row.name_key, row.id))]

    async def created_by(self, member_id: int) -> Sequence[Cohort]:
        rows = await self._session.scalars(select(CohortRow).filter_by(created_by=member_id).order_by(CohortRow.id))
        return [_load(Cohort, row) for row in rows]

    async def add(self, cohort: Cohort) -> Cohort:
        """Raises DuplicateKey when the workspace has a cohort of that name, ignoring case."""
        return _load(Cohort, await self._insert(CohortRow(**_cohort_columns(cohort))))

    async def save(self, cohort: Cohort) -> None:
        """Raises DuplicateKey when renamed onto another cohort's name."""
        await self._update(CohortRow, cohort.id, _cohort_columns(cohort))

    async def remove(self, cohort_id: int) -> None:
        await self._session.execute(delete(CohortRow).where(CohortRow.id == cohort_id))
        # The database cascaded to memberships, check-ins and sprints; drop any of them still cached.
        self._session.expunge_all()

    async def lock(self, cohort_id: int) -> None:
        """FOR NO KEY UPDATE (check-ins inserted meanwhile take only FOR KEY SHARE); SQLite drops the clause."""
        table = CohortRow.__table__
        await self._session.execute(select(table.c.id).where(table.c.id == cohort_id).with_for_update(key_share=True))


class SqlMembershipRepository(_Repository, SqlBoards):
    async def get(self, cohort_id: int, member_id: int) -> Membership | None:
        row = await self._session.scalar(select(MembershipRow).filter_by(cohort_id=cohort_id, member_id=member_id))
        return _membership(row) if row else None

    async def get_by_id(self, membership_id: int) -> Membership | None:
        row = await self._session.get(MembershipRow, membership_id)
        return _membership(row) if row else None

    async def find_by_web_token(self, token: str) -> Membership | None:
        row = await self._session.scalar(select(MembershipRow).where(MembershipRow.web_token == token))
        return _membership(row) if row else None

    async def get_many(self, cohort_id: int, member_ids: Sequence[int]) -> dict[int, Membership]:
        table = MembershipRow.__table__  # plain rows: no ORM bookkeeping for a thousand memberships
        found: dict[int, Membership] = {}
        for part in slices(sorted(set(member_ids))):
            query = select(table).where(table.c.cohort_id == cohort_id, table.c.member_id.in_(part))
            found.update((row.member_id, _membership(row)) for row in await self._session.execute(query))
        return found

    async def active_for_member(self, member_id: int) -> Sequence[tuple[Membership, Cohort]]:
        query = (select(MembershipRow, CohortRow).join(CohortRow, CohortRow.id == MembershipRow.cohort_id)
                 .where(MembershipRow.member_id == member_id, MembershipRow.active)
                 .order_by(CohortRow.name_key))
        return [(_membership(m), _load(Cohort, c)) for m, c in (await self._session.execute(query))]

    async def active_in_cohort(self, cohort_id: int) -> Sequence[tuple[Membership, Member]]:
        query = (select(MembershipRow, MemberRow).join(MemberRow, MemberRow.id == MembershipRow.member_id)
                 .where(MembershipRow.cohort_id == cohort_id, MembershipRow.active)
                 .order_by(MembershipRow.id))
        return [(_membership(m), _load(Member, p)) for m, p in (await self._session.execute(query))]

    async def count_active(self, cohort_id: int) -> int:
        return int(await self._session.scalar(
            select(func.count()).select_from(MembershipRow)
            .where(MembershipRow.cohort_id == cohort_id, MembershipRow.active)) or 0)

    async def add(self, membership: Membership) -> Membership:
        return _membership(await self._insert(MembershipRow(**_membership_columns(membership))))

    async def save(self, membership: Membership) -> None:
        await self._update(MembershipRow, membership.id, _membership_columns(membership))

    async def save_streak_states(self, states: dict[int, StreakState | None]) -> None:
        if not states:
            return
        rows = [{"row_id": membership_id, **_streak_columns(state)} for membership_id, state in states.items()]
        table = MembershipRow.__table__
        await self._session.execute(
            update(table).where(table.c.id == bindparam("row_id"))
            .values({name: bindparam(name) for name in STREAK_COLUMNS}), rows)
        self._session.expire_all()  # rows already in the session must be read again

    async def reset_streak_states(self, cohort_id: int) -> None:
        await self._session.execute(
            update(MembershipRow).where(MembershipRow.cohort_id == cohort_id)
            .values(dict.fromkeys(STREAK_COLUMNS)))
        await forget_streaks(self._session, cohort_id=cohort_id)  # the leaderboard's too
        await done_days.recount(self._session, cohort_id)  # and who was done on which day

    async def forget_board_streaks(self, *, alive_from: date, cohort_id: int | None = None,
                                   member_id: int | None = None) -> None:
        assert (cohort_id is None) != (member_id is None), "a cohort's or a member's, not both"
        await forget_streaks(self._session, cohort_id=cohort_id, member_id=member_id, alive_from=alive_from)


class SqlCheckInRepository(_Repository):
    async def find_by_key(self, member_id: int, idempotency_key: str) -> CheckIn | None:
        row = await self._session.scalar(
            select(CheckInRow).filter_by(member_id=member_id, idempotency_key=idempotency_key))
        return _load(CheckIn, row) if row else None

    async def add(self, checkin: CheckIn) -> CheckIn:
        stored = _load(CheckIn, await self._insert(CheckInRow(**_columns(checkin))))
        await tally(self._session, [stored])  # the leaderboards' running figures
        return stored

    async def add_many(self, checkins: Sequence[CheckIn]) -> list[CheckIn | None]:
        undone = await self._undone_among([(checkin.member_id, checkin.idempotency_key) for checkin in checkins])
        if undone:
            wanted = [checkin for checkin in checkins if (checkin.member_id, checkin.idempotency_key) not in undone]
            stored = iter(await self.add_many(wanted))
            return [None if (c.member_id, c.idempotency_key) in undone else next(stored) for c in checkins]
        if not checkins:
            return []
        table = CheckInRow.__table__
        insert = insert_for(self._session)
        statement = (insert(table).on_conflict_do_nothing(index_elements=["member_id", "idempotency_key"])
                     .returning(table.c.id, table.c.member_id, table.c.idempotency_key))
        ids: dict[tuple[int, str], int] = {}
        # In key order: two processes inserting the same keys then take their locks in the same order (on
        # Postgres, opposite orders deadlock).
        for part in slices(sorted(checkins, key=lambda checkin: (checkin.member_id, checkin.idempotency_key))):
            rows = await self._session.execute(statement, [_columns(checkin) for checkin in part])
            ids.update(((member_id, key), row_id) for row_id, member_id, key in rows)
        stored: list[CheckIn | None] = []
        for checkin in checkins:
            row_id = ids.pop((checkin.member_id, checkin.idempotency_key), None)  # pop: a key twice stores once
            stored.append(None if row_id is None else replace(checkin, id=row_id))
        await tally(self._session, [checkin for checkin in stored if checkin is not None])  # leaderboard figures
        return stored

    async def minutes_on_days(self, days: Sequence[tuple[int, date]]) -> dict[tuple[int, date], int]:
        return {**dict.fromkeys(days, 0), **await done_days.day_totals(self._session, days)}

    async def first_days(self, membership_ids: Sequence[int]) -> dict[int, date]:
        table = CheckInRow.__table__
        found: dict[int, date] = {}
        for part in slices(sorted(set(membership_ids))):
            query = (select(table.c.membership_id, func.min(table.c.local_date))
                     .where(table.c.membership_id.in_(part)).group_by(table.c.membership_id))
            found.update((membership, day) for membership, day in await self._session.execute(query))
        return found

    async def minutes_by_day_since(self, since: dict[int, date]) -> dict[int, dict[date, int]]:
        """One query per distinct `since` date (a handful: saved walks all stop a day or two back)."""
        by_start: dict[date, list[int]] = defaultdict(list)
        for membership, start in since.items():
            by_start[start].append(membership)
        table = CheckInRow.__table__
        result: dict[int, dict[date, int]] = defaultdict(dict)
        for start, memberships in by_start.items():
            for part in slices(sorted(memberships)):
                query = (select(table.c.membership_id, table.c.local_date, func.sum(table.c.minutes))
                         .where(table.c.membership_id.in_(part), table.c.local_date >= start)
                         .group_by(table.c.membership_id, table.c.local_date))
                for membership, day, minutes in await self._session.execute(query):
                    result[membership][day] = int(minutes)
        return dict(result)

    async def minutes_on(self, membership_id: int, day: date) -> int:
        total = await self._session.scalar(select(func.coalesce(func.sum(CheckInRow.minutes), 0))
                                           .where(CheckInRow.membership_id == membership_id,
                                                  CheckInRow.local_date == day))
        return int(total or 0)

    async def latest_on(self, membership_id: int, day: date) -> CheckIn | None:
        row = await self._session.scalar(select(CheckInRow).filter_by(membership_id=membership_id, local_date=day)
                                         .order_by(CheckInRow.id.desc()).limit(1))
        return _load(CheckIn, row) if row else None

    async def save_note(self, checkin: CheckIn) -> None:
        await self._update(CheckInRow, checkin.id, {"note": checkin.note, "link": checkin.link})

    async def first_day(self, membership_id: int) -> date | None:
        return await self._session.scalar(
            select(func.min(CheckInRow.local_date)).where(CheckInRow.membership_id == membership_id))

    async def minutes_by_day(self, membership_id: int, since: date) -> dict[date, int]:
        query = (select(CheckInRow.local_date, func.sum(CheckInRow.minutes))
                 .where(CheckInRow.membership_id == membership_id, CheckInRow.local_date >= since)
                 .group_by(CheckInRow.local_date))
        return {day: int(minutes) for day, minutes in (await self._session.execute(query))}

    async def minutes_by_day_in_cohort(self, cohort_id: int, since: date) -> dict[int, dict[date, int]]:
        query = (select(CheckInRow.membership_id, CheckInRow.local_date, func.sum(CheckInRow.minutes))
                 .where(CheckInRow.cohort_id == cohort_id, CheckInRow.local_date >= since)
                 .group_by(CheckInRow.membership_id, CheckInRow.local_date))
        result: dict[int, dict[date, int]] = defaultdict(dict)
        for membership_id, day, minutes in (await self._session.execute(query)):
            result[membership_id][day] = int(minutes)
        return dict(result)

    async def first_days_in_cohort(self, cohort_id: int) -> dict[int, date]:
        query = (select(CheckInRow.membership_id, func.min(CheckInRow.local_date))
                 .where(CheckInRow.cohort_id == cohort_id).group_by(CheckInRow.membership_id))
        return dict((await self._session.execute(query)).all())

    async def totals_in_cohort(self, cohort_id: int, start: date | None, end: date | None) -> dict[int, int]:
        query = (select(CheckInRow.membership_id, func.sum(CheckInRow.minutes))
                 .where(CheckInRow.cohort_id == cohort_id).group_by(CheckInRow.membership_id))
        if start is not None:
            query = query.where(CheckInRow.local_date >= start)
        if end is not None:
            query = query.where(CheckInRow.local_date <= end)
        return {membership_id: int(total) for membership_id, total in (await self._session.execute(query))}

    async def for_membership(self, membership_id: int) -> Sequence[CheckIn]:
        rows = await self._session.scalars(select(CheckInRow).filter_by(membership_id=membership_id)
                                           .order_by(CheckInRow.local_date, CheckInRow.id))
        return [_load(CheckIn, row) for row in rows]

    async def for_cohort(self, cohort_id: int) -> Sequence[CheckIn]:
        rows = await self._session.scalars(select(CheckInRow).filter_by(cohort_id=cohort_id)
                                           .order_by(CheckInRow.local_date, CheckInRow.id))
        return [_load(CheckIn, row) for row in rows]

    async def minutes_by_step(self, membership_id: int) -> dict[int | None, int]:
        query = (select(CheckInRow.step, func.sum(CheckInRow.minutes))
                 .where(CheckInRow.membership_id == membership_id).group_by(CheckInRow.step))
        return {step: int(total) for step, total in (await self._session.execute(query))}

    async def done_counts(self, cohort_id: int, since: date) -> dict[date, int]:
        return await done_days.done_counts(self._session, cohort_id, since)

    async def latest_recorded(self, member_id: int, since: datetime) -> CheckIn | None:
        row = await self._session.scalar(
            select(CheckInRow).where(CheckInRow.member_id == member_id, CheckInRow.created_at >= since)
            .order_by(CheckInRow.created_at.desc(), CheckInRow.id.desc()).limit(1))
        return _load(CheckIn, row) if row else None

    async def undo(self, checkin: CheckIn, at: datetime) -> bool:
        table = CheckInRow.__table__
        # What is taken out of the figures is what the row held, not what the caller's copy says.
        stored = (await self._session.execute(
            delete(table).where(table.c.id == checkin.id)
            .returning(table.c.membership_id, table.c.local_date, table.c.minutes, table.c.member_id,
                       table.c.idempotency_key, table.c.cohort_id))).first()
        if stored is None:
            return False
        membership_id, day, minutes, member_id, key, cohort_id = stored
        await self._session.execute(insert_for(self._session)(UndoneCheckInRow.__table__).values(
            member_id=member_id, idempotency_key=key, undone_at=at).on_conflict_do_nothing())
        await untally(self._session, membership_id, cohort_id, day, minutes)
        self._session.expire_all()
        return True

    async def was_undone(self, member_id: int, idempotency_key: str) -> bool:
        return bool(await self._undone_among([(member_id, idempotency_key)]))

    async def _undone_among(self, keys: Sequence[tuple[int, str]]) -> set[tuple[int, str]]:
        table = UndoneCheckInRow.__table__
        found: set[tuple[int, str]] = set()
        for part in slices(sorted(set(keys))):
            rows = await self._session.execute(
                select(table.c.member_id, table.c.idempotency_key)
                .where(table.c.member_id.in_({member for member, _ in part}),
                       table.c.idempotency_key.in_({key for _, key in part})))
            found.update((member, key) for member, key in rows if (member, key) in set(part))
        return found


class SqlSprintRepository(_Repository):
    async def active_for_member(self, member_id: int) -> Sprint | None:
        row = await self._session.scalar(
            select(SprintRow).filter_by(member_id=member_id, status=str(SprintStatus.ACTIVE)))
        return _load(Sprint, row) if row else None

    async def active_for_members(self, member_ids: Sequence[int]) -> dict[int, Sprint]:
        table = SprintRow.__table__
        found: dict[int, Sprint] = {}
        for part in slices(sorted(set(member_ids))):
            query = select(table).where(table.c.status == str(SprintStatus.ACTIVE), table.c.member_id.in_(part))
            found.update((row.member_id, _load(Sprint, row)) for row in await self._session.execute(query))
        return found

    async def add(self, sprint: Sprint) -> Sprint:
        """Raises DuplicateKey when the member already has an active sprint."""
        return _load(Sprint, await self._insert(SprintRow(**_columns(sprint))))

    async def save(self, sprint: Sprint) -> None:
        await self._update(SprintRow, sprint.id, _columns(sprint))

    async def due(self, now: datetime, limit: int = 500) -> Sequence[Sprint]:
        rows = await self._session.scalars(
            select(SprintRow).where(SprintRow.status == str(SprintStatus.ACTIVE), SprintRow.ends_at <= now)
            .order_by(SprintRow.ends_at, SprintRow.id).limit(limit))
        return [_load(Sprint, row) for row in rows]

    async def for_group(self, group_id: int) -> Sequence[Sprint]:
        rows = await self._session.scalars(select(SprintRow).filter_by(group_id=group_id).order_by(SprintRow.id))
        return [_load(Sprint, row) for row in rows]

    async def overlapping(self, member_id: int, start: datetime, end: datetime) -> Sequence[Sprint]:
        rows = await self._session.scalars(
            select(SprintRow).where(SprintRow.member_id == member_id, SprintRow.started_at < end,
                                    SprintRow.ends_at > start).order_by(SprintRow.started_at, SprintRow.id))
        return [_load(Sprint, row) for row in rows]


class SqlPauseRepository(_Repository):
    async def for_member(self, member_id: int) -> Sequence[Pause]:
        rows = await self._session.scalars(
            select(PauseRow).filter_by(member_id=member_id).order_by(PauseRow.start, PauseRow.id))
        return [_load(Pause, row) for row in rows]

    async def for_members(self, member_ids: Sequence[int]) -> dict[int, list[Pause]]:
        """Every asked-for member is a key, with an empty list when it has no pauses."""
        result: dict[int, list[Pause]] = {member_id: [] for member_id in member_ids}
        if not result:
            return result
        for part in slices(list(result)):
            rows = await self._session.scalars(
                select(PauseRow).where(PauseRow.member_id.in_(part)).order_by(PauseRow.start, PauseRow.id))
            for row in rows:
                result[row.member_id].append(_load(Pause, row))
        return result

    async def add(self, pause: Pause) -> Pause:
        await forget_streaks(self._session, member_id=pause.member_id)  # board streaks depend on pauses
        return _load(Pause, await self._insert(PauseRow(**_columns(pause))))

    async def save(self, pause: Pause) -> None:
        await forget_streaks(self._session, pause_id=pause.id)  # the member it was of, then the one it is of
        await forget_streaks(self._session, member_id=pause.member_id)
        await self._update(PauseRow, pause.id, _columns(pause))

    async def remove(self, pause_id: int) -> None:
        await forget_streaks(self._session, pause_id=pause_id)
        await self._session.execute(delete(PauseRow).where(PauseRow.id == pause_id))


class SqlScheduleRepository(_Repository):
    async def due_reminders(self, now: datetime, limit: int) -> Sequence[Membership]:
        rows = await self._session.scalars(
            select(MembershipRow).where(MembershipRow.active, MembershipRow.next_reminder_at <= now)
            .order_by(MembershipRow.next_reminder_at, MembershipRow.id).limit(limit))
        return [_membership(row) for row in rows]

    async def due_lastcalls(self, now: datetime, limit: int) -> Sequence[Membership]:
        rows = await self._session.scalars(
            select(MembershipRow).where(MembershipRow.active, MembershipRow.next_lastcall_at <= now)
            .order_by(MembershipRow.next_lastcall_at, MembershipRow.id).limit(limit))
        return [_membership(row) for row in rows]

    async def due_dayends(self, now: datetime, limit: int) -> Sequence[Membership]:
        rows = await self._session.scalars(
            select(MembershipRow).where(MembershipRow.active, MembershipRow.next_dayend_at <= now)
            .order_by(MembershipRow.next_dayend_at, MembershipRow.id).limit(limit))
        return [_membership(row) for row in rows]

    async def due_digests(self, now: datetime, limit: int) -> Sequence[Cohort]:
        return await self._due_cohorts(CohortRow.next_digest_at, now, limit)

    async def due_recaps(self, now: datetime, limit: int) -> Sequence[Cohort]:
        return await self._due_cohorts(CohortRow.next_recap_at, now, limit)

    async def _due_cohorts(self, column: Any, now: datetime, limit: int) -> Sequence[Cohort]:
        rows = await self._session.scalars(
            select(CohortRow).where(column <= now).order_by(column, CohortRow.id).limit(limit))
        return [_load(Cohort, row) for row in rows]

    async def next_due_at(self) -> datetime | None:
        earliest = [
            select(func.min(MembershipRow.next_reminder_at)).where(MembershipRow.active),
            select(func.min(MembershipRow.next_lastcall_at)).where(MembershipRow.active),
            select(func.min(MembershipRow.next_dayend_at)).where(MembershipRow.active),
            select(func.min(GroupSprintRow.ends_at)).where(GroupSprintRow.status == str(SprintStatus.ACTIVE)),
            select(func.min(CohortRow.next_digest_at)),
            select(func.min(CohortRow.next_recap_at)),
            select(func.min(CohortRow.next_league_at)),
            select(func.min(SprintRow.ends_at)).where(SprintRow.status == str(SprintStatus.ACTIVE)),
            select(func.min(OutboxRow.next_attempt_at)).where(OutboxRow.status == str(OutboxStatus.PENDING)),
            select(func.min(FocusSessionRow.due_at)).where(FocusSessionRow.ended_at.is_(None)),
        ]
        row = (await self._session.execute(select(*(query.scalar_subquery() for query in earliest)))).one()
        return min((instant for instant in row if instant is not None), default=None)

    async def due_kinds(self, now: datetime) -> set[DueKind]:
        """One statement: per kind, its earliest instant, each read off the first entry of an index (ORDER BY
        ... LIMIT 1, no parameter, so Postgres keeps one cheap plan however often it runs); compared here."""
        m, c = MembershipRow.__table__.c, CohortRow.__table__.c
        sprints, groups, focus = SprintRow.__table__.c, GroupSprintRow.__table__.c, FocusSessionRow.__table__.c
        active = str(SprintStatus.ACTIVE)

        def earliest(column: Any, *where: Any) -> Any:
            return select(column).where(column.is_not(None), *where).order_by(column).limit(1).scalar_subquery()

        probes: dict[DueKind, Any] = {
            "sprints": earliest(sprints.ends_at, sprints.status == active),
            "groups": earliest(groups.ends_at, groups.status == active),
            "reminders": earliest(m.next_reminder_at, m.active),
            "lastcalls": earliest(m.next_lastcall_at, m.active),
            "dayends": earliest(m.next_dayend_at, m.active),
            "digests": earliest(c.next_digest_at),
            "recaps": earliest(c.next_recap_at),
            "leagues": earliest(c.next_league_at),
            "focus": earliest(focus.due_at, focus.ended_at.is_(None)),
        }
        row = (await self._session.execute(select(*(probe.label(kind) for kind, probe in probes.items())))).one()
        return {kind for kind, instant in zip(probes, row, strict=True) if instant is not None and instant <= now}

    async def due_enrolments(self, column: DueColumn, now: datetime, limit: int) -> Sequence[Enrolment]:
        """Plain rows (no ORM identity map): memberships with their members in one joined query, then the
        few cohorts and the members' pauses in one query each."""
        m, p = MembershipRow.__table__, MemberRow.__table__
        due = m.c[column]
        membership_columns = [m.c[name] for name in _MEMBERSHIP_COLUMNS]
        # The member's columns in Member's field order, labelled apart from the membership's.
        member_columns = [p.c[name].label(f"of_member_{name}") for name in _MEMBER_FIELDS]
        query = (select(*membership_columns, *member_columns)
                 .select_from(m.join(p, p.c.id == m.c.member_id))
                 .where(m.c.active, due <= now).order_by(due, m.c.id).limit(limit)
                 .with_for_update(skip_locked=True, of=m))
        split = len(membership_columns)
        found = [(_membership(row), Member(*row[split:])) for row in await self._session.execute(query)]
        if not found:
            return []
        c = CohortRow.__table__
        cohorts = {row.id: _load(Cohort, row) for row in await self._session.execute(
            select(c).where(c.c.id.in_(sorted({membership.cohort_id for membership, _ in found}))))}
        pauses: dict[int, list[Pause]] = defaultdict(list)
        member_ids = sorted({membership.member_id for membership, _ in found})
        for row in await self._session.scalars(select(PauseRow).where(self._among(PauseRow.member_id, member_ids))
                                               .order_by(PauseRow.start, PauseRow.id)):
            pauses[row.member_id].append(_load(Pause, row))
        return [Enrolment(cohort=cohorts[membership.cohort_id], member=member, membership=membership,
                          pauses=tuple(pauses.get(membership.member_id, ())))
                for membership, member in found]

    async def reschedule(self, column: DueColumn, slots: Mapping[int, Slot | None]) -> None:
        """Members due together mostly move on together (same zone, same time): one UPDATE per shared next
        occurrence, and one executemany for the rest."""
        if not slots:
            return
        table = MembershipRow.__table__
        day_column = DUE_DAY[column]

        def values(slot: Slot | None) -> dict[str, Any]:
            changes: dict[str, Any] = {column: slot.at if slot else None}
            if day_column is not None:
                changes[day_column] = slot.day if slot else None
            return changes

        by_slot: dict[Slot | None, list[int]] = defaultdict(list)
        for membership_id, slot in slots.items():
            by_slot[slot].append(membership_id)
        rest = []
        for slot, ids in by_slot.items():
            if len(ids) < _SHARED:
                rest += [{"row_id": membership_id, **{f"new_{name}": value for name, value in values(slot).items()}}
                         for membership_id in ids]
            else:
                await self._session.execute(update(table).where(self._among(table.c.id, ids)).values(values(slot)))
        if rest:
            names = [column] if day_column is None else [column, day_column]
            await self._session.execute(
                update(table).where(table.c.id == bindparam("row_id"))
                .values({name: bindparam(f"new_{name}") for name in names}), rest)
        self._session.expire_all()  # rows already in the session must be read again

    def _among(self, column: Any, ids: Sequence[int]) -> Any:
        """`column IN ids` with the ids as one bound value (a JSON array on SQLite, an array on Postgres), so
        thousands of them cost one parameter, not thousands."""
        if self._session.bind.dialect.name == "sqlite":
            return column.in_(select(func.json_each(json.dumps(list(ids))).table_valued("value").c.value))
        return column == any_(bindparam("ids", list(ids), type_=ARRAY(BigInteger), unique=True))

    async def streak_inputs(self, membership_ids: Sequence[int], since: date) -> dict[int, StreakInputs]:
        ids = sorted(set(membership_ids))
        firsts: dict[int, date] = {}
        minutes: dict[int, dict[date, int]] = defaultdict(dict)
        if ids:
            checkins, memberships = CheckInRow.__table__.c, MembershipRow.__table__.c
            query = (select(checkins.membership_id, func.min(checkins.local_date))
                     .where(self._among(checkins.membership_id, ids)).group_by(checkins.membership_id))
            firsts.update((membership_id, day) for membership_id, day in await self._session.execute(query))
            # Only the days the saved walk has not covered yet (the index on (membership_id, local_date)
            # finds them), plus the days from `since` a caller needs the totals of; every day when the save
            # is dated on or after `since` (the walk will not trust it: `bot.streaks.trusted`).
            unwalked = or_(memberships.streak_streak.is_(None), memberships.streak_through.is_(None),
                           memberships.streak_through >= since,
                           checkins.local_date > memberships.streak_through, checkins.local_date >= since)
            query = (select(checkins.membership_id, checkins.local_date, func.sum(checkins.minutes))
                     .select_from(CheckInRow.__table__.join(MembershipRow.__table__,
                                                            memberships.id == checkins.membership_id))
                     .where(self._among(checkins.membership_id, ids), unwalked)
                     .group_by(checkins.membership_id, checkins.local_date))
            for membership_id, day, total in await self._session.execute(query):
                minutes[membership_id][day] = int(total)
        return {membership_id: StreakInputs(firsts.get(membership_id), minutes.get(membership_id, {}))
                for membership_id in membership_ids}


_MEMBERSHIP_COLUMNS = ("id", "cohort_id", "member_id", "role", "active", "reminder_time", "joined_at",
                       *STREAK_COLUMNS, "next_reminder_at", "lastcall_minutes", "next_lastcall_at", "next_dayend_at",
                       "next_reminder_day", "next_lastcall_day", "web_token")  # what `_membership` reads
_MEMBER_FIELDS = tuple(field.name for field in fields(Member))
_SHARED = 16  # memberships moving to one new instant that are worth an UPDATE of their own
_DELIVERY_COLUMNS = ("status", "attempts", "next_attempt_at", "last_error", "sent_at", "platform_message_id")
_OUTBOX_INSTANTS = ("due_at", "created_at", "next_attempt_at", "claimed_until", "sent_at", "expires_at")
_OUTBOX_TYPES = {"attempts": "integer", "data": "json"} | dict.fromkeys(_OUTBOX_INSTANTS, "timestamptz")  # else text
_OUTBOX_ARRAY_TYPES = {"attempts": "integer[]"} | dict.fromkeys(_OUTBOX_INSTANTS, "timestamptz[]")  # else text[]
_OUTBOX_OPTIONAL = ("title", "next_attempt_at", "claimed_until", "claimed_by", "last_error", "sent_at",
                    "platform_message_id", "expires_at")  # the outbox columns that may be NULL


def _as_sqlite3_stores(value: object) -> str:
    """An instant as sqlite3 binds it (its default adapter), for rows passed as JSON rather than bound."""
    if isinstance(value, date):  # a datetime too
        return value.isoformat(" ") if isinstance(value, datetime) else value.isoformat()
    raise TypeError(f"{type(value).__name__} is not a column value")


def _shared(columns: dict[str, list[Any]]) -> set[str]:
    """The columns (never the key) with one value in every row: bound once, not once a row."""
    return {name for name, values in columns.items() if name != "key" and values.count(values[0]) == len(values)}


def _in_order(messages: Sequence[OutboxMessage]) -> list[str]:
    """The messages' keys in the given order, a key repeated in `messages` once."""
    return list(dict.fromkeys(message.key for message in messages))


class SqlOutboxRepository(_Repository):
    async def add(self, message: OutboxMessage) -> bool:
        """False when the key is taken. A pending message without `next_attempt_at` is due at `due_at`."""
        values = _columns(message)
        if message.status is OutboxStatus.PENDING and message.next_attempt_at is None:
            values["next_attempt_at"] = message.due_at
        try:
            await self._insert(OutboxRow(**values))
        except DuplicateKey:
            return False
        return True

    async def claim(self, now: datetime, limit: int, lease_until: datetime, owner: str) -> Sequence[OutboxMessage]:
        lease_free = (OutboxRow.claimed_until.is_(None)) | (OutboxRow.claimed_until <= now)
        query = (select(OutboxRow)
                 .where(OutboxRow.status == str(OutboxStatus.PENDING), OutboxRow.next_attempt_at <= now, lease_free)
                 .order_by(OutboxRow.next_attempt_at, OutboxRow.id).limit(limit)
                 # Postgres: concurrent dispatchers skip each other's rows; SQLite serialises writers anyway.
                 .with_for_update(skip_locked=True))
        rows = list(await self._session.scalars(query))
        for row in rows:
            row.claimed_until, row.claimed_by = lease_until, owner
        await self._session.flush()
        return [_load(OutboxMessage, row) for row in rows]

    async def save(self, message: OutboxMessage) -> None:
        await self._update(OutboxRow, message.id, _columns(message))

    async def record(self, message: OutboxMessage) -> bool:
        result = await self._session.execute(
            update(OutboxRow).where(OutboxRow.id == message.id)
            .values({**{name: _plain(getattr(message, name)) for name in _DELIVERY_COLUMNS},
                     "claimed_by": None, "claimed_until": None})
            .execution_options(synchronize_session="fetch"))
        return int(result.rowcount) == 1  # type: ignore[attr-defined]

    async def add_many(self, messages: Sequence[OutboxMessage]) -> list[str]:
        """One INSERT ... ON CONFLICT (key) DO NOTHING RETURNING key, executed for all rows at once."""
        if not messages:
            return []
        rows = []
        for message in messages:
            values = vars(message).copy()  # `_columns`, faster: a dataclass's fields are its __dict__
            del values["id"]
            values["status"] = str(message.status)
            if message.status is OutboxStatus.PENDING and message.next_attempt_at is None:
                values["next_attempt_at"] = message.due_at
            rows.append(values)
        # Columns NULL in every row are left out (NULL is their default): fewer values to convert and bind.
        unset = [name for name in _OUTBOX_OPTIONAL if all(row[name] is None for row in rows)]
        if unset:
            for row in rows:
                for name in unset:
                    del row[name]
        table = OutboxRow.__table__
        dialect = self._session.bind.dialect
        if dialect.name == "postgresql":
            inserted = await self._insert_unnested(rows)
            return [key for key in _in_order(messages) if key in inserted]
        # SQLite: a batch shares a few instants (its due minutes, this tick's now): each distinct one goes through
        # its column type's own processor once, and the stored text is bound as it is.
        for name in [name for name in _OUTBOX_INSTANTS if name in rows[0]]:
            process, stored = table.c[name].type.bind_processor(dialect), {}
            for row in rows:
                if (value := row[name]) is not None:
                    row[name] = stored[value] if value in stored else stored.setdefault(value, process(value))
        inserted = await self._insert_from_json(rows)
        return [key for key in _in_order(messages) if key in inserted]

    async def _insert_from_json(self, rows: list[dict[str, Any]]) -> set[str]:
        """SQLite: one INSERT of the rows read from one JSON array of arrays (json_each), a column the rows share
        as a single value: one parameter, not a VALUES list with one converted parameter per value."""
        names = list(rows[0])
        columns = {name: [row[name] for row in rows] for name in names}
        columns["data"] = [json.dumps(value) for value in columns["data"]]
        shared = _shared(columns)
        varying = [name for name in names if name not in shared]
        given = json.dumps(list(zip(*(columns[name] for name in varying), strict=True)), ensure_ascii=False,
                           default=_as_sqlite3_stores)
        place = {name: index for index, name in enumerate(varying)}
        values = ", ".join(f":{name}" if name in shared else f"json_extract(value, '$[{place[name]}]')"
                           for name in names)
        # WHERE true: without it, SQLite would read ON CONFLICT as the join's ON.
        statement = text(f"INSERT INTO outbox ({', '.join(names)}) SELECT {values} FROM json_each(:given) WHERE true "
                         "ON CONFLICT (key) DO NOTHING RETURNING key")
        parameters = {name: columns[name][0] for name in shared} | {"given": given}
        return set((await self._session.execute(statement, parameters)).scalars())

    async def _insert_unnested(self, rows: list[dict[str, Any]]) -> set[str]:
        """Postgres: one INSERT of the rows unnested from one array per column, a column the rows share as a single
        value (a batch's kind, platform, instants...): a short statement with a dozen parameters instead of a VALUES
        list of thousands, each bound value converted by SQLAlchemy one by one."""
        names = list(rows[0])
        columns = {name: [row[name] for row in rows] for name in names}
        for name in _OUTBOX_INSTANTS:
            if any(value is not None and value.utcoffset() is None for value in columns.get(name, ())):
                raise ValueError(f"naive datetime given for outbox.{name}; pass an aware datetime")
        columns["data"] = [json.dumps(value) for value in columns["data"]]
        shared = _shared(columns)
        parameters = {name: values[0] if name in shared else values for name, values in columns.items()}

        def value(name: str) -> str:
            sql_type = _OUTBOX_TYPES.get(name, "text")
            return f"CAST(:{name} AS {sql_type})" if name in shared else f"CAST(given.{name} AS {sql_type})"

        unnested = [name for name in names if name not in shared]
        arrays = ", ".join(f"CAST(:{name} AS {_OUTBOX_ARRAY_TYPES.get(name, 'text[]')})" for name in unnested)
        statement = text(f"INSERT INTO outbox ({', '.join(names)}) SELECT {', '.join(value(name) for name in names)} "
                         f"FROM unnest({arrays}) AS given({', '.join(unnested)}) "
                         "ON CONFLICT (key) DO NOTHING RETURNING key")
        return set((await self._session.execute(statement, parameters)).scalars())

    async def get_by_key(self, key: str) -> OutboxMessage | None:
        row = await self._session.scalar(select(OutboxRow).filter_by(key=key))
        return _load(OutboxMessage, row) if row else None

    async def count(self, status: OutboxStatus | None = None) -> int:
        query = select(func.count()).select_from(OutboxRow)
        if status is not None:
            query = query.where(OutboxRow.status == str(status))
        return int(await self._session.scalar(query) or 0)

    async def renew(self, message_id: int, owner: str, now: datetime, lease_until: datetime) -> bool:
        result = await self._session.execute(
            update(OutboxRow)
            .where(OutboxRow.id == message_id, OutboxRow.claimed_by == owner,
                   OutboxRow.status == str(OutboxStatus.PENDING), OutboxRow.claimed_until > now)
            .values(claimed_until=lease_until)
            .execution_options(synchronize_session="fetch"))
        return int(result.rowcount) == 1  # type: ignore[attr-defined]

    async def release(self, owner: str) -> int:
        result = await self._session.execute(
            update(OutboxRow)
            .where(OutboxRow.claimed_by == owner, OutboxRow.status == str(OutboxStatus.PENDING))
            .values(claimed_by=None, claimed_until=None)
            .execution_options(synchronize_session="fetch"))
        return int(result.rowcount)  # type: ignore[attr-defined]

    async def mentioning(self, platform: str, workspace: str, user_id: str, name: str) -> Sequence[OutboxMessage]:
        about = [OutboxRow.target == user_id, cast(OutboxRow.data, Text).contains(user_id, autoescape=True)]
        if name:
            about.append(OutboxRow.text.contains(name, autoescape=True))
        rows = await self._session.scalars(
            select(OutboxRow).where(OutboxRow.platform == platform, OutboxRow.workspace == workspace, or_(*about))
            .order_by(OutboxRow.id))
        return [_load(OutboxMessage, row) for row in rows]

    async def remove(self, message_id: int) -> None:
        await self._session.execute(delete(OutboxRow).where(OutboxRow.id == message_id))
