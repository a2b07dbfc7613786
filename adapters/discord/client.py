"""The discord.py client: slash commands synced at start (instantly to development guilds, else
globally), endpoints overridable for a REST proxy or a local fake, optional sharding."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any

import discord
import yarl
from discord import app_commands
from discord.gateway import DiscordWebSocket

from adapters.discord import commands
from adapters.discord.focus import FocusRooms, StillStudying
from adapters.discord.interactions import ConfirmButton, JoinSprint, Runner, UndoCheckin
from adapters.discord.notifier import DiscordNotifier
from adapters.inflight import InFlight
from bot.service import StudyBot

log = logging.getLogger(__name__)

# View channel, send messages, embed links, attach files, read message history, pin messages (the live
# "studying now" message of focus rooms).
PERMISSIONS = 1024 | 2048 | 16384 | 32768 | 65536 | (1 << 51)


def invite_url(application_id: str) -> str:
    return (f"https://discord.com/oauth2/authorize?client_id={application_id}"
            f"&scope=bot%20applications.commands&permissions={PERMISSIONS}")


def point_at(api_base_url: str | None, gateway_url: str | None) -> None:
    """Point discord.py at a REST proxy / gateway (or the tests' fake); call before login.

    discord.py has no constructor option for either endpoint: REST URLs are built from the class attribute
    `Route.BASE`, and a `Client` (or an `AutoShardedClient` given a shard count) never asks
    `GET /gateway/bot` but connects to the class attribute `DiscordWebSocket.DEFAULT_GATEWAY` -- also where
    it goes back after an invalidated session; resumes use READY's `resume_gateway_url`, which the proxy
    or fake sends. Setting these two attributes is the smallest change that covers every path (no
    subclass of the websocket can be injected: `Client.connect` names the class directly). Both are
    process-wide, which is fine with one Discord client per process; tests restore them afterwards."""
    if api_base_url:
        discord.http.Route.BASE = api_base_url.rstrip("/")
    if gateway_url:
        DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)


class _StudyClient:
    tree: app_commands.CommandTree
    guild_ids: Sequence[int]

    def _setup_commands(self, bot: StudyBot, guild_ids: Sequence[int], inflight: InFlight | None) -> None:
        self.tree = app_commands.CommandTree(self)  # type: ignore[arg-type]
        self.guild_ids = guild_ids
        self.notifier = DiscordNotifier(self)  # type: ignore[arg-type]
        self.runner = Runner(bot, inflight)
        self.focus_rooms = FocusRooms(self, bot.focus)  # type: ignore[arg-type]
        self._heartbeat: asyncio.Task[None] | None = None
        commands.register(self.tree, self.runner)

    async def on_voice_state_update(self, member: discord.Member, _before: discord.VoiceState,
                                    after: discord.VoiceState) -> None:
        await self.focus_rooms.voice_changed(member, after)

    async def on_guild_available(self, guild: discord.Guild) -> None:
        """GUILD_CREATE after a (re)connect, with every voice state: focus sessions are reconciled with it."""
        await self.focus_rooms.guild_available(guild)

    async def close(self) -> None:
        if self._heartbeat is not None:
            self._heartbeat.cancel()
        await super().close()  # type: ignore[misc]

    async def stop_listening(self) -> None:
        """Close the gateway -- no new events -- but keep REST open, so commands in flight can still answer
        and the message being sent can finish; `close_rest()` closes it afterwards. discord.py's `close()`
        closes both at once (and a second `close()` does nothing), so it runs here with an HTTP client whose
        `close` is put off."""
        http = self.http  # type: ignore[has-type]
        self.http = _RestKeptOpen(http)
        try:
            await self.close()  # type: ignore[attr-defined]
        finally:
            self.http = http

    async def close_rest(self) -> None:
        await self.close()  # type: ignore[attr-defined]  # closes the gateway, unless stop_listening did
        await self.http.close()

    async def setup_hook(self) -> None:
        self.add_view(JoinSprint(self.runner))  # type: ignore[attr-defined]
        self.add_dynamic_items(UndoCheckin, StillStudying, ConfirmButton)  # type: ignore[attr-defined]
        self._heartbeat = asyncio.create_task(self.focus_rooms.run())
        if self.guild_ids:
            for guild_id in self.guild_ids:
                guild = discord.Object(id=guild_id)
                self.tree.copy_global_to(guild=guild)
                await self.tree.sync(guild=guild)
        else:
            await self.tree.sync()
        log.warning("Discord: slash commands synced %s",
                    f"to {len(self.guild_ids)} guild(s)" if self.guild_ids else "globally")


class StudyDiscordClient(_StudyClient, discord.Client):
    def __init__(self, bot: StudyBot, *, guild_ids: Sequence[int] = (), inflight: InFlight | None = None) -> None:
        super().__init__(intents=_intents())
        self._setup_commands(bot, guild_ids, inflight)


class ShardedStudyDiscordClient(_StudyClient, discord.AutoShardedClient):
    def __init__(self, bot: StudyBot, *, shard_count: int, shard_ids: Sequence[int] | None,
                 guild_ids: Sequence[int] = (), inflight: InFlight | None = None) -> None:
        super().__init__(intents=_intents(), shard_count=shard_count,
                         shard_ids=list(shard_ids) if shard_ids is not None else None)
        self._setup_commands(bot, guild_ids, inflight)


def build_client(bot: StudyBot, *, guild_ids: Sequence[int] = (), shard_count: int | None = None,
                 shard_ids: Sequence[int] | None = None, inflight: InFlight | None = None
                 ) -> StudyDiscordClient | ShardedStudyDiscordClient:
    """`inflight`: where the interactions' tasks are registered for shutdown to wait for."""
    if shard_count:
        return ShardedStudyDiscordClient(bot, shard_count=shard_count, shard_ids=shard_ids, guild_ids=guild_ids,
                                         inflight=inflight)
    return StudyDiscordClient(bot, guild_ids=guild_ids, inflight=inflight)


class _RestKeptOpen:
    """discord.py's HTTP client while `stop_listening` closes the gateway: everything passes through,
    except that closing it does nothing yet."""

    def __init__(self, http: Any) -> None:
        self._http = http

    def __getattr__(self, name: str) -> Any:
        return getattr(self._http, name)

    async def close(self) -> None:
        pass


def _intents() -> discord.Intents:
    """No privileged intents: slash commands need none; guilds keeps channel and guild caches; voice states (not
    privileged either) are what focus rooms count."""
    intents = discord.Intents.none()
    intents.guilds = True
    intents.voice_states = True
    return intents
