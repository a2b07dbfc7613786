"""Postgres-only behaviour: two processes writing for one member at once, and the database going away for
a while and coming back (through a TCP proxy on 127.0.0.1 that the test cuts and restores)."""

from __future__ import annotations

import asyncio
import contextlib
import os
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import make_url

from adapters.ops import Operations, PrometheusTelemetry
from bot.clock import SimulatedClock
from bot.commands.context import Invocation
from bot.delivery import Dispatcher
from bot.errors import StorageUnavailable
from bot.scheduler import Scheduler
from bot.service import StudyBot
from storage import Database
from tests.integration.conftest import _postgres_database
from tests.unit.conftest import TOOLS
from tests.unit.test_scheduler import RecordingNotifier

pytestmark = pytest.mark.postgres
NOW = datetime(2026, 3, 6, 14, tzinfo=UTC)


def _say(key: str) -> Invocation:
    return Invocation("test", "w", "ann", "ann", "general", key)


async def test_two_processes_checking_in_for_one_member_record_both(tmp_path: object) -> None:
    async for url in _postgres_database():
        first, second = await Database.connect(url), await Database.connect(url)
        try:
            clock = SimulatedClock(NOW)
            one, two = StudyBot(first.unit_of_work, clock, TOOLS), StudyBot(second.unit_of_work, clock, TOOLS)
            assert not (await one.handle_text(_say("create"), "cohort create ml-club")).is_error
            replies = await asyncio.gather(*(bot.handle_text(_say(f"k{n}"), "checkin 20")
                                             for n, bot in enumerate([one, two] * 5)))
            assert [r.data.get("error") for r in replies].count(None) == 10
            streak = await two.handle_text(_say("streak"), "streak")
            assert (streak.data["minutes_today"], streak.data["streak"]) == (200, 1)
        finally:
            await first.dispose()
            await second.dispose()


class Proxy:
    """A TCP proxy to Postgres that can be cut (connections dropped, new ones refused) and restored."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.open = True
        self._links: set[asyncio.Task[None]] = set()
        self.server: asyncio.Server | None = None

    async def start(self) -> int:
        self.server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        return self.server.sockets[0].getsockname()[1]

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if not self.open:
            writer.close()
            return
        upstream_reader, upstream_writer = await asyncio.open_connection(*self.target)
        for source, sink in ((reader, upstream_writer), (upstream_reader, writer)):
            task = asyncio.create_task(self._pipe(source, sink))
            self._links.add(task)
            task.add_done_callback(self._links.discard)

    @staticmethod
    async def _pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
        try:
            while data := await source.read(65536):
                sink.write(data)
                await sink.drain()
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            sink.close()

    def cut(self) -> None:
        self.open = False
        for task in list(self._links):
            task.cancel()

    def restore(self) -> None:
        self.open = True

    async def stop(self) -> None:
        self.cut()
        if self.server is not None:
            self.server.close()
        with contextlib.suppress(Exception):
            await asyncio.gather(*self._links, return_exceptions=True)


async def test_the_database_going_away_and_coming_back() -> None:
    async for url in _postgres_database():
        parsed = make_url(url)
        proxy = Proxy(parsed.host or "127.0.0.1", parsed.port or 5432)
        port = await proxy.start()
        database = await Database.connect(parsed.set(host="127.0.0.1", port=port).render_as_string(False))
        clock = SimulatedClock(NOW)
        bot = StudyBot(database.unit_of_work, clock, TOOLS)
        notifier = RecordingNotifier()
        notifier.clock = clock
        scheduler = Scheduler(database.unit_of_work, clock)
        dispatcher = Dispatcher(database.unit_of_work, clock, {"test": notifier}, owner="p")
        ops = Operations(database, PrometheusTelemetry(), last_beat=lambda: None, tick_every=timedelta(seconds=20),
                         adapters={})
        try:
            assert (await ops.healthz(None)).status == 200  # type: ignore[arg-type]
            assert not (await bot.handle_text(_say("create"), "cohort create ml-club")).is_error
            await bot.handle_text(_say("remind"), "remind set 15:00")
            clock.set(datetime(2026, 3, 6, 15, 0, tzinfo=UTC))
            await scheduler.tick()  # the reminder is owed...
            proxy.cut()  # ...and the database goes away before it is sent
            refused = await bot.handle_text(_say("during"), "checkin 30")
            assert refused.data["error"] == "try_again"
            assert (await ops.healthz(None)).status == 503  # type: ignore[arg-type]
            with pytest.raises(StorageUnavailable):  # the clock logs it and tries again next tick
                await dispatcher.drain()
            assert notifier.sent == []
            proxy.restore()
            assert (await ops.healthz(None)).status == 200  # type: ignore[arg-type]
            clock.set(datetime(2026, 3, 6, 15, 5, tzinfo=UTC))
            await dispatcher.drain()
            assert [r.data["type"] for _, _, r in notifier.sent] == ["reminder"]
            after = await bot.handle_text(_say("after"), "checkin 30")
            assert after.data["minutes_today"] == 30  # the refused check-in was not half-recorded
        finally:
            await database.dispose()
            await proxy.stop()


if not os.environ.get("STUDYBOT_TEST_POSTGRES_URL"):
    pytestmark = [pytest.mark.postgres,
                  pytest.mark.skip(reason="Postgres tests need STUDYBOT_TEST_POSTGRES_URL, e.g. "
                                          "postgresql+asyncpg://postgres@127.0.0.1:5432/test")]
