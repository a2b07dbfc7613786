"""An in-memory implementation of the storage ports, with the transaction semantics of a real database.

    store = InMemoryStore()
    bot = StudyBot(store.unit_of_work, clock)      # UnitOfWorkFactory
    store.fail_next_commits(1)                     # the next commit raises StorageUnavailable

`async with uow:` takes a private deep copy of the store's rows; repositories read and write that copy;
`await uow.commit()` publishes the rows it wrote and starts again from the committed state; leaving the
block without a commit discards everything. Objects go in and come out as copies, the way a SQL
repository maps rows to fresh dataclasses, so mutating a returned object changes nothing until `save()`.
The tests in `tests/contract/` hold this fake and the SQL storage to the same behaviour.
"""

from __future__ import annotations

import asyncio
import copy
import dataclasses
import itertools
import json
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from types import TracebackType
from typing import Any, TypeVar

from bot.domain import (
    Buddy,
    BuddyStatus,
    CheckIn,
    Cohort,
    CohortHome,
    CustomRoadmap,
    Enrolment,
    FocusRoom,
    FocusSession,
    FocusStatusBoard,
    GroupSprint,
    LinkCode,
    Member,
    Membership,
    OutboxMessage,
    OutboxStatus,
    Pause,
    Role,
    Sprint,
    SprintStatus,
    StepDone,
)
from bot.errors import StorageUnavailable
from bot.ports import (
    DUE_DAY,
    DueColumn,
    DueKind,
    DuplicateKey,
    LeagueCandidate,
    LeagueResult,
    LeagueRow,
    LeagueScore,
    StreakInputs,
)
from bot.schedule import Slot
from bot.streaks import StreakState
from tests import fake_boards


@dataclasses.dataclass
class UndoneKey:
    """A row of `undone_checkins`: the key of a check-in taken back with `undo`."""

    member_id: int
    idempotency_key: str
    undone_at: datetime
    id: int | None = None


Row = TypeVar("Row", Member, Cohort, Membership, CheckIn, Sprint, Pause, OutboxMessage, CustomRoadmap, StepDone,
              Buddy, GroupSprint, UndoneKey)

TABLES = ("members", "cohorts", "memberships", "checkins", "sprints", "pauses", "outbox", "roadmaps",
          "roadmap_progress", "buddies", "group_sprints", "undone_checkins", fake_boards.TABLE,
          "league_entries", "league_standings", "league_optouts", "focus_rooms", "focus_sessions", "focus_status",
          "cohort_homes", "link_codes", "code_failures")

Tables = dict[str, dict[int, Any]]


def _empty_tables() -> Tables:
    return {name: {} for name in TABLES}


class InMemoryStore:
    """The shared "database": committed rows per table, keyed by id, and id sequences."""

    def __init__(self) -> None:
        self.tables: Tables = _empty_tables()
        self.commits = 0  # successful commits, for tests that want to know whether anything was written
        self._sequences = {name: itertools.count(1) for name in TABLES}
        self._failing_commits = 0
        # Row locks held by open units of work (what SELECT ... FOR UPDATE takes), released at commit/exit.
        self.row_locks: dict[tuple[str, int], InMemoryUnitOfWork] = {}
        # Who waits for which locked row (`InMemoryUnitOfWork.lock_rows`), and the futures that wake them.
        self.lock_waiters: dict[tuple[str, int], list[asyncio.Future[None]]] = defaultdict(list)
        self.waiting: dict[InMemoryUnitOfWork, tuple[str, int]] = {}
        # Send budgets (`rate_budgets`): key -> time.monotonic() of the next free slot. Outside the tables: a
        # reservation takes effect at once, as the database's one-statement upsert all but does.
        self.rate_budgets: dict[str, float] = {}
        self._committed = asyncio.Event()  # set (and replaced) at each commit: what `wait_for` waits on

    async def wait_for(self, ready: Callable[[], bool], seconds: float = 10.0) -> None:
        """Until `ready()` holds, checked after each commit (work another task does, e.g. a gateway event's)."""
        async with asyncio.timeout(seconds):
            while not ready():
                await self._committed.wait()

    def unit_of_work(self) -> InMemoryUnitOfWork:
        """The UnitOfWorkFactory: `StudyBot(store.unit_of_work, clock)`."""
        return InMemoryUnitOfWork(self)

    def fail_next_commits(self, count: int = 1) -> None:
        """Make the next `count` commits raise StorageUnavailable (nothing of theirs is published)."""
        self._failing_commits = count

    def next_id(self, table: str) -> int:
        # Like a database sequence, ids are never handed out twice, even by a transaction rolled back.
        return next(self._sequences[table])

    def snapshot(self) -> Tables:
        return copy.deepcopy(self.tables)

    def _publish(self, state: Tables, written: set[tuple[str, int]]) -> None:
        if self._failing_commits > 0:
            self._failing_commits -= 1
            raise StorageUnavailable("injected commit failure (InMemoryStore.fail_next_commits)")
        for table, row_id in written:
            row = state[table].get(row_id)
            if row is None:
                self.tables[table].pop(row_id, None)
            else:
                self.tables[table][row_id] = copy.deepcopy(row)
        self.commits += 1
        self._committed.set()
        self._committed = asyncio.Event()


class InMemoryUnitOfWork:
    """One transaction against an InMemoryStore; implements `bot.ports.UnitOfWork`."""

    def __init__(self, store: InMemoryStore) -> None:
        self.store = store
        self._state: Tables | None = None
        self._written: set[tuple[str, int]] = set()
        self._read_at = 0  # the store's commit count when `_state` was last read from it
        self._locking_task: asyncio.Task[Any] | None = None
        self.members = MemberRepository(self)
        self.cohorts = CohortRepository(self)
        self.memberships = MembershipRepository(self)
        self.checkins = CheckInRepository(self)
        self.sprints = SprintRepository(self)
        self.pauses = PauseRepository(self)
        self.schedule = ScheduleRepository(self)
        self.outbox = OutboxRepository(self)
        self.roadmaps = RoadmapRepository(self)
        self.buddies = BuddyRepository(self)
        self.groups = GroupSprintRepository(self)
        self.rate_budgets = RateBudgetRepository(self)
        self.leagues = LeagueRepository(self)
        self.focus = FocusRepository(self)
        self.persons = PersonRepository(self)

    async def __aenter__(self) -> InMemoryUnitOfWork:
        if self._state is not None:
            raise RuntimeError("this unit of work is already open")
        self._begin()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._state = None  # anything not committed is discarded
        self._written = set()
        self._release_locks()

    async def commit(self) -> None:
        self.store._publish(self.state, self._written)
        self._begin()

    def _begin(self) -> None:
        self._release_locks()
        self._state = self.store.snapshot()
        self._read_at = self.store.commits
        self._written = set()

    def _release_locks(self) -> None:
        locks = self.store.row_locks
        for held in [key for key, holder in locks.items() if holder is self]:
            del locks[held]
            for waiter in self.store.lock_waiters.pop(held, []):
                if not waiter.done():
                    waiter.set_result(None)

    async def lock_rows(self, table: str, row_ids: Sequence[int]) -> None:
        """Lock rows the way SELECT ... FOR UPDATE does under READ COMMITTED, in the order given: a row another
        open unit of work holds is waited for until that one commits or ends; a wait that could never end (a
        deadlock, or a holder opened by this very task) raises FakeDeadlock, as Postgres would detect or hang.
        Then, as every statement after such a lock does, this unit of work reads everything committed
        meanwhile (its own writes kept): no kinder than the database, which is what makes the lock matter."""
        store = self.store
        self._locking_task = asyncio.current_task()
        for row_id in row_ids:
            key = (table, row_id)
            while (holder := store.row_locks.get(key)) is not None and holder is not self:
                self._refuse_endless_wait(holder, key)
                released: asyncio.Future[None] = asyncio.get_running_loop().create_future()
                store.lock_waiters[key].append(released)
                store.waiting[self] = key
                try:
                    await released
                finally:
                    del store.waiting[self]
            store.row_locks[key] = self
        self._read_committed()

    def _refuse_endless_wait(self, holder: InMemoryUnitOfWork, key: tuple[str, int]) -> None:
        if holder._locking_task is not None and holder._locking_task is self._locking_task:
            raise FakeDeadlock(f"{key} is locked by another unit of work of this same task, which cannot commit "
                               "while this one waits for it")
        seen: set[InMemoryUnitOfWork] = set()
        current: InMemoryUnitOfWork | None = holder
        while current is not None and current not in seen:
            seen.add(current)
            wanted = self.store.waiting.get(current)
            current = self.store.row_locks.get(wanted) if wanted is not None else None
            if current is self:
                raise FakeDeadlock(f"deadlock: waiting for {key}, whose holder waits (in turn) for a row this "
                                   "unit of work holds")

    def _read_committed(self) -> None:
        """The latest committed rows with this unit of work's own writes on top (what READ COMMITTED reads)."""
        if self._read_at == self.store.commits:
            return
        state = self.store.snapshot()
        for table, row_id in self._written:
            row = self.state[table].get(row_id)
            if row is None:
                state[table].pop(row_id, None)
            else:
                state[table][row_id] = row
        self._state, self._read_at = state, self.store.commits

    def lock_latest(self, table: str, row_id: int, where: Callable[[Any], bool]) -> Any | None:
        """Lock a row the way SELECT ... FOR UPDATE SKIP LOCKED does under READ COMMITTED: None when another
        open unit of work holds it (skipped) or when its latest version (this one's write, or else the latest
        committed one, which replaces the snapshot's) no longer matches `where`; else that version, locked
        until this unit of work commits or ends."""
        holder = self.store.row_locks.get((table, row_id))
        if holder is not None and holder is not self:
            return None
        if (table, row_id) in self._written:
            row = self.state[table].get(row_id)
        else:
            committed = self.store.tables[table].get(row_id)
            row = copy.deepcopy(committed) if committed is not None else None
        if row is None or not where(row):
            return None
        self.store.row_locks[(table, row_id)] = self
        self.state[table][row_id] = row
        return row

    # --- what the repositories use -------------------------------------------------------------------
    @property
    def state(self) -> Tables:
        if self._state is None:
            raise RuntimeError("use the unit of work inside `async with uow:`")
        return self._state

    def rows(self, table: str) -> Iterator[Any]:
        """The table's rows in id order (the rows themselves: copy before handing them out)."""
        rows = self.state[table]
        return (rows[row_id] for row_id in sorted(rows))

    def insert(self, table: str, obj: Row) -> Row:
        row = _to_row(obj)
        row.id = self.store.next_id(table)
        self.write(table, row)
        return copy.deepcopy(row)

    def write(self, table: str, row: Any) -> None:
        self.state[table][row.id] = row
        self._written.add((table, row.id))

    def delete(self, table: str, row_id: int) -> None:
        if self.state[table].pop(row_id, None) is not None:
            self._written.add((table, row_id))

    def update(self, table: str, obj: Row) -> Row:
        if obj.id is None or obj.id not in self.state[table]:
            raise LookupError(f"save() of a {type(obj).__name__} that is not stored (id={obj.id})")
        return _to_row(obj)


