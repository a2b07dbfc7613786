"""The leaderboards in SQL: the figures the check-in write path keeps (`tally`, `forget_streaks`) and the
queries that rank them (`SqlBoards`, mixed into the membership repository). See bot/ranking.py for what the
board streak is and why it needs no walk.

Kept figures, per membership: `minutes_total` (all time), a `leaderboard_totals` row per week and per month
with minutes, and the board streak (`board_*` columns, NULL board_streak: unknown). Check-ins leave only
with their membership (members.remove, cohorts.remove cascade), and the figures leave with it, so only
writes that add check-ins, change pauses or change a cohort's daily target have to touch them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Date,
    and_,
    bindparam,
    case,
    func,
    literal,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain import CheckIn, Member, Membership, Pause
from bot.localtime import week_start
from bot.offdays import off_days
from bot.ranking import Board, BoardEntry, BoardStreak, after_done_day
from bot.streaks import REPAIR_FACTOR
from storage import done_days
from storage.models import CheckInRow, CohortRow, LeaderboardTotalRow, MemberRow, MembershipRow, PauseRow
from storage.rows import load, load_membership
from storage.sql import insert_for, slices

M = MembershipRow.__table__
P = MemberRow.__table__
T = LeaderboardTotalRow.__table__
C = CohortRow.__table__
K = CheckInRow.__table__
UNKNOWN = {"board_day": None, "board_streak": None, "board_freezes": None, "board_longest": None,
           "board_alive_until": None, "board_last_repair": None, "board_mendable": None}


def _streak_values(state: BoardStreak | None) -> dict[str, Any]:
    if state is None:
        return dict(UNKNOWN)
    return {"board_day": state.day, "board_streak": state.streak, "board_freezes": state.freezes,
            "board_longest": state.longest, "board_alive_until": state.alive_until,
            "board_last_repair": state.last_repair, "board_mendable": state.mendable}


# --- the write side ------------------------------------------------------------------------------------
async def tally(session: AsyncSession, checkins: Sequence[CheckIn]) -> None:
    """Count check-ins just stored into their memberships' figures. Every statement is set-based, and the
    memberships are updated first, in id order: on Postgres that row lock makes concurrent check-ins of one
    membership take turns (the later one then sees the earlier one's minutes), without deadlocks."""
    if not checkins:
        return
    added: dict[int, int] = defaultdict(int)
    on_day: dict[tuple[int, date], int] = defaultdict(int)
    periods: dict[tuple[int, str, date], int] = defaultdict(int)
    cohort_of: dict[int, int] = {}
    for checkin in checkins:
        membership = checkin.membership_id
        added[membership] += checkin.minutes
        on_day[membership, checkin.local_date] += checkin.minutes
        periods[membership, "week", week_start(checkin.local_date)] += checkin.minutes
        periods[membership, "month", checkin.local_date.replace(day=1)] += checkin.minutes
        cohort_of[membership] = checkin.cohort_id
    await session.execute(
        update(M).where(M.c.id == bindparam("row_id"))
        .values(minutes_total=M.c.minutes_total + bindparam("added"), board_version=M.c.board_version + 1),
        [{"row_id": membership, "added": minutes} for membership, minutes in sorted(added.items())])
    upsert = insert_for(session)(T)
    upsert = upsert.on_conflict_do_update(index_elements=[T.c.membership_id, T.c.period, T.c.starts_on],
                                          set_={"minutes": T.c.minutes + upsert.excluded.minutes})
    await session.execute(upsert, [
        {"membership_id": membership, "period": period, "starts_on": start, "cohort_id": cohort_of[membership],
         "minutes": minutes} for (membership, period, start), minutes in sorted(periods.items())])
    after = await done_days.day_totals(session, list(on_day))
    await done_days.count(session, on_day, after, cohort_of)
    await _advance_streaks(session, on_day, after)


async def _advance_streaks(session: AsyncSession, on_day: dict[tuple[int, date], int],
                           after: dict[tuple[int, date], int]) -> None:
    """A check-in that makes its day done moves a known board streak on to that day (a later day) or makes
    it unknown (an earlier one: the walk after it changed; or a done day reaching twice the target, which
    may repair a streak: an earlier one, or the last one when it fell short of a repair, `mendable`)."""
    rows_of: dict[int, tuple[Any, ...]] = {}
    for part in slices(sorted({membership for membership, _ in on_day})):
        rows = await session.execute(
            select(M.c.id, M.c.member_id, M.c.board_day, M.c.board_streak, M.c.board_freezes, M.c.board_longest,
                   M.c.board_alive_until, M.c.board_last_repair, M.c.board_mendable,
                   C.c.sprint_minutes * C.c.daily_goal, C.c.study_days, C.c.holidays, P.c.rest_days)
            .select_from(M.join(C, C.c.id == M.c.cohort_id).join(P, P.c.id == M.c.member_id))
            .where(M.c.id.in_(part), M.c.board_streak.is_not(None)))
        rows_of.update((row[0], tuple(row)) for row in rows)
    asked = sorted(key for key in on_day if key[0] in rows_of)
    if not asked:
        return
    crossed: dict[int, list[date]] = defaultdict(list)
    mended: set[int] = set()
    for membership, day in asked:
        row = rows_of[membership]
        target, total = row[9], after.get((membership, day), 0)
        before = total - on_day[membership, day]
        if before < target <= total:
            crossed[membership].append(day)
        elif before < REPAIR_FACTOR * target <= total and row[2] is not None \
                and (day < row[2] or (day == row[2] and row[8])):
            mended.add(membership)  # a done day reaching the double may repair a streak: walk again
    if not crossed and not mended:
        return
    pauses = await _pauses(session, sorted({rows_of[membership][1] for membership in crossed}))
    changes = [{"row_id": membership, **UNKNOWN} for membership in sorted(mended)]
    for membership, days in sorted(crossed.items()):
        if membership in mended:
            continue
        _, member, day0, streak, freezes, longest, until, repaired, mendable, target, study, holidays, rest = \
            rows_of[membership]
        is_off = off_days(study, holidays, rest, pauses.get(member, []))
        new: BoardStreak | None = BoardStreak(day0, streak, freezes or 0, longest or 0, until, repaired,
                                              mendable or 0)
        for day in sorted(days):
            assert new is not None
            if new.day is not None and day < new.day:
                new = None
                break
            new = after_done_day(new, day, after[membership, day], target, is_off)
        changes.append({"row_id": membership, **_streak_values(new)})
    await session.execute(
        update(M).where(M.c.id == bindparam("row_id"))
        .values({name: bindparam(name) for name in UNKNOWN}), changes)


async def untally(session: AsyncSession, membership: int, cohort: int, day: date, minutes: int) -> None:
    """Take an undone check-in's minutes (on local date `day`) out of its membership's figures (its board streak
    becomes unknown) and, when its day falls below the target, out of the cohort's members done that day."""
    left = (await done_days.day_totals(session, [(membership, day)])).get((membership, day), 0)
    await done_days.uncount(session, cohort, day, left + minutes, left)
    await session.execute(update(M).where(M.c.id == membership).values(
        minutes_total=M.c.minutes_total - minutes, board_version=M.c.board_version + 1, **UNKNOWN))
    for period, start in (("week", week_start(day)), ("month", day.replace(day=1))):
        await session.execute(update(T).where(T.c.membership_id == membership, T.c.period == period,
                                              T.c.starts_on == start).values(minutes=T.c.minutes - minutes))


async def _pauses(session: AsyncSession, member_ids: Sequence[int]) -> dict[int, list[Pause]]:
    result: dict[int, list[Pause]] = defaultdict(list)
    table = PauseRow.__table__
    for part in slices(member_ids):
        rows = await session.execute(select(table.c.member_id, table.c.start_date, table.c.end_date)
                                     .where(table.c.member_id.in_(part)))
        for member, start, end in rows:
            result[member].append(Pause(member, start, end))
    return result


async def forget_streaks(session: AsyncSession, *, cohort_id: int | None = None, member_id: int | None = None,
                         pause_id: int | None = None, membership_id: int | None = None,
                         alive_from: date | None = None) -> None:
    """Make board streaks unknown: a cohort's (its daily target or off days changed), a member's (their pauses or
    rest days changed), the member's whose pause `pause_id` is (call before deleting it), or one membership's (a
    check-in undone). With `alive_from`, only streaks that still stand on or after that day: what changed are
    off days from then on, and a streak over before them is not moved by them."""
    if cohort_id is not None:
        where = M.c.cohort_id == cohort_id
    elif member_id is not None:
        where = M.c.member_id == member_id
    elif membership_id is not None:
        where = M.c.id == membership_id
    else:
        table = PauseRow.__table__
        where = M.c.member_id == select(table.c.member_id).where(table.c.id == pause_id).scalar_subquery()
    if alive_from is not None:
        where = and_(where, M.c.board_alive_until >= alive_from)
    await session.execute(update(M).where(where).values(board_version=M.c.board_version + 1, **UNKNOWN))


# --- the read side -------------------------------------------------------------------------------------
# Every count runs over the cohort's memberships alone (plus its period totals for week and month): hidden
# members are few and found once through a partial index, and members are joined only to name the leaders
# or when some member has a time zone of their own (their `today` may differ from the cohort's).
HIDDEN = P.c.hidden == true()  # spelled as the partial index ix_members_hidden is, so that it is used
WITH_NAMES = M.join(P, P.c.id == M.c.member_id)


def _zoned(board: Board) -> dict[str, date]:
    default = board.today[None]
    return {zone: day for zone, day in board.today.items() if zone is not None and day != default}


def _today(board: Board) -> ColumnElement[Any]:
    """The member's local date now, as SQL: one bound date per time zone the board was given."""
    default = literal(board.today[None], Date())
    zoned = _zoned(board)
    if not zoned:
        return default
    return case({zone: literal(day, Date()) for zone, day in zoned.items()}, value=P.c.timezone, else_=default)


def _visible(board: Board) -> ColumnElement[bool]:
    """Active memberships of the board's cohort whose member is not hidden."""
    return and_(M.c.cohort_id == board.cohort_id, M.c.active.is_(True),
                M.c.member_id.not_in(select(P.c.id).where(HIDDEN)))


class _Streaks:
    """The streak board's columns and conditions (a per-member `today` inside)."""

    def __init__(self, board: Board) -> None:
        today = _today(board)
        self.source = WITH_NAMES if _zoned(board) else M
        self.regular = and_(M.c.board_streak.is_not(None), or_(M.c.board_day.is_(None), M.c.board_day <= today))
        # Alive: a streak that stands today. The bound on board_alive_until alone lets an index find them.
        self.alive = and_(M.c.board_alive_until >= min(board.today.values()),
                          M.c.board_day <= today, today <= M.c.board_alive_until)
        self.late = and_(M.c.board_alive_until > min(board.today.values()), M.c.board_day > today)
        self.value = case((self.alive, M.c.board_streak), else_=0)
        self.longest = func.coalesce(M.c.board_longest, 0)


def _minutes(board: Board) -> tuple[Any, ColumnElement[int], ColumnElement[bool]]:
    """week, month, all: where the minutes are, their column and which rows count."""
    if board.kind == "all":
        return M, M.c.minutes_total, _visible(board)
    return T.join(M, M.c.id == T.c.membership_id), T.c.minutes, and_(
        _visible(board), T.c.cohort_id == board.cohort_id, T.c.period == board.kind, T.c.starts_on == board.starts_on)


def _entries(rows: Any) -> list[BoardEntry]:
    return [BoardEntry(membership, member, name, int(value), int(longest))
            for membership, member, name, value, longest in rows]


class SqlBoards:
    """Leaderboard queries of `bot.ports.MembershipRepository`."""

    _session: AsyncSession

    async def board_zones(self, cohort_id: int) -> set[str | None]:
        """From the members with a zone of their own (a partial index holds just those), the cohort's."""
        enrolled = select(M.c.id).where(M.c.member_id == P.c.id, M.c.cohort_id == cohort_id, M.c.active.is_(True))
        rows = await self._session.execute(
            select(P.c.timezone).distinct().where(P.c.timezone.is_not(None), enrolled.exists()))
        return {None} | {zone for (zone,) in rows}

    async def board_unknown(self, cohort_id: int) -> dict[int, tuple[int, int]]:
        rows = await self._session.execute(  # board_streak IS NULL: a partial index holds just those
            select(M.c.id, M.c.member_id, M.c.board_version)
            .where(M.c.cohort_id == cohort_id, M.c.board_streak.is_(None), M.c.active.is_(True)))
        return {membership: (member, version) for membership, member, version in rows}

    async def save_board_streaks(self, states: dict[int, tuple[BoardStreak, int]]) -> None:
        if not states:
            return
        await self._session.execute(
            update(M).where(M.c.id == bindparam("row_id"), M.c.board_version == bindparam("seen"))
            .values({name: bindparam(name) for name in UNKNOWN}),
            [{"row_id": membership, "seen": version, **_streak_values(state)}
             for membership, (state, version) in sorted(states.items())])

    async def board_irregular(self, board: Board) -> Sequence[tuple[Membership, Member]]:
        streaks = _Streaks(board)
        found = []
        # Two indexed look-ups: the unknown ones, and last done days after today (streaks still standing).
        for odd in (M.c.board_streak.is_(None), streaks.late):
            ids = select(M.c.id).select_from(streaks.source).where(_visible(board), odd)
            rows = await self._session.execute(
                select(MembershipRow, MemberRow).join(MemberRow, MemberRow.id == MembershipRow.member_id)
                .where(MembershipRow.id.in_(ids)))
            found += [(load_membership(m), load(Member, p)) for m, p in rows]
        return sorted(found, key=lambda pair: pair[0].id or 0)

    async def board_leaders(self, board: Board, top: int) -> list[BoardEntry]:
        if board.kind == "streak":
            streaks = _Streaks(board)
            cut = (await self._session.execute(
                select(M.c.board_streak, M.c.board_longest).select_from(streaks.source)
                .where(_visible(board), streaks.alive)
                .order_by(M.c.board_streak.desc(), M.c.board_longest.desc()).limit(1).offset(top - 1))).first()
            wanted = streaks.alive
            if cut is not None:
                wanted = and_(wanted, or_(M.c.board_streak > cut[0],
                                          and_(M.c.board_streak == cut[0], M.c.board_longest >= cut[1])))
            rows = await self._session.execute(
                select(M.c.id, M.c.member_id, P.c.display_name, M.c.board_streak, M.c.board_longest)
                .select_from(WITH_NAMES).where(_visible(board), wanted))
            return _entries(rows)
        source, value, where = _minutes(board)
        threshold = (await self._session.execute(
            select(value).select_from(source).where(where, value > 0)
            .order_by(value.desc()).limit(1).offset(top - 1))).scalar()
        rows = await self._session.execute(
            select(M.c.id, M.c.member_id, P.c.display_name, value, literal(0))
            .select_from(source.join(P, P.c.id == M.c.member_id)).where(where, value >= max(threshold or 0, 1)))
        return _entries(rows)

    async def board_entry(self, board: Board, member_id: int) -> BoardEntry | None:
        visible = and_(_visible(board), M.c.member_id == member_id)
        if board.kind == "streak":
            streaks = _Streaks(board)
            query = (select(M.c.id, M.c.member_id, P.c.display_name, streaks.value, streaks.longest)
                     .select_from(WITH_NAMES).where(visible, streaks.regular))
        elif board.kind == "all":
            query = (select(M.c.id, M.c.member_id, P.c.display_name, M.c.minutes_total, literal(0))
                     .select_from(WITH_NAMES).where(visible))
        else:
            period = and_(T.c.membership_id == M.c.id, T.c.period == board.kind, T.c.starts_on == board.starts_on)
            query = (select(M.c.id, M.c.member_id, P.c.display_name, func.coalesce(T.c.minutes, 0), literal(0))
                     .select_from(WITH_NAMES.outerjoin(T, period)).where(visible))
        entries = _entries(await self._session.execute(query))
        return entries[0] if entries else None

    async def board_count_above(self, board: Board, value: int, longest: int) -> int:
        if board.kind == "streak":
            streaks = _Streaks(board)
            if value > 0:  # only standing streaks can beat it: the index finds those
                above = and_(streaks.alive, or_(M.c.board_streak > value,
                                                and_(M.c.board_streak == value, M.c.board_longest > longest)))
            else:
                above = and_(streaks.regular, or_(streaks.alive, streaks.longest > longest))
            query = select(func.count()).select_from(streaks.source).where(_visible(board), above)
        else:
            source, column, where = _minutes(board)
            query = select(func.count()).select_from(source).where(where, column > value)
        return int((await self._session.execute(query)).scalar_one())


__all__ = ["SqlBoards", "forget_streaks", "tally", "untally"]
