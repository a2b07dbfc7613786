"""9. league: a 10,000-member cohort's weekly placement in one tick, `league` during the week, and the week's end
(results, new tiers, one DM per member, the next placement) in one more tick."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, text, update

from adapters.bench import seed
from adapters.bench.common import Result, Scale, invocation, ms, new_bot, percentile, repeat
from bot.clock import SimulatedClock
from bot.scheduler import Scheduler
from storage import Database
from storage.models import CohortRow, LeagueEntryRow, OutboxRow

TARGET = "placement of 10,000 <= 2 s, league p99 <= 50 ms"
MONDAY = datetime(2026, 3, 9, 4, 0, tzinfo=UTC)  # the Monday after seed.NOW, at the cohort's 04:00 rollover


async def league(database: Database, scale: Scale) -> Result:
    members = scale.pick(10_000, 1000)
    cohort, memberships = await seed.cohort_with_members(database, members, name="league")
    # Everyone checked in on 2-5 of the days before: different minutes last week, so divisions group by pace.
    before = seed.checkins(database, (
        seed.checkin(cohort, membership, member, MONDAY.date() - timedelta(days=1 + k), 10 + (i * 13) % 80, f"p{k}")
        for i, (membership, member) in enumerate(memberships.items()) for k in range(2 + i % 4)))
    seeded = await before
    async with database.engine.begin() as connection:
        if database.dialect == "postgresql":
            await connection.execute(text("ANALYZE"))  # as after any bulk load (see seed.leaderboard_figures)
        await connection.execute(update(CohortRow).where(CohortRow.id == cohort).values(
            leagues=True, next_league_at=MONDAY, next_league_day=MONDAY.date()))
    clock = SimulatedClock(MONDAY)
    scheduler = Scheduler(database.unit_of_work, clock)
    started = time.perf_counter()
    await scheduler.tick()
    placement = time.perf_counter() - started
    async with database.engine.connect() as connection:
        placed = (await connection.execute(select(func.count()).select_from(LeagueEntryRow))).scalar_one()
        divisions = (await connection.execute(select(func.count()).select_from(
            select(LeagueEntryRow.tier, LeagueEntryRow.division).distinct().subquery()))).scalar_one()
    # The week so far: every member on the Monday and Tuesday.
    seeded += await seed.checkins(database, (
        seed.checkin(cohort, membership, member, MONDAY.date() + timedelta(days=k), 5 + (i * 7 + k) % 90, f"w{k}")
        for i, (membership, member) in enumerate(memberships.items()) for k in range(2)))
    if database.dialect == "postgresql":
        async with database.engine.begin() as connection:
            await connection.execute(text("ANALYZE"))
    clock.set(MONDAY + timedelta(days=1, hours=20))
    bot = new_bot(database, clock)

    async def ask(round_: int) -> float:
        caller = (round_ * 7919) % members
        began = time.perf_counter()
        reply = await bot.handle_text(invocation(f"league-u{caller}", "league", f"l{round_}"), "league")
        elapsed = time.perf_counter() - began
        if reply.is_error or not reply.data.get("rows"):
            raise RuntimeError(f"league failed: {reply.text[:200]}")
        return elapsed

    timings = await repeat(ask, least=20, most=scale.pick(200, 50), budget_s=scale.pick(20, 3))
    p99 = percentile(timings, 0.99)
    clock.set(MONDAY + timedelta(days=7))
    started = time.perf_counter()
    await scheduler.tick()
    week_end = time.perf_counter() - started
    async with database.engine.connect() as connection:
        dms = (await connection.execute(select(func.count()).select_from(OutboxRow)
                                        .where(OutboxRow.kind == "league"))).scalar_one()
    figures: dict[str, float] = {"members": members, "checkins": seeded, "placed": placed, "divisions": divisions,
                                 "placement_s": round(placement, 3), "league_p99_ms": ms(p99),
                                 "league_p50_ms": ms(percentile(timings, 0.5)), "league_repeats": len(timings),
                                 "week_end_s": round(week_end, 3), "result_dms": dms}
    passed = placement <= 2.0 and p99 <= 0.05 and placed == members and dms == members
    return Result("league", figures, TARGET, passed)
