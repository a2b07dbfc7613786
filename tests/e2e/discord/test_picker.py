"""What Discord's picker shows: every option of the synced command tree explains itself, and time-zone
autocomplete offers what `timezone set` takes or suggests first (one ranking, `bot.zones.suggest_zones`)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from bot.zones import find_zone, suggest_zones
from tests.e2e.discord.conftest import Discord, option, sub
from tests.e2e.discord.openapi import CALLBACK, COMMANDS, check_request

PLACEHOLDER = "…"  # discord.py's description for an option nobody described
SUBCOMMAND, GROUP = 1, 2


def _walk(options: list[dict[str, Any]], path: str) -> Iterator[tuple[str, dict[str, Any]]]:
    for found in options:
        where = f"{path} {found['name']}"
        yield where, found
        if found["type"] in (SUBCOMMAND, GROUP):
            yield from _walk(found.get("options", []), where)


def _synced(world: Discord) -> list[dict[str, Any]]:
    (sync,) = world.fake.named("PUT", "/commands")
    check_request("PUT", COMMANDS, sync.body)
    return sync.body


async def test_every_command_and_option_explains_itself_in_at_most_100_characters(discord_world: Discord) -> None:
    options = 0
    for command in _synced(discord_world):
        for where, found in [(command["name"], command), *_walk(command.get("options", []), command["name"])]:
            description = found.get("description", "")
            assert description.strip() and description != PLACEHOLDER, where
            assert len(description) <= 100, (where, len(description))
            for choice in found.get("choices", []):
                assert 1 <= len(choice["name"]) <= 100, (where, choice)
            options += found.get("type", 0) > GROUP
    assert options >= 75  # the walk saw the whole tree, not an empty corner of it


async def test_an_option_with_choices_names_them_in_words(discord_world: Discord) -> None:
    commands = {command["name"]: command for command in _synced(discord_world)}
    board = commands["leaderboard"]["options"][0]
    assert {choice["value"]: choice["name"] for choice in board["choices"]}["week"].startswith("This week")
    privacy = {o["name"]: o for o in commands["privacy"]["options"]}
    assert [choice["value"] for choice in privacy["mentions"]["choices"]] == ["on", "off"]
    assert all(choice["name"] != choice["value"] for choice in privacy["mentions"]["choices"])


async def _zone_choices(world: Discord, typed: str) -> list[str]:
    callback = await world.slash("timezone", [sub("set", option("zone", typed, focused=True))], kind=4)
    check_request("POST", CALLBACK, callback)
    assert callback["type"] == 8
    return [choice["value"] for choice in callback["data"]["choices"]]


@pytest.mark.parametrize("typed", ["Berlin", "berln", "new york", "sao paulo", "São Paulo", "Kolkata", "Bangalore",
                                   "NYC", "SF", "Europe/Berln", "kolkatta", "york", "Victoria", ""])
async def test_autocomplete_offers_first_what_timezone_set_takes_or_suggests(discord_world: Discord,
                                                                             typed: str) -> None:
    offered = await _zone_choices(discord_world, typed)
    assert offered == suggest_zones(typed, limit=25) and offered
    if not typed:
        return
    created = await discord_world.slash("cohort", [sub("create", option("name", "x"),
                                                       option("timezone", typed, focused=True))], kind=4)
    assert [choice["value"] for choice in created["data"]["choices"]] == offered
    answer = await discord_world.slash("timezone", [sub("set", option("zone", typed))])
    text = answer["data"]["embeds"][0]["description"]
    if find_zone(typed) is not None:
        assert f"Your time zone is now {offered[0]}." in text
    else:
        assert f"Did you mean {offered[0]}" in text
