"""`/cohort web`, `/webpage` and `/privacy web:` through the real discord.py against the fake Discord: links come
privately, a member's name reaches the page only by their choice; answers checked against Discord's OpenAPI."""

from __future__ import annotations

from typing import Any

from tests.e2e.discord.conftest import Discord, option, sub
from tests.e2e.discord.openapi import CALLBACK, check_request

EPHEMERAL = 64
ANN = "1500000000000000001"


async def _slash(world: Discord, name: str, options: list[dict[str, Any]] | None = None,
                 **kwargs: Any) -> dict[str, Any]:
    callback = await world.slash(name, options, **kwargs)
    check_request("POST", CALLBACK, callback)
    return callback


def _private(callback: dict[str, Any]) -> bool:
    return bool((callback["data"].get("flags") or 0) & EPHEMERAL)


def _text(callback: dict[str, Any]) -> str:
    embed = callback["data"]["embeds"][0]
    return " ".join([embed.get("description", ""), *(f["value"] for f in embed.get("fields", []))])


async def test_an_organizer_turns_the_page_on_rotates_it_and_a_member_gets_their_own(discord_world: Discord) -> None:
    await _slash(discord_world, "cohort", [sub("create", option("name", "ml-club"))], user_id=ANN)
    off = await _slash(discord_world, "cohort", [sub("web")], user_id=ANN)
    assert _private(off) and "web page is off" in _text(off)
    on = await _slash(discord_world, "cohort", [sub("web", option("action", "on"))], user_id=ANN)
    assert _private(on) and "/c/" in _text(on)
    link = next(word for word in _text(on).split() if "/c/" in word)
    slug = link.rsplit("/", 1)[-1]
    assert await discord_world.client.runner.bot.cohort_page(slug) is not None
    rotated = await _slash(discord_world, "cohort", [sub("web", option("action", "rotate"))], user_id=ANN)
    assert slug not in _text(rotated) and await discord_world.client.runner.bot.cohort_page(slug) is None
    mine = await _slash(discord_world, "webpage", user_id=ANN)
    assert _private(mine) and "/m/" in _text(mine) and "calendar.ics" in _text(mine)
    shown = await _slash(discord_world, "privacy", [option("web", "show")], user_id=ANN)
    assert _private(shown) and "your name" in _text(shown)
