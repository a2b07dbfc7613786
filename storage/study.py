"""Repositories for the study-group features: custom roadmaps and progress, buddies, group sprints."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import or_, select

from bot.domain import Buddy, BuddyStatus, CustomRoadmap, GroupSprint, SprintStatus
from bot.ports import DuplicateKey
from storage.models import BuddyRow, CustomRoadmapRow, GroupSprintRow, MembershipRow, StepDoneRow
from storage.repositories import _columns, _load, _Repository


class SqlRoadmapRepository(_Repository):
    async def get_custom(self, platform: str, workspace: str, key: str) -> CustomRoadmap | None:
        row = await self._find(platform, workspace, key)
        return _load(CustomRoadmap, row) if row else None

    async def put_custom(self, roadmap: CustomRoadmap) -> CustomRoadmap:
        row = await self._find(roadmap.platform, roadmap.workspace, roadmap.key)
        if row is None:
            return _load(CustomRoadmap, await self._insert(CustomRoadmapRow(**_columns(roadmap))))
        row.definition, row.created_at = roadmap.definition, roadmap.created_at
        await self._session.flush()
        return _load(CustomRoadmap, row)

    async def list_custom(self, platform: str, workspace: str) -> Sequence[CustomRoadmap]:
        rows = await self._session.scalars(select(CustomRoadmapRow).filter_by(platform=platform, workspace=workspace)
                                           .order_by(CustomRoadmapRow.key))
        return [_load(CustomRoadmap, row) for row in rows]

    async def _find(self, platform: str, workspace: str, key: str) -> CustomRoadmapRow | None:
        return await self._session.scalar(
            select(CustomRoadmapRow).filter_by(platform=platform, workspace=workspace, key=key))

    async def steps_done(self, membership_id: int) -> set[int]:
        return set(await self._session.scalars(select(StepDoneRow.step).filter_by(membership_id=membership_id)))

    async def mark_done(self, membership_id: int, step: int, at: datetime) -> bool:
        try:
            await self._insert(StepDoneRow(membership_id=membership_id, step=step, done_at=at))
        except DuplicateKey:
            return False
        return True

    async def steps_done_in_cohort(self, cohort_id: int) -> dict[int, set[int]]:
        query = (select(StepDoneRow.membership_id, StepDoneRow.step)
                 .join(MembershipRow, MembershipRow.id == StepDoneRow.membership_id)
                 .where(MembershipRow.cohort_id == cohort_id))
        result: dict[int, set[int]] = defaultdict(set)
        for membership_id, step in await self._session.execute(query):
            result[membership_id].add(step)
        return dict(result)


class SqlBuddyRepository(_Repository):
    async def add(self, buddy: Buddy) -> Buddy:
        return _load(Buddy, await self._insert(BuddyRow(**_columns(buddy))))

    async def save(self, buddy: Buddy) -> None:
        await self._update(BuddyRow, buddy.id, _columns(buddy))

    async def for_member(self, cohort_id: int, member_id: int) -> Sequence[Buddy]:
        rows = await self._session.scalars(
            select(BuddyRow).where(BuddyRow.cohort_id == cohort_id,
                                   or_(BuddyRow.requester_id == member_id, BuddyRow.partner_id == member_id),
                                   BuddyRow.status != str(BuddyStatus.ENDED)).order_by(BuddyRow.id))
        return [_load(Buddy, row) for row in rows]


class SqlGroupSprintRepository(_Repository):
    async def add(self, group: GroupSprint) -> GroupSprint:
        return _load(GroupSprint, await self._insert(GroupSprintRow(**_columns(group))))

    async def get(self, group_id: int) -> GroupSprint | None:
        row = await self._session.get(GroupSprintRow, group_id)
        return _load(GroupSprint, row) if row else None

    async def save(self, group: GroupSprint) -> None:
        await self._update(GroupSprintRow, group.id, _columns(group))

    async def active_in_cohort(self, cohort_id: int) -> GroupSprint | None:
        row = await self._session.scalar(select(GroupSprintRow).filter_by(
            cohort_id=cohort_id, status=str(SprintStatus.ACTIVE)).order_by(GroupSprintRow.id).limit(1))
        return _load(GroupSprint, row) if row else None

    async def due(self, now: datetime, limit: int) -> Sequence[GroupSprint]:
        rows = await self._session.scalars(
            select(GroupSprintRow).where(GroupSprintRow.status == str(SprintStatus.ACTIVE),
                                         GroupSprintRow.ends_at <= now)
            .order_by(GroupSprintRow.ends_at, GroupSprintRow.id).limit(limit))
        return [_load(GroupSprint, row) for row in rows]
