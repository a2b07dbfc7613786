"""Ports the core needs from the outside world; `storage/` and the test fakes implement them.

Every repository call happens inside one unit of work (one session, one transaction): the unit of
work rolls back unless `commit()` was awaited, and raises `bot.errors.StorageUnavailable` when the
database cannot be reached or stays locked.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from types import TracebackType
from typing import Literal, Protocol

from bot.domain import (
    Buddy,
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
    Sprint,
)
from bot.ranking import Board, BoardEntry, BoardStreak
from bot.replies import Reply
from bot.schedule import Slot
from bot.streaks import StreakState


class MemberRepository(Protocol):
    async def get(self, member_id: int) -> Member | None: ...

    async def find(self, platform: str, workspace: str, user_id: str) -> Member | None:
        """The person an account belongs to: the account itself, or for a linked account the account holding the
        person's data (whose platform, workspace and user id are then another's)."""
        ...

    async def account(self, platform: str, workspace: str, user_id: str) -> Member | None:
        """The account itself, linked or not."""
        ...

    async def find_many(self, platform: str, workspace: str, user_ids: Sequence[str]) -> dict[str, Member]:
        """The persons of a workspace's accounts among `user_ids` that exist (as `find`), by user id."""
        ...

    async def add(self, member: Member) -> Member:
        """Insert and return the member with its id; an existing (platform, workspace, user) wins."""
        ...

    async def get_many(self, member_ids: Sequence[int]) -> dict[int, Member]:
        """The members among `member_ids` that exist, by id."""
        ...

    async def save(self, member: Member) -> None:
        """Write every field but `display_name` (a linked person's replies carry the name of the account they came
        from, which must not become the holder's): names change only through `rename`."""
        ...

    async def rename(self, member_id: int, display_name: str) -> None: ...

    async def remove(self, member_id: int) -> None:
        """Delete the member with everything of theirs (memberships, check-ins, sprints, pauses, buddies)."""
        ...

    async def lock(self, member_ids: Sequence[int]) -> None:
        """Hold these members until this unit of work commits or ends; another unit of work that asks for one
        of them waits until then, and whatever it reads afterwards includes what this one committed. Every
        path that adds minutes to a member's day takes it before reading the day's total, so the 960-minute
        cap holds across processes. Locked in id order in one statement (no deadlock between two batches);
        locking a member again, or one that does not exist, is harmless. (Postgres: SELECT ... FOR NO KEY
        UPDATE under READ COMMITTED; SQLite: the transaction's BEGIN IMMEDIATE already holds the database.)"""
        ...


class CohortRepository(Protocol):
    async def get(self, cohort_id: int) -> Cohort | None: ...

    async def find_by_name(self, platform: str, workspace: str, name: str) -> Cohort | None:
        """Case-insensitive."""
        ...

    async def find_by_channel(self, platform: str, workspace: str, channel_id: str) -> Cohort | None: ...

    async def find_by_web_slug(self, slug: str) -> Cohort | None:
        """The cohort whose public page has this slug (None: no such page, or it was turned off or rotated)."""
        ...

    async def list_in_workspace(self, platform: str, workspace: str) -> Sequence[Cohort]:
        """The workspace's cohorts and those bridged into it, by name."""
        ...

    async def homes(self, cohort_id: int) -> Sequence[CohortHome]:
        """The channels a cohort lives in: its own first, then those bridged, oldest first."""
        ...

    async def add_home(self, cohort_id: int, home: CohortHome, at: datetime) -> CohortHome:
        """Raises DuplicateKey when the channel is already a home of a cohort."""
        ...

    async def remove_home(self, home_id: int) -> None: ...

    async def created_by(self, member_id: int) -> Sequence[Cohort]: ...

    async def add(self, cohort: Cohort) -> Cohort: ...

    async def save(self, cohort: Cohort) -> None: ...

    async def remove(self, cohort_id: int) -> None:
        """Delete the cohort with its memberships, check-ins and sprints."""
        ...

    async def lock(self, cohort_id: int) -> None:
        """Hold the cohort until this unit of work ends, as `MemberRepository.lock` holds members (take members'
        locks first, cohorts in id order): the team goal's week is read under it, so two check-ins crossing the
        goal together see each other's minutes. (Postgres: FOR NO KEY UPDATE; SQLite: BEGIN IMMEDIATE already.)"""
        ...


