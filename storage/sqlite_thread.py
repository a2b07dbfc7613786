"""SQLite on a thread of its own. One thread owns the connection and runs each repository call (and each
commit) whole, so the statements inside it cost no hand-off between threads: aiosqlite hands every statement,
its rows and its cursor's close to its own thread and back (a lone check-in's 19 statements spent about 3 ms
of its 10 ms that way; its 13 hand-overs here cost well under 1 ms).

The bot's event loop hops once per call: `DatabaseThread.run(coroutine)` runs the coroutine on the thread's
own event loop and resolves when it is done. There the session's driver (storage/sqlite_in_place.py) finishes
each statement on the spot: SQLite blocks that thread (busy_timeout included), never the bot's event loop."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")


class DatabaseThread:
    """A daemon thread running an event loop of its own, started on first use (again after `stop`)."""

    def __init__(self, name: str) -> None:
        self._name = name
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    def run(self, coroutine: Coroutine[Any, Any, T]) -> Awaitable[T]:
        """Await the result on any event loop: `coroutine` runs on the database thread meanwhile. Cancelling
        the wait cancels the coroutine at its next wait there (a statement under way finishes first)."""
        loop = self._loop if self._loop is not None else self._start()
        return _hand_over(coroutine, loop)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    async def stop(self) -> None:
        """End the thread once what was handed to it is done."""
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        self._loop = self._thread = None
        loop.call_soon_threadsafe(loop.stop)
        await asyncio.to_thread(thread.join)

    def _start(self) -> asyncio.AbstractEventLoop:
        loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=_serve, args=(loop,), name=self._name, daemon=True)
        self._thread.start()
        self._loop = loop
        return loop


def _hand_over(coroutine: Coroutine[Any, Any, T], loop: asyncio.AbstractEventLoop) -> asyncio.Future[T]:
    """What `asyncio.run_coroutine_threadsafe` and `wrap_future` do together, with one wake-up each way and
    no `concurrent.futures.Future` in between (half the cost of a hand-over on this machine)."""
    caller = asyncio.get_running_loop()
    outcome: asyncio.Future[T] = caller.create_future()
    started: list[asyncio.Task[T]] = []

    def start() -> None:  # on the database thread
        task = loop.create_task(coroutine)
        started.append(task)
        task.add_done_callback(lambda done: caller.call_soon_threadsafe(_settle, outcome, done))

    def cancel_if_cancelled(waited: asyncio.Future[T]) -> None:  # on the caller's loop
        if waited.cancelled():
            # Handed over after `start`, so it runs after it: the task is there to cancel.
            loop.call_soon_threadsafe(lambda: started[0].cancel())

    loop.call_soon_threadsafe(start)
    outcome.add_done_callback(cancel_if_cancelled)
    return outcome


def _settle(outcome: asyncio.Future[T], done: asyncio.Task[T]) -> None:
    """On the caller's loop: the task's result, failure or cancellation, unless the caller gave up already."""
    if outcome.done():
        return
    if done.cancelled():
        outcome.cancel()
    elif (error := done.exception()) is not None:
        outcome.set_exception(error)
    else:
        outcome.set_result(done.result())


def _serve(loop: asyncio.AbstractEventLoop) -> None:
    asyncio.set_event_loop(loop)
    try:
        loop.run_forever()
        # Calls still under way when the thread was told to stop end cancelled, so no caller waits forever.
        left = asyncio.all_tasks(loop)
        for task in left:
            task.cancel()
        loop.run_until_complete(asyncio.gather(*left, return_exceptions=True))
    finally:
        loop.close()


class OnThread(Generic[R]):
    """A repository whose coroutine methods each run, whole, on the database thread: one hop per call."""

    def __init__(self, repository: R, run: Callable[[Coroutine[Any, Any, Any]], Awaitable[Any]]) -> None:
        self._repository = repository
        self._run = run

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._repository, name)
        if not asyncio.iscoroutinefunction(method):
            return method

        async def on_thread(*args: Any, **kwargs: Any) -> Any:
            return await self._run(method(*args, **kwargs))

        setattr(self, name, on_thread)  # looked up once per unit of work and name
        return on_thread
