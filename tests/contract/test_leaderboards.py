"""The leaderboards on the fake, SQLite and Postgres, held to an oracle that recomputes every board from the
raw check-ins, pauses and members (DESIGN.md's reference walk, plain sums): so the figures storage keeps on
write (totals, board streaks) must never drift, whatever happens — backdated check-ins, pauses, hidden
members, time zone moves, a changed daily target, `forget`, ties, batched writes."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.clock import SimulatedClock
from bot.commands.context import Invocation
from bot.domain import CheckIn, Cohort, Member, Membership
from bot.localtime import local_day, week_start
from bot.ports import UnitOfWork, UnitOfWorkFactory
from bot.ranking import Board, competition_ranks
from bot.replies import Reply
from bot.service import StudyBot
from tests.model import reference as ref

START = datetime(2026, 3, 6, 14, 0, tzinfo=UTC)  # a Friday
BOARDS = ("streak", "week", "month", "all")


class Group:
    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self.uow_factory = uow_factory
        self.clock = SimulatedClock(START)
        self.bot = StudyBot(uow_factory, self.clock)
        self.keys = 0

    async def say(self, user: str, line: str) -> Reply:
        self.keys += 1
        invocation = Invocation(platform="test", workspace="w", user_id=user, display_name=user,
                                channel_id="general", idempotency_key=f"k{self.keys}")
        reply = await self.bot.handle_text(invocation, line)
        assert not reply.is_error, f"{user}: {line!r} was refused: {reply.text}"
        return reply

    async def check_boards(self, *callers: str) -> None:
        for board in BOARDS:
            for caller in callers:
                reply = await self.say(caller, f"leaderboard {board}")
                assert (reply.data["rows"], reply.data["you"]) == await self.expected(board, caller), \
                    f"{board} board as {caller} on {self.clock.now().date()}"

    async def expected(self, board: str, caller: str) -> tuple[list[dict[str, Any]], dict[str, int] | None]:
        """The board as the old code computed it: every visible member's value from the raw rows."""
        async with self.uow_factory() as uow:
            cohort = await uow.cohorts.find_by_channel("test", "w", "general")
            assert cohort is not None and cohort.id is not None
            pairs = [(m, p) for m, p in await uow.memberships.active_in_cohort(cohort.id) if not p.hidden]
            checkins = await uow.checkins.for_cohort(cohort.id)
            pauses = await uow.pauses.for_members([p.id or 0 for _, p in pairs])
        now = self.clock.now()
        standings = []
        for membership, member in pairs:
            mine = [c for c in checkins if c.membership_id == membership.id]
            standings.append((*_value(board, cohort, member, mine, pauses.get(member.id or 0, []), now),
                              member.display_name, membership.id or 0, member.user_id))
        standings.sort(key=lambda s: (-s[0], -s[1], s[2].lower(), s[3]))
        ranks = competition_ranks(standings, key=lambda s: (s[0], s[1]))
        rows = [{"rank": rank, "name": s[2], "value": s[0]} for rank, s in zip(ranks, standings, strict=True)
                if s[0] > 0][:10]
        you = next(({"rank": rank, "value": s[0]} for rank, s in zip(ranks, standings, strict=True)
                    if s[4] == caller), None)
        return rows, you


def _value(board: str, cohort: Cohort, member: Member, checkins: list[CheckIn], pauses: list[Any],
           now: datetime) -> tuple[int, int]:
    by_day: dict[date, int] = {}
    for checkin in checkins:
        by_day[checkin.local_date] = by_day.get(checkin.local_date, 0) + checkin.minutes
    if board == "streak":
        today = local_day(now, ZoneInfo(member.timezone or cohort.timezone), cohort.rollover_hour)
        paused = {day for pause in pauses for day in _days(pause.start, pause.end)}
        status = ref.walk(by_day, cohort.daily_target, paused.__contains__, today)
        return status.streak, status.longest
    today = local_day(now, cohort.zone, cohort.rollover_hour)
    if board == "week":
        first, last = week_start(today), week_start(today) + timedelta(days=6)
    elif board == "month":
        first, last = today.replace(day=1), (today.replace(day=28) + timedelta(days=4)).replace(day=1)
        last -= timedelta(days=1)
    else:
        first, last = date.min, date.max
    return sum(minutes for day, minutes in by_day.items() if first <= day <= last), 0


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


