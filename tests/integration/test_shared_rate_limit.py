"""One Discord rate limit per bot across processes (issue 19, part 3): two dispatchers, each with its own
engine on one Postgres database (two processes as far as the database can tell), drain 500 DMs that fall due
at once through a fake Discord that allows 50 requests/s for the whole bot, over a sliding one-second window.
No 429, every DM sent exactly once, and done within 1.2 x the ideal 500 / 50 = 10 s.

This is a throughput test: it takes real wall time (about 10 s), and no sleeps beyond the pacing itself."""

from __future__ import annotations

import asyncio
import time

import pytest

from adapters.bench import seed
from adapters.bench.notifier import RateLimitedNotifier
from bot.clock import SystemClock
from bot.delivery import RATE_POLICIES, Dispatcher, RateLimiter
from bot.domain import OutboxMessage, OutboxStatus
from storage import Database
from tests.integration.conftest import _postgres_database

MESSAGES = 500
PER_SECOND = 50  # Discord's global limit per bot
IDEAL_S = MESSAGES / PER_SECOND
POLL_S = 0.02  # what the clock's periodic drain does, only more often


async def _seed_due_reminders(database: Database, clock: SystemClock) -> None:
    _, memberships = await seed.cohort_with_members(database, MESSAGES, name="shared")
    now = clock.now()
    async with database.unit_of_work() as uow:
        await uow.outbox.add_many([OutboxMessage(
            key=f"reminder:{membership}:{seed.TODAY.isoformat()}", kind="reminder", platform="discord",
            workspace="w", destination_kind="dm", target=f"shared-u{number}", text=f"Your day isn't done ({number})",
            data={"type": "reminder"}, due_at=now, created_at=now, next_attempt_at=now)
            for number, membership in enumerate(memberships)])
        await uow.commit()


async def _process(database: Database, clock: SystemClock, notifier: RateLimitedNotifier, limiter: RateLimiter,
                   owner: str, deadline: float) -> None:
    """One process's clock: drain, and look again shortly after, until nothing is pending."""
    dispatcher = Dispatcher(database.unit_of_work, clock, {"discord": notifier}, owner=owner, limiter=limiter)
    while time.perf_counter() < deadline:
        await dispatcher.drain()
        async with database.unit_of_work() as uow:
            if await uow.outbox.count(OutboxStatus.PENDING) == 0:
                return
        await asyncio.sleep(POLL_S)


@pytest.mark.postgres
async def test_two_processes_share_one_discord_budget() -> None:
    async for url in _postgres_database():
        first, second = await Database.connect(url), await Database.connect(url)
        try:
            clock = SystemClock()
            await _seed_due_reminders(first, clock)
            notifier = RateLimitedNotifier(PER_SECOND)  # one Discord, seen by both processes
            # What each process's Dispatcher builds by default, kept to count the slots given up.
            limiters = [RateLimiter(RATE_POLICIES, unit_of_work=db.unit_of_work) for db in (first, second)]
            started = time.perf_counter()
            deadline = started + 6 * IDEAL_S
            await asyncio.gather(_process(first, clock, notifier, limiters[0], "process-1", deadline),
                                 _process(second, clock, notifier, limiters[1], "process-2", deadline))
            elapsed = time.perf_counter() - started
            async with first.unit_of_work() as uow:
                sent = await uow.outbox.count(OutboxStatus.SENT)
        finally:
            await first.dispose()
            await second.dispose()
        print(f"\n{MESSAGES} DMs by 2 processes: {elapsed:.2f} s ({elapsed / IDEAL_S:.3f} x ideal), "
              f"{notifier.requests} requests, {notifier.limited} answered 429, "
              f"{sum(limiter.dropped for limiter in limiters)} slots given up late")
        assert notifier.limited == 0, f"{notifier.limited} requests met the global 429"
        assert sent == MESSAGES
        assert set(notifier.delivered) == {f"shared-u{number}" for number in range(MESSAGES)}
        assert set(notifier.delivered.values()) == {1}
        assert elapsed <= 1.2 * IDEAL_S, f"{elapsed:.2f} s is over 1.2 x the ideal {IDEAL_S:.0f} s"
