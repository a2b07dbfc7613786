"""Start-up variants (global sync, sharding), where commands come from, which cohort they mean, and what
a late answer looks like."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

import adapters.discord.interactions
from bot.grammar import BY_NAME
from tests.e2e.discord.conftest import Discord, discord_running, option, sub
from tests.e2e.discord.fake_discord import APP_ID

EPHEMERAL = 64
OTHER_CHANNEL = "1300000000000000002"
NO_COHORT_CHANNEL = "1300000000000000003"


def _text(callback: dict[str, Any]) -> str:
    data = callback["data"]
    return data.get("content") or data["embeds"][0]["description"]


async def test_without_development_guilds_commands_are_synced_globally() -> None:
    async with discord_running(guild_ids=()) as world:
        (sync,) = world.fake.named("PUT", "/commands")
        assert sync.path == f"/applications/{APP_ID}/commands"
        assert {"checkin", "cohort", "timezone"} <= {command["name"] for command in sync.body}


async def test_a_sharded_process_identifies_as_its_own_shard_and_answers() -> None:
    async with discord_running(shard_count=2, shard_ids=[1]) as world:
        assert [identify["shard"] for identify in world.fake.identifies] == [[1, 2]]
        assert world.fake.identifies[0]["intents"] & (1 << 1 | 1 << 15) == 0  # no privileged intents
        callback = await world.slash("help")
        assert callback["type"] == 4 and callback["data"]["flags"] & EPHEMERAL


async def test_a_command_in_direct_messages_is_refused_privately(discord_world: Discord) -> None:
    callback = await discord_world.slash("checkin", [option("minutes", 30, kind=4)], in_guild=False)
    assert callback["type"] == 4 and callback["data"]["flags"] & EPHEMERAL
    assert "server" in _text(callback)
    assert not discord_world.fake.named("POST", "/webhooks/")


async def test_every_cohort_scoped_command_offers_the_cohort_option(discord_world: Discord) -> None:
    (sync,) = discord_world.fake.named("PUT", "/commands")
    options: dict[str, dict[str, dict[str, Any]]] = {}
    for command in sync.body:
        subs = [o for o in command.get("options", []) if o["type"] == 1]
        for found in subs or [command]:
            name = f"{command['name']} {found['name']}" if subs else command["name"]
            options[name] = {o["name"]: o for o in found.get("options", [])}
    for name in ("checkin", "streak", "leaderboard", "pause", "stats", "nudge", "export", "sprint start",
                 "sprint join", "remind set", "remind off", "remind show", "remind lastcall", "roadmap show",
                 "roadmap done", "roadmap load", "buddy ask", "buddy accept", "buddy end", "buddy show"):
        assert options[name]["cohort"]["autocomplete"] is True, name
    for name in ("cohort join", "cohort leave", "cohort info", "cohort settings", "cohort remove", "cohort export",
                 "cohort pair"):
        assert "name" in options[name], name
    assert "cohort" in BY_NAME["streak"].options  # the core takes it on every command


async def test_the_cohort_option_says_which_of_several_cohorts(discord_world: Discord) -> None:
    await discord_world.slash("cohort", [sub("create", option("name", "ml-club"))])
    await discord_world.slash("cohort", [sub("create", option("name", "rust-club"))], channel_id=OTHER_CHANNEL)
    unsure = await discord_world.slash("streak", channel_id=NO_COHORT_CHANNEL)
    assert "several cohorts" in _text(unsure) and "cohort:" in _text(unsure)
    offered = await discord_world.slash("streak", [option("cohort", "rus", focused=True)], kind=4,
                                        channel_id=NO_COHORT_CHANNEL)
    assert [choice["value"] for choice in offered["data"]["choices"]] == ["rust-club"]
    chosen = await discord_world.slash("streak", [option("cohort", "rust-club")], channel_id=NO_COHORT_CHANNEL)
    assert chosen["data"]["embeds"][0]["footer"]["text"] == "rust-club" and "several" not in _text(chosen)


async def test_time_zone_autocomplete_forgives_a_typo(discord_world: Discord) -> None:
    callback = await discord_world.slash("cohort", [sub("create", option("name", "x"),
                                                        option("timezone", "berln", focused=True))], kind=4)
    assert "Europe/Berlin" in [choice["value"] for choice in callback["data"]["choices"]]


@pytest.fixture
def slow_core(discord_world: Discord, monkeypatch: pytest.MonkeyPatch) -> asyncio.Event:
    """The core answers only once the returned event is set; the adapter defers after 50 ms."""
    monkeypatch.setattr(adapters.discord.interactions, "DEFER_AFTER", 0.05)
    bot = discord_world.client.runner.bot
    gate, execute = asyncio.Event(), bot.execute

    async def slow_execute(*args: Any, **kwargs: Any) -> Any:
        await gate.wait()
        return await execute(*args, **kwargs)

    monkeypatch.setattr(bot, "execute", slow_execute)
    return gate


async def test_a_late_error_to_a_public_command_stays_private(discord_world: Discord,
                                                             slow_core: asyncio.Event) -> None:
    # Discord gives the first follow-up the defer's visibility, so the public "thinking" message goes first
    callback = await discord_world.slash("checkin", [option("minutes", 30, kind=4)])  # not in a cohort: an error
    assert callback["type"] == 5 and not (callback.get("data") or {}).get("flags", 0) & EPHEMERAL
    slow_core.set()
    await discord_world.fake.wait_for(lambda: bool(discord_world.fake.named("POST", "/webhooks/")))
    (deleted,) = discord_world.fake.named("DELETE", "/webhooks/")
    assert deleted.path.endswith("/messages/@original")
    (follow_up,) = discord_world.fake.named("POST", "/webhooks/")
    assert follow_up.body["flags"] & EPHEMERAL and "not in a cohort" in follow_up.body["embeds"][0]["description"]


async def test_a_late_shared_view_is_deferred_in_public(discord_world: Discord, slow_core: asyncio.Event) -> None:
    slow_core.set()
    await discord_world.slash("cohort", [sub("create", option("name", "ml-club"))])
    # the organizer's checklist, an ephemeral follow-up of `cohort create`
    await discord_world.fake.wait_for(lambda: bool(discord_world.fake.named("POST", "/webhooks/")))
    slow_core.clear()
    callback = await discord_world.slash("streak", [option("share", True, kind=5)])
    assert callback["type"] == 5 and not (callback.get("data") or {}).get("flags", 0) & EPHEMERAL
    slow_core.set()
    await discord_world.fake.wait_for(lambda: len(discord_world.fake.named("POST", "/webhooks/")) == 2)
    _checklist, follow_up = discord_world.fake.named("POST", "/webhooks/")
    assert not follow_up.body.get("flags", 0) & EPHEMERAL and not discord_world.fake.named("DELETE", "/webhooks/")
