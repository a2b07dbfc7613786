"""APScheduler as the clock: one short periodic job runs the scheduler's tick and drains the outbox.

Nothing is scheduled per member; the database holds the schedule (see bot/scheduler.py)."""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.delivery import Dispatcher
from bot.errors import StorageUnavailable
from bot.scheduler import Scheduler
from bot.telemetry import NoTelemetry, Telemetry

log = logging.getLogger(__name__)


class Clockwork:
    """The running clock. `stop()` lets the message in flight finish, then gives back unsent claims."""

    def __init__(self, scheduler: Scheduler, dispatcher: Dispatcher, every: timedelta,
                 telemetry: Telemetry | None = None) -> None:
        self._scheduler = scheduler
        self._telemetry: Telemetry = telemetry or NoTelemetry()
        self.every = every
        self._dispatcher = dispatcher
        self._beating: asyncio.Task[None] | None = None
        self.last_beat: datetime | None = None
        self._outage = False  # one warning when the database goes away, one line when it is back
        self._clock = AsyncIOScheduler(timezone="UTC")
        self._clock.add_job(self._beat, "interval", seconds=every.total_seconds(), id="tick", max_instances=1,
                            coalesce=True, next_run_time=datetime.now(UTC))  # overdue work at once, not a tick later
        self._clock.start()

    async def _beat(self) -> None:
        self._beating = asyncio.current_task()  # type: ignore[assignment]
        started = time.perf_counter()
        try:
            await self._scheduler.tick()
            await self._dispatcher.drain()
            self.last_beat = datetime.now(UTC)
            self._telemetry.tick(time.perf_counter() - started)
            if self._outage:
                self._outage = False
                log.info("database available again: ticks resume and catch up")
        except StorageUnavailable as error:
            if not self._outage:
                self._outage = True
                log.warning("tick skipped: database unavailable (%s); skipping ticks quietly until it is back", error)
            else:
                log.debug("tick skipped: database still unavailable")
        finally:
            self._beating = None

    async def stop(self) -> None:
        self._dispatcher.stop()
        self._clock.pause()  # no new beat starts
        # Wait for the beat in flight *before* shutting APScheduler down: its shutdown cancels running jobs,
        # which could cut a send off between the platform accepting it and the outbox recording it.
        if self._beating is not None:
            await asyncio.wait({self._beating}, timeout=30)
        self._clock.shutdown(wait=False)
        released = await self._dispatcher.release()
        if released:
            log.warning("released %s unsent outbox claims for other processes", released)


def start_clockwork(scheduler: Scheduler, dispatcher: Dispatcher, *, every: timedelta = timedelta(seconds=20),
                    telemetry: Telemetry | None = None) -> Clockwork:
    """Start the periodic tick on the running event loop; the caller stops it."""
    return Clockwork(scheduler, dispatcher, every, telemetry)
