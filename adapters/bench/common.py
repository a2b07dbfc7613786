"""What every scenario shares: its result, the scale, timing helpers, and a bot wired to real storage."""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TypeVar

from adapters.bench.seed import NOW
from adapters.serve import settle_heap
from bot.clock import SimulatedClock
from bot.commands.context import Invocation
from bot.service import StudyBot
from storage import Database

T = TypeVar("T")


@dataclass
class Result:
    """One row of the report: figures (numbers only), the target in words and whether it was met.
    `error` is set (and `passed` False) when the scenario crashed."""

    name: str
    figures: dict[str, float] = field(default_factory=dict)
    target: str = ""
    passed: bool = False
    error: str | None = None


@dataclass(frozen=True)
class Scale:
    """Full size, or `quick` (every scenario scaled down so the run takes well under a minute)."""

    quick: bool

    def pick(self, full: T, quick: T) -> T:
        return quick if self.quick else full


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile (p99 of 200 values is the 198th smallest)."""
    ordered = sorted(values)
    rank = min(len(ordered), max(1, math.ceil(share * len(ordered) - 1e-9)))
    return ordered[rank - 1]


def median(values: list[float]) -> float:
    return statistics.median(values)


async def repeat(work: Callable[[int], Awaitable[T]], *, least: int, most: int, budget_s: float) -> list[T]:
    """Run `work(round)` at least `least` times and at most `most`, stopping early once `budget_s` is spent:
    a scenario far off its target at full scale would otherwise take many minutes to be measured again."""
    results: list[T] = []
    started = time.perf_counter()
    for round_ in range(most):
        if round_ >= least and time.perf_counter() - started > budget_s:
            break
        results.append(await work(round_))
    return results


def new_bot(database: Database, clock: SimulatedClock | None = None) -> StudyBot:
    """The real core service on the real unit of work, its heap settled as `studybot run` settles it once
    started; the clock stands still unless a scenario moves it."""
    settle_heap()
    return StudyBot(database.unit_of_work, clock or SimulatedClock(NOW))


def invocation(user: str, channel: str, key: str) -> Invocation:
    return Invocation(platform="bench", workspace="w", user_id=user, display_name=user, channel_id=channel,
                      idempotency_key=key)


def ms(seconds: float) -> float:
    return round(seconds * 1000, 3)
