"""One session, one transaction: rolled back unless `commit()` was awaited."""

from __future__ import annotations

from types import TracebackType
from typing import NoReturn

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.errors import StorageUnavailable
from storage.errors import is_unavailable
from storage.focus import SqlFocusRepository
from storage.leagues import SqlLeagueRepository
from storage.rate_budgets import SqlRateBudgetRepository
from storage.repositories import (
    SqlCheckInRepository,
    SqlCohortRepository,
    SqlMemberRepository,
    SqlMembershipRepository,
    SqlOutboxRepository,
    SqlPauseRepository,
    SqlScheduleRepository,
    SqlSprintRepository,
)
from storage.study import SqlBuddyRepository, SqlGroupSprintRepository, SqlRoadmapRepository


def _unavailable(error: BaseException) -> StorageUnavailable:
    return StorageUnavailable(f"The database is unavailable: {getattr(error, 'orig', None) or error}")


def _raise_translated(error: Exception) -> NoReturn:
    if is_unavailable(error):
        raise _unavailable(error) from error
    raise error


class SqlUnitOfWork:
    members: SqlMemberRepository
    cohorts: SqlCohortRepository
    memberships: SqlMembershipRepository
    checkins: SqlCheckInRepository
    sprints: SqlSprintRepository
    pauses: SqlPauseRepository
    schedule: SqlScheduleRepository
    outbox: SqlOutboxRepository
    roadmaps: SqlRoadmapRepository
    buddies: SqlBuddyRepository
    groups: SqlGroupSprintRepository
    rate_budgets: SqlRateBudgetRepository
    leagues: SqlLeagueRepository
    focus: SqlFocusRepository

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions
        self._session: AsyncSession | None = None

    async def __aenter__(self) -> SqlUnitOfWork:
        if self._session is not None:
            raise RuntimeError("a unit of work is entered once; ask the factory for a new one")
        session = self._session = self._sessions()
        self.members = SqlMemberRepository(session)
        self.cohorts = SqlCohortRepository(session)
        self.memberships = SqlMembershipRepository(session)
        self.checkins = SqlCheckInRepository(session)
        self.sprints = SqlSprintRepository(session)
        self.pauses = SqlPauseRepository(session)
        self.schedule = SqlScheduleRepository(session)
        self.outbox = SqlOutboxRepository(session)
        self.roadmaps = SqlRoadmapRepository(session)
        self.buddies = SqlBuddyRepository(session)
        self.groups = SqlGroupSprintRepository(session)
        self.rate_budgets = SqlRateBudgetRepository(session)
        self.leagues = SqlLeagueRepository(session)
        self.focus = SqlFocusRepository(session)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._session is not None
        try:
            await self._session.close()  # rolls back whatever was not committed
        except Exception as error:
            if exc is None:  # otherwise the failure already on its way out is the one to report
                _raise_translated(error)
        if exc is not None and is_unavailable(exc):
            raise _unavailable(exc) from exc

    async def commit(self) -> None:
        assert self._session is not None, "commit() outside `async with`"
        try:
            await self._session.commit()
        except Exception as error:
            _raise_translated(error)