class MembershipRepository(Protocol):
    async def get(self, cohort_id: int, member_id: int) -> Membership | None: ...

    async def get_by_id(self, membership_id: int) -> Membership | None: ...

    async def find_by_web_token(self, token: str) -> Membership | None:
        """The membership whose private page has this token (None: no such page, or it was rotated)."""
        ...

    async def get_many(self, cohort_id: int, member_ids: Sequence[int]) -> dict[int, Membership]:
        """The cohort's memberships (active or not) of those among `member_ids` who have one, by member id."""
        ...

    async def active_for_member(self, member_id: int) -> Sequence[tuple[Membership, Cohort]]: ...

    async def active_in_cohort(self, cohort_id: int) -> Sequence[tuple[Membership, Member]]: ...

    async def count_active(self, cohort_id: int) -> int:
        """How many active memberships the cohort has."""
        ...

    async def add(self, membership: Membership) -> Membership: ...

    async def save(self, membership: Membership) -> None: ...

    async def reset_streak_states(self, cohort_id: int) -> None:
        """Forget every saved streak state of the cohort (its done-day rule changed)."""
        ...

    async def forget_board_streaks(self, *, alive_from: date, cohort_id: int | None = None,
                                   member_id: int | None = None) -> None:
        """Off days from `alive_from` on changed, for a cohort (study days, holidays) or a member (rest days): the
        board streaks of its memberships that still stand on or after that day are worked out again. (Saved walks
        stay: they end two days back, and off days change only from today on.)"""
        ...

    async def save_streak_states(self, states: dict[int, StreakState | None]) -> None:
        """Write many memberships' saved streak states at once (by membership id)."""
        ...

    # --- leaderboards (see bot/ranking.py): ranked in the database from figures the check-in writes keep ---
    async def board_zones(self, cohort_id: int) -> set[str | None]:
        """The time zones the cohort's active members set for themselves, and None (the cohort's own zone)."""
        ...

    async def board_unknown(self, cohort_id: int) -> dict[int, tuple[int, int]]:
        """Active memberships of the cohort whose board streak is unknown: membership id -> (member id, version).
        Every write that changes a membership's board figures bumps its version."""
        ...

    async def save_board_streaks(self, states: dict[int, tuple[BoardStreak, int]]) -> None:
        """Store worked-out board streaks (membership id -> (state, version read with `board_unknown`)); one
        whose membership changed since that version read is not stored and stays unknown."""
        ...

    async def board_irregular(self, board: Board) -> Sequence[tuple[Membership, Member]]:
        """Streak board: visible active memberships the stored streak cannot rank as of their member's
        `board.today` (unknown, or last done day after it); the board walks those itself."""
        ...

    async def board_leaders(self, board: Board, top: int) -> list[BoardEntry]:
        """Visible (not hidden) active members, irregular ones left out, with value > 0 and a (value, longest)
        at least the `top`-th best: every one that can make the top `top`, ties included. Any order."""
        ...

    async def board_entry(self, board: Board, member_id: int) -> BoardEntry | None:
        """The member's own entry (value 0 when nothing counts yet); None when not an active, visible member
        of the cohort, or irregular."""
        ...

    async def board_count_above(self, board: Board, value: int, longest: int) -> int:
        """How many visible active members, irregular ones left out, have a (value, longest) above this one."""
        ...


