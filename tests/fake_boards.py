"""The leaderboard part of the in-memory fake (tests/fakes.py), kept apart so the fake stays readable.

Like storage/boards.py it keeps each membership's board streak (and a version every change bumps) in a
table of its own, updated by the check-in writes and forgotten on pause or target changes. The minutes
boards it simply sums from the check-ins, the reference the SQL's kept totals are held to by the contract
tests.
"""

from __future__ import annotations

import copy
import dataclasses
from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING

from bot.domain import CheckIn, Member, Membership
from bot.localtime import week_start
from bot.offdays import off_days
from bot.ranking import Board, BoardEntry, BoardStreak, after_done_day
from bot.streaks import REPAIR_FACTOR

if TYPE_CHECKING:
    from tests.fakes import InMemoryUnitOfWork

TABLE = "board_streaks"


@dataclasses.dataclass
class BoardRow:
    id: int  # the membership's
    version: int = 0
    state: BoardStreak | None = None  # None: unknown


def _row(uow: InMemoryUnitOfWork, membership_id: int) -> BoardRow:
    row = uow.state[TABLE].get(membership_id)
    return copy.deepcopy(row) if row is not None else BoardRow(membership_id)


def _off(uow: InMemoryUnitOfWork, membership: Membership):  # type: ignore[no-untyped-def]
    pauses = [p for p in uow.rows("pauses") if p.member_id == membership.member_id]
    cohort, member = uow.state["cohorts"][membership.cohort_id], uow.state["members"][membership.member_id]
    return off_days(cohort.study_days, cohort.holidays, member.rest_days, pauses)


def tally(uow: InMemoryUnitOfWork, checkins: Sequence[CheckIn]) -> None:
    """What storage.boards.tally does, after the check-ins are in the fake's state."""
    on_day: dict[tuple[int, date], int] = defaultdict(int)
    for checkin in checkins:
        on_day[checkin.membership_id, checkin.local_date] += checkin.minutes
    by_membership: dict[int, list[date]] = defaultdict(list)
    for membership_id, day in sorted(on_day):
        by_membership[membership_id].append(day)
    for membership_id, days in by_membership.items():
        row = _row(uow, membership_id)
        row.version += 1
        membership = uow.state["memberships"][membership_id]
        target = uow.state["cohorts"][membership.cohort_id].daily_target
        state = row.state
        for day in days:
            if state is None:
                break
            total = sum(c.minutes for c in uow.rows("checkins")
                        if c.membership_id == membership_id and c.local_date == day)
            before = total - on_day[membership_id, day]
            if before < REPAIR_FACTOR * target <= total and state.day is not None \
                    and (day < state.day or (day == state.day and state.mendable)):
                state = None  # a done day reaching the double may repair a streak: walk again
            elif not before < target <= total:
                continue
            elif state.day is not None and day < state.day:
                state = None
            else:
                state = after_done_day(state, day, total, target, _off(uow, membership))
        row.state = state
        uow.write(TABLE, row)


def forget(uow: InMemoryUnitOfWork, *, cohort_id: int | None = None, member_id: int | None = None,
           membership_id: int | None = None, alive_from: date | None = None) -> None:
    for membership in list(uow.rows("memberships")):
        if membership.cohort_id == cohort_id or membership.member_id == member_id or membership.id == membership_id:
            row = _row(uow, membership.id)
            if alive_from is not None and (row.state is None or row.state.alive_until is None
                                           or row.state.alive_until < alive_from):
                continue
            row.version += 1
            row.state = None
            uow.write(TABLE, row)


class FakeBoards:
    """The leaderboard queries of the fake's MembershipRepository."""

    _uow: InMemoryUnitOfWork

    def _visible(self, cohort_id: int) -> list[tuple[Membership, Member]]:
        members = self._uow.state["members"]
        return [(m, members[m.member_id]) for m in self._uow.rows("memberships")
                if m.cohort_id == cohort_id and m.active and not members[m.member_id].hidden]

    def _standings(self, board: Board) -> list[BoardEntry]:
        """Every visible active member's entry, irregular ones (streak board) left out."""
        entries = []
        for membership, member in self._visible(board.cohort_id):
            longest = 0
            if board.kind == "streak":
                state = _row(self._uow, membership.id).state
                now = state.as_of(board.today_in(member.timezone)) if state is not None else None
                if now is None:
                    continue
                value, longest = now
            else:
                value = sum(c.minutes for c in self._uow.rows("checkins")
                            if c.membership_id == membership.id and _counts(board, c.local_date))
            entries.append(BoardEntry(membership.id, member.id, member.display_name, value, longest))
        return entries

    async def board_zones(self, cohort_id: int) -> set[str | None]:
        members = self._uow.state["members"]
        return {members[m.member_id].timezone for m in self._uow.rows("memberships")
                if m.cohort_id == cohort_id and m.active}

    async def board_unknown(self, cohort_id: int) -> dict[int, tuple[int, int]]:
        result = {}
        for m in self._uow.rows("memberships"):
            row = _row(self._uow, m.id)
            if m.cohort_id == cohort_id and m.active and row.state is None:
                result[m.id] = (m.member_id, row.version)
        return result

    async def save_board_streaks(self, states: dict[int, tuple[BoardStreak, int]]) -> None:
        for membership_id, (state, version) in states.items():
            row = _row(self._uow, membership_id)
            if membership_id in self._uow.state["memberships"] and row.version == version:
                row.state = state
                self._uow.write(TABLE, row)

    async def board_irregular(self, board: Board) -> Sequence[tuple[Membership, Member]]:
        regular = {entry.membership_id for entry in self._standings(board)}
        return [(copy.deepcopy(m), copy.deepcopy(p)) for m, p in self._visible(board.cohort_id)
                if m.id not in regular]

    async def board_leaders(self, board: Board, top: int) -> list[BoardEntry]:
        positive = sorted((entry for entry in self._standings(board) if entry.value > 0),
                          key=lambda entry: entry.key, reverse=True)
        if len(positive) < top:
            return positive
        cut = positive[top - 1].key
        return [entry for entry in positive if entry.key >= cut]

    async def board_entry(self, board: Board, member_id: int) -> BoardEntry | None:
        return next((entry for entry in self._standings(board) if entry.member_id == member_id), None)

    async def board_count_above(self, board: Board, value: int, longest: int) -> int:
        return sum(1 for entry in self._standings(board) if entry.key > (value, longest))


def _counts(board: Board, day: date) -> bool:
    if board.kind == "week":
        return week_start(day) == board.starts_on
    if board.kind == "month":
        return day.replace(day=1) == board.starts_on
    return True
