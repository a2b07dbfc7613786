"""The core wired to an in-memory unit of work and a simulated clock, the way production wires it."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

import pytest

from adapters.charts import PillowCharts
from adapters.roadmaps import load_builtin, parse_roadmap
from bot.clock import SimulatedClock
from bot.commands.context import Invocation, Toolkit
from bot.replies import Reply
from bot.service import StudyBot
from tests.fakes import InMemoryStore

_keys = itertools.count()
TOOLS = Toolkit(roadmaps=load_builtin(), parse_roadmap=parse_roadmap, charts=PillowCharts())


class Harness:
    def __init__(self, store: InMemoryStore, clock: SimulatedClock) -> None:
        self.store = store
        self.clock = clock
        self.bot = StudyBot(store.unit_of_work, clock, TOOLS)

    async def say(self, user: str, line: str, *, channel: str = "general", key: str | None = None,
                  admin: bool = False, workspace: str = "local") -> Reply:
        invocation = Invocation(platform="test", workspace=workspace, user_id=user, display_name=user,
                                channel_id=channel, idempotency_key=key or f"k{next(_keys)}", is_admin=admin)
        return await self.bot.handle_text(invocation, line)

    async def ok(self, user: str, line: str, **kwargs: object) -> Reply:
        reply = await self.say(user, line, **kwargs)  # type: ignore[arg-type]
        assert not reply.is_error, f"{line!r} was refused: {reply.data} {reply.text}"
        return reply

    async def refused(self, user: str, line: str, code: str, **kwargs: object) -> Reply:
        reply = await self.say(user, line, **kwargs)  # type: ignore[arg-type]
        assert reply.data.get("error") == code, f"{line!r}: expected {code}, got {reply.data} {reply.text}"
        assert reply.private
        assert "Traceback" not in reply.text
        return reply


@pytest.fixture
def clock() -> SimulatedClock:
    return SimulatedClock(datetime(2026, 3, 6, 14, 0, tzinfo=UTC))


@pytest.fixture
def h(clock: SimulatedClock) -> Harness:
    return Harness(InMemoryStore(), clock)