class CheckInRepository(Protocol):
    async def find_by_key(self, member_id: int, idempotency_key: str) -> CheckIn | None: ...

    async def add(self, checkin: CheckIn) -> CheckIn:
        """Insert; raises `DuplicateKey` when (member, idempotency key) is already recorded."""
        ...

    async def add_many(self, checkins: Sequence[CheckIn]) -> list[CheckIn | None]:
        """Insert many at once: each stored check-in with its id, in order, or None where (member,
        idempotency key) was already recorded or undone (nothing written for it; the transaction stays usable)."""
        ...

    async def minutes_on_days(self, days: Sequence[tuple[int, date]]) -> dict[tuple[int, date], int]:
        """Minutes logged per (membership id, local date) asked for; 0 where nothing was."""
        ...

    async def first_days(self, membership_ids: Sequence[int]) -> dict[int, date]:
        """Per membership id with at least one check-in, its first local date."""
        ...

    async def minutes_by_day_since(self, since: dict[int, date]) -> dict[int, dict[date, int]]:
        """Per membership id, minutes per local date for dates >= its own `since` date."""
        ...

    async def minutes_on(self, membership_id: int, day: date) -> int: ...

    async def latest_on(self, membership_id: int, day: date) -> CheckIn | None:
        """The membership's most recently recorded check-in on that local date."""
        ...

    async def save_note(self, checkin: CheckIn) -> None:
        """Write the check-in's note and link (nothing else of a check-in ever changes)."""
        ...

    async def first_day(self, membership_id: int) -> date | None: ...

    async def minutes_by_day(self, membership_id: int, since: date) -> dict[date, int]:
        """Minutes per local date for dates >= `since`."""
        ...

    async def minutes_by_day_in_cohort(self, cohort_id: int, since: date) -> dict[int, dict[date, int]]:
        """Per membership id, minutes per local date for dates >= `since`."""
        ...

    async def first_days_in_cohort(self, cohort_id: int) -> dict[int, date]:
        """Per membership id with at least one check-in, its first local date."""
        ...

    async def totals_in_cohort(
        self, cohort_id: int, start: date | None, end: date | None
    ) -> dict[int, int]:
        """Per membership id, minutes with `start <= local_date <= end` (a None bound is open)."""
        ...

    async def for_membership(self, membership_id: int) -> Sequence[CheckIn]:
        """Every check-in of the membership, by local date then id."""
        ...

    async def for_cohort(self, cohort_id: int) -> Sequence[CheckIn]:
        """Every check-in of the cohort, by local date then id."""
        ...

    async def minutes_by_step(self, membership_id: int) -> dict[int | None, int]:
        """Minutes per roadmap step (None: no step named)."""
        ...

    async def done_counts(self, cohort_id: int, since: date) -> dict[date, int]:
        """Per local date >= `since`, how many of the cohort's memberships (active or not) were done that day under
        its daily target (dates with none may be left out). Kept on write: a few rows, whatever the history."""
        ...

    async def latest_recorded(self, member_id: int, since: datetime) -> CheckIn | None:
        """The member's check-in recorded last (by `created_at`, then id), if recorded at or after `since`."""
        ...

    async def undo(self, checkin: CheckIn, at: datetime) -> bool:
        """Take a stored check-in back: delete it, keep its (member, idempotency key) as undone so that `add_many`
        skips it and `was_undone` knows it, and take its minutes out of the leaderboards' figures (the
        membership's board streak becomes unknown). False, nothing done, when it is no longer stored."""
        ...

    async def was_undone(self, member_id: int, idempotency_key: str) -> bool: ...


class SprintRepository(Protocol):
    async def active_for_member(self, member_id: int) -> Sprint | None: ...

    async def active_for_members(self, member_ids: Sequence[int]) -> dict[int, Sprint]:
        """Each member's active sprint, for those among `member_ids` who have one, by member id."""
        ...

    async def add(self, sprint: Sprint) -> Sprint: ...

    async def save(self, sprint: Sprint) -> None: ...

    async def due(self, now: datetime, limit: int = 500) -> Sequence[Sprint]:
        """Active sprints with `ends_at <= now`, oldest first."""
        ...

    async def for_group(self, group_id: int) -> Sequence[Sprint]: ...

    async def overlapping(self, member_id: int, start: datetime, end: datetime) -> Sequence[Sprint]:
        """The member's sprints (any status) that started before `end` and end (as planned) after `start`."""
        ...


class GroupSprintRepository(Protocol):
    async def add(self, group: GroupSprint) -> GroupSprint: ...

    async def get(self, group_id: int) -> GroupSprint | None: ...

    async def save(self, group: GroupSprint) -> None: ...

    async def active_in_cohort(self, cohort_id: int) -> GroupSprint | None: ...

    async def due(self, now: datetime, limit: int) -> Sequence[GroupSprint]:
        """Active group sprints with `ends_at <= now`, oldest first."""
        ...


class RoadmapRepository(Protocol):
    async def get_custom(self, platform: str, workspace: str, key: str) -> CustomRoadmap | None: ...

    async def put_custom(self, roadmap: CustomRoadmap) -> CustomRoadmap:
        """Insert, or replace the definition of the workspace's roadmap with the same key."""
        ...

    async def list_custom(self, platform: str, workspace: str) -> Sequence[CustomRoadmap]: ...

    async def steps_done(self, membership_id: int) -> set[int]: ...

    async def mark_done(self, membership_id: int, step: int, at: datetime) -> bool:
        """False (nothing written, transaction usable) when that step was already marked."""
        ...

    async def steps_done_in_cohort(self, cohort_id: int) -> dict[int, set[int]]:
        """Per membership id of the cohort, the steps marked done."""
        ...


