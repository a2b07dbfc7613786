"""The real discord.py client, pointed at the fake Discord by DISCORD_API_BASE_URL / DISCORD_GATEWAY_URL
(the same function `studybot run` uses), with the core on an in-memory store."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import discord
import pytest
from discord.gateway import DiscordWebSocket

from adapters.discord.client import StudyDiscordClient, build_client, point_at
from bot.clock import SimulatedClock
from bot.service import StudyBot
from tests.e2e.discord.fake_discord import APP_ID, BOT_USER, CHANNEL_ID, GUILD_ID, FakeDiscord, user
from tests.fakes import InMemoryStore
from tests.unit.conftest import TOOLS

_ids = itertools.count(1700000000000000001)
MANAGE_GUILD = 1 << 5


@dataclass
class Discord:
    fake: FakeDiscord
    client: StudyDiscordClient
    store: InMemoryStore
    clock: SimulatedClock

    async def slash(self, name: str, options: list[dict[str, Any]] | None = None, *,
                    user_id: str = "1500000000000000001", username: str = "ann",
                    interaction_id: str | None = None, permissions: int = 0, kind: int = 2,
                    resolved: dict[str, Any] | None = None, component: str | None = None,
                    in_guild: bool = True, channel_id: str = CHANNEL_ID) -> dict[str, Any]:
        """Dispatch an INTERACTION_CREATE and return the callback body discord.py answered with
        (`in_guild=False`: the command comes from the member's DMs with the bot)."""
        before = len(self.fake.callbacks())
        interaction_id = interaction_id or str(next(_ids))
        data: dict[str, Any] = {"id": "1800000000000000001", "name": name, "type": 1, "options": options or []}
        if component is not None:  # a button press (interaction type 3) on a message the bot sent
            data = {"custom_id": component, "component_type": 2}
        if resolved:
            data["resolved"] = resolved
        where: dict[str, Any] = {
            "guild_id": GUILD_ID, "channel_id": channel_id, "context": 0,
            "channel": {"id": channel_id, "type": 0, "guild_id": GUILD_ID, "name": "general", "position": 0,
                        "permission_overwrites": [], "nsfw": False, "parent_id": None},
            "member": {"user": user(user_id, username), "roles": [], "joined_at": "2026-01-01T00:00:00+00:00",
                       "permissions": str(permissions), "flags": 0, "deaf": False, "mute": False, "nick": None},
            "guild_locale": "en-US", "authorizing_integration_owners": {"0": GUILD_ID}}
        if not in_guild:
            dm_id = "16" + user_id[2:]
            where = {"channel_id": dm_id, "context": 1, "user": user(user_id, username),
                     "channel": {"id": dm_id, "type": 1, "recipients": [user(user_id, username)]},
                     "authorizing_integration_owners": {"0": GUILD_ID}}
        await self.fake.dispatch("INTERACTION_CREATE", {
            "id": interaction_id, "application_id": APP_ID, "type": kind, "token": f"token-{interaction_id}",
            "version": 1, "attachment_size_limit": 8388608, **where, "data": data, "locale": "en-US",
            **({"message": {"id": "1900000000000000001", "channel_id": CHANNEL_ID, "author": BOT_USER,
                            "content": "", "timestamp": "2026-03-06T14:00:00+00:00", "edited_timestamp": None,
                            "tts": False, "mention_everyone": False, "mentions": [], "mention_roles": [],
                            "attachments": [], "embeds": [], "pinned": False, "type": 0, "flags": 0,
                            # the pressed button, as the message carries it (discord.py matches dynamic
                            # buttons against the message's components)
                            "components": [{"type": 1, "id": 1, "components": [
                                {"type": 2, "id": 2, "style": 2, "label": "button", "custom_id": component}]}]}}
               if component is not None else {}),
            "entitlements": [], "app_permissions": "2048"})
        await self.fake.wait_for(lambda: len(self.fake.callbacks()) > before)
        return self.fake.callbacks()[before]


def option(name: str, value: Any, kind: int = 3, focused: bool = False) -> dict[str, Any]:
    found: dict[str, Any] = {"name": name, "type": kind, "value": value}
    if focused:
        found["focused"] = True
    return found


def sub(name: str, *options: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "type": 1, "options": list(options)}


@contextlib.asynccontextmanager
async def discord_running(guild_ids: Sequence[int] = (int(GUILD_ID),), *, shard_count: int | None = None,
                          shard_ids: Sequence[int] | None = None, fake: FakeDiscord | None = None,
                          store: InMemoryStore | None = None,
                          clock: SimulatedClock | None = None) -> AsyncIterator[Discord]:
    """The fake Discord, and the real client built and started as `studybot run` does, until connected
    with its commands synced; afterwards both are shut down and discord.py's endpoints restored. A `fake`, `store`
    and `clock` given are kept (a restart: a new client on the same Discord and database) and left running."""
    own_fake = fake is None
    fake = fake or FakeDiscord()
    if own_fake:
        await fake.start()
    base, gateway = discord.http.Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY
    point_at(fake.api, fake.gateway)
    store = store or InMemoryStore()
    clock = clock or SimulatedClock(datetime(2026, 3, 6, 14, 0, tzinfo=UTC))
    client = build_client(StudyBot(store.unit_of_work, clock, TOOLS), guild_ids=guild_ids,
                          shard_count=shard_count, shard_ids=shard_ids)
    readies, syncs = fake.readies, len(fake.named("PUT", "/commands"))
    running = asyncio.create_task(client.start("fake-token"))
    try:
        await fake.wait_for(lambda: fake.readies > readies and len(fake.named("PUT", "/commands")) > syncs)
        yield Discord(fake, client, store, clock)  # type: ignore[arg-type]
    finally:
        await client.close()
        await asyncio.wait({running}, timeout=5)
        if own_fake:
            await fake.stop()
        discord.http.Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = base, gateway


@pytest.fixture
async def discord_world() -> AsyncIterator[Discord]:
    async with discord_running() as world:
        yield world
