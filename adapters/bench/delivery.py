"""6. delivery: queued reminders drained by the real Dispatcher (real RateLimiter, real asyncio.sleep, the
system clock) through a fake Discord that allows 50 requests/s: each delivered exactly once, close to the
ideal count / 50 s, with few 429s."""

from __future__ import annotations

import asyncio
import time

from sqlalchemy import func, select

from adapters.bench import seed
from adapters.bench.common import Result, Scale
from adapters.bench.notifier import RateLimitedNotifier
from bot.clock import SystemClock
from bot.delivery import Dispatcher
from bot.domain import OutboxMessage, OutboxStatus
from storage import Database
from storage.models import OutboxRow

TARGET = "exactly once, <= 1.15 x ideal (count / 50 s), <= 1% 429s"
PER_SECOND = 50
POLL_S = 0.02


async def delivery(database: Database, scale: Scale) -> Result:
    count = scale.pick(2000, 200)
    _, memberships = await seed.cohort_with_members(database, count, name="deliver")
    clock = SystemClock()
    now = clock.now()
    async with database.unit_of_work() as uow:
        for number, membership in enumerate(memberships):
            await uow.outbox.add(OutboxMessage(
                key=f"reminder:{membership}:{seed.TODAY.isoformat()}", kind="reminder", platform="discord",
                workspace="w", destination_kind="dm", target=f"deliver-u{number}",
                text=f"Your day isn't done yet ({number})", data={"type": "reminder"}, due_at=now,
                created_at=now, next_attempt_at=now))
        await uow.commit()
    notifier = RateLimitedNotifier(PER_SECOND)
    dispatcher = Dispatcher(database.unit_of_work, clock, {"discord": notifier}, owner="bench")
    started = time.perf_counter()
    deadline = started + 10 * count / PER_SECOND + 60
    while True:
        await dispatcher.drain()
        pending = await _pending(database)
        if not pending:
            break
        if time.perf_counter() > deadline:
            raise RuntimeError(f"{pending} messages still pending after {deadline - started:.0f} s")
        await asyncio.sleep(POLL_S)  # what the bot's periodic job does between drains, only more often
    elapsed = time.perf_counter() - started
    async with database.engine.connect() as connection:
        sent = (await connection.execute(select(func.count()).where(
            OutboxRow.status == OutboxStatus.SENT.value))).scalar_one()
    expected = {f"deliver-u{number}" for number in range(count)}
    once = set(notifier.delivered) == expected and set(notifier.delivered.values()) == {1} and sent == count
    ideal = count / PER_SECOND
    share_429 = notifier.limited / notifier.requests if notifier.requests else 1.0
    return Result("delivery", {"messages": count, "seconds": round(elapsed, 3), "ideal_s": ideal,
                               "ratio_to_ideal": round(elapsed / ideal, 4), "requests": notifier.requests,
                               "answered_429": notifier.limited, "share_429": round(share_429, 4),
                               "exactly_once": 1.0 if once else 0.0, "repeats": 1},
                  TARGET, once and elapsed <= 1.15 * ideal and share_429 <= 0.01)


async def _pending(database: Database) -> int:
    async with database.engine.connect() as connection:
        return int((await connection.execute(select(func.count()).where(
            OutboxRow.status == OutboxStatus.PENDING.value))).scalar_one())
