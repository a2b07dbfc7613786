"""first_streak_board: an organizer changes the daily target of a big cohort (10,000 members, 100 days of
history each), so every board streak is unknown; the first `leaderboard streak` then works them all out.
Meanwhile other members keep checking in (open loop, 20 a second): their latency is what must stay low."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from adapters.bench import seed
from adapters.bench.arrivals import fire
from adapters.bench.common import Result, Scale, invocation, ms, new_bot, percentile
from adapters.bench.leaderboard import history
from bot.commands.context import Invocation
from bot.replies import Reply
from storage import Database

TARGET = "others' p99 <= 100 ms while the first streak board is worked out"
OTHERS_PER_S = 20
ALONE = 100  # other check-ins timed before the board is asked, for reference


async def first_streak_board(database: Database, scale: Scale) -> Result:
    members = scale.pick(10_000, 1000)
    cohort, memberships = await seed.cohort_with_members(database, members, name="first")
    seeded = await seed.checkins(database, history(cohort, memberships, 100))
    await seed.leaderboard_figures(database, cohort)
    bot = new_bot(database)
    organizer = Invocation(platform="bench", workspace="w", user_id="first-owner", display_name="owner",
                           channel_id="first", idempotency_key="first-target", is_admin=True)
    changed = await bot.handle_text(organizer, "cohort settings sprint:25")
    if changed.is_error:
        raise RuntimeError(f"the target change failed: {changed.text[:200]}")

    async def first_board() -> float:
        started = time.perf_counter()
        reply = await bot.handle_text(invocation("first-u0", "first", "first-board"), "leaderboard streak")
        if reply.is_error or not reply.data.get("rows"):
            raise RuntimeError(f"the first streak board failed: {reply.text[:200]}")
        return time.perf_counter() - started

    def other(first: int) -> Callable[[int], Awaitable[Reply]]:
        return lambda number: bot.handle_text(invocation(
            f"first-u{1 + (first + number) % (members - 1)}", "first", f"first-other-{first + number}"), "checkin 30")

    offsets = [number / OTHERS_PER_S for number in range(OTHERS_PER_S * 600)]
    # The same load with no board running first: each member's first check-in after the change costs more
    # (its saved streak walk was reset too), whether or not a board is being worked out.
    alone = await fire(offsets[:ALONE], other(0))
    board = asyncio.create_task(first_board())
    others = await fire(offsets, other(ALONE), until=board.done)
    board_s = await board
    if others.errors or alone.errors or not others.latencies:
        raise RuntimeError(f"{others.errors + alone.errors} of {len(others.latencies)} other check-ins failed")
    p99 = percentile(others.latencies, 0.99)
    return Result("first_streak_board", {
        "members": members, "checkins": seeded, "board_ms": ms(board_s), "others": len(others.latencies),
        "others_p50_ms": ms(percentile(others.latencies, 0.5)), "others_p99_ms": ms(p99),
        "others_max_ms": ms(max(others.latencies)), "alone_p50_ms": ms(percentile(alone.latencies, 0.5)),
        "alone_p99_ms": ms(percentile(alone.latencies, 0.99))}, TARGET, p99 <= 0.1)
