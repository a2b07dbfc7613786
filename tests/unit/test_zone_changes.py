"""Issue 13, defects 5-7: what a zone or rollover change, and leaving and rejoining, do to buddy day-end notices
and to saved streak walks. Each sequence drives the real StudyBot, Scheduler and Dispatcher with the console
grammar and a simulated clock; the scenarios take a `World`, so tests/integration runs the same ones on real
SQLite (and Postgres when it is there)."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime

import pytest

from adapters.console.timetravel import run_due_work
from bot.clock import SimulatedClock
from bot.commands.context import Invocation
from bot.delivery import Dispatcher
from bot.ports import UnitOfWorkFactory
from bot.replies import Reply
from bot.scheduler import Scheduler
from bot.service import StudyBot
from bot.streaks import StreakState
from tests.fakes import InMemoryStore
from tests.unit.conftest import TOOLS
from tests.unit.test_scheduler import RecordingNotifier


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


class World:
    """The real StudyBot, Scheduler and Dispatcher over one unit of work factory, with a simulated clock."""

    def __init__(self, unit_of_work: UnitOfWorkFactory, now: datetime) -> None:
        self.unit_of_work = unit_of_work
        self.clock = SimulatedClock(now)
        self.bot = StudyBot(unit_of_work, self.clock, TOOLS)
        self.notifier = RecordingNotifier()
        self.notifier.clock = self.clock  # type: ignore[assignment]
        self.scheduler = Scheduler(unit_of_work, self.clock)
        self.dispatcher = Dispatcher(unit_of_work, self.clock, {"test": self.notifier}, owner="test")
        self._keys = itertools.count()

    async def ok(self, user: str, line: str, channel: str = "ml") -> Reply:
        invocation = Invocation(platform="test", workspace="w", user_id=user, display_name=user, channel_id=channel,
                                idempotency_key=f"k{next(self._keys)}")
        reply = await self.bot.handle_text(invocation, line)
        assert not reply.is_error, f"{line!r} was refused: {reply.data} {reply.text}"
        return reply

    async def run_until(self, end: datetime) -> None:
        """Every tick and delivery due up to `end`, in time order; then the clock stands at `end`."""
        await run_due_work(self.scheduler, self.dispatcher, self.clock, self.clock.now(), end)  # type: ignore[arg-type]
        self.clock.set(end)

    def told(self, about: str | None = None) -> list[tuple[datetime, str, str, str]]:
        """Buddy notices sent: (when, to whom, about whom, for which local date)."""
        return [(at, destination.target, reply.data["buddy"], reply.data["local_date"])
                for at, destination, reply in self.notifier.of_type("buddy")
                if about is None or reply.data["buddy"] == about]

    async def set_saved_walk(self, user: str, state: StreakState) -> None:
        """Write a saved walk behind the bot's back (as a process still on the old zone could have)."""
        async with self.unit_of_work() as uow:
            member = await uow.members.find("test", "w", user)
            assert member is not None and member.id is not None
            ((membership, _),) = await uow.memberships.active_for_member(member.id)
            membership.streak_state = state
            await uow.memberships.save(membership)
            await uow.commit()


async def _buddies(world: World, cohort_line: str) -> None:
    """alice organizes a cohort, bob joins, they pair up; reminders off so only buddy notices matter."""
    await world.ok("alice", cohort_line)
    await world.ok("bob", "cohort join ml-club")
    for name in ("alice", "bob"):
        await world.ok(name, "remind off")
    await world.ok("alice", "buddy @bob")
    await world.ok("bob", "buddy accept")


# --- defect 5: a zone or rollover change moves the day-end notice ------------------------------------------
START_5 = utc(2026, 3, 6, 14)  # Friday 06:00 in Los Angeles (PST, UTC-8), 23:00 in Tokyo


