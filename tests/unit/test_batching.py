"""bot.batching.Batcher: what arrives together is handled together, and one batch's failure stays its own."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from bot.batching import Batcher


class Recorder:
    def __init__(self, fail_when: int | None = None) -> None:
        self.batches: list[list[int]] = []
        self.fail_when = fail_when
        self.gate: asyncio.Event | None = None
        self.started = asyncio.Event()

    async def process(self, items: Sequence[int]) -> list[int]:
        self.batches.append(list(items))
        self.started.set()
        if self.gate is not None:
            await self.gate.wait()
        if self.fail_when in items:
            raise ValueError(f"bad item {self.fail_when}")
        return [item * 10 for item in items]


async def test_what_arrives_together_is_one_batch_and_each_gets_its_own_result() -> None:
    recorder = Recorder()
    batcher = Batcher(recorder.process, max_size=100)
    results = await asyncio.gather(*(batcher.submit(n) for n in range(25)))
    assert results == [n * 10 for n in range(25)]
    assert recorder.batches == [list(range(25))]


async def test_a_burst_bigger_than_a_batch_is_split_in_arrival_order() -> None:
    recorder = Recorder()
    batcher = Batcher(recorder.process, max_size=10)
    results = await asyncio.gather(*(batcher.submit(n) for n in range(25)))
    assert results == [n * 10 for n in range(25)]
    assert recorder.batches == [list(range(10)), list(range(10, 20)), list(range(20, 25))]


async def test_items_arriving_while_a_batch_runs_wait_for_the_next_one() -> None:
    recorder = Recorder()
    recorder.gate = asyncio.Event()
    batcher = Batcher(recorder.process, max_size=100)
    first = asyncio.ensure_future(batcher.submit(1))
    await recorder.started.wait()  # the first batch is running (held at the gate)
    later = [asyncio.ensure_future(batcher.submit(n)) for n in (2, 3)]
    await asyncio.sleep(0)
    recorder.gate.set()
    assert await first == 10
    assert [await task for task in later] == [20, 30]
    assert recorder.batches == [[1], [2, 3]]


async def test_a_failing_batch_fails_its_own_items_only() -> None:
    recorder = Recorder(fail_when=3)
    batcher = Batcher(recorder.process, max_size=5)
    results = await asyncio.gather(*(batcher.submit(n) for n in range(10)), return_exceptions=True)
    assert all(isinstance(result, ValueError) for result in results[:5])
    assert results[5:] == [50, 60, 70, 80, 90]


async def test_a_caller_that_gives_up_does_not_disturb_the_others() -> None:
    recorder = Recorder()
    recorder.gate = asyncio.Event()
    batcher = Batcher(recorder.process, max_size=100)
    impatient = asyncio.ensure_future(batcher.submit(1))
    patient = asyncio.ensure_future(batcher.submit(2))
    await recorder.started.wait()
    impatient.cancel()
    recorder.gate.set()
    assert await patient == 20
    with pytest.raises(asyncio.CancelledError):
        await impatient
    assert await batcher.submit(3) == 30  # the batcher is still working


async def test_a_cancelled_drain_cancels_everyone_still_waiting() -> None:
    recorder = Recorder()
    recorder.gate = asyncio.Event()
    batcher = Batcher(recorder.process, max_size=2)
    waiting = [asyncio.ensure_future(batcher.submit(n)) for n in range(5)]
    await recorder.started.wait()  # [0, 1] in flight, [2, 3, 4] queued behind them
    assert batcher._drain is not None
    batcher._drain.cancel()  # as when the loop shuts down
    results = await asyncio.gather(*waiting, return_exceptions=True)
    assert all(isinstance(result, asyncio.CancelledError) for result in results)
    recorder.gate.set()
    assert await batcher.submit(7) == 70  # and the next one starts afresh