class FakeDeadlock(RuntimeError):
    """Two units of work would wait for each other's row locks for ever (Postgres: deadlock_detected)."""


def _to_row(obj: Row) -> Row:
    """A private copy of `obj` as the database would store it: instants aware and in UTC."""
    row = copy.deepcopy(obj)
    for field in dataclasses.fields(row):
        value = getattr(row, field.name)
        if isinstance(value, datetime):
            if value.tzinfo is None or value.utcoffset() is None:
                raise ValueError(f"{type(row).__name__}.{field.name} is a naive datetime; store aware UTC")
            setattr(row, field.name, value.astimezone(UTC))
    return row


def _found(rows: Iterator[Row], match: Callable[[Row], bool]) -> Row | None:
    return next((copy.deepcopy(row) for row in rows if match(row)), None)


class MemberRepository:
    def __init__(self, uow: InMemoryUnitOfWork) -> None:
        self._uow = uow

    async def lock(self, member_ids: Sequence[int]) -> None:
        await self._uow.lock_rows("members", sorted(set(member_ids)))

    async def remove(self, member_id: int) -> None:
        """Cascades like the schema's foreign keys: memberships and all that hangs off them, pauses, buddies."""
        memberships = {m.id for m in self._uow.rows("memberships") if m.member_id == member_id}
        for table, owned in (("checkins", lambda r: r.member_id == member_id or r.membership_id in memberships),
                             ("sprints", lambda r: r.member_id == member_id or r.membership_id in memberships),
                             ("roadmap_progress", lambda r: r.membership_id in memberships),
                             ("pauses", lambda r: r.member_id == member_id),
                             ("undone_checkins", lambda r: r.member_id == member_id),
                             ("league_optouts", lambda r: r.member_id == member_id),
                             ("league_entries", lambda r: r.membership_id in memberships),
                             ("league_standings", lambda r: r.membership_id in memberships),
                             ("focus_sessions", lambda r: r.member_id == member_id or r.membership_id in memberships),
                             ("buddies", lambda r: member_id in (r.requester_id, r.partner_id)),
                             ("link_codes", lambda r: r.code.member_id == member_id),
                             ("code_failures", lambda r: r.member_id == member_id),
                             ("memberships", lambda r: r.member_id == member_id),
                             ("members", lambda r: r.id == member_id)):
            for row in [r for r in self._uow.rows(table) if owned(r)]:
                self._uow.delete(table, row.id)
        for group in self._uow.rows("group_sprints"):  # ON DELETE SET NULL
            if group.started_by == member_id:
                group.started_by = None
                self._uow.write("group_sprints", group)

    async def get(self, member_id: int) -> Member | None:
        return _found(self._uow.rows("members"), lambda m: m.id == member_id)

    async def get_many(self, member_ids: Sequence[int]) -> dict[int, Member]:
        wanted = set(member_ids)
        return {m.id: copy.deepcopy(m) for m in self._uow.rows("members") if m.id in wanted}

    async def find(self, platform: str, workspace: str, user_id: str) -> Member | None:
        account = await self.account(platform, workspace, user_id)
        return account if account is None or account.person_id is None else await self.get(account.person_id)

    async def account(self, platform: str, workspace: str, user_id: str) -> Member | None:
        return _found(self._uow.rows("members"),
                      lambda m: (m.platform, m.workspace, m.user_id) == (platform, workspace, user_id))

    async def find_many(self, platform: str, workspace: str, user_ids: Sequence[str]) -> dict[str, Member]:
        wanted = set(user_ids)
        members = self._uow.state["members"]
        return {m.user_id: copy.deepcopy(members.get(m.person_id, m))
                for m in self._uow.rows("members")
                if (m.platform, m.workspace) == (platform, workspace) and m.user_id in wanted}

    async def add(self, member: Member) -> Member:
        existing = await self.account(member.platform, member.workspace, member.user_id)
        return existing if existing is not None else self._uow.insert("members", member)

    async def rename(self, member_id: int, display_name: str) -> None:
        row = copy.deepcopy(self._uow.state["members"][member_id])
        row.display_name = display_name
        self._uow.write("members", row)

    async def save(self, member: Member) -> None:
        row = self._uow.update("members", member)
        row.display_name = self._uow.state["members"][row.id].display_name  # only `rename` changes it
        clash = await self.account(row.platform, row.workspace, row.user_id)
        if clash is not None and clash.id != row.id:
            raise DuplicateKey(f"member {row.platform}/{row.workspace}/{row.user_id} exists")
        self._uow.write("members", row)


