"""3. history_independence: a check-in by a member with 1,000 days of history costs about what one by a
member with a single day costs (history seeded straight through the engine, not through commands)."""

from __future__ import annotations

import time
from datetime import timedelta

from adapters.bench import seed
from adapters.bench.common import Result, Scale, invocation, median, ms, new_bot
from bot.clock import SimulatedClock
from bot.throttle import COMMANDS_PER_WINDOW, WINDOW
from storage import Database

TARGET = "p50(1,000 days) / p50(1 day) <= 1.5"
DAYS = 1000


async def history_independence(database: Database, scale: Scale) -> Result:
    cohort, memberships = await seed.cohort_with_members(database, 2, name="history")
    (long_membership, long_member), (short_membership, short_member) = memberships.items()
    # One done day (30 minutes = the cohort's daily target) each day up to yesterday: a 1,000-day streak.
    await seed.checkins(database, (
        seed.checkin(cohort, long_membership, long_member, seed.TODAY - timedelta(days=back), 30, f"seed-{back}")
        for back in range(1, DAYS + 1)))
    await seed.checkins(database, [seed.checkin(cohort, short_membership, short_member,
                                                seed.TODAY - timedelta(days=1), 30, "seed-1")])
    clock = SimulatedClock(seed.NOW)
    bot = new_bot(database, clock)
    rounds = scale.pick(40, 20)
    timings: dict[str, list[float]] = {"long": [], "short": []}
    first: dict[str, float] = {}
    for round_ in range(rounds + 1):
        for label, user in (("long", "history-u0"), ("short", "history-u1")):
            started = time.perf_counter()
            reply = await bot.handle_text(invocation(user, "history", f"h-{label}-{round_}"), "checkin 1")
            elapsed = time.perf_counter() - started
            if reply.is_error:
                raise RuntimeError(f"check-in failed: {reply.data.get('error')}: {reply.text[:200]}")
            if round_ == 0:
                first[label] = elapsed  # the first one may compute and save the streak walk
            else:
                timings[label].append(elapsed)
        clock.advance(WINDOW / COMMANDS_PER_WINDOW + timedelta(milliseconds=100))  # stay under the limit
    long, short = median(timings["long"]), median(timings["short"])
    ratio = long / short
    return Result("history_independence", {"days": DAYS, "p50_long_ms": ms(long), "p50_short_ms": ms(short),
                                           "ratio": round(ratio, 3), "first_long_ms": ms(first["long"]),
                                           "first_short_ms": ms(first["short"]), "repeats": rounds},
                  TARGET, ratio <= 1.5)
