"""`!advance` for transcripts: run every scheduler tick that falls in the interval, in time order.

Ticks sit on a one-minute grid like the real scheduler's; ticks with nothing due are skipped, since
they would do nothing (the next due instant comes from the database's indexed columns)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from adapters.console.clock import ConsoleClock
from bot.delivery import Dispatcher
from bot.scheduler import Scheduler

TICK = timedelta(minutes=1)


async def run_due_work(scheduler: Scheduler, dispatcher: Dispatcher, clock: ConsoleClock,
                       start: datetime, end: datetime) -> None:
    earliest = start
    while True:
        due = await scheduler.next_due_at()
        if due is None:
            return
        tick_at = max(_ceil(due), earliest)
        if tick_at > end:
            return
        clock.set(tick_at)
        await scheduler.tick()
        await dispatcher.drain()
        earliest = tick_at + TICK


def _ceil(instant: datetime) -> datetime:
    seconds = TICK.total_seconds()
    epoch = instant.timestamp()
    rounded = -(-epoch // seconds) * seconds
    return datetime.fromtimestamp(rounded, UTC)