class CohortRepository:
    def __init__(self, uow: InMemoryUnitOfWork) -> None:
        self._uow = uow

    async def created_by(self, member_id: int) -> Sequence[Cohort]:
        return [copy.deepcopy(c) for c in self._uow.rows("cohorts") if c.created_by == member_id]

    async def get(self, cohort_id: int) -> Cohort | None:
        return _found(self._uow.rows("cohorts"), lambda c: c.id == cohort_id)

    async def find_by_name(self, platform: str, workspace: str, name: str) -> Cohort | None:
        return _found(self._uow.rows("cohorts"),
                      lambda c: (c.platform, c.workspace, c.name.lower()) == (platform, workspace, name.lower())) \
            or _found(self._bridged(platform, workspace), lambda c: c.name.lower() == name.lower())

    def _bridged(self, platform: str, workspace: str) -> list[Cohort]:
        cohorts = self._uow.state["cohorts"]
        return [cohorts[home.cohort_id] for home in self._uow.rows("cohort_homes")
                if (home.platform, home.workspace) == (platform, workspace) and home.cohort_id in cohorts]

    async def homes(self, cohort_id: int) -> Sequence[CohortHome]:
        cohort = self._uow.state["cohorts"].get(cohort_id)
        if cohort is None:
            return []
        return [CohortHome(cohort.platform, cohort.workspace, cohort.channel_id),
                *(CohortHome(h.platform, h.workspace, h.channel_id, h.id) for h in self._uow.rows("cohort_homes")
                  if h.cohort_id == cohort_id)]

    async def add_home(self, cohort_id: int, home: CohortHome, at: datetime) -> CohortHome:
        if any((h.platform, h.workspace, h.channel_id) == (home.platform, home.workspace, home.channel_id)
               for h in self._uow.rows("cohort_homes")):
            raise DuplicateKey("uq_cohort_homes_platform_workspace_channel_id")
        row = self._uow.insert("cohort_homes", _Home(cohort_id, home.platform, home.workspace, home.channel_id, at))
        return dataclasses.replace(home, id=row.id)

    async def remove_home(self, home_id: int) -> None:
        self._uow.delete("cohort_homes", home_id)

    async def find_by_web_slug(self, slug: str) -> Cohort | None:
        return _found(self._uow.rows("cohorts"), lambda c: c.web_slug == slug)

    async def find_by_channel(self, platform: str, workspace: str, channel_id: str) -> Cohort | None:
        own = _found(self._uow.rows("cohorts"),
                     lambda c: (c.platform, c.workspace, c.channel_id) == (platform, workspace, channel_id))
        if own is not None:
            return own
        cohorts = self._uow.state["cohorts"]
        return _found([cohorts[h.cohort_id] for h in self._uow.rows("cohort_homes")
                       if (h.platform, h.workspace, h.channel_id) == (platform, workspace, channel_id)
                       and h.cohort_id in cohorts], lambda c: True)

    async def list_in_workspace(self, platform: str, workspace: str) -> Sequence[Cohort]:
        own = [c for c in self._uow.rows("cohorts") if (c.platform, c.workspace) == (platform, workspace)]
        return [copy.deepcopy(c) for c in sorted(own + self._bridged(platform, workspace),
                                                 key=lambda c: (c.name.lower(), c.id))]

    async def add(self, cohort: Cohort) -> Cohort:
        self._refuse_name_clash(cohort)
        return self._uow.insert("cohorts", cohort)

    async def save(self, cohort: Cohort) -> None:
        row = self._uow.update("cohorts", cohort)
        self._refuse_name_clash(row)
        self._uow.write("cohorts", row)

    async def remove(self, cohort_id: int) -> None:
        memberships = {m.id for m in self._uow.rows("memberships") if m.cohort_id == cohort_id}
        for sprint in list(self._uow.rows("sprints")):
            if sprint.membership_id in memberships:
                self._uow.delete("sprints", sprint.id)
        for checkin in list(self._uow.rows("checkins")):
            if checkin.cohort_id == cohort_id or checkin.membership_id in memberships:
                self._uow.delete("checkins", checkin.id)
        for table, owned in (("roadmap_progress", lambda r: r.membership_id in memberships),
                             ("buddies", lambda r: r.cohort_id == cohort_id),
                             ("group_sprints", lambda r: r.cohort_id == cohort_id),
                             ("league_entries", lambda r: r.cohort_id == cohort_id),
                             ("league_standings", lambda r: r.cohort_id == cohort_id),
                             ("focus_sessions", lambda r: r.membership_id in memberships),
                             ("focus_rooms", lambda r: r.cohort_id == cohort_id),
                             ("focus_status", lambda r: r.cohort_id == cohort_id),
                             ("cohort_homes", lambda r: r.cohort_id == cohort_id),
                             ("link_codes", lambda r: r.code.cohort_id == cohort_id)):
            for row in [r for r in self._uow.rows(table) if owned(r)]:
                self._uow.delete(table, row.id)
        for membership_id in memberships:
            self._uow.delete("memberships", membership_id)
        self._uow.delete("cohorts", cohort_id)

    async def lock(self, cohort_id: int) -> None:
        """One unit of work at a time in memory: nothing to wait for."""

    def _refuse_name_clash(self, cohort: Cohort) -> None:
        for other in self._uow.rows("cohorts"):
            if (other.id != cohort.id and (other.platform, other.workspace) == (cohort.platform, cohort.workspace)
                    and other.name.lower() == cohort.name.lower()):
                raise DuplicateKey(f"a cohort named {other.name!r} exists in this workspace")
            if other.id != cohort.id and cohort.web_slug is not None and other.web_slug == cohort.web_slug:
                raise DuplicateKey("that web slug is taken (uq_cohorts_web_slug)")


class MembershipRepository(fake_boards.FakeBoards):
    def __init__(self, uow: InMemoryUnitOfWork) -> None:
        self._uow = uow

    async def get(self, cohort_id: int, member_id: int) -> Membership | None:
        return _found(self._uow.rows("memberships"), lambda m: (m.cohort_id, m.member_id) == (cohort_id, member_id))

    async def get_by_id(self, membership_id: int) -> Membership | None:
        return _found(self._uow.rows("memberships"), lambda m: m.id == membership_id)

    async def find_by_web_token(self, token: str) -> Membership | None:
        return _found(self._uow.rows("memberships"), lambda m: m.web_token == token)

    async def get_many(self, cohort_id: int, member_ids: Sequence[int]) -> dict[int, Membership]:
        wanted = set(member_ids)
        return {m.member_id: copy.deepcopy(m) for m in self._uow.rows("memberships")
                if m.cohort_id == cohort_id and m.member_id in wanted}

    async def active_for_member(self, member_id: int) -> Sequence[tuple[Membership, Cohort]]:
        cohorts = self._uow.state["cohorts"]
        return [(copy.deepcopy(m), copy.deepcopy(cohorts[m.cohort_id]))
                for m in self._uow.rows("memberships") if m.member_id == member_id and m.active]

    async def active_in_cohort(self, cohort_id: int) -> Sequence[tuple[Membership, Member]]:
        members = self._uow.state["members"]
        return [(copy.deepcopy(m), copy.deepcopy(members[m.member_id]))
                for m in self._uow.rows("memberships") if m.cohort_id == cohort_id and m.active]

    async def count_active(self, cohort_id: int) -> int:
        return sum(1 for m in self._uow.rows("memberships") if m.cohort_id == cohort_id and m.active)

    async def add(self, membership: Membership) -> Membership:
        self._refuse_clash(membership)
        return self._uow.insert("memberships", membership)

    async def save(self, membership: Membership) -> None:
        row = self._uow.update("memberships", membership)
        self._refuse_clash(row)
        self._uow.write("memberships", row)

    async def save_streak_states(self, states: dict[int, StreakState | None]) -> None:
        for membership_id, state in states.items():
            row = self._uow.state["memberships"].get(membership_id)
            if row is None:
                raise LookupError(f"no membership {membership_id}")
            self._uow.write("memberships", dataclasses.replace(row, streak_state=state))

    async def reset_streak_states(self, cohort_id: int) -> None:
        for membership in list(self._uow.rows("memberships")):
            if membership.cohort_id == cohort_id and membership.streak_state is not None:
                self._uow.write("memberships", dataclasses.replace(membership, streak_state=None))
        fake_boards.forget(self._uow, cohort_id=cohort_id)

    async def forget_board_streaks(self, *, alive_from: date, cohort_id: int | None = None,
                                   member_id: int | None = None) -> None:
        assert (cohort_id is None) != (member_id is None), "a cohort's or a member's, not both"
        fake_boards.forget(self._uow, cohort_id=cohort_id, member_id=member_id, alive_from=alive_from)

    def _refuse_clash(self, membership: Membership) -> None:
        for other in self._uow.rows("memberships"):
            if other.id != membership.id and (other.cohort_id, other.member_id) == (
                    membership.cohort_id, membership.member_id):
                raise DuplicateKey(f"member {membership.member_id} is already in cohort {membership.cohort_id}")
            if other.id != membership.id and membership.web_token is not None \
                    and other.web_token == membership.web_token:
                raise DuplicateKey("that web token is taken (uq_memberships_web_token)")


