"""`leaderboard [streak|week|month|all]`: top 10 of the cohort plus the caller's own row."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bot import streaks
from bot.commands.context import Args, Context, clip
from bot.commands.resolve import target_cohort
from bot.domain import Cohort, Enrolment, Member, Membership
from bot.errors import CommandError
from bot.localtime import local_day, week_start
from bot.ports import UnitOfWork
from bot.ranking import competition_ranks
from bot.replies import Reply
from bot.streaks import StreakState

LABELS = {"streak": "current streaks", "week": "minutes this week", "month": "minutes this month",
          "all": "minutes of all time"}
BOARDS = tuple(LABELS)
TOP = 10


@dataclass(frozen=True)
class Standing:
    membership_id: int
    name: str
    value: int
    longest: int = 0


async def run(ctx: Context, args: Args) -> Reply:
    board = (args.text("board") or "streak").lower()
    if board not in BOARDS:
        raise CommandError("bad_board", f"There is no '{clip(board)}' leaderboard. "
                                        f"Type `leaderboard` followed by one of: {', '.join(BOARDS)}.")
    cohort = await target_cohort(ctx, args)
    assert cohort.id is not None
    pairs = [(m, member) for m, member in await ctx.uow.memberships.active_in_cohort(cohort.id)]
    visible = [(m, member) for m, member in pairs if not member.hidden]
    if board == "streak":
        standings = await streak_standings(ctx.uow, cohort, visible, ctx.now)
        standings.sort(key=lambda s: (-s.value, -s.longest, s.name.lower()))
        ranks = competition_ranks(standings, key=lambda s: (s.value, s.longest))
    else:
        start, end = _period(board, local_day(ctx.now, cohort.zone, cohort.rollover_hour))
        totals = await ctx.uow.checkins.totals_in_cohort(cohort.id, start, end)
        standings = [Standing(_id(m.id), member.display_name, totals.get(_id(m.id), 0)) for m, member in visible]
        standings.sort(key=lambda s: (-s.value, s.name.lower()))
        ranks = competition_ranks(standings, key=lambda s: s.value)
    unit = "days" if board == "streak" else "min"
    rows = [{"rank": rank, "name": s.name, "value": s.value} for rank, s in zip(ranks, standings, strict=True)
            if s.value > 0][:TOP]
    mine = next(((rank, s) for rank, s in zip(ranks, standings, strict=True)
                 if _is_caller(s, pairs, ctx.member)), None)
    you = {"rank": mine[0], "value": mine[1].value} if mine else None
    title = f"{cohort.name} — {LABELS[board]}"
    lines = [f"{row['rank']}. {row['name']} — {row['value']} {unit}" for row in rows] or \
        ["Nobody is on the board yet. A `checkin` puts you on it."]
    if you is not None:
        lines.append(f"You: #{you['rank']} with {you['value']} {unit}.")
    return Reply(text="\n".join(lines), title=title,
                 data={"board": board, "cohort": cohort.name, "rows": rows, "you": you, "unit": unit})


async def streak_standings(uow: UnitOfWork, cohort: Cohort, pairs: list[tuple[Membership, Member]],
                           now: datetime) -> list[Standing]:
    """Everyone's current streak with a handful of queries, resuming from each saved walk state."""
    assert cohort.id is not None
    firsts = await uow.checkins.first_days_in_cohort(cohort.id)
    starts = [_resume_day(m, firsts.get(_id(m.id))) for m, _ in pairs if _id(m.id) in firsts]
    by_day = await uow.checkins.minutes_by_day_in_cohort(cohort.id, min(starts)) if starts else {}
    pauses = await uow.pauses.for_members([_id(member.id) for _, member in pairs])
    standings = []
    changed: dict[int, StreakState | None] = {}
    for membership, member in pairs:
        enrolment = Enrolment(cohort, member, membership, tuple(pauses.get(_id(member.id), ())))
        status, checkpoint = streaks.status(
            membership.streak_state, firsts.get(_id(membership.id)), enrolment.local_date(now),
            by_day.get(_id(membership.id), {}), cohort.daily_target, enrolment.is_paused)
        if checkpoint != membership.streak_state:
            membership.streak_state = checkpoint
            changed[_id(membership.id)] = checkpoint
        standings.append(Standing(_id(membership.id), member.display_name, status.streak, status.longest))
    await uow.memberships.save_streak_states(changed)  # one statement, not one write per member
    return standings


def _resume_day(membership: Membership, first: date | None) -> date:
    assert first is not None
    state = membership.streak_state
    if state is None or state.through is None:
        return first
    return max(first, state.through + timedelta(days=1))


def _period(board: str, today: date) -> tuple[date | None, date | None]:
    if board == "week":
        return week_start(today), week_start(today) + timedelta(days=6)
    if board == "month":
        return today.replace(day=1), today.replace(day=calendar.monthrange(today.year, today.month)[1])
    return None, None


def _is_caller(standing: Standing, pairs: list[tuple[Membership, Member]], caller: Member) -> bool:
    return any(m.id == standing.membership_id and member.id == caller.id for m, member in pairs)


def _id(value: int | None) -> int:
    assert value is not None
    return value
