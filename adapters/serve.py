"""`studybot run` with platform tokens: the database, the core, the configured adapters, the clock and
the dispatcher, plus /healthz and /metrics, until SIGTERM or SIGINT. Then, in order: no new events (the
Discord gateway closes, Slack requests get 503, new Socket Mode envelopes go unacknowledged); commands in flight
finish and answer, for up to DRAIN_SECONDS (the Socket Mode connection closes once every envelope taken has
been acknowledged over it), while the clock's message in flight finishes and unsent claims are given back for
other processes; then the platforms' clients and the database close."""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import TYPE_CHECKING

from aiohttp import web

from adapters.clockwork import Clockwork, start_clockwork
from adapters.inflight import InFlight
from adapters.settings import Settings
from adapters.web import WebPages
from bot.clock import SystemClock
from bot.commands.context import Toolkit
from bot.delivery import Dispatcher
from bot.ports import Notifier
from bot.scheduler import Scheduler
from bot.service import StudyBot

if TYPE_CHECKING:
    from storage import Database

log = logging.getLogger(__name__)

Stop = Callable[[], Awaitable[None]]

# Seconds shutdown waits for commands in flight before cancelling them. A command normally takes well under a
# second; one slower than 2 s has been deferred on Discord (its answer may follow for 15 minutes) and acked on
# Slack, so this bounds a slow database, not the platforms' 3-second rule. Keep it under the orchestrator's
# grace period (Kubernetes: 30 s by default; `docker stop`: 10 s, so give that one `--time 15`).
DRAIN_SECONDS = 10.0


def tick_workers(database: Database) -> int:
    """Transactions at once for a busy tick's due memberships (`Scheduler`): on Postgres the server writes one
    batch while this process works out the next (issue 18: 10,000 due reminders 0.82 s -> 0.67 s); SQLite has one
    writer."""
    return 2 if database.engine.dialect.name == "postgresql" else 1


class Runtime:
    """What `serve` builds, kept together so start-up and shutdown read in order."""

    def __init__(self) -> None:
        self.notifiers: dict[str, Notifier] = {}
        self.connected: dict[str, Callable[[], bool]] = {}
        self.stops: list[Stop] = []
        self.quiets: list[Stop] = []  # stop taking new events, keep answering the ones taken
        self.inflight = InFlight()
        self.clockwork: Clockwork | None = None


async def serve(settings: Settings, tools: Toolkit, owner: str, *, drain_seconds: float = DRAIN_SECONDS) -> None:
    from adapters.ops import Operations, PrometheusTelemetry
    from storage import Database

    database = await Database.connect(settings.database_url)
    clock = SystemClock()
    telemetry = PrometheusTelemetry()
    bot = StudyBot(database.unit_of_work, clock, tools, telemetry)
    runtime = Runtime()
    every = timedelta(seconds=settings.tick_seconds)
    ops = Operations(database, telemetry, tick_every=every, adapters=runtime.connected,
                     last_beat=lambda: runtime.clockwork.last_beat if runtime.clockwork else None)
    pages = WebPages(bot, tools.public_url)  # the web pages share the port with /healthz, /metrics and Slack
    try:
        if settings.slack_enabled:
            await _start_slack(settings, bot, runtime, ops.routes(), pages)
        elif settings.http_port:
            await _start_ops_only(settings.http_port, ops.routes(), runtime, pages)
        if settings.discord_token:
            await _start_discord(settings, bot, runtime)
        dispatcher = Dispatcher(database.unit_of_work, clock, runtime.notifiers, owner=owner, telemetry=telemetry,
                                lease=timedelta(seconds=settings.outbox_lease_seconds))
        scheduler = Scheduler(database.unit_of_work, clock, roadmaps=tools.roadmaps, workers=tick_workers(database))
        runtime.clockwork = start_clockwork(scheduler, dispatcher, every=every, telemetry=telemetry)
        settle_heap()
        await _until_stopped()
        await _shut_down(runtime, drain_seconds)
    finally:
        for stop in reversed(runtime.stops):
            await stop()
        await database.dispose()