class CheckInRepository:
    def __init__(self, uow: InMemoryUnitOfWork) -> None:
        self._uow = uow

    async def for_membership(self, membership_id: int) -> Sequence[CheckIn]:
        rows = [c for c in self._uow.rows("checkins") if c.membership_id == membership_id]
        return [copy.deepcopy(c) for c in sorted(rows, key=lambda c: (c.local_date, c.id))]

    async def for_cohort(self, cohort_id: int) -> Sequence[CheckIn]:
        rows = [c for c in self._uow.rows("checkins") if c.cohort_id == cohort_id]
        return [copy.deepcopy(c) for c in sorted(rows, key=lambda c: (c.local_date, c.id))]

    async def minutes_by_step(self, membership_id: int) -> dict[int | None, int]:
        totals: dict[int | None, int] = defaultdict(int)
        for c in self._uow.rows("checkins"):
            if c.membership_id == membership_id:
                totals[c.step] += c.minutes
        return dict(totals)

    async def find_by_key(self, member_id: int, idempotency_key: str) -> CheckIn | None:
        return _found(self._uow.rows("checkins"),
                      lambda c: (c.member_id, c.idempotency_key) == (member_id, idempotency_key))

    async def add(self, checkin: CheckIn) -> CheckIn:
        if await self.find_by_key(checkin.member_id, checkin.idempotency_key) is not None:
            raise DuplicateKey(f"check-in {checkin.idempotency_key!r} of member {checkin.member_id} is recorded")
        stored = self._uow.insert("checkins", checkin)
        fake_boards.tally(self._uow, [stored])
        return stored

    async def add_many(self, checkins: Sequence[CheckIn]) -> list[CheckIn | None]:
        stored: list[CheckIn | None] = []
        for checkin in checkins:
            if await self.was_undone(checkin.member_id, checkin.idempotency_key):
                stored.append(None)
                continue
            try:
                stored.append(await self.add(checkin))
            except DuplicateKey:
                stored.append(None)
        return stored

    async def done_counts(self, cohort_id: int, since: date) -> dict[date, int]:
        target = self._uow.state["cohorts"][cohort_id].daily_target
        counts: dict[date, int] = defaultdict(int)
        for by_day in (await self.minutes_by_day_in_cohort(cohort_id, since)).values():
            for day, minutes in by_day.items():
                if minutes >= target:
                    counts[day] += 1
        return dict(counts)

    async def latest_recorded(self, member_id: int, since: datetime) -> CheckIn | None:
        mine = [c for c in self._uow.rows("checkins") if c.member_id == member_id and c.created_at >= since]
        return copy.deepcopy(max(mine, key=lambda c: (c.created_at, c.id))) if mine else None

    async def undo(self, checkin: CheckIn, at: datetime) -> bool:
        if checkin.id not in self._uow.state["checkins"]:
            return False
        self._uow.delete("checkins", checkin.id)
        if not await self.was_undone(checkin.member_id, checkin.idempotency_key):
            self._uow.insert("undone_checkins", UndoneKey(checkin.member_id, checkin.idempotency_key, at))
        fake_boards.forget(self._uow, membership_id=checkin.membership_id)
        return True

    async def was_undone(self, member_id: int, idempotency_key: str) -> bool:
        return any((row.member_id, row.idempotency_key) == (member_id, idempotency_key)
                   for row in self._uow.rows("undone_checkins"))

    async def minutes_on_days(self, days: Sequence[tuple[int, date]]) -> dict[tuple[int, date], int]:
        return {(membership, day): await self.minutes_on(membership, day) for membership, day in days}

    async def first_days(self, membership_ids: Sequence[int]) -> dict[int, date]:
        firsts = {membership: await self.first_day(membership) for membership in membership_ids}
        return {membership: day for membership, day in firsts.items() if day is not None}

    async def minutes_by_day_since(self, since: dict[int, date]) -> dict[int, dict[date, int]]:
        found = {membership: await self.minutes_by_day(membership, start) for membership, start in since.items()}
        return {membership: by_day for membership, by_day in found.items() if by_day}

    async def minutes_on(self, membership_id: int, day: date) -> int:
        return sum(c.minutes for c in self._uow.rows("checkins")
                   if c.membership_id == membership_id and c.local_date == day)

    async def latest_on(self, membership_id: int, day: date) -> CheckIn | None:
        found = [c for c in self._uow.rows("checkins") if (c.membership_id, c.local_date) == (membership_id, day)]
        return copy.deepcopy(found[-1]) if found else None

    async def save_note(self, checkin: CheckIn) -> None:
        stored = self._uow.state["checkins"].get(checkin.id)
        if stored is None:
            raise LookupError(f"save_note() of a check-in that is not stored (id={checkin.id})")
        self._uow.write("checkins", dataclasses.replace(stored, note=checkin.note, link=checkin.link))

    async def first_day(self, membership_id: int) -> date | None:
        return min((c.local_date for c in self._uow.rows("checkins") if c.membership_id == membership_id),
                   default=None)

    async def minutes_by_day(self, membership_id: int, since: date) -> dict[date, int]:
        by_day: dict[date, int] = defaultdict(int)
        for c in self._uow.rows("checkins"):
            if c.membership_id == membership_id and c.local_date >= since:
                by_day[c.local_date] += c.minutes
        return dict(by_day)

    async def minutes_by_day_in_cohort(self, cohort_id: int, since: date) -> dict[int, dict[date, int]]:
        result: dict[int, dict[date, int]] = {}
        for c in self._uow.rows("checkins"):
            if c.cohort_id == cohort_id and c.local_date >= since:
                days = result.setdefault(c.membership_id, {})
                days[c.local_date] = days.get(c.local_date, 0) + c.minutes
        return result

    async def first_days_in_cohort(self, cohort_id: int) -> dict[int, date]:
        firsts: dict[int, date] = {}
        for c in self._uow.rows("checkins"):
            if c.cohort_id == cohort_id:
                firsts[c.membership_id] = min(c.local_date, firsts.get(c.membership_id, c.local_date))
        return firsts

    async def totals_in_cohort(self, cohort_id: int, start: date | None, end: date | None) -> dict[int, int]:
        totals: dict[int, int] = defaultdict(int)
        for c in self._uow.rows("checkins"):
            if (c.cohort_id == cohort_id and (start is None or start <= c.local_date)
                    and (end is None or c.local_date <= end)):
                totals[c.membership_id] += c.minutes
        return dict(totals)


class SprintRepository:
    def __init__(self, uow: InMemoryUnitOfWork) -> None:
        self._uow = uow

    async def for_group(self, group_id: int) -> Sequence[Sprint]:
        return [copy.deepcopy(s) for s in self._uow.rows("sprints") if s.group_id == group_id]

    async def overlapping(self, member_id: int, start: datetime, end: datetime) -> Sequence[Sprint]:
        found = [s for s in self._uow.rows("sprints") if s.member_id == member_id and s.started_at < end
                 and s.ends_at > start]
        return [copy.deepcopy(s) for s in sorted(found, key=lambda s: (s.started_at, s.id))]

    async def active_for_member(self, member_id: int) -> Sprint | None:
        return _found(self._uow.rows("sprints"),
                      lambda s: s.member_id == member_id and s.status == SprintStatus.ACTIVE)

    async def active_for_members(self, member_ids: Sequence[int]) -> dict[int, Sprint]:
        wanted = set(member_ids)
        return {s.member_id: copy.deepcopy(s) for s in self._uow.rows("sprints")
                if s.member_id in wanted and s.status == SprintStatus.ACTIVE}

    async def add(self, sprint: Sprint) -> Sprint:
        self._refuse_second_active(sprint)
        return self._uow.insert("sprints", sprint)

    async def save(self, sprint: Sprint) -> None:
        row = self._uow.update("sprints", sprint)
        self._refuse_second_active(row)
        self._uow.write("sprints", row)

    async def due(self, now: datetime, limit: int = 500) -> Sequence[Sprint]:
        due = [s for s in self._uow.rows("sprints") if s.status == SprintStatus.ACTIVE and s.ends_at <= now]
        due.sort(key=lambda s: (s.ends_at, s.id))
        return [copy.deepcopy(s) for s in due[:limit]]

    def _refuse_second_active(self, sprint: Sprint) -> None:
        if sprint.status != SprintStatus.ACTIVE:
            return
        for other in self._uow.rows("sprints"):
            if other.id != sprint.id and other.member_id == sprint.member_id and other.status == SprintStatus.ACTIVE:
                raise DuplicateKey(f"member {sprint.member_id} already has an active sprint")


class PauseRepository:
    def __init__(self, uow: InMemoryUnitOfWork) -> None:
        self._uow = uow

    async def for_member(self, member_id: int) -> Sequence[Pause]:
        return [copy.deepcopy(p) for p in self._uow.rows("pauses") if p.member_id == member_id]

    async def for_members(self, member_ids: Sequence[int]) -> dict[int, list[Pause]]:
        result: dict[int, list[Pause]] = {member_id: [] for member_id in member_ids}
        for p in self._uow.rows("pauses"):
            if p.member_id in result:
                result[p.member_id].append(copy.deepcopy(p))
        return result

    async def add(self, pause: Pause) -> Pause:
        fake_boards.forget(self._uow, member_id=pause.member_id)
        return self._uow.insert("pauses", pause)

    async def save(self, pause: Pause) -> None:
        row = self._uow.update("pauses", pause)
        fake_boards.forget(self._uow, member_id=self._uow.state["pauses"][row.id].member_id)
        fake_boards.forget(self._uow, member_id=row.member_id)
        self._uow.write("pauses", row)

    async def remove(self, pause_id: int) -> None:
        if (row := self._uow.state["pauses"].get(pause_id)) is not None:
            fake_boards.forget(self._uow, member_id=row.member_id)
        self._uow.delete("pauses", pause_id)


__all__ = ["InMemoryStore", "InMemoryUnitOfWork"]


