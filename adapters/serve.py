"""`studybot run` with platform tokens: the database, the core, the configured adapters, the clock and
the dispatcher, until SIGTERM or SIGINT; then in-flight work finishes and claims are released."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Awaitable, Callable
from datetime import timedelta

from adapters.clockwork import start_clockwork
from adapters.settings import Settings
from bot.clock import SystemClock
from bot.commands.context import Toolkit
from bot.delivery import Dispatcher
from bot.ports import Notifier
from bot.scheduler import Scheduler
from bot.service import StudyBot

log = logging.getLogger(__name__)

Stop = Callable[[], Awaitable[None]]


async def serve(settings: Settings, tools: Toolkit, owner: str) -> None:
    from storage import Database

    database = await Database.connect(settings.database_url)
    clock = SystemClock()
    bot = StudyBot(database.unit_of_work, clock, tools)
    notifiers: dict[str, Notifier] = {}
    stops: list[Stop] = []
    try:
        if settings.slack_enabled:
            await _start_slack(settings, bot, notifiers, stops)
        if settings.discord_token:
            await _start_discord(settings, bot, notifiers, stops)
        dispatcher = Dispatcher(database.unit_of_work, clock, notifiers, owner=owner,
                                lease=timedelta(seconds=settings.outbox_lease_seconds))
        clockwork = start_clockwork(Scheduler(database.unit_of_work, clock, roadmaps=tools.roadmaps), dispatcher,
                                    every=timedelta(seconds=settings.tick_seconds))
        await _until_stopped()
        log.warning("shutting down")
        await clockwork.stop()
    finally:
        for stop in reversed(stops):
            await stop()
        await database.dispose()


async def _start_slack(settings: Settings, bot: StudyBot, notifiers: dict[str, Notifier], stops: list[Stop]) -> None:
    from adapters.slack.app import StudySlackApp

    assert settings.slack_bot_token is not None
    slack = StudySlackApp(bot, bot_token=settings.slack_bot_token,
                          signing_secret=settings.slack_signing_secret or "", api_url=settings.slack_api_url)
    if settings.slack_app_token:
        await slack.start_socket_mode(settings.slack_app_token)
        log.warning("Slack: connected in Socket Mode")
    else:
        assert settings.http_port is not None
        port = await slack.start_http("0.0.0.0", settings.http_port)
        log.warning("Slack: listening on port %s at /slack/events", port)
    notifiers["slack"] = slack.notifier
    stops.append(slack.stop)


async def _start_discord(settings: Settings, bot: StudyBot, notifiers: dict[str, Notifier],
                         stops: list[Stop]) -> None:
    from adapters.discord.client import build_client, point_at

    assert settings.discord_token is not None
    point_at(settings.discord_api_base_url, settings.discord_gateway_url)
    client = build_client(bot, guild_ids=settings.guild_ids, shard_count=settings.discord_shard_count,
                          shard_ids=settings.shard_ids)
    await client.login(settings.discord_token)  # fails fast on a wrong token
    running = asyncio.create_task(client.connect(reconnect=True))

    async def stop() -> None:
        await client.close()
        await asyncio.wait({running}, timeout=10)

    notifiers["discord"] = client.notifier
    stops.append(stop)
    log.warning("Discord: logged in; connecting to the gateway")


async def _until_stopped() -> None:
    stopped = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stopped.set)
    await stopped.wait()