async def member_moves_to_tokyo(world: World) -> None:
    """The issue's sequence: a Los Angeles cohort, alice and bob buddies, alice moves to Asia/Tokyo. Her old
    day end (04:00 Los Angeles = 21:00 Tokyo) must not judge her Tokyo day, which runs until 04:00 Tokyo."""
    await _buddies(world, "cohort create ml-club timezone:America/Los_Angeles")
    await world.ok("alice", "checkin 30")  # 6 March, in Los Angeles
    await world.ok("bob", "checkin 30")
    await world.ok("alice", "timezone set Asia/Tokyo")  # 23:00 on 6 March in Tokyo
    await world.run_until(utc(2026, 3, 7, 12, 1))  # 21:01 on 7 March in Tokyo
    assert world.told("alice") == []  # before the fix: bob was told at 21:00 Tokyo that alice missed 7 March
    reply = await world.ok("alice", "checkin 30")
    assert (reply.data["local_date"], reply.data["streak"]) == ("2026-03-07", 2)  # her streak goes on
    await world.run_until(utc(2026, 3, 9, 18))  # before 9 March ends in Tokyo
    # 8 March she misses: bob hears once, when her Tokyo day ends (04:00 Tokyo on the 9th = 19:00 UTC on the 8th).
    assert world.told("alice") == [(utc(2026, 3, 8, 19), "bob", "alice", "2026-03-08")]


async def cohort_moves_to_tokyo(world: World) -> None:
    """The cohort's zone changes: both buddies' day ends move to Tokyo's."""
    await _buddies(world, "cohort create ml-club timezone:America/Los_Angeles")
    await world.ok("alice", "checkin 30")
    await world.ok("bob", "checkin 30")
    await world.ok("alice", "cohort settings timezone:Asia/Tokyo")
    await world.run_until(utc(2026, 3, 7, 12, 1))
    assert world.told() == []
    for name in ("alice", "bob"):
        reply = await world.ok(name, "checkin 30")
        assert (reply.data["local_date"], reply.data["streak"]) == ("2026-03-07", 2)
    await world.run_until(utc(2026, 3, 9, 18))  # before 9 March ends in Tokyo
    assert sorted(world.told()) == [(utc(2026, 3, 8, 19), "alice", "bob", "2026-03-08"),
                                    (utc(2026, 3, 8, 19), "bob", "alice", "2026-03-08")]


async def cohort_rolls_over_at_midnight(world: World) -> None:
    """`rollover:0` on a `rollover:4` cohort: a day now ends at midnight, not at 04:00. The old instant (04:00)
    would judge the new day four hours into it; and the day that just ended must still be judged."""
    await _buddies(world, "cohort create ml-club timezone:America/Los_Angeles")
    await world.ok("alice", "checkin 30")  # 6 March
    await world.ok("alice", "cohort settings rollover:0")
    await world.run_until(utc(2026, 3, 7, 12, 1))  # 04:01 on 7 March in Los Angeles
    assert world.told("alice") == []  # before the fix: told at 04:00 that alice missed 7 March
    reply = await world.ok("alice", "checkin 30")
    assert (reply.data["local_date"], reply.data["streak"]) == ("2026-03-07", 2)
    await world.run_until(utc(2026, 3, 10))
    # 8 March (daylight saving from 02:00) she misses: told at midnight, 07:00 UTC on the 9th.
    assert world.told("alice") == [(utc(2026, 3, 9, 7), "bob", "alice", "2026-03-08")]
    # bob never checked in: his 6 March ends at midnight too, under the new rule.
    assert world.told("bob")[0] == (utc(2026, 3, 7, 8), "alice", "bob", "2026-03-06")


# --- defect 6: leaving a cohort ends its buddy pairings on both sides --------------------------------------
START_6 = utc(2026, 3, 6, 14)