class ScheduleRepository:
    def __init__(self, uow: InMemoryUnitOfWork) -> None:
        self._uow = uow

    async def due_reminders(self, now: datetime, limit: int) -> Sequence[Membership]:
        due = [m for m in self._uow.rows("memberships")
               if m.active and m.next_reminder_at is not None and m.next_reminder_at <= now]
        return [copy.deepcopy(m) for m in sorted(due, key=lambda m: (m.next_reminder_at, m.id))[:limit]]

    async def due_lastcalls(self, now: datetime, limit: int) -> Sequence[Membership]:
        due = [m for m in self._uow.rows("memberships")
               if m.active and m.next_lastcall_at is not None and m.next_lastcall_at <= now]
        return [copy.deepcopy(m) for m in sorted(due, key=lambda m: (m.next_lastcall_at, m.id))[:limit]]

    async def due_dayends(self, now: datetime, limit: int) -> Sequence[Membership]:
        due = [m for m in self._uow.rows("memberships")
               if m.active and m.next_dayend_at is not None and m.next_dayend_at <= now]
        return [copy.deepcopy(m) for m in sorted(due, key=lambda m: (m.next_dayend_at, m.id))[:limit]]

    async def due_digests(self, now: datetime, limit: int) -> Sequence[Cohort]:
        return self._due_cohorts(now, limit, "next_digest_at")

    async def due_recaps(self, now: datetime, limit: int) -> Sequence[Cohort]:
        return self._due_cohorts(now, limit, "next_recap_at")

    async def next_due_at(self) -> datetime | None:
        candidates = [instant for m in self._uow.rows("memberships") if m.active
                      for instant in (m.next_reminder_at, m.next_lastcall_at, m.next_dayend_at)]
        candidates += [g.ends_at for g in self._uow.rows("group_sprints") if g.status is SprintStatus.ACTIVE]
        for cohort in self._uow.rows("cohorts"):
            candidates += [cohort.next_digest_at, cohort.next_recap_at, cohort.next_league_at]
        candidates += [s.ends_at for s in self._uow.rows("sprints") if s.status is SprintStatus.ACTIVE]
        candidates += [o.next_attempt_at for o in self._uow.rows("outbox") if o.status is OutboxStatus.PENDING]
        candidates += [s.due_at for s in self._uow.rows("focus_sessions") if s.open]
        present = [instant for instant in candidates if instant is not None]
        return min(present) if present else None

    def _due_cohorts(self, now: datetime, limit: int, column: str) -> list[Cohort]:
        due = [c for c in self._uow.rows("cohorts") if getattr(c, column) is not None and getattr(c, column) <= now]
        return [copy.deepcopy(c) for c in sorted(due, key=lambda c: (getattr(c, column), c.id))[:limit]]

    async def due_kinds(self, now: datetime) -> set[DueKind]:
        def due(instant: datetime | None) -> bool:
            return instant is not None and instant <= now

        memberships = [m for m in self._uow.rows("memberships") if m.active]
        cohorts = list(self._uow.rows("cohorts"))
        found: dict[DueKind, bool] = {
            "sprints": any(s.status is SprintStatus.ACTIVE and due(s.ends_at) for s in self._uow.rows("sprints")),
            "groups": any(g.status is SprintStatus.ACTIVE and due(g.ends_at) for g in self._uow.rows("group_sprints")),
            "reminders": any(due(m.next_reminder_at) for m in memberships),
            "lastcalls": any(due(m.next_lastcall_at) for m in memberships),
            "dayends": any(due(m.next_dayend_at) for m in memberships),
            "digests": any(due(c.next_digest_at) for c in cohorts),
            "recaps": any(due(c.next_recap_at) for c in cohorts),
            "leagues": any(due(c.next_league_at) for c in cohorts),
            "focus": any(s.open and due(s.due_at) for s in self._uow.rows("focus_sessions")),
        }
        return {kind for kind, is_due in found.items() if is_due}

    async def due_enrolments(self, column: DueColumn, now: datetime, limit: int) -> Sequence[Enrolment]:
        def is_due(m: Membership) -> bool:
            instant = getattr(m, column)
            return m.active and instant is not None and instant <= now

        # Like the SQL: candidates from this transaction's view, earliest first; rows another open unit of work
        # has locked are skipped, and the rest re-checked on their latest version (SKIP LOCKED semantics).
        candidates = sorted((m for m in self._uow.rows("memberships") if is_due(m)),
                            key=lambda m: (getattr(m, column), m.id))
        state = self._uow.state
        found: list[Enrolment] = []
        for candidate in candidates:
            if len(found) >= limit:
                break
            membership = self._uow.lock_latest("memberships", candidate.id, is_due)
            if membership is None:
                continue
            member, cohort = state["members"].get(membership.member_id), state["cohorts"].get(membership.cohort_id)
            if member is None or cohort is None:
                continue
            pauses = sorted((p for p in self._uow.rows("pauses") if p.member_id == member.id),
                            key=lambda p: (p.start, p.id))
            found.append(Enrolment(cohort=copy.deepcopy(cohort), member=copy.deepcopy(member),
                                   membership=copy.deepcopy(membership), pauses=tuple(copy.deepcopy(pauses))))
        return found

    async def reschedule(self, column: DueColumn, slots: Mapping[int, Slot | None]) -> None:
        day_column = DUE_DAY[column]
        for membership_id, slot in slots.items():
            row = self._uow.state["memberships"].get(membership_id)
            if row is not None:
                changes: dict[str, object] = {column: slot.at if slot else None}
                if day_column is not None:
                    changes[day_column] = slot.day if slot else None
                self._uow.write("memberships", _to_row(dataclasses.replace(row, **changes)))

    async def streak_inputs(self, membership_ids: Sequence[int], since: date) -> dict[int, StreakInputs]:
        memberships = self._uow.state["memberships"]
        wanted = set(membership_ids)
        firsts: dict[int, date] = {}
        minutes: dict[int, dict[date, int]] = defaultdict(dict)
        for checkin in self._uow.rows("checkins"):
            membership = memberships.get(checkin.membership_id)
            if checkin.membership_id not in wanted or membership is None:
                continue
            day, first = checkin.local_date, firsts.get(checkin.membership_id)
            firsts[checkin.membership_id] = day if first is None else min(first, day)
            saved = membership.streak_state
            if saved is None or saved.through is None or saved.through >= since or day > saved.through or day >= since:
                by_day = minutes[checkin.membership_id]
                by_day[day] = by_day.get(day, 0) + checkin.minutes
        return {membership_id: StreakInputs(firsts.get(membership_id), dict(minutes.get(membership_id, {})))
                for membership_id in membership_ids}


class OutboxRepository:
    def __init__(self, uow: InMemoryUnitOfWork) -> None:
        self._uow = uow

    async def add(self, message: OutboxMessage) -> bool:
        if any(row.key == message.key for row in self._uow.rows("outbox")):
            return False
        row = copy.deepcopy(message)
        if row.status is OutboxStatus.PENDING and row.next_attempt_at is None:
            row.next_attempt_at = row.due_at
        self._uow.insert("outbox", row)
        return True

    async def claim(self, now: datetime, limit: int, lease_until: datetime, owner: str) -> Sequence[OutboxMessage]:
        def claimable(row: OutboxMessage) -> bool:
            return (row.status is OutboxStatus.PENDING and row.next_attempt_at is not None
                    and row.next_attempt_at <= now and (row.claimed_until is None or row.claimed_until <= now))

        # Like the SQL: candidates from this transaction's view, oldest due first; rows another open unit of
        # work has locked are skipped, and the rest re-checked on their latest version (SKIP LOCKED semantics).
        candidates = sorted((row for row in self._uow.rows("outbox") if claimable(row)),
                            key=lambda r: (r.next_attempt_at, r.id))
        claimed: list[OutboxMessage] = []
        for candidate in candidates:
            if len(claimed) >= limit:
                break
            row = self._uow.lock_latest("outbox", candidate.id, claimable)
            if row is None:
                continue
            row.claimed_until, row.claimed_by = lease_until.astimezone(UTC), owner
            self._uow.write("outbox", row)
            claimed.append(copy.deepcopy(row))
        return claimed

    async def save(self, message: OutboxMessage) -> None:
        self._uow.write("outbox", self._uow.update("outbox", message))

    async def record(self, message: OutboxMessage) -> bool:
        row = self._uow.state["outbox"].get(message.id)
        if row is None:
            return False
        outcome = {name: copy.deepcopy(getattr(message, name)) for name in ("status", "attempts", "next_attempt_at",
                                                                            "last_error", "sent_at",
                                                                            "platform_message_id")}
        self._uow.write("outbox", dataclasses.replace(row, **outcome, claimed_by=None, claimed_until=None))
        return True

    async def add_many(self, messages: Sequence[OutboxMessage]) -> list[str]:
        return [message.key for message in messages if await self.add(message)]

    async def get_by_key(self, key: str) -> OutboxMessage | None:
        return _found(self._uow.rows("outbox"), lambda row: row.key == key)

    async def count(self, status: OutboxStatus | None = None) -> int:
        return sum(1 for row in self._uow.rows("outbox") if status is None or row.status is status)

    async def renew(self, message_id: int, owner: str, now: datetime, lease_until: datetime) -> bool:
        row = self._uow.state["outbox"].get(message_id)
        if row is None or row.claimed_by != owner or row.status is not OutboxStatus.PENDING \
                or row.claimed_until is None or row.claimed_until <= now:
            return False
        row.claimed_until = lease_until.astimezone(UTC)
        self._uow.write("outbox", row)
        return True

    async def release(self, owner: str) -> int:
        released = 0
        for row in self._uow.rows("outbox"):
            if row.claimed_by == owner and row.status is OutboxStatus.PENDING:
                row.claimed_until = row.claimed_by = None
                self._uow.write("outbox", row)
                released += 1
        return released

    async def mentioning(self, platform: str, workspace: str, user_id: str, name: str) -> Sequence[OutboxMessage]:
        def about(row: OutboxMessage) -> bool:
            # The JSON text a database would search (ASCII-escaped, as SQLAlchemy's JSON type writes it).
            return (row.target == user_id or user_id in json.dumps(row.data)
                    or (bool(name) and name in row.text))
        return [copy.deepcopy(row) for row in sorted(self._uow.rows("outbox"), key=lambda r: r.id)
                if (row.platform, row.workspace) == (platform, workspace) and about(row)]

    async def remove(self, message_id: int) -> None:
        self._uow.delete("outbox", message_id)