class BuddyRepository(Protocol):
    async def add(self, buddy: Buddy) -> Buddy: ...

    async def save(self, buddy: Buddy) -> None: ...

    async def for_member(self, cohort_id: int, member_id: int) -> Sequence[Buddy]:
        """Requested and active pairs in the cohort with the member on either side, oldest first."""
        ...


class PauseRepository(Protocol):
    async def for_member(self, member_id: int) -> Sequence[Pause]: ...

    async def for_members(self, member_ids: Sequence[int]) -> dict[int, list[Pause]]: ...

    async def add(self, pause: Pause) -> Pause: ...

    async def save(self, pause: Pause) -> None: ...

    async def remove(self, pause_id: int) -> None: ...


DueColumn = Literal["next_reminder_at", "next_lastcall_at", "next_dayend_at"]
DueKind = Literal["sprints", "groups", "reminders", "lastcalls", "dayends", "digests", "recaps", "leagues", "focus"]
# Where each due column keeps the local date of its occurrence (Membership fields and columns of that name).
DUE_DAY: dict[str, str | None] = {"next_reminder_at": "next_reminder_day", "next_lastcall_at": "next_lastcall_day",
                                  "next_dayend_at": None}


@dataclass(frozen=True)
class StreakInputs:
    """What a membership's streak walk needs from its check-ins (see `ScheduleRepository.streak_inputs`)."""

    first_day: date | None
    minutes_by_day: dict[date, int]


class ScheduleRepository(Protocol):
    """The scheduler's indexed look-ups: what is due, and when the next thing will be."""

    async def due_reminders(self, now: datetime, limit: int) -> Sequence[Membership]:
        """Active memberships with `next_reminder_at <= now`, earliest first."""
        ...

    async def due_lastcalls(self, now: datetime, limit: int) -> Sequence[Membership]:
        """Active memberships with `next_lastcall_at <= now`, earliest first."""
        ...

    async def due_dayends(self, now: datetime, limit: int) -> Sequence[Membership]:
        """Active memberships with `next_dayend_at <= now`, earliest first."""
        ...

    async def due_digests(self, now: datetime, limit: int) -> Sequence[Cohort]:
        """Cohorts with `next_digest_at <= now`, earliest first."""
        ...

    async def due_recaps(self, now: datetime, limit: int) -> Sequence[Cohort]:
        """Cohorts with `next_recap_at <= now`, earliest first."""
        ...

    async def next_due_at(self) -> datetime | None:
        """The earliest of: next reminder, last call, day end, digest, recap, active (group) sprint end,
        pending outbox attempt."""
        ...

    async def due_kinds(self, now: datetime) -> set[DueKind]:
        """Which kinds of work have something due at `now` (what the `due_*` look-ups, `sprints.due` and
        `groups.due` would find), in one cheap indexed query: an idle tick costs no more than this."""
        ...

    async def due_enrolments(self, column: DueColumn, now: datetime, limit: int) -> Sequence[Enrolment]:
        """Active memberships with `column <= now`, earliest first (ties by id), each with its cohort, member
        and the member's pauses. The memberships are locked for this unit of work; rows another one holds are
        skipped, not waited for (FOR UPDATE SKIP LOCKED on Postgres; SQLite serialises writers anyway).
        Enrolments of one cohort may share one Cohort object."""
        ...

    async def reschedule(self, column: DueColumn, slots: Mapping[int, Slot | None]) -> None:
        """Set `column` of many memberships at once: membership id -> its next occurrence (None: unscheduled);
        the occurrence's local date goes with it (`next_reminder_day`, `next_lastcall_day`; a day end's date is
        not stored, the second before it always lies in it)."""
        ...

    async def streak_inputs(self, membership_ids: Sequence[int], since: date) -> dict[int, StreakInputs]:
        """For each asked membership: its first local date with a check-in (None without any) and its minutes
        per local date for every date its saved streak state has not walked yet (every date when none is
        saved, or when the save is dated on or after `since`: `streaks.trusted`) and every date >= `since`;
        what `streaks.status` and a day's total need, for many at once. `since` is never after the `today`
        the caller walks to."""
        ...


