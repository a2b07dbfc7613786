"""One session, one transaction: rolled back unless `commit()` was awaited."""

from __future__ import annotations

from collections.abc import Coroutine
from types import TracebackType
from typing import Any, NoReturn, TypeVar, cast

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.errors import StorageUnavailable
from storage.errors import is_unavailable
from storage.focus import SqlFocusRepository
from storage.leagues import SqlLeagueRepository
from storage.persons import SqlPersonRepository
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
from storage.sqlite_thread import DatabaseThread, OnThread
from storage.study import SqlBuddyRepository, SqlGroupSprintRepository, SqlRoadmapRepository

R = TypeVar("R")


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
    persons: SqlPersonRepository

    def __init__(self, sessions: async_sessionmaker[AsyncSession], thread: DatabaseThread | None = None) -> None:
        """`thread`: where the session lives (SQLite); each repository call and the commit then run there."""
        self._sessions = sessions
        self._thread = thread
        self._session: AsyncSession | None = None

    async def __aenter__(self) -> SqlUnitOfWork:
        if self._session is not None:
            raise RuntimeError("a unit of work is entered once; ask the factory for a new one")
        session = self._session = self._sessions()
        self.members = self._placed(SqlMemberRepository(session))
        self.cohorts = self._placed(SqlCohortRepository(session))
        self.memberships = self._placed(SqlMembershipRepository(session))
        self.checkins = self._placed(SqlCheckInRepository(session))
        self.sprints = self._placed(SqlSprintRepository(session))
        self.pauses = self._placed(SqlPauseRepository(session))
        self.schedule = self._placed(SqlScheduleRepository(session))
        self.outbox = self._placed(SqlOutboxRepository(session))
        self.roadmaps = self._placed(SqlRoadmapRepository(session))
        self.buddies = self._placed(SqlBuddyRepository(session))
        self.groups = self._placed(SqlGroupSprintRepository(session))
        self.rate_budgets = self._placed(SqlRateBudgetRepository(session))
        self.leagues = self._placed(SqlLeagueRepository(session))
        self.focus = self._placed(SqlFocusRepository(session))
        self.persons = self._placed(SqlPersonRepository(session))
        return self

    def _placed(self, repository: R) -> R:
        if self._thread is None:
            return repository
        return cast(R, OnThread(repository, self._thread.run))

    async def _on_session(self, work: Coroutine[Any, Any, None]) -> None:
        await (work if self._thread is None else self._thread.run(work))

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._session is not None
        try:
            await self._on_session(self._session.close())  # rolls back whatever was not committed
        except Exception as error:
            if exc is None:  # otherwise the failure already on its way out is the one to report
                _raise_translated(error)
        if exc is not None and is_unavailable(exc):
            raise _unavailable(exc) from exc

    async def commit(self) -> None:
        assert self._session is not None, "commit() outside `async with`"
        try:
            await self._on_session(self._session.commit())
        except Exception as error:
            _raise_translated(error)