class RoadmapRepository:
    def __init__(self, uow: InMemoryUnitOfWork) -> None:
        self._uow = uow

    async def get_custom(self, platform: str, workspace: str, key: str) -> CustomRoadmap | None:
        return _found(self._uow.rows("roadmaps"),
                      lambda r: (r.platform, r.workspace, r.key) == (platform, workspace, key))

    async def put_custom(self, roadmap: CustomRoadmap) -> CustomRoadmap:
        existing = await self.get_custom(roadmap.platform, roadmap.workspace, roadmap.key)
        if existing is None:
            return self._uow.insert("roadmaps", roadmap)
        existing.definition, existing.created_at = roadmap.definition, roadmap.created_at
        self._uow.write("roadmaps", self._uow.update("roadmaps", existing))
        return copy.deepcopy(existing)

    async def list_custom(self, platform: str, workspace: str) -> Sequence[CustomRoadmap]:
        rows = [r for r in self._uow.rows("roadmaps") if (r.platform, r.workspace) == (platform, workspace)]
        return [copy.deepcopy(r) for r in sorted(rows, key=lambda r: r.key)]

    async def steps_done(self, membership_id: int) -> set[int]:
        return {r.step for r in self._uow.rows("roadmap_progress") if r.membership_id == membership_id}

    async def mark_done(self, membership_id: int, step: int, at: datetime) -> bool:
        if step in await self.steps_done(membership_id):
            return False
        self._uow.insert("roadmap_progress", StepDone(membership_id=membership_id, step=step, done_at=at))
        return True

    async def steps_done_in_cohort(self, cohort_id: int) -> dict[int, set[int]]:
        memberships = {m.id for m in self._uow.rows("memberships") if m.cohort_id == cohort_id}
        result: dict[int, set[int]] = defaultdict(set)
        for row in self._uow.rows("roadmap_progress"):
            if row.membership_id in memberships:
                result[row.membership_id].add(row.step)
        return dict(result)


class BuddyRepository:
    def __init__(self, uow: InMemoryUnitOfWork) -> None:
        self._uow = uow

    async def add(self, buddy: Buddy) -> Buddy:
        return self._uow.insert("buddies", buddy)

    async def save(self, buddy: Buddy) -> None:
        self._uow.write("buddies", self._uow.update("buddies", buddy))

    async def for_member(self, cohort_id: int, member_id: int) -> Sequence[Buddy]:
        return [copy.deepcopy(b) for b in self._uow.rows("buddies")
                if b.cohort_id == cohort_id and member_id in (b.requester_id, b.partner_id)
                and b.status is not BuddyStatus.ENDED]


class GroupSprintRepository:
    def __init__(self, uow: InMemoryUnitOfWork) -> None:
        self._uow = uow

    async def add(self, group: GroupSprint) -> GroupSprint:
        return self._uow.insert("group_sprints", group)

    async def get(self, group_id: int) -> GroupSprint | None:
        return _found(self._uow.rows("group_sprints"), lambda g: g.id == group_id)

    async def save(self, group: GroupSprint) -> None:
        self._uow.write("group_sprints", self._uow.update("group_sprints", group))

    async def active_in_cohort(self, cohort_id: int) -> GroupSprint | None:
        return _found(self._uow.rows("group_sprints"),
                      lambda g: g.cohort_id == cohort_id and g.status is SprintStatus.ACTIVE)

    async def due(self, now: datetime, limit: int) -> Sequence[GroupSprint]:
        due = [g for g in self._uow.rows("group_sprints") if g.status is SprintStatus.ACTIVE and g.ends_at <= now]
        return [copy.deepcopy(g) for g in sorted(due, key=lambda g: (g.ends_at, g.id))[:limit]]


class RateBudgetRepository:
    """`bot.ports.RateBudgetRepository` on this machine's monotonic clock (one store, one process)."""

    def __init__(self, uow: InMemoryUnitOfWork) -> None:
        self._uow = uow

    async def reserve(self, key: str, slots: int, interval: float, lead: float = 0.0) -> float:
        self._uow.state  # noqa: B018 -- only inside `async with`, like the others
        budgets = self._uow.store.rate_budgets
        now = time.monotonic()
        start = max(budgets.get(key, now), now + lead)
        budgets[key] = start + slots * interval
        return start - now


@dataclasses.dataclass
class _LeagueEntry:
    cohort_id: int
    week: date
    membership_id: int
    tier: int
    division: int
    points: int | None = None
    rank: int | None = None
    zone: str | None = None
    new_tier: int | None = None

    @property
    def id(self) -> tuple[int, date, int]:  # the primary key (cohort, week, membership)
        return (self.cohort_id, self.week, self.membership_id)


@dataclasses.dataclass
class _LeagueStanding:
    membership_id: int
    cohort_id: int
    tier: int

    @property
    def id(self) -> int:
        return self.membership_id


@dataclasses.dataclass
class _LeagueOptOut:
    member_id: int

    @property
    def id(self) -> int:
        return self.member_id