class OutboxRepository(Protocol):
    async def add(self, message: OutboxMessage) -> bool:
        """Insert; False (and nothing written, transaction still usable) when the key already exists."""
        ...

    async def claim(self, now: datetime, limit: int, lease_until: datetime, owner: str) -> Sequence[OutboxMessage]:
        """Pending messages with `next_attempt_at <= now` whose lease is free or expired, oldest due first;
        marks them claimed by `owner` until `lease_until`. Safe across processes (SKIP LOCKED on Postgres)."""
        ...

    async def save(self, message: OutboxMessage) -> None:
        """Write back status, attempts, next_attempt_at, claim, last_error, sent_at, platform_message_id."""
        ...

    async def add_many(self, messages: Sequence[OutboxMessage]) -> list[str]:
        """Insert every message whose key is free (`add` for many, in one statement); returns the keys it
        inserted. Taken keys, also repeated ones within `messages`, are skipped; the transaction stays usable."""
        ...

    async def get_by_key(self, key: str) -> OutboxMessage | None: ...

    async def count(self, status: OutboxStatus | None = None) -> int: ...

    async def renew(self, message_id: int, owner: str, now: datetime, lease_until: datetime) -> bool:
        """Extend `owner`'s live claim on a pending message to `lease_until`; False when the claim has
        expired or passed to another process (then that process sends it, not this one)."""
        ...

    async def release(self, owner: str) -> int:
        """Drop every claim `owner` holds on pending messages (graceful shutdown); returns how many."""
        ...

    async def record(self, message: OutboxMessage) -> bool:
        """Write back how a delivery went — status, attempts, next_attempt_at, last_error, sent_at,
        platform_message_id, and the claim dropped — and nothing else: what the message says may have changed
        since it was claimed (`forget`). False (nothing written) when the row is gone."""
        ...

    async def mentioning(self, platform: str, workspace: str, user_id: str, name: str) -> Sequence[OutboxMessage]:
        """Every message of the workspace, in any status, sent to `user_id`, or whose text contains `name`, or whose
        data contains `user_id` (a superset of the messages about that member; the caller looks closer)."""
        ...

    async def remove(self, message_id: int) -> None: ...


class RateBudgetRepository(Protocol):
    """Send budgets shared by every process of one bot (one row per platform and bot in `rate_budgets`).

    A budget is a schedule of evenly spaced sending slots (the generic cell rate algorithm): it remembers when
    its next free slot is, never earlier than now. Taking slots moves that instant on, so slots taken by
    different processes never overlap and all of them together keep the pace."""

    async def reserve(self, key: str, slots: int, interval: float, lead: float = 0.0) -> float:
        """Take `slots` consecutive slots `interval` seconds apart from budget `key`; the first is at the later of
        now + `lead` and the budget's next free slot (an idle budget saves up no burst; `lead` leaves the caller
        the time its commit takes, so its first slot is not already behind it). Returns the seconds from the
        moment of answering until that first slot: negative when the slot began while the statement waited for
        another process's reservation, so the caller sees how late it already is. Time is the database's own, so
        processes on several machines agree whatever their clocks say; the answer is relative, so a caller that
        counts from when it arrives is late by the trip back, never early. The budget row stays locked until
        this unit of work ends: commit at once."""
        ...


@dataclass(frozen=True)
class LeagueCandidate:
    """An active membership eligible for next week's placement (a check-in in the 14 days before, not opted out),
    with its current tier (Bronze when it has none) and its minutes in the week before."""

    membership_id: int
    tier: int
    last_week_minutes: int


@dataclass(frozen=True)
class LeagueScore:
    """One placed membership's week so far: points (minutes per local day, each capped), done days, the instant
    of its first check-in of the week (None: none yet)."""

    membership_id: int
    tier: int
    division: int
    points: int
    done_days: int
    first_at: datetime | None


@dataclass(frozen=True)
class LeagueRow:
    """A division's row for the `league` command: the score and who it is."""

    score: LeagueScore
    member_id: int
    name: str
    hidden: bool


@dataclass(frozen=True)
class LeagueResult:
    membership_id: int
    rank: int
    points: int
    zone: str  # up, stay, down
    new_tier: int


