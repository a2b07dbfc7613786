"""Group commit: requests that arrive while the database is busy wait together and are then handled as one
batch, in one transaction, instead of queueing for the connection one by one."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable, Sequence
from contextlib import asynccontextmanager
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")


class Batcher(Generic[T, R]):
    """`submit(item)` resolves to `process(batch)[i]` for the batch the item ended up in.

    The first item to arrive starts a drain task; everything submitted before that task first runs (the
    rest of a burst) and while a batch is in flight joins the next batch, up to `max_size` items each.
    An exception from `process` goes to every item of that batch."""

    def __init__(self, process: Callable[[Sequence[T]], Awaitable[Sequence[R]]], max_size: int) -> None:
        self._process = process
        self._max_size = max_size
        self._waiting: list[tuple[T, asyncio.Future[R]]] = []
        self._drain: asyncio.Task[None] | None = None

    async def submit(self, item: T) -> R:
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._waiting.append((item, future))
        if self._drain is None:
            self._drain = asyncio.create_task(self._drain_waiting())
        return await future

    async def _drain_waiting(self) -> None:
        try:
            while self._waiting:
                batch, self._waiting = self._waiting[:self._max_size], self._waiting[self._max_size:]
                try:
                    results = await self._process([item for item, _ in batch])
                    if len(results) != len(batch):
                        raise RuntimeError(f"{len(results)} results for a batch of {len(batch)}")
                except Exception as error:
                    for _, future in batch:
                        if not future.done():
                            future.set_exception(error)
                    continue
                except BaseException:  # cancelled (shutting down): so is everyone still waiting
                    for _, future in batch + self._waiting:
                        future.cancel()
                    self._waiting = []
                    raise
                for (_, future), result in zip(batch, results, strict=True):
                    if not future.done():  # its caller may have given up (cancelled) meanwhile
                        future.set_result(result)
        finally:
            self._drain = None


class Turns:
    """One at a time per key, first come first served; a key's lock lives only while someone holds or
    awaits it."""

    def __init__(self) -> None:
        self._locks: dict[Hashable, tuple[asyncio.Lock, int]] = {}

    @asynccontextmanager
    async def of(self, key: Hashable) -> AsyncIterator[None]:
        lock, users = self._locks.get(key, (asyncio.Lock(), 0))
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            users = self._locks[key][1] - 1
            if users:
                self._locks[key] = (lock, users)
            else:
                del self._locks[key]