class LeagueRepository:
    """bot.ports.LeagueRepository in memory: the same keys (one entry per cohort, week and membership), the same
    orders (by membership id; due cohorts by instant then id) and SKIP LOCKED on due cohorts."""

    def __init__(self, uow: InMemoryUnitOfWork) -> None:
        self._uow = uow

    async def due_cohorts(self, now: datetime, limit: int) -> Sequence[Cohort]:
        def is_due(c: Cohort) -> bool:
            return c.next_league_at is not None and c.next_league_at <= now

        found: list[Cohort] = []
        for candidate in sorted((c for c in self._uow.rows("cohorts") if is_due(c)),
                                key=lambda c: (c.next_league_at, c.id)):
            if len(found) >= limit:
                break
            row = self._uow.lock_latest("cohorts", candidate.id, is_due)
            if row is not None:
                found.append(copy.deepcopy(row))
        return found

    async def candidates(self, cohort_id: int, week: date) -> list[LeagueCandidate]:
        state = self._uow.state
        out = {r.member_id for r in self._uow.rows("league_optouts")}
        recent: dict[int, int] = {}
        for k in self._uow.rows("checkins"):
            if k.cohort_id == cohort_id and week - timedelta(days=14) <= k.local_date < week:
                minutes = k.minutes if k.local_date >= week - timedelta(days=7) else 0
                recent[k.membership_id] = recent.get(k.membership_id, 0) + minutes
        found = []
        for membership_id in sorted(recent):
            m = state["memberships"].get(membership_id)
            if m is None or not m.active or m.cohort_id != cohort_id or m.member_id in out:
                continue
            standing = state["league_standings"].get(membership_id)
            found.append(LeagueCandidate(membership_id, standing.tier if standing else 0, recent[membership_id]))
        return found

    async def place(self, cohort_id: int, week: date, places: Sequence[tuple[int, int, int]]) -> int:
        added = 0
        for membership_id, tier, division in places:
            entry = _LeagueEntry(cohort_id, week, membership_id, tier, division)
            if entry.id in self._uow.state["league_entries"]:
                continue
            if membership_id not in self._uow.state["memberships"]:
                raise DuplicateKey("league_entries.membership_id: no such membership (foreign key)")
            self._uow.write("league_entries", entry)
            added += 1
        return added

    async def open_weeks(self, cohort_id: int, before: date) -> list[date]:
        return sorted({e.week for e in self._uow.rows("league_entries")
                       if e.cohort_id == cohort_id and e.week < before and e.zone is None})

    async def scores(self, cohort_id: int, week: date, cap: int, target: int,
                     division: tuple[int, int] | None = None) -> list[LeagueScore]:
        entries = [e for e in self._uow.rows("league_entries") if (e.cohort_id, e.week) == (cohort_id, week)
                   and (division is None or (e.tier, e.division) == division)]
        wanted = {e.membership_id for e in entries}
        days: dict[int, dict[date, int]] = defaultdict(dict)
        first: dict[int, datetime] = {}
        for k in self._uow.rows("checkins"):
            in_week = week <= k.local_date < week + timedelta(days=7)
            if k.cohort_id == cohort_id and k.membership_id in wanted and in_week:
                days[k.membership_id][k.local_date] = days[k.membership_id].get(k.local_date, 0) + k.minutes
                first[k.membership_id] = min(first.get(k.membership_id, k.created_at), k.created_at)
        return [LeagueScore(e.membership_id, e.tier, e.division,
                            sum(min(m, cap) for m in days[e.membership_id].values()),
                            sum(1 for m in days[e.membership_id].values() if m >= target), first.get(e.membership_id))
                for e in sorted(entries, key=lambda e: e.membership_id)]

    async def division_rows(self, cohort_id: int, week: date, tier: int, division: int, cap: int,
                            target: int) -> list[LeagueRow]:
        state = self._uow.state
        rows = []
        for score in await self.scores(cohort_id, week, cap, target, (tier, division)):
            membership = state["memberships"].get(score.membership_id)
            member = state["members"].get(membership.member_id) if membership else None
            if member is not None:
                rows.append(LeagueRow(score, member.id, member.display_name, member.hidden))
        return rows

    async def entry(self, cohort_id: int, week: date, membership_id: int) -> tuple[int, int] | None:
        e = self._uow.state["league_entries"].get((cohort_id, week, membership_id))
        return (e.tier, e.division) if e else None

    async def finish(self, cohort_id: int, week: date, results: Sequence[LeagueResult]) -> None:
        for r in results:
            e = self._uow.state["league_entries"].get((cohort_id, week, r.membership_id))
            if e is None:
                continue
            self._uow.write("league_entries", dataclasses.replace(e, points=r.points, rank=r.rank, zone=r.zone,
                                                                  new_tier=r.new_tier))
            self._uow.write("league_standings", _LeagueStanding(r.membership_id, cohort_id, r.new_tier))

    async def outcome(self, cohort_id: int, week: date) -> dict[tuple[str, int], int]:
        counts: dict[tuple[str, int], int] = {}
        for e in self._uow.rows("league_entries"):
            if (e.cohort_id, e.week) == (cohort_id, week) and e.zone is not None:
                counts[(e.zone, e.new_tier)] = counts.get((e.zone, e.new_tier), 0) + 1
        return counts

    async def recipients(self, membership_ids: Sequence[int]) -> dict[int, Member]:
        state = self._uow.state
        found = {}
        for membership_id in membership_ids:
            membership = state["memberships"].get(membership_id)
            member = state["members"].get(membership.member_id) if membership else None
            if member is not None:
                found[membership_id] = dataclasses.replace(member)
        return found

    async def opted_out(self, member_id: int) -> bool:
        return member_id in self._uow.state["league_optouts"]

    async def set_opted_out(self, member_id: int, out: bool) -> None:
        if out:
            self._uow.write("league_optouts", _LeagueOptOut(member_id))
        else:
            self._uow.delete("league_optouts", member_id)


@dataclasses.dataclass
class _FocusStatus:
    board: FocusStatusBoard

    @property
    def id(self) -> int:
        return self.board.cohort_id


class FocusRepository:
    """bot.ports.FocusRepository in memory: one focus room per channel and one running session per member, checked
    against this unit of work's rows and the latest committed ones (as the database's unique indexes do)."""

    def __init__(self, uow: InMemoryUnitOfWork) -> None:
        self._uow = uow

    async def room(self, room_id: int) -> FocusRoom | None:
        return _found(self._uow.rows("focus_rooms"), lambda r: r.id == room_id)

    async def rooms_of(self, cohort_id: int) -> Sequence[FocusRoom]:
        return [copy.deepcopy(r) for r in self._uow.rows("focus_rooms") if r.cohort_id == cohort_id]

    async def rooms_in(self, platform: str, workspace: str) -> Sequence[FocusRoom]:
        return [copy.deepcopy(r) for r in self._uow.rows("focus_rooms")
                if (r.platform, r.workspace) == (platform, workspace)]

    async def room_for(self, platform: str, workspace: str, channel_id: str) -> FocusRoom | None:
        return _found(self._uow.rows("focus_rooms"),
                      lambda r: (r.platform, r.workspace, r.channel_id) == (platform, workspace, channel_id))

    async def add_room(self, room: FocusRoom) -> FocusRoom:
        where = (room.platform, room.workspace, room.channel_id)
        if any((r.platform, r.workspace, r.channel_id) == where for r in self._everywhere("focus_rooms")):
            raise DuplicateKey(f"channel {room.channel_id} is already a focus room")
        return self._uow.insert("focus_rooms", room)

    async def save_room(self, room: FocusRoom) -> None:
        self._uow.write("focus_rooms", self._uow.update("focus_rooms", room))

    async def remove_room(self, room_id: int) -> None:
        for session in [s for s in self._uow.rows("focus_sessions") if s.room_id == room_id]:
            self._uow.delete("focus_sessions", session.id)
        self._uow.delete("focus_rooms", room_id)

    async def session(self, session_id: int) -> FocusSession | None:
        return _found(self._uow.rows("focus_sessions"), lambda s: s.id == session_id)

    async def open_session(self, member_id: int) -> FocusSession | None:
        return _found(self._uow.rows("focus_sessions"), lambda s: s.member_id == member_id and s.open)

    async def open_in(self, room_ids: Sequence[int]) -> Sequence[FocusSession]:
        wanted = set(room_ids)
        return [copy.deepcopy(s) for s in self._uow.rows("focus_sessions") if s.open and s.room_id in wanted]

    async def start(self, session: FocusSession) -> FocusSession:
        if any(s.member_id == session.member_id and s.open for s in self._everywhere("focus_sessions")):
            raise DuplicateKey(f"member {session.member_id} already has a running focus session")
        return self._uow.insert("focus_sessions", session)

    async def save(self, session: FocusSession) -> None:
        self._uow.write("focus_sessions", self._uow.update("focus_sessions", session))

    async def seen(self, session_ids: Sequence[int], at: datetime) -> None:
        wanted = set(session_ids)
        for session in [s for s in self._uow.rows("focus_sessions") if s.id in wanted and s.open and s.seen_at < at]:
            session.seen_at = at
            self._uow.write("focus_sessions", session)

    async def mark_asked(self, session_ids: Sequence[int], at: datetime, answer_by: datetime) -> None:
        wanted = set(session_ids)
        for session in [s for s in self._uow.rows("focus_sessions") if s.id in wanted and s.open]:
            session.asked_at, session.due_at = at, answer_by
            self._uow.write("focus_sessions", session)

    async def due(self, now: datetime, limit: int) -> Sequence[FocusSession]:
        found = sorted((s for s in self._uow.rows("focus_sessions") if s.open and s.due_at <= now),
                       key=lambda s: (s.due_at, s.id))
        return [copy.deepcopy(s) for s in found[:limit]]

    async def status_boards(self, cohort_ids: Sequence[int]) -> dict[int, FocusStatusBoard]:
        wanted = set(cohort_ids)
        return {r.id: copy.deepcopy(r.board) for r in self._uow.rows("focus_status") if r.id in wanted}

    async def save_status_board(self, board: FocusStatusBoard) -> None:
        self._uow.write("focus_status", _FocusStatus(copy.deepcopy(board)))

    async def remove_status_board(self, cohort_id: int) -> None:
        self._uow.delete("focus_status", cohort_id)

    def _everywhere(self, table: str) -> list[Any]:
        """This unit of work's rows and the committed ones it has not rewritten: what a unique index sees."""
        mine = self._uow.state[table]
        written = {row_id for name, row_id in self._uow._written if name == table}
        return [*mine.values(), *(r for row_id, r in self._uow.store.tables[table].items()
                                  if row_id not in mine and row_id not in written)]


@dataclasses.dataclass
class _Home:
    cohort_id: int
    platform: str
    workspace: str
    channel_id: str
    created_at: datetime
    id: int | None = None


@dataclasses.dataclass
class _Code:
    code: LinkCode
    id: int | None = None


@dataclasses.dataclass
class _Failure:
    member_id: int
    at: datetime
    id: int | None = None


NO_ROUTE = {"remind_via": None, "dm_platform": None, "dm_workspace": None, "dm_user_id": None}