async def test_boards_follow_a_month_of_everything(uow_factory: UnitOfWorkFactory) -> None:
    group = Group(uow_factory)
    names = ["ann", "ben", "cat", "Dan", "dan", "eve", "fay", "gus"]
    await group.say("ann", "cohort create club")
    for name in names[1:]:
        await group.say(name, "cohort join club")
    await group.check_boards("ann")  # nobody on any board yet
    rng = random.Random(20260306)
    logged: dict[str, int] = {}
    for day in range(30):
        events = {
            3: [("eve", "pause 4d")],
            5: [("fay", "privacy boards:hide")],
            6: [("eve", "pause off")],
            9: [("gus", "timezone set Pacific/Kiritimati")],  # 14:00 UTC is tomorrow there
            10: [("gus", "timezone set Pacific/Pago_Pago")],  # ... and yesterday here: his last day lies ahead
            12: [("ann", "cohort settings sprint:25")],  # a new daily target: every done day is decided anew
            14: [("ben", "pause 3d")],
            16: [("fay", "privacy boards:show")],
            20: [("cat", "forget confirm:yes")],
            24: [("ann", "cohort settings sprint:40")],
        }
        for user, line in events.get(day, []):
            await group.say(user, line)
        for name in names:
            if name == "cat" and day >= 20:
                continue
            # dan is Dan's twin: the same minutes on the same days, a tie on every board
            minutes = logged["Dan"] if name == "dan" else rng.choice([0, 0, 10, 25, 30, 30, 45, 60])
            logged[name] = minutes
            if name == "ben" and 10 <= day <= 16:  # a standing streak, then a pause that must keep it standing
                minutes = 45 if day < 14 else 0
            if minutes:
                await group.say(name, f"checkin {minutes}")
            if rng.random() < 0.15 and not (name == "ben" and 14 <= day <= 17):  # made up for yesterday
                await group.say(name, f"checkin {rng.choice([15, 30])} yesterday:true")
        await group.check_boards("ann", names[day % len(names)] if day < 20 or day % 8 != 2 else "ben")
        group.clock.advance(days=1)


async def test_batched_check_ins_keep_the_figures_too(uow_factory: UnitOfWorkFactory) -> None:
    """`checkins.add_many` (the batched write path) keeps minutes and board streaks like `add` does."""
    group = Group(uow_factory)
    await group.say("ann", "cohort create club")
    await group.say("ben", "cohort join club")
    await group.say("ann", "leaderboard")  # works out both board streaks (no history yet)
    async with uow_factory() as uow:
        cohort = await uow.cohorts.find_by_channel("test", "w", "general")
        assert cohort is not None and cohort.id is not None
        pairs = {p.user_id: m for m, p in await uow.memberships.active_in_cohort(cohort.id)}
        today = START.date()
        batch = [_checkin(pairs["ann"], today - timedelta(days=d), 30, f"a{d}") for d in (2, 1, 0)]
        batch += [_checkin(pairs["ben"], today - timedelta(days=3), 20, "b1"),
                  _checkin(pairs["ben"], today - timedelta(days=3), 20, "b2"),  # two make the day done
                  _checkin(pairs["ben"], today - timedelta(days=3), 20, "b2"),  # a key twice stores once
                  _checkin(pairs["ben"], today - timedelta(days=40), 50, "b3")]
        stored = await uow.checkins.add_many(batch)
        assert [c is not None for c in stored] == [True] * 5 + [False, True]
        await uow.commit()
    await group.check_boards("ann", "ben")
    async with uow_factory() as uow:
        board = Board(cohort.id, "all")
        assert await _entry(uow, board, pairs["ben"]) == 90
        assert await _entry(uow, Board(cohort.id, "month", starts_on=today.replace(day=1)), pairs["ben"]) == 40
        assert await _entry(uow, Board(cohort.id, "week", starts_on=week_start(today)), pairs["ann"]) == 90


def _checkin(membership: Membership, day: date, minutes: int, key: str) -> CheckIn:
    return CheckIn(membership_id=membership.id or 0, member_id=membership.member_id, cohort_id=membership.cohort_id,
                   local_date=day, minutes=minutes, created_at=START, idempotency_key=key)


async def _entry(uow: UnitOfWork, board: Board, membership: Membership) -> int | None:
    entry = await uow.memberships.board_entry(board, membership.member_id)
    return entry.value if entry else None