async def leave_and_rejoin(world: World) -> None:
    """alice leaves and rejoins: the pairing ended when she left (neither side is told about the other), and
    a new pairing after she is back works both ways."""
    await _buddies(world, "cohort create ml-club")
    left = await world.ok("alice", "cohort leave")
    assert left.data["buddies_ended"] == ["bob"]
    assert (await world.ok("bob", "buddy")).data["buddies"] == []
    await world.run_until(utc(2026, 3, 8, 14))  # 6 and 7 March: nobody did anything
    assert world.told() == []  # before the fix: alice, gone from the cohort, heard about bob's days
    await world.ok("alice", "cohort join ml-club")
    assert (await world.ok("alice", "buddy")).data["buddies"] == []
    await world.run_until(utc(2026, 3, 9, 14))
    assert world.told() == []
    await world.ok("alice", "buddy @bob")
    await world.ok("bob", "buddy accept")
    await world.run_until(utc(2026, 3, 10, 14))  # 9 March ends undone for both, at 04:00 UTC on the 10th
    assert sorted(world.told()) == [(utc(2026, 3, 10, 4), "alice", "bob", "2026-03-09"),
                                    (utc(2026, 3, 10, 4), "bob", "alice", "2026-03-09")]


async def rejoin_with_a_pair_left_active(world: World) -> None:
    """A pairing still active when a member rejoins (left before leaving ended pairings): both sides told."""
    await _buddies(world, "cohort create ml-club")
    async with world.unit_of_work() as uow:  # what `cohort leave` did before: the pairing stays active
        alice = await uow.members.find("test", "w", "alice")
        assert alice is not None and alice.id is not None
        ((membership, _),) = await uow.memberships.active_for_member(alice.id)
        membership.active, membership.next_dayend_at = False, None
        await uow.memberships.save(membership)
        await uow.commit()
    await world.ok("alice", "cohort join ml-club")
    await world.run_until(utc(2026, 3, 7, 14))
    assert sorted(world.told()) == [(utc(2026, 3, 7, 4), "alice", "bob", "2026-03-06"),
                                    (utc(2026, 3, 7, 4), "bob", "alice", "2026-03-06")]


# --- defect 7: a zone change that moves today back must not leave a stale saved walk -----------------------
START_7 = utc(2026, 3, 2, 20)  # 06:00 on 3 March in UTC+14 with the default 04:00 rollover
WEST = [("Etc/GMT-14", "Etc/GMT+12"), ("Pacific/Kiritimati", "Pacific/Pago_Pago")]


async def _two_done_days_then_move(world: World, east: str, west: str, *, cohort: bool, done_on_5th: bool) -> None:
    """Done on 3 and 4 March (and 5 March) in UTC+14; at 14:30 UTC on 6 March (7 March there) `streak` saves
    the walk through 5 March; then the zone moves west by 25-26 hours, and today is 5 March again."""
    if cohort:
        await world.ok("alice", f"cohort create ml-club timezone:{east}")
    else:
        await world.ok("alice", "cohort create ml-club")
        await world.ok("alice", f"timezone set {east}")
    for day in (3, 4, 5) if done_on_5th else (3, 4):
        world.clock.set(utc(2026, 3, day - 1, 20))
        assert (await world.ok("alice", "checkin 30")).data["local_date"] == f"2026-03-{day:02d}"
    world.clock.set(utc(2026, 3, 6, 14, 30))
    before = await world.ok("alice", "streak")
    assert (before.data["local_date"], before.data["streak"]) == ("2026-03-07", 0)  # 6 March missed
    await world.ok("alice", f"cohort settings timezone:{west}" if cohort else f"timezone set {west}")


async def streak_after_moving_two_days_back(world: World, east: str, west: str, cohort: bool) -> None:
    """The issue: `/streak` said 0 (the save had walked 5 March as missed) while the leaderboard said 2."""
    await _two_done_days_then_move(world, east, west, cohort=cohort, done_on_5th=False)
    now = await world.ok("alice", "streak")
    assert {k: now.data[k] for k in ("local_date", "streak", "longest", "today_done", "minutes_today")} == {
        "local_date": "2026-03-05", "streak": 2, "longest": 2, "today_done": False, "minutes_today": 0}
    board = await world.ok("alice", "leaderboard streak")
    assert board.data["rows"] == [{"rank": 1, "name": "alice", "value": 2}]
    assert board.data["you"] == {"rank": 1, "value": 2}
    done = await world.ok("alice", "checkin 30")  # today, 5 March again
    assert (done.data["local_date"], done.data["streak"], done.data["day_done"]) == ("2026-03-05", 3, True)
    assert (await world.ok("alice", "streak")).data["streak"] == 3
    assert (await world.ok("alice", "leaderboard streak")).data["you"] == {"rank": 1, "value": 3}


