"""`leaderboard [streak|week|month|all]`: top 10 of the cohort plus the caller's own row.

Storage ranks from figures the check-in writes keep up to date (bot/ranking.py), so a board costs a few
indexed queries however big the cohort and its history: the best entries (ties at the 10th place included)
and a count of who is ahead of the caller. The streak board first works out the board streaks storage does
not know (new memberships, pauses changed, an earlier day done late) and walks, the classic way, the rare
members whose stored streak cannot speak for their today (see `board_irregular`).
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot import persons, ranking, streaks
from bot.commands.context import Args, Context, Invocation, clip
from bot.commands.resolve import target_cohort
from bot.domain import Cohort, Enrolment, Member, Membership
from bot.errors import CommandError
from bot.localtime import local_day, week_start
from bot.offdays import off_days
from bot.ports import UnitOfWork, UnitOfWorkFactory
from bot.progress import resume_day
from bot.ranking import Board, BoardEntry, best_first, competition_ranks
from bot.replies import Attachment, Reply
from bot.streaks import StreakState

LABELS = {"streak": "current streaks", "week": "minutes this week", "month": "minutes this month",
          "all": "minutes of all time"}
BOARDS = tuple(LABELS)
TOP = 10
SLICE = 1000  # memberships whose board streak is worked out together
TURN = 50  # memberships worked out per unit of work ahead of the board: ~25 ms of the lock for 100 days each


async def run(ctx: Context, args: Args) -> Reply:
    kind = (args.text("board") or "streak").lower()
    if kind not in BOARDS:
        raise CommandError("bad_board", f"There is no '{clip(kind)}' leaderboard. "
                                        f"Type `leaderboard` followed by one of: {', '.join(BOARDS)}.")
    cohort = await target_cohort(ctx, args)
    board, walked = await prepare(ctx.uow, cohort, kind, ctx.now)
    unit = "days" if kind == "streak" else "min"
    top = await leaders(ctx.uow, board, walked, TOP)
    names = await _names_here(ctx, [entry for _, entry in top])
    shown = sorted(((rank, replace(entry, name=names.get(entry.member_id, entry.name))) for rank, entry in top),
                   key=lambda pair: (pair[0], best_first(pair[1])))  # ties by the name shown here
    rows = [{"rank": rank, "name": entry.name, "value": entry.value} for rank, entry in shown]
    assert ctx.member.id is not None
    mine = next((entry for entry in walked if entry.member_id == ctx.member.id), None) \
        or await ctx.uow.memberships.board_entry(board, ctx.member.id)
    you = None
    if mine is not None:
        ahead = await ctx.uow.memberships.board_count_above(board, mine.value, mine.longest)
        ahead += sum(1 for entry in walked if entry.key > mine.key)
        you = {"rank": ahead + 1, "value": mine.value}
    title = f"{cohort.name} — {LABELS[kind]}"
    lines = [f"{row['rank']}. {row['name']} — {_amount(row['value'], unit)}" for row in rows] or \
        ["Nobody is on the board yet. A `checkin` puts you on it."]
    if you is not None:
        lines.append(f"You: #{you['rank']} with {_amount(you['value'], unit)}.")
    data = {"board": kind, "cohort": cohort.name, "rows": rows, "you": you, "unit": unit}
    return Reply(text="\n".join(lines), title=title, data=data,
                 attachments=await _card(ctx, cohort, kind) if args.flag("card") else ())


async def _names_here(ctx: Context, entries: list[BoardEntry]) -> dict[int, str]:
    """Linked persons by their name on the platform the board is shown on."""
    members = await ctx.uow.members.get_many([entry.member_id for entry in entries])
    linked = [member for member in members.values() if member.linked]
    inv = ctx.invocation
    return await persons.names_on(ctx.uow, inv.platform, inv.workspace, linked) if linked else {}


async def _card(ctx: Context, cohort: Cohort, kind: str) -> tuple[Attachment, ...]:
    """`card:true`: the board as the web page's picture (its privacy: names only by `privacy web:show`)."""
    from bot.pages import board_page  # bot.pages builds on this module

    if ctx.tools.charts is None:  # no imaging here: the board's text alone, as `stats` does
        return ()
    page = await board_page(ctx.uow, ctx.tools.roadmaps, cohort, kind, ctx.now)
    return (Attachment(f"{cohort.name}-{kind}-{page.today.isoformat()}.png", ctx.tools.charts.board_card(page),
                       "image/png"),)


