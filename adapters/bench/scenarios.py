"""The scenarios of `studybot bench`. Each returns a `Result`: its figures, the target and whether it met it."""

from __future__ import annotations

import asyncio
import resource
import sqlite3
import statistics
import time
from collections import deque
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import make_url, text

from adapters.bench import seed
from bot.clock import SimulatedClock
from bot.commands.context import Invocation
from bot.delivery import Dispatcher
from bot.domain import OutboxMessage, OutboxStatus
from bot.ports import DeliveryFailed, Destination
from bot.replies import Reply
from bot.scheduler import Scheduler
from bot.service import StudyBot
from storage import Database


@dataclass
class Result:
    name: str
    figures: dict[str, float]
    target: str
    passed: bool
    error: str | None = None


@dataclass(frozen=True)
class Scale:
    quick: bool

    def pick(self, full: int, quick: int) -> int:
        return quick if self.quick else full


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def _bot(database: Database) -> StudyBot:
    bot = StudyBot(database.unit_of_work, SimulatedClock(seed.NOW))
    bot.throttle.wait = lambda key, now: None  # type: ignore[method-assign] # a bench floods by design
    return bot


def _say(user: str, channel: str, key: str) -> Invocation:
    return Invocation("bench", "w", user, user, channel, key)


async def baseline(database: Database, scale: Scale) -> Result:
    """Single-row write transactions per second with the raw driver and the same settings."""
    count = scale.pick(5000, 500)
    url = make_url(database.url)
    if url.get_backend_name() == "sqlite":
        rate = await asyncio.to_thread(_sqlite_baseline, url.database or ":memory:", count)
    else:
        import asyncpg

        connection = await asyncpg.connect(url.set(drivername="postgresql").render_as_string(hide_password=False))
        try:
            await connection.execute("CREATE TEMP TABLE bench_baseline (id serial primary key, v int)")
            started = time.perf_counter()
            for number in range(count):
                async with connection.transaction():
                    await connection.execute("INSERT INTO bench_baseline (v) VALUES ($1)", number)
            rate = count / (time.perf_counter() - started)
        finally:
            await connection.close()
    return Result("baseline", {"transactions_per_s": rate}, "the database's own limit", True)


def _sqlite_baseline(path: str, count: int) -> float:
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        for pragma in ("journal_mode=WAL", "synchronous=NORMAL"):
            connection.execute(f"PRAGMA {pragma}")
        connection.execute("CREATE TABLE IF NOT EXISTS bench_baseline (id INTEGER PRIMARY KEY, v INTEGER)")
        started = time.perf_counter()
        for number in range(count):
            connection.execute("BEGIN IMMEDIATE")
            connection.execute("INSERT INTO bench_baseline (v) VALUES (?)", (number,))
            connection.execute("COMMIT")
        return count / (time.perf_counter() - started)
    finally:
        connection.execute("DROP TABLE IF EXISTS bench_baseline")
        connection.close()


async def checkin_burst(database: Database, scale: Scale, baseline_rate: float) -> Result:
    members = scale.pick(2000, 200)
    await seed.cohort_with_members(database, members, name="burst")
    bot = _bot(database)
    latencies: list[float] = []

    async def one(number: int) -> None:
        started = time.perf_counter()
        reply = await bot.handle_text(_say(f"burst-u{number}", "burst", f"burst-{number}"), "checkin 30")
        latencies.append(time.perf_counter() - started)
        if reply.is_error:
            raise RuntimeError(reply.text)

    started = time.perf_counter()
    await asyncio.gather(*(one(number) for number in range(members)))
    rate = members / (time.perf_counter() - started)
    p50, p99 = percentile(latencies, 0.5) * 1000, percentile(latencies, 0.99) * 1000
    ratio = rate / baseline_rate if baseline_rate else 0.0
    return Result("checkin_burst", {"checkins_per_s": rate, "p50_ms": p50, "p99_ms": p99, "ratio": ratio},
                  ">= 2000/s, p99 <= 100 ms, ratio >= 0.05", rate >= 2000 and p99 <= 100 and ratio >= 0.05)


async def history_independence(database: Database, scale: Scale) -> Result:
    days = scale.pick(1000, 200)
    cohort, memberships = await seed.cohort_with_members(database, 2, name="history")
    members = await seed.member_ids(database, memberships)
    await seed.history(database, cohort, memberships[:1], members, days)
    await seed.history(database, cohort, memberships[1:], members, 1)
    bot = _bot(database)
    timings: dict[int, list[float]] = {0: [], 1: []}
    for round_ in range(30):
        for index in (0, 1):
            started = time.perf_counter()
            await bot.handle_text(_say(f"history-u{index}", "history", f"h{index}-{round_}"), "checkin 1")
            timings[index].append(time.perf_counter() - started)
    long, short = statistics.median(timings[0]), statistics.median(timings[1])
    ratio = long / short
    return Result("history_independence", {"p50_long_ms": long * 1000, "p50_short_ms": short * 1000, "ratio": ratio},
                  "p50 ratio <= 1.5", ratio <= 1.5)