async def _shut_down(runtime: Runtime, drain_seconds: float) -> None:
    log.warning("shutting down: no new events; waiting up to %.0f s for %s commands in flight",
                drain_seconds, runtime.inflight.running)
    runtime.inflight.closing = True
    for quiet in runtime.quiets:
        try:
            await quiet()
        except Exception:  # the rest of the shutdown still matters more
            log.exception("shutdown: an adapter did not stop taking events cleanly")
    clockwork = runtime.clockwork  # none when a test drives the shutdown of an adapter alone
    clock = asyncio.ensure_future(clockwork.stop()) if clockwork else None  # the message in flight, then claims
    cut = await runtime.inflight.drain(drain_seconds)
    if clock is not None:
        await clock
    log.warning("shutdown: commands in flight %s", f"finished except {cut}" if cut else "all finished")


def settle_heap() -> None:
    """Move what start-up built (libraries, schema, roadmaps, clients) out of the garbage collector's sight,
    and collect the young generation every 50,000 allocations instead of every 700. A burst of commands or a
    busy tick allocates hundreds of thousands of short-lived objects. Measured: collections took 120-180 ms of
    a 2,000 check-in burst before the freeze and about 30 ms after; the larger young generation then took the
    10,000-reminder tick from 0.94-1.00 s to 0.83-0.91 s."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)


async def _start_slack(settings: Settings, bot: StudyBot, runtime: Runtime, routes: list[web.RouteDef],
                       pages: WebPages | None = None) -> None:
    from adapters.slack.app import StudySlackApp

    assert settings.slack_bot_token is not None
    slack = StudySlackApp(bot, bot_token=settings.slack_bot_token,
                          signing_secret=settings.slack_signing_secret or "", api_url=settings.slack_api_url,
                          inflight=runtime.inflight)
    if settings.slack_app_token:
        await slack.start_socket_mode(settings.slack_app_token)
        log.warning("Slack: connected in Socket Mode")
        if settings.http_port:
            await _start_ops_only(settings.http_port, routes, runtime, pages)
    else:
        assert settings.http_port is not None
        port = await slack.start_http("0.0.0.0", settings.http_port, routes,
                                      setup=pages.install if pages is not None else None)
        log.warning("Slack: listening on port %s at /slack/events", port)
    runtime.notifiers["slack"] = slack.notifier
    runtime.connected["slack"] = lambda: not runtime.inflight.closing  # a draining process takes no traffic
    runtime.quiets.append(slack.stop_listening)
    runtime.stops.append(slack.stop)


async def _start_ops_only(port: int, routes: list[web.RouteDef], runtime: Runtime,
                          pages: WebPages | None = None) -> None:
    app = web.Application()
    app.add_routes(routes)
    if pages is not None:
        pages.install(app)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "0.0.0.0", port).start()
    runtime.stops.append(runner.cleanup)
    log.warning("health, metrics%s on port %s", " and the web pages" if pages is not None else "", port)


async def start_pages(bot: StudyBot, port: int, public_url: str | None, host: str = "0.0.0.0") -> Stop:
    """Only the web pages on `port` (the console's `studybot run`, `studybot web`); returns how to stop them."""
    app = web.Application()
    WebPages(bot, public_url).install(app)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    log.warning("web pages on port %s (links start %s)", port, public_url)
    return runner.cleanup


async def serve_pages(database_url: str, port: int, tools: Toolkit) -> None:
    """`studybot web`: the pages alone, read-only (no commands, no clock, no messages), until SIGTERM or SIGINT.
    Several such processes may share the database with the bot's."""
    from storage import Database

    database = await Database.connect(database_url)
    try:
        stop = await start_pages(StudyBot(database.unit_of_work, SystemClock(), tools), port, tools.public_url)
        try:
            await _until_stopped()
        finally:
            await stop()
    finally:
        await database.dispose()


async def _start_discord(settings: Settings, bot: StudyBot, runtime: Runtime) -> None:
    from adapters.discord.client import build_client, point_at

    assert settings.discord_token is not None
    point_at(settings.discord_api_base_url, settings.discord_gateway_url)
    client = build_client(bot, guild_ids=settings.guild_ids, shard_count=settings.discord_shard_count,
                          shard_ids=settings.shard_ids, inflight=runtime.inflight)
    await client.login(settings.discord_token)  # fails fast on a wrong token
    running = asyncio.create_task(client.connect(reconnect=True))

    async def stop() -> None:
        await client.close_rest()
        await asyncio.wait({running}, timeout=10)

    runtime.notifiers["discord"] = client.notifier
    runtime.connected["discord"] = client.is_ready
    runtime.quiets.append(client.stop_listening)
    runtime.stops.append(stop)
    log.warning("Discord: logged in; connecting to the gateway")


async def _until_stopped() -> None:
    stopped = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stopped.set)
    await stopped.wait()