async def today_done_after_moving_two_days_back(world: World, east: str, west: str, cohort: bool) -> None:
    """The variant: `today_done: false` beside 30/30 minutes (today's minutes lay inside the stale save)."""
    await _two_done_days_then_move(world, east, west, cohort=cohort, done_on_5th=True)
    now = await world.ok("alice", "streak")
    assert {k: now.data[k] for k in ("local_date", "streak", "longest", "today_done", "minutes_today")} == {
        "local_date": "2026-03-05", "streak": 3, "longest": 3, "today_done": True, "minutes_today": 30}
    assert (await world.ok("alice", "leaderboard streak")).data["you"] == {"rank": 1, "value": 3}
    for board, minutes in (("week", 90), ("month", 90), ("all", 90)):
        assert (await world.ok("alice", f"leaderboard {board}")).data["you"] == {"rank": 1, "value": minutes}


async def walk_never_trusts_a_save_dated_today(world: World) -> None:
    """The guard behind the invalidation: a save dated on or after today (written, say, by a process that still
    had the old zone) is walked again from the first check-in, by `/streak` and by the scheduler's last call."""
    await world.ok("alice", "cohort create ml-club")
    await world.ok("alice", "remind off")
    await world.ok("alice", "remind lastcall 2h")
    for day in (3, 4):
        world.clock.set(utc(2026, 3, day, 10))
        await world.ok("alice", "checkin 30")
    world.clock.set(utc(2026, 3, 5, 10))  # today 5 March, 2 done days behind it
    await world.set_saved_walk("alice", StreakState(0, 0, 2, through=date(2026, 3, 5)))
    assert (await world.ok("alice", "streak")).data["streak"] == 2
    await world.set_saved_walk("alice", StreakState(0, 0, 2, through=date(2026, 3, 6)))
    await world.run_until(utc(2026, 3, 6, 3))  # the last call, 02:00 UTC on the 6th: her 2-day streak is at risk
    calls = world.notifier.of_type("lastcall")
    assert [(at, reply.data["local_date"], reply.data["streak"]) for at, _, reply in calls] == [
        (utc(2026, 3, 6, 2), "2026-03-05", 2)]


# --- the unit runs, on the in-memory store -----------------------------------------------------------------
@pytest.mark.parametrize("scenario", [member_moves_to_tokyo, cohort_moves_to_tokyo, cohort_rolls_over_at_midnight])
async def test_a_zone_or_rollover_change_moves_buddy_day_ends(scenario) -> None:  # type: ignore[no-untyped-def]
    await scenario(World(InMemoryStore().unit_of_work, START_5))


@pytest.mark.parametrize("scenario", [leave_and_rejoin, rejoin_with_a_pair_left_active])
async def test_leaving_ends_buddy_pairings_on_both_sides(scenario) -> None:  # type: ignore[no-untyped-def]
    await scenario(World(InMemoryStore().unit_of_work, START_6))


@pytest.mark.parametrize("cohort", [False, True], ids=["member", "cohort"])
@pytest.mark.parametrize(("east", "west"), WEST)
@pytest.mark.parametrize("scenario", [streak_after_moving_two_days_back, today_done_after_moving_two_days_back])
async def test_moving_two_days_back_forgets_the_saved_walk(scenario, east: str, west: str,  # type: ignore[no-untyped-def]
                                                           cohort: bool) -> None:
    await scenario(World(InMemoryStore().unit_of_work, START_7), east, west, cohort)


async def test_the_walk_never_trusts_a_save_dated_on_or_after_today() -> None:
    await walk_never_trusts_a_save_dated_today(World(InMemoryStore().unit_of_work, START_7))
