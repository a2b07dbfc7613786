"""The 960-minute day cap under concurrency: two `Database`s on one database (two engines, as two bot
processes have) race every path that adds minutes to members whose day is nearly full — `checkin` (the
ordinary path and the group-commit batch), `sprint stop`, and the tick's sprint completion. No day may end
above the cap; a check-in that no longer fits is refused with `too_many_minutes`; a sprint records what is
left of the day, up to the cap.

On Postgres (READ COMMITTED, transactions side by side) these failed before the member lock: each process
read 900 minutes, then inserted. SQLite serialises its writers (BEGIN IMMEDIATE) and is held to the same."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import timedelta

import pytest

from bot.clock import SimulatedClock
from bot.commands.checkin import MAX_MINUTES_PER_DAY
from bot.commands.context import Invocation
from bot.domain import CheckIn, Member, Membership, Sprint
from bot.replies import Reply
from bot.scheduler import Scheduler
from bot.service import StudyBot
from storage import Database
from tests.integration.conftest import NOW

MEMBERS = 24
FULL = 900  # what each member has logged before the race: 60 minutes left


def _invocation(user: str, key: str) -> Invocation:
    return Invocation(platform="test", workspace="w", user_id=user, display_name=user, channel_id="club",
                      idempotency_key=key)


def _users() -> list[str]:
    return [f"u{n:02d}" for n in range(MEMBERS)]


@dataclass
class Processes:
    first: Database
    second: Database
    clock: SimulatedClock

    def bot(self, database: Database, *, batch: bool, clock: SimulatedClock | None = None) -> StudyBot:
        return StudyBot(database.unit_of_work, clock or self.clock, group_commit=batch)


@pytest.fixture
async def processes(database_url: str) -> AsyncIterator[Processes]:
    first = await Database.connect(database_url)
    second = await Database.connect(database_url)
    try:
        yield Processes(first, second, SimulatedClock(NOW))
    finally:
        await first.dispose()
        await second.dispose()


async def _all_ok(replies: Sequence[Reply]) -> None:
    assert not any(reply.is_error for reply in replies), [reply.text for reply in replies if reply.is_error][:3]


async def _nearly_full_days(processes: Processes, *, sprints: bool = False) -> None:
    """A cohort whose members have each logged 900 of today's 960 minutes (and, with `sprints`, each started a
    sprint just now), written straight into the database: the race, not the set-up, is what is tested."""
    owner = processes.bot(processes.first, batch=False)
    await _all_ok([await owner.handle_text(_invocation("owner", "create"), "cohort create club")])
    async with processes.first.unit_of_work() as uow:
        cohort = await uow.cohorts.find_by_channel("test", "w", "club")
        assert cohort is not None and cohort.id is not None
        for user in _users():
            member = await uow.members.add(Member("test", "w", user, user))
            assert member.id is not None
            membership = await uow.memberships.add(Membership(cohort.id, member.id, joined_at=NOW))
            assert membership.id is not None
            await uow.checkins.add(CheckIn(membership.id, member.id, cohort.id, local_date=NOW.date(), minutes=FULL,
                                           created_at=NOW, idempotency_key=f"fill-{user}"))
            if sprints:
                await uow.sprints.add(Sprint(member.id, membership.id, started_at=NOW,
                                             ends_at=NOW + timedelta(minutes=cohort.sprint_minutes)))
        await uow.commit()


async def _days(database: Database) -> dict[str, int]:
    """Each racing member's minutes today, by user id."""
    async with database.unit_of_work() as uow:
        cohort = await uow.cohorts.find_by_channel("test", "w", "club")
        assert cohort is not None and cohort.id is not None
        totals = await uow.checkins.totals_in_cohort(cohort.id, None, None)
        return {member.user_id: totals.get(membership.id or 0, 0)
                for membership, member in await uow.memberships.active_in_cohort(cohort.id)
                if member.user_id != "owner"}


def _accepted(reply: Reply) -> bool:
    """A check-in reply: recorded, or refused because the day is full (nothing else is acceptable)."""
    if reply.is_error:
        assert reply.data["error"] == "too_many_minutes", reply.text
        return False
    assert reply.data["duplicate"] is False
    return True


