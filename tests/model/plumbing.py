"""What the model-based state machines share: their own event loop, the system under test and a step log."""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, Protocol


class _Running(Protocol):
    clock: Any

    async def stop(self) -> None: ...


class Plumbing:
    """Mixed into a RuleBasedStateMachine: `loop`, `tmp`, `system`, `drop_postgres` and `log` are set up by
    `start_plumbing()`; `teardown` stops the system, drops a Postgres database made for it, and cleans up."""

    loop: asyncio.AbstractEventLoop
    tmp: tempfile.TemporaryDirectory[str]
    system: _Running | None
    drop_postgres: Callable[[], Awaitable[None]] | None
    log: list[str]

    def start_plumbing(self, prefix: str, directory: str | None = None) -> None:
        self.loop = asyncio.new_event_loop()
        self.tmp = tempfile.TemporaryDirectory(prefix=prefix, dir=directory)
        self.drop_postgres = None
        self.system = None
        self.log = []

    def run(self, coroutine: Any) -> Any:
        return self.loop.run_until_complete(coroutine)

    @property
    def now(self) -> datetime:
        assert self.system is not None
        return self.system.clock.now()

    def teardown(self) -> None:
        try:
            if self.system is not None:
                self.run(self.system.stop())
            if self.drop_postgres is not None:
                self.run(self.drop_postgres())
        finally:
            self.loop.close()
            self.tmp.cleanup()

    def note(self, line: str) -> None:
        self.log.append(f"{self.now:%Y-%m-%dT%H:%MZ} {line}")
