"""The `studybot` command: the one composition root. It reads the configuration, builds the database,
the core and the adapters, and passes them down; nothing is built at import time."""

from __future__ import annotations

import asyncio
import os
import socket
import sys
from collections.abc import Coroutine
from datetime import datetime
from pathlib import Path
from typing import IO, TypeVar

import click

from adapters import logs
from adapters.charts import PillowCharts
from adapters.clockwork import start_clockwork
from adapters.console.clock import ConsoleClock
from adapters.console.files import AttachmentWriter
from adapters.console.notifier import ConsoleNotifier
from adapters.console.render import Message
from adapters.console.session import PLATFORMS, ConsoleSession
from adapters.console.timetravel import run_due_work
from adapters.roadmaps import load_builtin, parse_roadmap
from adapters.settings import ConfigError, Settings, load_settings, normalize_database_url
from bot.commands.context import Toolkit
from bot.delivery import Dispatcher
from bot.errors import StorageUnavailable
from bot.scheduler import Scheduler
from bot.service import StudyBot

T = TypeVar("T")


@click.group(invoke_without_command=True)
@click.pass_context
def main(ctx: click.Context) -> None:
    """studybot: daily 30-minute study sprints, check-ins, streaks and leaderboards for study groups."""
    logs.configure()
    if ctx.invoked_subcommand is None:
        ctx.invoke(run)


@main.command()
def run() -> None:
    """Start studybot: on Discord or Slack when their tokens are set, else in this terminal."""
    settings = _settings()
    try:
        settings.check_platforms()
    except ConfigError as error:
        _fail(str(error))
    if settings.slack_enabled or settings.discord_token:
        from adapters.serve import serve

        _run(serve(settings, toolkit(settings.web_url), process_name()))
        return
    click.echo("No DISCORD_TOKEN or SLACK_BOT_TOKEN set: starting the console. Type `help`; Ctrl-D quits.",
               err=True)
    _run(_console(settings.database_url, script=None, as_json=False, files_dir=Path("studybot-files"),
                  web_port=settings.http_port, public_url=settings.web_url))


@main.group()
def db() -> None:
    """The database schema: `studybot db upgrade`, `studybot db current`."""


@db.command("upgrade")
@click.option("--db", "db_url", help="Database URL (default: STUDYBOT_DATABASE_URL or ./studybot.db).")
def db_upgrade(db_url: str | None) -> None:
    """Upgrade the schema to this studybot's newest migration (studybot also does it at start)."""
    from storage import current_revision, upgrade

    url = _database_url(db_url)
    _run(upgrade(url))
    click.echo(f"schema at {_run(current_revision(url))}")


@db.command("current")
@click.option("--db", "db_url", help="Database URL (default: STUDYBOT_DATABASE_URL or ./studybot.db).")
def db_current(db_url: str | None) -> None:
    """Print the schema's migration revision (or `empty`)."""
    from storage import current_revision

    click.echo(_run(current_revision(_database_url(db_url))) or "empty")


@main.command("check-config")
def check_config() -> None:
    """Say what is configured and what is missing, one line each (no secrets printed)."""
    settings = _settings()
    lines = [("database", _redacted(settings.database_url))]
    lines.append(("discord", "on" + (f", commands synced to {len(settings.guild_ids)} guild(s)"
                                     if settings.guild_ids else ", commands synced globally")
                  if settings.discord_token else "off (set DISCORD_TOKEN)"))
    slack_mode = ("Socket Mode" if settings.slack_app_token else f"HTTP mode on port {settings.http_port}")
    lines.append(("slack", f"on, {slack_mode}" if settings.slack_enabled else "off (set SLACK_BOT_TOKEN)"))
    for name, value in lines:
        click.echo(f"{name}: {value}")
    try:
        settings.check_platforms()
    except ConfigError as error:
        _fail(str(error))
    if not settings.discord_token and not settings.slack_enabled:
        click.echo("platforms: none configured; `studybot run` opens the console")


def _redacted(url: str) -> str:
    """A database URL without its password."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


@main.command("discord-invite")
@click.option("--application-id", required=True, help="Your application's id (Developer Portal → General).")
def discord_invite(application_id: str) -> None:
    """Print the URL that adds studybot to a Discord server, with the scopes and permissions it needs."""
    from adapters.discord.client import invite_url

    if not application_id.isdigit():
        _fail("--application-id: the numeric id from the Developer Portal's General Information page")
    click.echo(invite_url(application_id))


@main.command("slack-manifest")
@click.option("--url", required=True, help="The https address Slack should send requests to.")
def slack_manifest(url: str) -> None:
    """Print the Slack app manifest with your address filled in."""
    from adapters.slack.manifest import manifest

    try:
        click.echo(manifest(url))
    except ValueError as error:
        _fail(f"--url: {error}")


@main.command()
@click.option("--script", type=click.File("r", encoding="utf-8"), help="Run a transcript file instead of a prompt.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per message.")
@click.option("--db", "db_url", help="Database URL (default: STUDYBOT_DATABASE_URL or ./studybot.db).")
@click.option("--files", "files_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("studybot-files"),
              show_default=True, help="Where pictures and CSV exports are written.")
def console(script: IO[str] | None, as_json: bool, db_url: str | None, files_dir: Path) -> None:
    """Run the bot in this terminal as user `you` in channel #general, or replay a transcript."""
    url = _database_url(db_url)
    _run(_console(url, script=script, as_json=as_json, files_dir=files_dir, public_url=_public_url()))