async def leaderboard(database: Database, scale: Scale) -> Result:
    members, per_member = scale.pick(10_000, 1000), scale.pick(100, 20)
    cohort, memberships = await seed.cohort_with_members(database, members, name="board")
    await seed.history(database, cohort, memberships, await seed.member_ids(database, memberships), 60,
                       per_member=per_member)
    bot = _bot(database)
    figures: dict[str, float] = {}
    for board in ("streak", "week", "month", "all"):
        timings = []
        for round_ in range(scale.pick(20, 5)):
            started = time.perf_counter()
            await bot.handle_text(_say("board-u1", "board", f"b-{board}-{round_}"), f"leaderboard {board}")
            timings.append(time.perf_counter() - started)
        figures[f"{board}_p99_ms"] = percentile(timings, 0.99) * 1000
    figures["checkins"] = members * per_member
    return Result("leaderboard", figures, "each board p99 <= 50 ms",
                  all(value <= 50 for key, value in figures.items() if key.endswith("_ms")))


async def reminder_tick(database: Database, scale: Scale) -> Result:
    memberships, due_now = scale.pick(100_000, 5000), scale.pick(10_000, 500)
    clock = SimulatedClock(seed.NOW)
    # The rest are spread over the coming day; `due_now` fall due in the same minute.
    first = seed.NOW - timedelta(seconds=59)
    await seed.cohort_with_members(database, memberships - due_now, name="spread",
                                   reminder=seed.NOW + timedelta(minutes=1))
    await seed.cohort_with_members(database, due_now, name="due", reminder=first)
    async with database.engine.begin() as connection:
        await connection.execute(text("UPDATE memberships SET next_reminder_at = :at WHERE cohort_id IN "
                                      "(SELECT id FROM cohorts WHERE name = 'due')"), {"at": first})
    scheduler = Scheduler(database.unit_of_work, clock)
    started = time.perf_counter()
    report = await scheduler.tick()
    busy = time.perf_counter() - started
    started = time.perf_counter()
    await scheduler.tick()
    idle = time.perf_counter() - started
    return Result("reminder_tick", {"due_enqueued": len(report.enqueued), "busy_tick_s": busy,
                                    "idle_tick_ms": idle * 1000},
                  "busy tick <= 1 s, idle tick <= 5 ms",
                  busy <= 1.0 and idle <= 0.005 and len(report.enqueued) == due_now)


class LimitedNotifier:
    """In process, no network: accepts 50 sends in any second and answers the rest like a 429."""

    platform = "discord"

    def __init__(self, per_second: int = 50) -> None:
        self.per_second = per_second
        self.window: deque[float] = deque()
        self.delivered: dict[str, int] = {}
        self.requests = 0
        self.limited = 0

    async def send(self, destination: Destination, reply: Reply) -> str | None:
        self.requests += 1
        now = time.monotonic()
        while self.window and now - self.window[0] >= 1.0:
            self.window.popleft()
        if len(self.window) >= self.per_second:
            self.limited += 1
            raise DeliveryFailed("429", retry_after=1.0 - (now - self.window[0]))
        self.window.append(now)
        self.delivered[reply.text] = self.delivered.get(reply.text, 0) + 1
        return str(self.requests)


async def delivery(database: Database, scale: Scale) -> Result:
    count = scale.pick(2000, 200)
    real_clock_now = SimulatedClock(seed.NOW)
    async with database.unit_of_work() as uow:
        for number in range(count):
            await uow.outbox.add(OutboxMessage(
                key=f"bench:{number}", kind="nudge", platform="discord", workspace="w", destination_kind="dm",
                target=str(number), text=f"bench {number}", data={"type": "bench"}, due_at=seed.NOW,
                created_at=seed.NOW, next_attempt_at=seed.NOW))
        await uow.commit()
    notifier = LimitedNotifier()
    dispatcher = Dispatcher(database.unit_of_work, real_clock_now, {"discord": notifier}, owner="bench",
                            base_backoff=timedelta(seconds=0))
    started = time.perf_counter()
    while True:
        await dispatcher.drain()
        async with database.unit_of_work() as uow:
            pending = await uow.outbox.count(OutboxStatus.PENDING)
        if not pending:
            break
        real_clock_now.advance(seconds=1)
    elapsed = time.perf_counter() - started
    ideal = count / notifier.per_second
    once = len(notifier.delivered) == count and max(notifier.delivered.values()) == 1
    share_429 = notifier.limited / notifier.requests
    return Result("delivery", {"seconds": elapsed, "ideal_s": ideal, "ratio_to_ideal": elapsed / ideal,
                               "share_429": share_429, "exactly_once": float(once)},
                  "exactly once, <= 1.15 x ideal, <= 1% 429s",
                  once and elapsed <= 1.15 * ideal and share_429 <= 0.01)


def memory() -> Result:
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return Result("memory", {"peak_rss_mb": peak_mb}, "<= 300 MB", peak_mb <= 300)