async def prepare(uow: UnitOfWork, cohort: Cohort, kind: str, now: datetime) -> tuple[Board, list[BoardEntry]]:
    """The board as storage is asked for it, and (streak board) the members ranked from a walk instead of stored
    figures."""
    assert cohort.id is not None
    if kind != "streak":
        return Board(cohort.id, kind, starts_on=_period_start(kind, local_day(now, cohort.zone,
                                                                               cohort.rollover_hour))), []
    zones = await uow.memberships.board_zones(cohort.id)
    today = {zone: local_day(now, ZoneInfo(zone or cohort.timezone), cohort.rollover_hour) for zone in zones | {None}}
    board = Board(cohort.id, kind, today=today)
    await _work_out_unknown(uow, cohort)
    return board, await _walk_irregular(uow, cohort, board, now)


async def leaders(uow: UnitOfWork, board: Board, walked: list[BoardEntry], top: int) -> list[tuple[int, BoardEntry]]:
    """The best `top` entries with a value above 0 (ties at the cut included no further), with their ranks."""
    found = await uow.memberships.board_leaders(board, top)
    pool = sorted([*found, *(entry for entry in walked if entry.value > 0)], key=best_first)
    ranks = competition_ranks(pool, key=lambda entry: entry.key)
    return [(rank, entry) for rank, entry in zip(ranks, pool, strict=True) if entry.value > 0][:top]


async def work_out_first(units: UnitOfWorkFactory, invocation: Invocation, args: Args, now: datetime) -> None:
    """Before a streak board's own unit of work: the cohort's unknown board streaks worked out in turns."""
    if (args.text("board") or "streak").lower() != "streak":
        return
    async with units() as uow:
        member = await uow.members.find(invocation.platform, invocation.workspace, invocation.user_id)
        if member is None:  # a newcomer: the command itself says what it says to them
            return
        try:
            cohort = await target_cohort(Context(invocation, args.spec, uow, now, member), args)
        except CommandError:  # so will the command
            return
        assert cohort.id is not None
        unknown = await uow.memberships.board_unknown(cohort.id)
    await work_out_in_turns(units, cohort.id, unknown)


async def work_out_in_turns(units: UnitOfWorkFactory, cohort_id: int,
                            unknown: dict[int, tuple[int, int]] | None = None) -> int:
    """Work out the cohort's unknown board streaks TURN memberships at a time, each turn in a short unit of work
    of its own, resting as long as each took, so that other commands take their turns in between: after an
    upgrade or a changed daily target a whole cohort is unknown, and walking 10,000 histories in one
    transaction held SQLite's write lock (the process's one connection) and the event loop for seconds. A
    membership changed since its version was read stays unknown (the save is refused) and the board works it
    out itself. `unknown`: as `board_unknown` just read it. Returns the number of turns taken."""
    if unknown is None:
        async with units() as uow:
            unknown = await uow.memberships.board_unknown(cohort_id)
    ids = sorted(unknown)
    turns = 0
    for start in range(0, len(ids), TURN):
        began = time.perf_counter()
        async with units() as uow:
            cohort = await uow.cohorts.get(cohort_id)  # read again each turn: its off days may have changed
            if cohort is None:
                break
            await _work_out(uow, cohort, {membership: unknown[membership] for membership in ids[start:start + TURN]})
            await uow.commit()
        turns += 1
        # Rest as long as the turn took: commands queued for the connection take it first, and others get at
        # least half of the process's time (each turn's walks hold the event loop; on Postgres no lock paces them).
        await asyncio.sleep(time.perf_counter() - began)
    return turns


async def _work_out_unknown(uow: UnitOfWork, cohort: Cohort) -> None:
    """Walk the whole history of each membership whose board streak storage does not know, and store it.
    Usually a few (new members, changed pauses); the whole cohort only when `work_out_in_turns` did not run
    first, then in slices so that a big cohort's history never sits in memory at once."""
    assert cohort.id is not None
    unknown = await uow.memberships.board_unknown(cohort.id)
    ids = sorted(unknown)
    for start in range(0, len(ids), SLICE):
        await _work_out(uow, cohort, {membership: unknown[membership] for membership in ids[start:start + SLICE]})


