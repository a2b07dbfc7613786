"""checkin_burst: N members of one cohort each send one check-in at the same moment (asyncio.gather of
`StudyBot.handle_text`, distinct idempotency keys), through the real service and storage: 2,000 at once,
and 250 at once (a busy channel's moment rather than the whole cohort's)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from adapters.bench import seed
from adapters.bench.common import Result, Scale, invocation, median, ms, new_bot, percentile, repeat
from bot.service import StudyBot
from storage import Database
from storage.models import CheckInRow

TARGET = "2,000: throughput/baseline >= 0.25, p99 <= 300 ms; 250: p99 <= 50 ms; none refused"


async def checkin_burst(database: Database, scale: Scale, baseline_rate: float) -> Result:
    members, small = scale.pick(2000, 200), scale.pick(250, 50)
    await seed.cohort_with_members(database, members, name="burst")
    bot = new_bot(database)

    async def one(key: str, number: int) -> tuple[float, bool]:
        started = time.perf_counter()
        reply = await bot.handle_text(invocation(f"burst-u{number}", "burst", f"burst-{key}-{number}"), "checkin 30")
        return time.perf_counter() - started, reply.is_error  # e.g. `try_again` after queueing too long

    def burst(size: int) -> Callable[[int], Awaitable[tuple[float, float, float, int]]]:
        async def at_once(round_: int) -> tuple[float, float, float, int]:
            started = time.perf_counter()
            outcomes = await asyncio.gather(*(one(f"{size}-{round_}", number) for number in range(size)))
            rate = sum(not error for _, error in outcomes) / (time.perf_counter() - started)  # recorded ones
            latencies = [elapsed for elapsed, _ in outcomes]
            return rate, percentile(latencies, 0.5), percentile(latencies, 0.99), sum(error for _, error in outcomes)
        return at_once

    rounds = await repeat(burst(members), least=scale.pick(1, 3), most=3, budget_s=60)
    small_rounds = await repeat(burst(small), least=3, most=5, budget_s=10)
    floor = await _floor(bot, members)
    refused = sum(r[3] for r in rounds + small_rounds)
    sent = members * len(rounds) + small * len(small_rounds)
    recorded = await seed.count(database, CheckInRow)
    if recorded != sent - refused:
        raise RuntimeError(f"{sent - refused} check-ins answered ok, {recorded} recorded")
    rate = median([r[0] for r in rounds])
    p50, p99 = median([r[1] for r in rounds]), median([r[2] for r in rounds])
    small_p99 = median([r[2] for r in small_rounds])
    ratio = rate / baseline_rate if baseline_rate else 0.0
    return Result("checkin_burst", {"members": members, "checkins_per_s": round(rate, 1), "p50_ms": ms(p50),
                                    "p99_ms": ms(p99), "ratio_to_baseline": round(ratio, 5),
                                    "small": small, "small_p99_ms": ms(small_p99),
                                    "refused": refused, "repeats": len(rounds), "floor_ms": ms(floor)},
                  TARGET, ratio >= 0.25 and p99 <= 0.3 and small_p99 <= 0.05 and not refused)


async def _floor(bot: StudyBot, members: int) -> float:
    """How long the process takes merely to take the same burst of commands, each answered before storage
    (an empty line): no check-in can be answered before the whole burst is in, so this bounds p99 from below."""
    started = time.perf_counter()
    await asyncio.gather(*(bot.handle_text(invocation(f"burst-u{number}", "burst", f"floor-{number}"), "")
                           for number in range(members)))
    return time.perf_counter() - started