def _within_cap(days: dict[str, int]) -> None:
    over = {user: minutes for user, minutes in days.items() if minutes > MAX_MINUTES_PER_DAY}
    assert not over, f"{len(over)} of {len(days)} days above {MAX_MINUTES_PER_DAY}: {over}"


@pytest.mark.parametrize(("first_batch", "second_batch"), [(False, False), (True, True), (True, False)],
                         ids=["ordinary-vs-ordinary", "batch-vs-batch", "batch-vs-ordinary"])
async def test_two_processes_checking_in_one_member_at_once_never_pass_the_cap(
        processes: Processes, first_batch: bool, second_batch: bool) -> None:
    one = processes.bot(processes.first, batch=first_batch)
    other = processes.bot(processes.second, batch=second_batch)
    await _nearly_full_days(processes)

    replies = await asyncio.gather(*(one.handle_text(_invocation(user, f"a-{user}"), "checkin 60")
                                     for user in _users()),
                                   *(other.handle_text(_invocation(user, f"b-{user}"), "checkin 60")
                                     for user in _users()))

    days = await _days(processes.first)
    _within_cap(days)
    mine, theirs = replies[:MEMBERS], replies[MEMBERS:]
    for user, here, there in zip(_users(), mine, theirs, strict=True):
        assert [_accepted(here), _accepted(there)].count(True) == 1, (user, here.text, there.text)
        assert days[user] == MAX_MINUTES_PER_DAY


@pytest.mark.parametrize("batch", [False, True], ids=["ordinary", "batch"])
async def test_sprint_stop_racing_a_check_in_in_another_process_never_passes_the_cap(
        processes: Processes, batch: bool) -> None:
    one = processes.bot(processes.first, batch=False)
    other = processes.bot(processes.second, batch=batch)
    await _nearly_full_days(processes, sprints=True)
    processes.clock.advance(minutes=25)  # stopping records 25 minutes; 20 fit after a 40-minute check-in

    replies = await asyncio.gather(*(one.handle_text(_invocation(user, f"stop-{user}"), "sprint stop")
                                     for user in _users()),
                                   *(other.handle_text(_invocation(user, f"c-{user}"), "checkin 40")
                                     for user in _users()))

    days = await _days(processes.first)
    _within_cap(days)
    stops, checkins = replies[:MEMBERS], replies[MEMBERS:]
    await _all_ok(stops)
    for user, stop, checkin in zip(_users(), stops, checkins, strict=True):
        if _accepted(checkin):  # the check-in went first: the sprint records what was left of the day
            assert stop.data["minutes"] == MAX_MINUTES_PER_DAY - FULL - 40, (user, stop.text)
            assert days[user] == MAX_MINUTES_PER_DAY
        else:  # the sprint went first, and the check-in no longer fitted
            assert stop.data["minutes"] == 25, (user, stop.text)
            assert days[user] == FULL + 25


@pytest.mark.parametrize("batch", [False, True], ids=["ordinary", "batch"])
async def test_the_tick_completing_sprints_racing_check_ins_in_another_process_never_passes_the_cap(
        processes: Processes, batch: bool) -> None:
    await _nearly_full_days(processes, sprints=True)
    ends = NOW + timedelta(minutes=30)
    # The check-ins arrived a second before the sprints end (to them, no sprint is due yet); the tick
    # in the other process runs at the end.
    processes.clock.set(ends - timedelta(seconds=1))
    checking_in = processes.bot(processes.first, batch=batch)
    ticking = Scheduler(processes.second.unit_of_work, SimulatedClock(ends))

    report, *replies = await asyncio.gather(
        ticking.tick(), *(checking_in.handle_text(_invocation(user, f"c-{user}"), "checkin 40")
                          for user in _users()))

    days = await _days(processes.first)
    _within_cap(days)
    assert sorted(key for key in report.enqueued if key.startswith("sprint:")) == sorted(report.enqueued)
    assert len(report.enqueued) == MEMBERS  # every member hears their sprint ended
    for user, checkin in zip(_users(), replies, strict=True):
        # Check-in first: the sprint records the 20 minutes left. Sprint first: 30 + 40 no longer fit.
        assert days[user] == (MAX_MINUTES_PER_DAY if _accepted(checkin) else FULL + 30), (user, checkin.text)
