"""Commands in flight: the tasks the platform adapters run members' commands in, kept so that shutdown can
let them finish and answer before it closes what they need (the platform's REST client, the database).

discord.py runs each interaction in a task of its own (`CommandTree._from_interaction`), and slack-bolt runs
each listener in a task after acknowledging the request (`asyncio.ensure_future` in its listener runner);
neither keeps them, so `asyncio.run` would cancel them at exit. The adapters register those tasks here when
a command starts; `serve()` stops the platforms' events, then `drain`s this registry with a time bound."""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable
from typing import ParamSpec, TypeVar

log = logging.getLogger(__name__)

P = ParamSpec("P")
T = TypeVar("T")


class InFlight:
    def __init__(self) -> None:
        self._tasks: set[asyncio.Future[object]] = set()
        self.closing = False  # set when shutdown starts: adapters refuse new requests (Slack HTTP: 503)

    @property
    def running(self) -> int:
        return len(self._tasks)

    def track(self, task: asyncio.Future[object] | None = None) -> None:
        """Keep `task` (default: the running one) until it is done."""
        task = task or asyncio.current_task()  # type: ignore[assignment]
        if task is None or task.done() or task in self._tasks:
            return
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def tracked(self, handler: Callable[P, Awaitable[T]]) -> Callable[P, Awaitable[T]]:
        """`handler`, registering the task it runs in (its signature kept: bolt reads argument names)."""

        @functools.wraps(handler)
        async def run(*args: P.args, **kwargs: P.kwargs) -> T:
            self.track()
            return await handler(*args, **kwargs)

        return run

    async def drain(self, seconds: float) -> int:
        """Wait up to `seconds` for every tracked task, including ones registered meanwhile; then cancel
        what is left (so it unwinds while the database is still open) and return how many were cut off."""
        self.closing = True
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        await asyncio.sleep(0)  # a task created for the last event read starts, and registers, on this turn
        while self._tasks and (remaining := deadline - loop.time()) > 0:
            await asyncio.wait(set(self._tasks), timeout=remaining)
        late = set(self._tasks)
        for task in late:
            task.cancel()
        if late:
            log.warning("shutdown: %s commands still running after %.0f s were cancelled", len(late), seconds)
            await asyncio.wait(late, timeout=1.0)
        return len(late)
