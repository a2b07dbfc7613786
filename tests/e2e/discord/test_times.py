"""Instants reach Discord as timestamps (`<t:UNIX:t>`, `<t:UNIX:R>`, ...), which Discord shows in each reader's own
zone, through the real discord.py against the fake Discord; the payloads are checked against Discord's OpenAPI
description. Nothing a member of a Berlin cohort reads says "UTC"."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.instants import when
from bot.ports import Destination
from bot.replies import Reply
from tests.e2e.discord.conftest import Discord, option, sub
from tests.e2e.discord.fake_discord import GUILD_ID
from tests.e2e.discord.openapi import CALLBACK, check_request

ENDS = 1772807400  # 2026-03-06 14:30 UTC: 30 minutes after the fake's clock, 15:30 in Berlin
MESSAGES = "/channels/{channel_id}/messages"
MEMBER = "1500000000000000777"


async def _slash(world: Discord, name: str, options: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    callback = await world.slash(name, options)
    check_request("POST", CALLBACK, callback)
    return callback


def _description(callback: dict[str, Any]) -> str:
    return callback["data"]["embeds"][0]["description"]


async def test_sprint_start_and_status_show_discord_timestamps(discord_world: Discord) -> None:
    await _slash(discord_world, "cohort", [sub("create", option("name", "ml-club"),
                                               option("timezone", "Europe/Berlin"))])
    started = _description(await _slash(discord_world, "sprint", [sub("start", option("goal", "attention"))]))
    assert f"Ends at <t:{ENDS}:t> (<t:{ENDS}:R>); it is recorded when the time is up." in started
    status = _description(await _slash(discord_world, "sprint", [sub("status")]))
    assert status == f"Your sprint on attention ends at <t:{ENDS}:t> (<t:{ENDS}:R>)."
    reminder = _description(await _slash(discord_world, "remind", [sub("show")]))
    assert "Next reminder: <t:1772820000:f>" in reminder  # 19:00 in Berlin
    for text in (started, status, reminder):
        assert "UTC" not in text and "⟦" not in text


async def test_a_direct_message_carries_timestamps_too(discord_world: Discord) -> None:
    at = datetime(2026, 3, 7, 3, 0, tzinfo=UTC)
    reply = Reply(text=f"Your streak ends at {when(at, ZoneInfo('Europe/Berlin'))}.", title="Streak at risk")
    await discord_world.client.notifier.send(Destination("discord", GUILD_ID, "dm", MEMBER), reply)
    (posted,) = discord_world.fake.named("POST", f"/channels/16{MEMBER[2:]}/messages")
    check_request("POST", MESSAGES, posted.body)
    assert posted.body["embeds"][0]["description"] == f"Your streak ends at <t:{int(at.timestamp())}:t>."
