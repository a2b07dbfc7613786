"""`/team` and `/cohort settings team_goal:` through the real discord.py against the fake Discord, answers checked
against Discord's OpenAPI."""

from __future__ import annotations

from typing import Any

from tests.e2e.discord.conftest import Discord, option, sub
from tests.e2e.discord.openapi import CALLBACK, check_request

ANN = "1500000000000000001"


async def _slash(world: Discord, name: str, options: list[dict[str, Any]] | None = None,
                 **kwargs: Any) -> dict[str, Any]:
    callback = await world.slash(name, options, **kwargs)
    check_request("POST", CALLBACK, callback)
    return callback


def _text(callback: dict[str, Any]) -> str:
    embed = callback["data"]["embeds"][0]
    return " ".join([embed.get("description", ""), *(f["value"] for f in embed.get("fields", []))])


async def test_team_goal_set_then_shown_in_channel(discord_world: Discord) -> None:
    await _slash(discord_world, "cohort", [sub("create", option("name", "ml-club"))], user_id=ANN)
    refused = await _slash(discord_world, "cohort", [sub("settings", option("team_goal", "5"))], user_id=ANN)
    assert "between 30 and 100000" in _text(refused)
    await _slash(discord_world, "cohort", [sub("settings", option("team_goal", "100"))], user_id=ANN)
    await _slash(discord_world, "checkin", [option("minutes", 62)], user_id=ANN)
    team = await _slash(discord_world, "team", user_id=ANN)
    assert not (team["data"].get("flags") or 0) & 64  # public, like the leaderboard
    assert "▓▓▓▓▓▓░░░░ 62% (62/100 min)" in _text(team)


def test_every_team_option_has_a_description(discord_world: Discord) -> None:
    tree = discord_world.client.tree
    team = tree.get_command("team")
    assert team is not None and team.description
    assert all(parameter.description and parameter.description != "…" for parameter in team.parameters)
    settings = tree.get_command("cohort").get_command("settings")
    assert "whole cohort" in next(p.description for p in settings.parameters if p.name == "team_goal")