class LeagueRepository(Protocol):
    async def due_cohorts(self, now: datetime, limit: int) -> Sequence[Cohort]:
        """Cohorts whose `next_league_at` has come, earliest first, locked (FOR UPDATE SKIP LOCKED): a cohort's
        week's end and placement run in one process, once."""
        ...

    async def candidates(self, cohort_id: int, week: date) -> list[LeagueCandidate]:
        """Active memberships with a check-in dated in the 14 days before `week` whose member has not opted out,
        by membership id."""
        ...

    async def place(self, cohort_id: int, week: date, places: Sequence[tuple[int, int, int]]) -> int:
        """Insert (membership id, tier, division) entries for the week; ones already there are kept (unique per
        cohort, week and membership). Returns how many were new."""
        ...

    async def open_weeks(self, cohort_id: int, before: date) -> list[date]:
        """Weeks before `before` with entries whose result is not written yet, oldest first."""
        ...

    async def scores(self, cohort_id: int, week: date, cap: int, target: int,
                     division: tuple[int, int] | None = None) -> list[LeagueScore]:
        """The week's entries (all, or one (tier, division)) with points from the check-ins of the seven local
        dates from `week`: per day min(minutes, cap) summed; done days: days with minutes >= target. By
        membership id."""
        ...

    async def division_rows(self, cohort_id: int, week: date, tier: int, division: int, cap: int,
                            target: int) -> list[LeagueRow]:
        """`scores` of one division with each member's id, name and whether they hide from boards."""
        ...

    async def entry(self, cohort_id: int, week: date, membership_id: int) -> tuple[int, int] | None:
        """(tier, division) of a membership in a week, or None when not placed."""
        ...

    async def finish(self, cohort_id: int, week: date, results: Sequence[LeagueResult]) -> None:
        """Write the week's results onto its entries and each membership's new tier into its standing."""
        ...

    async def outcome(self, cohort_id: int, week: date) -> dict[tuple[str, int], int]:
        """How many ended the week in each (zone, new tier): the recap's line. Empty when it has not ended."""
        ...

    async def recipients(self, membership_ids: Sequence[int]) -> dict[int, Member]:
        """Each membership's member (those still there), to DM."""
        ...

    async def opted_out(self, member_id: int) -> bool: ...

    async def set_opted_out(self, member_id: int, out: bool) -> None: ...


class FocusRepository(Protocol):
    """Focus rooms (voice channels that count), their sessions, and the cohorts' live status messages."""

    async def room(self, room_id: int) -> FocusRoom | None: ...

    async def rooms_of(self, cohort_id: int) -> Sequence[FocusRoom]: ...

    async def rooms_in(self, platform: str, workspace: str) -> Sequence[FocusRoom]: ...

    async def room_for(self, platform: str, workspace: str, channel_id: str) -> FocusRoom | None: ...

    async def add_room(self, room: FocusRoom) -> FocusRoom:
        """DuplicateKey when the channel is already a focus room (of any cohort)."""
        ...

    async def save_room(self, room: FocusRoom) -> None: ...

    async def remove_room(self, room_id: int) -> None: ...

    async def session(self, session_id: int) -> FocusSession | None: ...

    async def open_session(self, member_id: int) -> FocusSession | None:
        """The member's running session, if any."""
        ...

    async def open_in(self, room_ids: Sequence[int]) -> Sequence[FocusSession]:
        """The sessions running in these rooms, by id."""
        ...

    async def start(self, session: FocusSession) -> FocusSession:
        """DuplicateKey when the member already has a session running (one per member, whatever the room)."""
        ...

    async def save(self, session: FocusSession) -> None: ...

    async def seen(self, session_ids: Sequence[int], at: datetime) -> None:
        """The heartbeat: these running sessions' members were seen in their rooms at `at`."""
        ...

    async def mark_asked(self, session_ids: Sequence[int], at: datetime, answer_by: datetime) -> None:
        """The idle guard asked these running sessions "Still studying?" at `at`; they are due again at `answer_by`."""
        ...

    async def due(self, now: datetime, limit: int) -> Sequence[FocusSession]:
        """Running sessions the idle guard must look at (`due_at` reached), earliest first."""
        ...

    async def status_boards(self, cohort_ids: Sequence[int]) -> dict[int, FocusStatusBoard]: ...

    async def save_status_board(self, board: FocusStatusBoard) -> None: ...

    async def remove_status_board(self, cohort_id: int) -> None: ...


