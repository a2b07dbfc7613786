"""The scheduler and the dispatcher on a real SQLite file and a real Postgres server: reminders once each
at the right local time, nothing twice after a restart, retries until a failing platform recovers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from adapters.console.timetravel import run_due_work
from bot.clock import SimulatedClock
from bot.commands.context import Invocation
from bot.delivery import Dispatcher
from bot.domain import OutboxStatus
from bot.ports import DeliveryFailed
from bot.scheduler import Scheduler
from bot.service import StudyBot
from storage import Database
from tests.unit.conftest import TOOLS
from tests.unit.test_scheduler import RecordingNotifier


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


class Deployment:
    def __init__(self, database: Database, clock: SimulatedClock) -> None:
        self.database, self.clock = database, clock
        self.bot = StudyBot(database.unit_of_work, clock, TOOLS)
        self.notifier = RecordingNotifier()
        self.notifier.clock = clock
        self.restart()

    def restart(self) -> None:
        """A new process on the same database: fresh scheduler and dispatcher, nothing kept in memory."""
        self.scheduler = Scheduler(self.database.unit_of_work, self.clock)
        self.dispatcher = Dispatcher(self.database.unit_of_work, self.clock, {"test": self.notifier}, owner="p")

    async def say(self, user: str, line: str) -> None:
        reply = await self.bot.handle_text(Invocation("test", "w", user, user, "general", f"{user}:{line}"), line)
        assert not reply.is_error, reply.text

    async def advance(self, **delta: float) -> None:
        start = self.clock.now()
        await run_due_work(self.scheduler, self.dispatcher, self.clock, start,  # type: ignore[arg-type]
                           start + timedelta(**delta))
        self.clock.set(start + timedelta(**delta))


async def test_a_week_of_reminders_in_two_zones_with_a_restart(database: Database) -> None:
    world = Deployment(database, SimulatedClock(utc(2026, 3, 2, 12)))
    await world.say("ann", "cohort create ml-club timezone:America/New_York")
    await world.say("raj", "cohort join ml-club")
    await world.say("raj", "timezone set Asia/Kolkata")
    await world.say("ann", "checkin 30")
    await world.advance(days=3, hours=5)
    world.restart()
    await world.advance(days=3, hours=19)
    reminders = [(d.target, r.data["local_date"]) for _, d, r in world.notifier.of_type("reminder")]
    assert len(reminders) == len(set(reminders))  # never twice, restart or not
    assert sorted(day for who, day in reminders if who == "ann") == [f"2026-03-{d:02d}" for d in range(3, 9)]
    assert sorted(day for who, day in reminders if who == "raj") == [f"2026-03-{d:02d}" for d in range(2, 9)]
    assert [r.data["local_date"] for _, _, r in world.notifier.of_type("digest")] == [
        f"2026-03-{d:02d}" for d in range(2, 9)]


async def test_a_failing_platform_is_retried_until_it_recovers(database: Database) -> None:
    world = Deployment(database, SimulatedClock(utc(2026, 3, 6, 14)))
    await world.say("ann", "cohort create ml-club")
    await world.say("ann", "remind set 15:00")
    world.notifier.failures = [DeliveryFailed("HTTP 502"), DeliveryFailed("429", retry_after=60),
                               DeliveryFailed("timeout")]
    await world.advance(hours=2)
    assert len(world.notifier.of_type("reminder")) == 1
    async with database.unit_of_work() as uow:
        message = await uow.outbox.get_by_key("reminder:1:2026-03-06")
        assert message is not None and message.status is OutboxStatus.SENT and message.attempts == 4
        assert await uow.outbox.count(OutboxStatus.PENDING) == 0
