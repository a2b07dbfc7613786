"""`/league`, `/cohort settings leagues:` and `/privacy leagues:` through the real discord.py against the fake
Discord, answers checked against Discord's OpenAPI."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bot.scheduler import Scheduler
from tests.e2e.discord.conftest import MANAGE_GUILD, Discord, option, sub
from tests.e2e.discord.openapi import CALLBACK, check_request

ANN, BO, CY = "1500000000000000001", "1500000000000000002", "1500000000000000003"
OTHERS = (("1500000000000000004", "di"), ("1500000000000000005", "ed"), ("1500000000000000006", "fa"))


async def _slash(world: Discord, name: str, options: list[dict[str, Any]] | None = None,
                 **kwargs: Any) -> dict[str, Any]:
    callback = await world.slash(name, options, **kwargs)
    check_request("POST", CALLBACK, callback)
    return callback


async def _placed_division(world: Discord) -> None:
    """ann, bo, cy, di, ed and fa in ml-club with leagues on; cy plays no leagues; Monday's placement has run;
    then bo does 40 minutes, di 20 and ed 10 (ann and fa none)."""
    await _slash(world, "cohort", [sub("create", option("name", "ml-club"))], user_id=ANN)
    for member, name in ((BO, "bo"), (CY, "cy"), *OTHERS):
        await _slash(world, "cohort", [sub("join", option("name", "ml-club"))], user_id=member, username=name)
    turned = await _slash(world, "cohort", [sub("settings", option("leagues", "on"))], user_id=ANN,
                          permissions=MANAGE_GUILD)
    assert "leagues" in turned["data"]["embeds"][0]["description"].lower()
    out = await _slash(world, "privacy", [option("leagues", "off")], user_id=CY, username="cy")
    assert "do not play in leagues" in out["data"]["embeds"][0]["description"]
    for member, name, minutes in ((ANN, "ann", 30), (BO, "bo", 45), (CY, "cy", 20), *((m, n, 30) for m, n in OTHERS)):
        await _slash(world, "checkin", [option("minutes", minutes, kind=4)], user_id=member, username=name)
    world.clock.set(world.clock.now() + timedelta(days=2, hours=15))  # Monday 9 March 05:00 UTC: placement
    await Scheduler(world.store.unit_of_work, world.clock).tick()
    for member, name, minutes in ((BO, "bo", 40), (*OTHERS[0], 20), (*OTHERS[1], 10)):
        await _slash(world, "checkin", [option("minutes", minutes, kind=4)], user_id=member, username=name)


async def test_league_shows_the_division_table_with_zones_tier_and_time_left(discord_world: Discord) -> None:
    await _placed_division(discord_world)
    answer = await _slash(discord_world, "league", user_id=ANN)
    assert answer["data"]["flags"] & 64  # only the member sees their division
    card = answer["data"]["embeds"][0]
    assert card["title"] == "Bronze league" and card["footer"]["text"] == "ml-club"
    description = card["description"]
    assert "Bronze league, division 1" in description and "<t:" in description and ":R>" in description
    table = description.split("```")[1]
    lines = [line for line in table.splitlines() if line.strip()]
    assert len(lines) == 5 and "cy" not in table
    assert lines[0].startswith("▲") and "bo" in lines[0] and lines[0].endswith("40")  # top fifth: up
    assert [line.split()[1] for line in lines[1:3]] == ["di", "ed"] and not lines[1].startswith(("▲", "▼"))
    assert "▼" not in table  # Bronze, the lowest tier: nobody moves down
    ann = next(line for line in lines if "ann" in line)
    assert ann.endswith("← you")
    fields = {field["name"]: field["value"] for field in card["fields"]}
    assert fields["Tier"] == "Bronze · division 1" and fields["Points"] == "0"
    assert fields["Your rank"] == f"#{ann.split()[0]} of 5" and fields["Your zone"] == "safe"
    assert "▲" in fields["Zones"] and "▼" in fields["Zones"]


async def test_league_for_a_member_who_opted_out_and_a_cohort_without_leagues(discord_world: Discord) -> None:
    await _placed_division(discord_world)
    out = await _slash(discord_world, "league", user_id=CY, username="cy")
    assert "not in a league this week" in out["data"]["embeds"][0]["description"]
    await _slash(discord_world, "cohort", [sub("create", option("name", "tiny"))], user_id=ANN,
                 channel_id="1300000000000000099")
    off = await _slash(discord_world, "league", [option("cohort", "tiny")], user_id=ANN)
    assert "has no leagues" in off["data"]["embeds"][0]["description"]


def test_every_league_option_has_a_description_and_described_choices(discord_world: Discord) -> None:
    tree = discord_world.client.tree
    league = tree.get_command("league")
    assert league is not None and league.description
    assert all(parameter.description and parameter.description != "…" for parameter in league.parameters)
    settings = tree.get_command("cohort").get_command("settings")
    privacy = tree.get_command("privacy")
    for command in (settings, privacy):
        parameter = next(p for p in command.parameters if p.name == "leagues")
        assert parameter.description and parameter.description != "…"
        assert {choice.value for choice in parameter.choices} == {"on", "off"}
        assert all(len(choice.name) > len(choice.value) for choice in parameter.choices)
