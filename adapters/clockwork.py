"""APScheduler as the clock: one short periodic job runs the scheduler's tick and drains the outbox.

Nothing is scheduled per member; the database holds the schedule (see bot/scheduler.py)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.delivery import Dispatcher
from bot.errors import StorageUnavailable
from bot.scheduler import Scheduler

log = logging.getLogger(__name__)


def start_clockwork(scheduler: Scheduler, dispatcher: Dispatcher, *,
                    every: timedelta = timedelta(seconds=20)) -> AsyncIOScheduler:
    """Start the periodic tick on the running event loop; the caller shuts it down."""

    async def beat() -> None:
        try:
            await scheduler.tick()
            await dispatcher.drain()
        except StorageUnavailable:
            log.warning("tick skipped: the database is unavailable; the next tick catches up")

    clock = AsyncIOScheduler(timezone="UTC")
    clock.add_job(beat, "interval", seconds=every.total_seconds(), id="tick", max_instances=1, coalesce=True,
                  next_run_time=datetime.now(UTC))  # catch up on overdue work at start, not a tick later
    clock.start()
    return clock