class PersonRepository:
    """bot.ports.PersonRepository in memory, as storage/persons.py moves rows: the minutes boards sum check-ins
    here, so a membership touched only needs its board streak and saved walk made unknown."""

    def __init__(self, uow: InMemoryUnitOfWork) -> None:
        self._uow = uow

    def _set(self, table: str, row: Any, **values: Any) -> None:
        row = copy.deepcopy(row)
        for name, value in values.items():
            setattr(row, name, value)
        self._uow.write(table, row)

    async def accounts(self, person_ids: Sequence[int]) -> dict[int, list[Member]]:
        found: dict[int, list[Member]] = {person: [] for person in sorted(set(person_ids))}
        for member in sorted(self._uow.rows("members"), key=lambda m: (m.person_id is not None, m.id)):
            person = member.person_id or member.id
            if person in found:
                found[person].append(copy.deepcopy(member))
        return found

    async def join(self, holder_id: int, other_id: int) -> list[int]:
        for member in list(self._uow.rows("members")):
            if member.id == other_id or member.person_id == other_id:
                self._set("members", member, person_id=holder_id, linked=False, **NO_ROUTE)
        self._set("members", self._uow.state["members"][holder_id], linked=True)
        self._move_checkins(other_id, holder_id)
        mine = {m.cohort_id: m for m in self._uow.rows("memberships") if m.member_id == holder_id}
        merged = []
        for membership in [m for m in self._uow.rows("memberships") if m.member_id == other_id]:
            if membership.cohort_id in mine:
                self._merge(membership, mine[membership.cohort_id])
                merged.append(membership.cohort_id)
            else:
                self._set("memberships", membership, member_id=holder_id, streak_state=None)
                fake_boards.forget(self._uow, membership_id=membership.id)
        self._move_member_rows(other_id, holder_id)
        for table in ("pauses", "league_optouts"):
            for row in [r for r in self._uow.rows(table) if r.member_id == other_id]:
                self._uow.delete(table, row.id)
        return sorted(merged)

    def _move_checkins(self, source: int, target: int) -> None:
        keys = {c.idempotency_key for c in self._uow.rows("checkins") if c.member_id == target}
        for checkin in [c for c in self._uow.rows("checkins") if c.member_id == source]:
            key = checkin.idempotency_key + (f"@{source}" if checkin.idempotency_key in keys else "")
            self._set("checkins", checkin, member_id=target, account_id=checkin.account_id or source,
                      idempotency_key=key)
        self._move_undone(source, target)

    def _move_undone(self, source: int, target: int) -> None:
        have = {u.idempotency_key for u in self._uow.rows("undone_checkins") if u.member_id == target}
        for undone in [u for u in self._uow.rows("undone_checkins") if u.member_id == source]:
            self._uow.delete("undone_checkins", undone.id)
            if undone.idempotency_key not in have:
                self._uow.insert("undone_checkins", UndoneKey(target, undone.idempotency_key, undone.undone_at))

    def _merge(self, source: Membership, target: Membership) -> None:
        for table in ("checkins", "sprints", "focus_sessions"):
            for row in [r for r in self._uow.rows(table) if r.membership_id == source.id]:
                self._set(table, row, membership_id=target.id)
        have = {r.step for r in self._uow.rows("roadmap_progress") if r.membership_id == target.id}
        for step in [r for r in self._uow.rows("roadmap_progress") if r.membership_id == source.id]:
            if step.step not in have:
                self._uow.insert("roadmap_progress", dataclasses.replace(step, membership_id=target.id, id=None))
        merged = copy.deepcopy(target)
        joined = [at for at in (source.joined_at, target.joined_at) if at is not None]
        merged.joined_at = min(joined) if joined else None
        if Role.ORGANIZER in (source.role, target.role):
            merged.role = Role.ORGANIZER
        if source.active and not target.active:
            merged.active = True
            for name in ("reminder_time", "next_reminder_at", "next_reminder_day", "lastcall_minutes",
                         "next_lastcall_at", "next_lastcall_day", "next_dayend_at"):
                setattr(merged, name, getattr(source, name))
        merged.streak_state = None
        self._uow.write("memberships", merged)
        for table in ("roadmap_progress", "league_entries", "league_standings"):  # the schema's cascade
            for row in [r for r in self._uow.rows(table) if r.membership_id == source.id]:
                self._uow.delete(table, row.id)
        self._uow.delete("memberships", source.id or 0)
        self._uow.delete(fake_boards.TABLE, source.id or 0)
        fake_boards.forget(self._uow, membership_id=target.id)

    def _move_member_rows(self, source: int, target: int) -> None:
        for sprint in [s for s in self._uow.rows("sprints") if s.member_id == source]:
            self._set("sprints", sprint, member_id=target)
        running = any(f.member_id == target and f.ended_at is None for f in self._uow.rows("focus_sessions"))
        for session in [f for f in self._uow.rows("focus_sessions") if f.member_id == source]:
            if not (running and session.ended_at is None):
                self._set("focus_sessions", session, member_id=target)
        for buddy in [b for b in self._uow.rows("buddies") if source in (b.requester_id, b.partner_id)]:
            requester = target if buddy.requester_id == source else buddy.requester_id
            partner = target if buddy.partner_id == source else buddy.partner_id
            if requester == partner:
                self._uow.delete("buddies", buddy.id)
            else:
                self._set("buddies", buddy, requester_id=requester, partner_id=partner)
        for group in [g for g in self._uow.rows("group_sprints") if g.started_by == source]:
            self._set("group_sprints", group, started_by=target)
        for cohort in [c for c in self._uow.rows("cohorts") if c.created_by == source]:
            self._set("cohorts", cohort, created_by=target)

    async def split(self, account_id: int) -> None:
        members = self._uow.state["members"]
        account = members.get(account_id)
        if account is None:
            return
        holder_id = account.person_id
        if holder_id is None:  # the holder leaving: the others leave it instead, and stay one person together
            if account.linked:
                others = sorted(m.id for m in self._uow.rows("members") if m.person_id == account_id)
                for other in others:
                    await self.split(other)
                for other in others[1:]:
                    await self.join(others[0], other)
            return
        self._set("members", account, person_id=None, linked=False, **NO_ROUTE)
        others = any(m.person_id == holder_id for m in self._uow.rows("members"))
        holder = members[holder_id]
        values: dict[str, Any] = {"linked": others}
        if (holder.dm_platform, holder.dm_workspace, holder.dm_user_id) == (
                account.platform, account.workspace, account.user_id):
            values.update(dm_platform=None, dm_workspace=None, dm_user_id=None)
        still_there = any(m.platform == account.platform for m in self._uow.rows("members")
                          if m.id == holder_id or m.person_id == holder_id)
        if holder.remind_via == account.platform and not still_there:
            values["remind_via"] = None
        self._set("members", holder, **values)
        recorded = [m for m in self._uow.rows("memberships") if m.member_id == holder_id and any(
            c.membership_id == m.id and c.account_id == account_id for c in self._uow.rows("checkins"))]
        for membership in recorded:
            own = next((m for m in self._uow.rows("memberships")
                        if m.cohort_id == membership.cohort_id and m.member_id == account_id), None)
            if own is None:
                own = self._uow.insert("memberships", Membership(
                    cohort_id=membership.cohort_id, member_id=account_id, active=membership.active,
                    reminder_time=membership.reminder_time, joined_at=membership.joined_at,
                    next_reminder_at=membership.next_reminder_at, lastcall_minutes=membership.lastcall_minutes,
                    next_lastcall_at=membership.next_lastcall_at, next_reminder_day=membership.next_reminder_day,
                    next_lastcall_day=membership.next_lastcall_day))
            for checkin in [c for c in self._uow.rows("checkins")
                            if c.membership_id == membership.id and c.account_id == account_id]:
                self._set("checkins", checkin, membership_id=own.id, member_id=account_id, account_id=None)
            self._set("memberships", membership, streak_state=None)
            if own.streak_state is not None:
                self._set("memberships", own, streak_state=None)
            fake_boards.forget(self._uow, membership_id=membership.id)
            fake_boards.forget(self._uow, membership_id=own.id)

    async def add_code(self, code: LinkCode) -> None:
        for row in [r for r in self._uow.rows("link_codes") if (r.code.member_id, r.code.kind)
                    == (code.member_id, code.kind) or r.code.code_hash == code.code_hash]:
            self._uow.delete("link_codes", row.id)
        self._uow.insert("link_codes", _Code(code))

    async def take_code(self, code_hash: str) -> LinkCode | None:
        row = next((r for r in self._uow.rows("link_codes") if r.code.code_hash == code_hash), None)
        if row is None:
            return None
        self._uow.delete("link_codes", row.id)
        return row.code

    async def peek_code(self, code_hash: str) -> LinkCode | None:
        return next((r.code for r in self._uow.rows("link_codes") if r.code.code_hash == code_hash), None)

    async def add_failure(self, member_id: int, at: datetime) -> None:
        old = [r for r in self._uow.rows("code_failures") if r.member_id == member_id and r.at < at - timedelta(days=1)]
        for row in old:
            self._uow.delete("code_failures", row.id)
        self._uow.insert("code_failures", _Failure(member_id, at))

    async def failures_since(self, member_id: int, since: datetime) -> int:
        return sum(1 for r in self._uow.rows("code_failures") if r.member_id == member_id and r.at >= since)