async def _console(url: str, *, script: IO[str] | None, as_json: bool, files_dir: Path, web_port: int | None = None,
                   public_url: str | None = None) -> None:
    from adapters.serve import start_pages
    from storage import Database

    write_files = AttachmentWriter(files_dir)

    def output(message: Message) -> None:
        message = write_files(message)
        click.echo(message.as_json() if as_json else message.as_text())

    database = await Database.connect(url)
    clock = ConsoleClock()
    tools = toolkit(public_url)
    bot = StudyBot(database.unit_of_work, clock, tools)
    stop_pages = await start_pages(bot, web_port, tools.public_url) if web_port else None  # the web pages, too
    scheduler = Scheduler(database.unit_of_work, clock, roadmaps=tools.roadmaps)
    notifiers = {platform: ConsoleNotifier(output, platform) for platform in PLATFORMS}  # `!platform` plays any
    dispatcher = Dispatcher(database.unit_of_work, clock, notifiers, owner=process_name())

    async def on_advance(start: datetime, end: datetime) -> None:
        await run_due_work(scheduler, dispatcher, clock, start, end)

    session = ConsoleSession(bot, clock, output, on_advance=on_advance)
    clockwork = None
    try:
        if script is not None:
            await session.run_lines(script)
            return
        clockwork = start_clockwork(scheduler, dispatcher)
        while True:
            try:
                line = await asyncio.to_thread(input, f"{session.default_user}@#{session.channel}> ")
            except EOFError:
                click.echo("", err=True)
                return
            await session.run_line(line)
    finally:
        if clockwork is not None:
            await clockwork.stop()
        else:
            await dispatcher.release()
        if stop_pages is not None:
            await stop_pages()
        await database.dispose()


def toolkit(public_url: str | None = None) -> Toolkit:
    return Toolkit(roadmaps=load_builtin(), parse_roadmap=parse_roadmap, charts=PillowCharts(), public_url=public_url)


@main.command()
@click.option("--port", type=click.IntRange(1, 65535), help="Port to serve on (default: STUDYBOT_HTTP_PORT or 8080).")
@click.option("--db", "db_url", help="Database URL (default: STUDYBOT_DATABASE_URL or ./studybot.db).")
def web(port: int | None, db_url: str | None) -> None:
    """Serve only the web pages (read-only: no commands, no reminders), e.g. as a separate web process."""
    from adapters.serve import serve_pages

    settings = _settings()
    url = _database_url(db_url) if db_url else settings.database_url
    port = port or settings.http_port or 8080
    _run(serve_pages(url, port, toolkit(settings.public_url or f"http://localhost:{port}")))


def _public_url() -> str | None:
    """STUDYBOT_PUBLIC_URL for the links the console hands out (the console needs no other setting)."""
    try:
        return load_settings().public_url
    except ConfigError:
        return None


def process_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _settings() -> Settings:
    try:
        return load_settings()
    except ConfigError as error:
        _fail(str(error))
        raise  # unreachable: _fail exits


def _database_url(explicit: str | None) -> str:
    if explicit is None:
        return _settings().database_url
    try:
        return normalize_database_url(explicit)
    except ValueError as error:
        _fail(f"--db: {error}")
        raise


_TOKEN_REFUSED = {"invalid_auth", "not_authed", "not_allowed_token_type", "token_revoked", "token_expired",
                  "account_inactive", "missing_scope"}


def _run(work: Coroutine[object, object, T]) -> T | None:
    from slack_sdk.errors import SlackApiError

    from storage import SchemaTooNew

    try:
        return asyncio.run(work)
    except (SchemaTooNew, StorageUnavailable) as error:
        _fail(str(error) or "the database could not be opened")
    except SlackApiError as error:  # at start-up: Socket Mode's apps.connections.open said no
        reason = error.response.get("error", "refused") if error.response is not None else "refused"
        if reason in _TOKEN_REFUSED:
            _fail(f"Slack refused SLACK_APP_TOKEN ({reason}): set it to the app-level token (xapp-…) with the "
                  "connections:write scope, from your app's Basic Information page")
        _fail(f"Slack answered '{reason}' when studybot connected over Socket Mode; start it again in a minute")
    except KeyboardInterrupt:
        return None
    return None


def _fail(message: str) -> None:
    click.echo(f"studybot: {message}", err=True)
    sys.exit(2)


def _add_bench() -> None:
    from adapters.bench.cli import bench

    main.add_command(bench)


_add_bench()

if __name__ == "__main__":
    main()
