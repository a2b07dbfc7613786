"""checkin_stream: check-ins arriving as a Poisson process (500 a second for 20 s from 5,000 members), each
fired at its scheduled instant whether or not earlier ones were answered; latency from that instant to the
reply."""

from __future__ import annotations

from adapters.bench import seed
from adapters.bench.arrivals import fire, poisson_offsets
from adapters.bench.common import Result, Scale, invocation, ms, new_bot, percentile
from storage import Database
from storage.models import CheckInRow

TARGET = "p99 <= 50 ms from arrival to reply, none refused"


async def checkin_stream(database: Database, scale: Scale) -> Result:
    members, rate, seconds = scale.pick(5000, 500), scale.pick(500, 200), scale.pick(20.0, 3.0)
    await seed.cohort_with_members(database, members, name="stream")
    bot = new_bot(database)
    offsets = poisson_offsets(rate, seconds)
    outcomes = await fire(offsets, lambda number: bot.handle_text(
        invocation(f"stream-u{number % members}", "stream", f"stream-{number}"), "checkin 5"))
    recorded = await seed.count(database, CheckInRow)
    if recorded != len(offsets) - outcomes.errors:
        raise RuntimeError(f"{len(offsets) - outcomes.errors} check-ins answered ok, {recorded} recorded")
    p99 = percentile(outcomes.latencies, 0.99)
    return Result("checkin_stream", {
        "members": members, "rate_per_s": rate, "seconds": seconds, "checkins": len(offsets),
        "answered_per_s": round(len(offsets) / outcomes.seconds, 1), "p50_ms": ms(percentile(outcomes.latencies, 0.5)),
        "p99_ms": ms(p99), "max_ms": ms(max(outcomes.latencies)), "refused": outcomes.errors},
        TARGET, p99 <= 0.05 and not outcomes.errors)
