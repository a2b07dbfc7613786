"""For operators: `GET /healthz` (database reachable, clock ticking, adapters connected) and `GET /metrics`
in Prometheus format, on STUDYBOT_HTTP_PORT. No tokens and no message text ever appear here."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from sqlalchemy import text

from storage import Database

CHECK_TIMEOUT = 2.0


class PrometheusTelemetry:
    """The core's `Telemetry` as Prometheus metrics, in a registry of its own."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.commands = Counter("studybot_commands", "Commands handled, by name and outcome",
                                ["command", "outcome"], registry=self.registry)
        self.latency = Histogram("studybot_command_seconds", "Time to answer a command", ["command"],
                                 buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5), registry=self.registry)
        self.sends = Counter("studybot_sends", "Send attempts, by platform and result", ["platform", "result"],
                             registry=self.registry)
        self.rate_limited = Counter("studybot_rate_limited", "Platform 429 answers", ["platform"],
                                    registry=self.registry)
        self.ticks = Histogram("studybot_tick_seconds", "Duration of a scheduler tick and outbox drain",
                               registry=self.registry)
        self.outbox_depth = Gauge("studybot_outbox_pending", "Messages waiting in the outbox", registry=self.registry)
        self.outbox_age = Gauge("studybot_outbox_oldest_pending_seconds", "Age of the oldest waiting message",
                                registry=self.registry)

    def command(self, name: str, outcome: str, seconds: float) -> None:
        self.commands.labels(name, outcome).inc()
        self.latency.labels(name).observe(seconds)

    def sent(self, platform: str, result: str) -> None:
        self.sends.labels(platform, result).inc()
        if result == "rate_limited":
            self.rate_limited.labels(platform).inc()

    def tick(self, seconds: float) -> None:
        self.ticks.observe(seconds)


class Operations:
    def __init__(self, database: Database, telemetry: PrometheusTelemetry, *, last_beat: Callable[[], datetime | None],
                 tick_every: timedelta, adapters: Mapping[str, Callable[[], bool]]) -> None:
        self._database = database
        self._telemetry = telemetry
        self._last_beat = last_beat
        self._tick_every = tick_every
        self._adapters = adapters
        self._started = datetime.now(UTC)

    def routes(self) -> list[web.RouteDef]:
        return [web.get("/healthz", self.healthz), web.get("/metrics", self.metrics)]

    async def healthz(self, _request: web.Request) -> web.Response:
        checks = {"database": await self._database_ok(), "scheduler": self._ticking(),
                  **{f"adapter:{name}": connected() for name, connected in self._adapters.items()}}
        healthy = all(checks.values())
        return web.Response(status=200 if healthy else 503, content_type="application/json",
                            text=json.dumps({"status": "ok" if healthy else "unhealthy", "checks": checks}))

    async def metrics(self, _request: web.Request) -> web.Response:
        try:
            depth, oldest = await asyncio.wait_for(self._outbox(), CHECK_TIMEOUT)
            self._telemetry.outbox_depth.set(depth)
            self._telemetry.outbox_age.set((datetime.now(UTC) - oldest).total_seconds() if oldest else 0)
        except (TimeoutError, OSError, Exception):
            pass
        body = generate_latest(self._telemetry.registry)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    async def _database_ok(self) -> bool:
        try:
            async with asyncio.timeout(CHECK_TIMEOUT), self._database.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
            return True
        except Exception:
            return False

    def _ticking(self) -> bool:
        last = self._last_beat() or self._started
        return datetime.now(UTC) - last <= 3 * self._tick_every + timedelta(seconds=5)

    async def _outbox(self) -> tuple[int, datetime | None]:
        async with self._database.engine.connect() as connection:
            row = (await connection.execute(text(
                "SELECT count(*), min(due_at) FROM outbox WHERE status = 'pending'"))).one()
        oldest = row[1]
        if isinstance(oldest, str):  # SQLite hands back text
            oldest = datetime.fromisoformat(oldest)
        if oldest is not None and oldest.tzinfo is None:
            oldest = oldest.replace(tzinfo=UTC)
        return int(row[0]), oldest
