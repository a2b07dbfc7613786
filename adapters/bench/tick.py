"""5. reminder_tick: one Scheduler.tick over many memberships whose reminders are spread over the day,
many of them due in the same minute; and a tick with nothing due."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from datetime import time as clock_time

from sqlalchemy import delete, func, select, update

from adapters.bench import seed
from adapters.bench.common import Result, Scale, median, ms, repeat
from adapters.serve import settle_heap, tick_workers
from bot.clock import SimulatedClock
from bot.scheduler import Scheduler
from storage import Database
from storage.models import MembershipRow, OutboxRow

TARGET = "busy tick <= 0.5 s, idle tick <= 2 ms"
COHORTS = 100
DUE_TIME = clock_time(13, 59)  # seed.NOW is 14:00 UTC: due ones fell due at 13:59, in the minute just gone
DUE_AT = seed.NOW - timedelta(minutes=1)


async def reminder_tick(database: Database, scale: Scale) -> Result:
    memberships, due = scale.pick(100_000, 5000), scale.pick(10_000, 500)
    per_cohort = memberships // COHORTS
    due_every = memberships // due  # every n-th membership is due now, spread across the cohorts

    def reminder(global_index: int) -> tuple[clock_time, datetime]:
        if global_index % due_every == 0:
            return DUE_TIME, DUE_AT
        # The rest are spread over the next day, 14:01 to 13:58 tomorrow (never in the due minute).
        at = seed.NOW + timedelta(minutes=1 + global_index * 1437 // memberships)
        return at.time(), at

    for number in range(COHORTS):
        await seed.cohort_with_members(database, per_cohort, name=f"tick{number}",
                                       reminder=lambda i, n=number: reminder(n * per_cohort + i))
    async with database.engine.connect() as connection:
        due_rows = (await connection.execute(select(func.count()).where(
            MembershipRow.next_reminder_at <= seed.NOW))).scalar_one()
    scheduler = Scheduler(database.unit_of_work, SimulatedClock(seed.NOW), workers=tick_workers(database))  # as run
    settle_heap()  # as `studybot run` does once started

    async def busy(round_: int) -> float:
        if round_:
            await _due_again(database)
        started = time.perf_counter()
        report = await scheduler.tick()
        elapsed = time.perf_counter() - started
        if len(report.enqueued) != due_rows or await seed.count(database, OutboxRow) != due_rows:
            raise RuntimeError(f"{due_rows} reminders due, {len(report.enqueued)} enqueued")
        return elapsed

    busy_runs = await repeat(busy, least=1, most=3, budget_s=scale.pick(30, 5))

    idle_runs = await repeat(lambda _: idle_tick_s(scheduler), least=5, most=21, budget_s=5)
    busy_s, idle_s = median(busy_runs), median(idle_runs)
    return Result("reminder_tick", {"memberships": memberships, "due": due_rows, "busy_tick_s": round(busy_s, 4),
                                    "idle_tick_ms": ms(idle_s), "busy_repeats": len(busy_runs),
                                    "idle_repeats": len(idle_runs)},
                  TARGET, busy_s <= 0.5 and idle_s <= 0.002)


async def idle_tick_s(scheduler: Scheduler) -> float:
    """One tick with nothing due, timed; it must owe nothing."""
    started = time.perf_counter()
    report = await scheduler.tick()
    elapsed = time.perf_counter() - started
    if report.enqueued:
        raise RuntimeError(f"a tick with nothing due enqueued {len(report.enqueued)} messages")
    return elapsed


async def _due_again(database: Database) -> None:
    """Undo a busy tick: the due reminders due again, the outbox empty."""
    async with database.engine.begin() as connection:
        await connection.execute(delete(OutboxRow))
        await connection.execute(update(MembershipRow).where(MembershipRow.reminder_time == DUE_TIME)
                                 .values(next_reminder_at=DUE_AT, next_reminder_day=None))  # as seeded