class PersonRepository(Protocol):
    """Linked accounts: one person, the account holding their data, and one-time codes."""

    async def accounts(self, person_ids: Sequence[int]) -> dict[int, list[Member]]:
        """Every account of each person (the holder first, then the others by id), by the holder's id."""
        ...

    async def join(self, holder_id: int, other_id: int) -> list[int]:
        """Make the person `other_id` holds part of the person `holder_id` holds: every account of theirs points
        at the holder, and everything theirs (memberships, check-ins, sprints, buddies, focus sessions, cohorts
        they created) becomes the holder's. Memberships of one cohort merge into the holder's: check-ins kept
        (marked with the account that recorded them), roadmap steps combined, organizer if either was, active if
        either was, the streak and board figures worked out again. Their settings (zone, pauses, rest days,
        privacy) give way to the holder's. Returns the ids of the cohorts where two memberships merged."""
        ...

    async def split(self, account_id: int) -> None:
        """Make a linked account a person of its own again, keeping what it recorded: in each cohort where it
        recorded check-ins for the person, it gets a membership of its own (joined as the person did, a member)
        holding them. When it is the holder, it keeps the person's data and settings, and the other accounts leave it
        that way instead (and stay one person together)."""
        ...

    async def add_code(self, code: LinkCode) -> None:
        """Store a one-time code, replacing any earlier code of the same kind the account asked for."""
        ...

    async def take_code(self, code_hash: str) -> LinkCode | None:
        """The code with this hash, deleted as it is read (single use); None when there is none."""
        ...

    async def peek_code(self, code_hash: str) -> LinkCode | None: ...

    async def add_failure(self, member_id: int, at: datetime) -> None:
        """A wrong code typed by this account (failures older than a day are dropped meanwhile)."""
        ...

    async def failures_since(self, member_id: int, since: datetime) -> int: ...


class UnitOfWork(Protocol):
    members: MemberRepository
    cohorts: CohortRepository
    memberships: MembershipRepository
    checkins: CheckInRepository
    sprints: SprintRepository
    pauses: PauseRepository
    schedule: ScheduleRepository
    outbox: OutboxRepository
    roadmaps: RoadmapRepository
    buddies: BuddyRepository
    groups: GroupSprintRepository
    rate_budgets: RateBudgetRepository
    leagues: LeagueRepository
    focus: FocusRepository
    persons: PersonRepository

    async def __aenter__(self) -> UnitOfWork: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    async def commit(self) -> None: ...


UnitOfWorkFactory = Callable[[], UnitOfWork]


class DuplicateKey(Exception):
    """A write collided with a unique key (an idempotency key, a cohort name, an outbox key)."""


__all__ = [
    "CheckInRepository",
    "CohortRepository",
    "CountsRequests",
    "DeliveryFailed",
    "Destination",
    "DuplicateKey",
    "MemberRepository",
    "MembershipRepository",
    "Notifier",
    "OutboxRepository",
    "PauseRepository",
    "PersonRepository",
    "RateBudgetRepository",
    "ScheduleRepository",
    "SprintRepository",
    "StreakState",
    "UnitOfWork",
    "UnitOfWorkFactory",
]


@dataclass(frozen=True)
class Destination:
    """Where a scheduled message goes: a member's DMs or a cohort's channel, on one platform."""

    platform: str
    workspace: str
    kind: Literal["dm", "channel"]
    target: str  # the platform's user id for "dm", its channel id for "channel"
    thread: str | None = None  # reply in the thread of this platform message id, where the platform has threads


class DeliveryFailed(Exception):
    """A send that did not happen. `permanent` (user left, blocked the bot, channel gone) is not retried;
    `retry_after` (seconds) comes from a platform's 429 and is honoured before the next attempt."""

    def __init__(self, reason: str, *, permanent: bool = False, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent
        self.retry_after = retry_after


class Notifier(Protocol):
    """Sends one rendered reply; each adapter implements it. Raises DeliveryFailed, nothing else.

    A send counts as one request of the platform's rate limit, unless the notifier also has `requests_for`
    (`CountsRequests`): the dispatcher asks it just before each send and reserves that many sending slots."""

    platform: str

    async def send(self, destination: Destination, reply: Reply) -> str | None:
        """Deliver and return the platform's message id (or None)."""
        ...


class CountsRequests(Protocol):
    """What a notifier whose sends may take several requests (e.g. Discord: open a DM channel, then post) adds."""

    def requests_for(self, destination: Destination) -> int:
        """How many requests of the platform's rate limit the next send to `destination` will make (at least 1),
        from what the notifier itself knows; never fewer than it will make, or the platform's limit is passed."""
        ...
