"""Open-loop load: commands fired at instants scheduled by the clock (not one after another as replies come
back), each timed from its scheduled instant to its reply, so time spent queueing behind a busy process or
database counts against the command that waited."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.replies import Reply


@dataclass
class Outcomes:
    latencies: list[float]  # seconds from each command's scheduled instant to its reply
    errors: int
    seconds: float  # from the first scheduled instant to the last reply


def poisson_offsets(rate: float, seconds: float, seed: int = 18) -> list[float]:
    """Arrival instants (seconds from the start) of a Poisson process of `rate` per second over `seconds`."""
    chooser = random.Random(seed)
    offsets, at = [], chooser.expovariate(rate)
    while at < seconds:
        offsets.append(at)
        at += chooser.expovariate(rate)
    return offsets


async def fire(offsets: list[float], command: Callable[[int], Awaitable[Reply]],
               until: Callable[[], bool] | None = None) -> Outcomes:
    """Run `command(i)` at `offsets[i]` seconds from now; stop scheduling once `until()` is true."""
    started = time.perf_counter()
    latencies: list[float] = []
    errors = 0

    async def one(number: int, due: float) -> None:
        nonlocal errors
        reply = await command(number)
        latencies.append(time.perf_counter() - due)
        errors += reply.is_error

    tasks = []
    for number, offset in enumerate(offsets):
        if until is not None and until():
            break
        due = started + offset
        if (wait := due - time.perf_counter()) > 0:
            await asyncio.sleep(wait)
        tasks.append(asyncio.create_task(one(number, due)))
    await asyncio.gather(*tasks)
    return Outcomes(latencies, errors, time.perf_counter() - started)