async def _work_out(uow: UnitOfWork, cohort: Cohort, part: dict[int, tuple[int, int]]) -> None:
    """Walk the histories of `part` (membership id -> (member id, version)) and save their board streaks."""
    history = await uow.checkins.minutes_by_day_since(dict.fromkeys(part, date.min))
    member_ids = sorted({member_id for member_id, _ in part.values()})
    pauses = await uow.pauses.for_members(member_ids)
    members = await uow.members.get_many(member_ids)
    states = {}
    for membership, (member_id, version) in part.items():
        member = members.get(member_id)
        if member is None:  # forgotten meanwhile
            continue
        is_off = off_days(cohort.study_days, cohort.holidays, member.rest_days, pauses.get(member_id, []))
        states[membership] = (ranking.board_streak(history.get(membership, {}), cohort.daily_target, is_off),
                              version)
    await uow.memberships.save_board_streaks(states)


async def _walk_irregular(uow: UnitOfWork, cohort: Cohort, board: Board, now: datetime) -> list[BoardEntry]:
    """The exact streak (DESIGN.md's walk) of the members storage cannot rank today."""
    pairs = await uow.memberships.board_irregular(board)
    if not pairs:
        return []
    pauses = await uow.pauses.for_members(sorted({member.id or 0 for _, member in pairs}))
    entries = []
    for membership, member in pairs:
        assert membership.id is not None and member.id is not None
        enrolment = Enrolment(cohort, member, membership, tuple(pauses.get(member.id, ())))
        by_day = await uow.checkins.minutes_by_day(membership.id, date.min)
        status, _ = streaks.status(None, min(by_day, default=None), enrolment.local_date(now), by_day,
                                   cohort.daily_target, enrolment.is_off)
        entries.append(BoardEntry(membership.id, member.id, member.display_name, status.streak, status.longest))
    return entries


@dataclass(frozen=True)
class Standing:
    membership_id: int
    name: str
    value: int
    longest: int = 0


async def streak_standings(uow: UnitOfWork, cohort: Cohort, pairs: list[tuple[Membership, Member]],
                           now: datetime) -> list[Standing]:
    """Everyone's current streak with a handful of queries, resuming from each saved walk state (the weekly
    recap's; the board itself ranks from stored board streaks)."""
    assert cohort.id is not None
    firsts = await uow.checkins.first_days_in_cohort(cohort.id)
    # Each from its own resume day: one member without a saved walk must not pull in everyone's history.
    today = {_id(m.id): Enrolment(cohort, member, m).local_date(now) for m, member in pairs}
    by_day = await uow.checkins.minutes_by_day_since(
        {_id(m.id): resume_day(m.streak_state, firsts[_id(m.id)], today[_id(m.id)])
         for m, _ in pairs if _id(m.id) in firsts})
    pauses = await uow.pauses.for_members([_id(member.id) for _, member in pairs])
    standings = []
    changed: dict[int, StreakState | None] = {}
    for membership, member in pairs:
        enrolment = Enrolment(cohort, member, membership, tuple(pauses.get(_id(member.id), ())))
        status, checkpoint = streaks.status(
            membership.streak_state, firsts.get(_id(membership.id)), today[_id(membership.id)],
            by_day.get(_id(membership.id), {}), cohort.daily_target, enrolment.is_off)
        if checkpoint != membership.streak_state:
            membership.streak_state = checkpoint
            changed[_id(membership.id)] = checkpoint
        standings.append(Standing(_id(membership.id), member.display_name, status.streak, status.longest))
    await uow.memberships.save_streak_states(changed)  # one statement, not one write per member
    return standings


def _amount(value: int, unit: str) -> str:
    return f"{value} day" if unit == "days" and value == 1 else f"{value} {unit}"


def _id(value: int | None) -> int:
    assert value is not None
    return value


def _period_start(board: str, today: date) -> date | None:
    """The first local date of the week (Monday) or month the cohort is in; None for all time."""
    if board == "week":
        return week_start(today)
    return today.replace(day=1) if board == "month" else None
