"""Focus rooms, their sessions and the cohorts' live status messages in SQL (see bot/focus.py for the rules)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select, update

from bot.domain import FocusRoom, FocusSession, FocusStatusBoard
from storage.models import FocusRoomRow, FocusSessionRow, FocusStatusRow
from storage.repositories import _Repository
from storage.rows import columns as _columns
from storage.rows import load as _load
from storage.sql import slices

S = FocusSessionRow.__table__


class SqlFocusRepository(_Repository):
    async def room(self, room_id: int) -> FocusRoom | None:
        row = await self._session.get(FocusRoomRow, room_id)
        return _load(FocusRoom, row) if row else None

    async def rooms_of(self, cohort_id: int) -> Sequence[FocusRoom]:
        rows = await self._session.scalars(select(FocusRoomRow).filter_by(cohort_id=cohort_id)
                                           .order_by(FocusRoomRow.id))
        return [_load(FocusRoom, row) for row in rows]

    async def rooms_in(self, platform: str, workspace: str) -> Sequence[FocusRoom]:
        rows = await self._session.scalars(select(FocusRoomRow).filter_by(platform=platform, workspace=workspace)
                                           .order_by(FocusRoomRow.id))
        return [_load(FocusRoom, row) for row in rows]

    async def room_for(self, platform: str, workspace: str, channel_id: str) -> FocusRoom | None:
        row = await self._session.scalar(select(FocusRoomRow).filter_by(platform=platform, workspace=workspace,
                                                                         channel_id=channel_id))
        return _load(FocusRoom, row) if row else None

    async def add_room(self, room: FocusRoom) -> FocusRoom:
        return _load(FocusRoom, await self._insert(FocusRoomRow(**_columns(room))))

    async def save_room(self, room: FocusRoom) -> None:
        await self._update(FocusRoomRow, room.id, _columns(room))

    async def remove_room(self, room_id: int) -> None:
        await self._session.execute(delete(FocusRoomRow).where(FocusRoomRow.id == room_id))

    async def session(self, session_id: int) -> FocusSession | None:
        row = await self._session.get(FocusSessionRow, session_id)
        return _load(FocusSession, row) if row else None

    async def open_session(self, member_id: int) -> FocusSession | None:
        row = await self._session.scalar(select(FocusSessionRow).where(FocusSessionRow.member_id == member_id,
                                                                       FocusSessionRow.ended_at.is_(None)))
        return _load(FocusSession, row) if row else None

    async def open_in(self, room_ids: Sequence[int]) -> Sequence[FocusSession]:
        found: list[FocusSession] = []
        for part in slices(sorted(set(room_ids))):
            rows = await self._session.execute(select(S).where(S.c.room_id.in_(part), S.c.ended_at.is_(None))
                                               .order_by(S.c.id))
            found.extend(_load(FocusSession, row) for row in rows)
        return found

    async def start(self, session: FocusSession) -> FocusSession:
        """Raises DuplicateKey when the member already has a running session."""
        return _load(FocusSession, await self._insert(FocusSessionRow(**_columns(session))))

    async def save(self, session: FocusSession) -> None:
        await self._update(FocusSessionRow, session.id, _columns(session))

    async def seen(self, session_ids: Sequence[int], at: datetime) -> None:
        for part in slices(sorted(set(session_ids))):
            await self._session.execute(update(S).where(S.c.id.in_(part), S.c.ended_at.is_(None), S.c.seen_at < at)
                                        .values(seen_at=at), execution_options={"synchronize_session": False})

    async def mark_asked(self, session_ids: Sequence[int], at: datetime, answer_by: datetime) -> None:
        for part in slices(sorted(set(session_ids))):
            await self._session.execute(update(S).where(S.c.id.in_(part), S.c.ended_at.is_(None))
                                        .values(asked_at=at, due_at=answer_by),
                                        execution_options={"synchronize_session": False})

    async def due(self, now: datetime, limit: int) -> Sequence[FocusSession]:
        rows = await self._session.execute(select(S).where(S.c.ended_at.is_(None), S.c.due_at <= now)
                                           .order_by(S.c.due_at, S.c.id).limit(limit))
        return [_load(FocusSession, row) for row in rows]

    async def status_boards(self, cohort_ids: Sequence[int]) -> dict[int, FocusStatusBoard]:
        found: dict[int, FocusStatusBoard] = {}
        for part in slices(sorted(set(cohort_ids))):
            rows = await self._session.scalars(select(FocusStatusRow).where(FocusStatusRow.cohort_id.in_(part)))
            found.update((row.cohort_id, _load(FocusStatusBoard, row)) for row in rows)
        return found

    async def save_status_board(self, board: FocusStatusBoard) -> None:
        row = await self._session.get(FocusStatusRow, board.cohort_id)
        if row is None:
            await self._insert(FocusStatusRow(**_columns(board)))
            return
        await self._update(FocusStatusRow, board.cohort_id, _columns(board))

    async def remove_status_board(self, cohort_id: int) -> None:
        await self._session.execute(delete(FocusStatusRow).where(FocusStatusRow.cohort_id == cohort_id))
