"""single_checkin: one check-in at a time through the real service (nothing else running), so its latency is
the cost of one command: the process's own work plus its trips to the database."""

from __future__ import annotations

import time

from adapters.bench import seed
from adapters.bench.common import Result, Scale, invocation, ms, new_bot, percentile
from storage import Database

TARGET = "p50 <= 4 ms (SQLite; reported on Postgres)"


async def single_checkin(database: Database, scale: Scale) -> Result:
    count = scale.pick(500, 100)
    await seed.cohort_with_members(database, count, name="single")
    bot = new_bot(database)
    await bot.handle_text(invocation("single-owner", "single", "single-warm"), "help")  # connections opened
    latencies = []
    for number in range(count):  # each by another member: the throttle never steps in
        started = time.perf_counter()
        reply = await bot.handle_text(invocation(f"single-u{number}", "single", f"single-{number}"), "checkin 30")
        latencies.append(time.perf_counter() - started)
        if reply.is_error:
            raise RuntimeError(f"check-in failed: {reply.data.get('error')}: {reply.text[:200]}")
    p50 = percentile(latencies, 0.5)
    return Result("single_checkin", {"checkins": count, "p50_ms": ms(p50), "p99_ms": ms(percentile(latencies, 0.99))},
                  TARGET, p50 <= 0.004 or database.dialect != "sqlite")
