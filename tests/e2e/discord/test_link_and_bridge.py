"""Linked accounts and bridged cohorts (issue 21) through the real discord.py against the fake Discord: `/link`,
the "Link them" button under `/link code:…` (a press runs `link CODE confirm:yes` as the presser), `/accounts`,
`/cohort bridge` and `/remind via`. The fake has one guild, so the other account is a Slack one, driven through
the core. Every answer is checked against Discord's OpenAPI description (tests/e2e/discord/openapi.py)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from bot.commands.context import Invocation
from bot.replies import Reply
from tests.e2e.discord.conftest import Discord, option, sub
from tests.e2e.discord.openapi import CALLBACK, check_request

EPHEMERAL = 64
ANN = "1500000000000000001"
SLACK_ANN = Invocation(platform="slack", workspace="T1", user_id="U1", display_name="ann-on-slack", channel_id="C1")


@pytest.fixture
def replies(discord_world: Discord, monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, dict[str, str], Reply]]:
    """Every (command, args, reply) the Discord adapter got from the core, in order."""
    bot = discord_world.client.runner.bot
    seen: list[tuple[str, dict[str, str], Reply]] = []
    execute = bot.execute

    async def spy(invocation: Invocation, name: str, args: Mapping[str, str]) -> Reply:
        reply = await execute(invocation, name, args)
        if invocation.platform == "discord":
            seen.append((name, dict(args), reply))
        return reply

    monkeypatch.setattr(bot, "execute", spy)
    return seen


def _card(callback: dict[str, Any]) -> dict[str, Any]:
    return callback["data"]["embeds"][0]


def _private(callback: dict[str, Any]) -> bool:
    return bool((callback["data"].get("flags") or 0) & EPHEMERAL)


async def _slash(world: Discord, name: str, options: list[dict[str, Any]] | None = None,
                 **kwargs: Any) -> dict[str, Any]:
    callback = await world.slash(name, options, **kwargs)
    check_request("POST", CALLBACK, callback)
    return callback


async def _press(world: Discord, custom_id: str, user_id: str = ANN) -> dict[str, Any]:
    return await _slash(world, "", kind=3, user_id=user_id, component=custom_id)


def _button(callback: dict[str, Any]) -> dict[str, Any]:
    (row,) = callback["data"]["components"]
    (button,) = row["components"]
    assert len(button["custom_id"]) <= 100
    return button


async def _slack(world: Discord, name: str, args: dict[str, str] | None = None) -> Reply:
    """The Slack account's half, through the core (the fake Discord has one guild)."""
    return await world.client.runner.bot.execute(SLACK_ANN, name, args or {})


async def _linked(world: Discord) -> str:
    """Links ANN on Discord to the Slack account with the button; returns the button's custom id."""
    code = (await _slack(world, "link")).data["code"]
    asked = await _slash(world, "link", [option("code", code)])
    button = _button(asked)
    pressed = await _press(world, button["custom_id"])
    assert _private(pressed) and _card(pressed)["title"] == "Linked", _card(pressed)
    return str(button["custom_id"])


async def test_link_gives_a_code_privately_without_a_button(discord_world: Discord, replies: list[Any]) -> None:
    callback = await _slash(discord_world, "link")
    assert callback["type"] == 4 and _private(callback)
    assert _card(callback)["title"] == "Link accounts"
    (name, args, reply) = replies[-1]
    assert (name, args) == ("link", {})
    assert reply.data["code"] in _card(callback)["description"]
    assert not callback["data"].get("components")  # nothing to confirm yet

    # The code works from the other account (Slack, through the core): it asks to confirm, then links.
    asked = await _slack(discord_world, "link", {"code": reply.data["code"]})
    assert asked.data["confirm_needed"] is True
    linked = await _slack(discord_world, "link", asked.data["confirm"]["args"])
    assert linked.data["linked"] is True and len(linked.data["accounts"]) == 2


async def test_the_link_them_button_links_the_accounts(discord_world: Discord, replies: list[Any]) -> None:
    code = (await _slack(discord_world, "link")).data["code"]
    asked = await _slash(discord_world, "link", [option("code", code)])
    assert asked["type"] == 4 and _private(asked) and _card(asked)["title"] == "Link accounts"
    assert replies[-1][2].data["confirm_needed"] is True
    button = _button(asked)
    plain = code.replace("-", "")
    assert (button["label"], button["custom_id"]) == ("Link them", f"studybot:confirm:link:code={plain}&confirm=yes")
    assert button["type"] == 2 and button["style"] == 1  # a primary button
    assert not (await _slack(discord_world, "link", {"code": "status"})).data["accounts"][1:]  # not linked yet

    pressed = await _press(discord_world, button["custom_id"])
    assert pressed["type"] == 4 and _private(pressed)
    assert _card(pressed)["title"] == "Linked" and "are one person now" in _card(pressed)["description"]
    (name, args, reply) = replies[-1]
    assert (name, args) == ("link", {"code": plain, "confirm": "yes"})  # exactly as if typed
    assert reply.data["linked"] is True
    assert not pressed["data"].get("components")

    status = (await _slack(discord_world, "link", {"code": "status"})).data["accounts"]
    assert sorted(account["platform"] for account in status) == ["discord", "slack"]
    accounts = await _slash(discord_world, "accounts")
    assert _private(accounts) and "Your accounts (2), one person" in _card(accounts)["description"]
    assert replies[-1][2].data["accounts"] == status

    # The code was used once: a second press is checked again by the core, and refused.
    again = await _press(discord_world, button["custom_id"])
    assert _private(again) and "is not a code I gave out" in _card(again)["description"]


async def test_a_pressed_button_runs_only_commands_meant_for_buttons(discord_world: Discord,
                                                                    replies: list[Any]) -> None:
    await _slash(discord_world, "cohort", [sub("create", option("name", "ml-club"))])
    before = len(replies)
    for crafted in ("studybot:confirm:forget:confirm=yes", "studybot:confirm:cohort%20remove:name=ml-club",
                    "studybot:confirm:link:code=A&code=B", "studybot:confirm:link"):
        refused = await _press(discord_world, crafted)
        assert refused["type"] == 4 and _private(refused), crafted
        assert "This button doesn't work any more" in _card(refused)["description"]
    assert len(replies) == before  # nothing reached the core
    assert len(discord_world.store.snapshot()["cohorts"]) == 1


async def test_cohort_bridge_and_remind_via_reach_the_core(discord_world: Discord, replies: list[Any]) -> None:
    await _slash(discord_world, "cohort", [sub("create", option("name", "ml-club"))])
    bridge = await _slash(discord_world, "cohort", [sub("bridge")])
    assert bridge["type"] == 4 and _private(bridge) and _card(bridge)["title"] == "Bridge a cohort"
    (name, args, reply) = replies[-1]
    assert (name, args) == ("cohort bridge", {})
    code = reply.data["code"]
    assert code in _card(bridge)["description"] and reply.data["cohort"] == "ml-club"

    refused = await _slash(discord_world, "remind", [sub("via", option("platform", "slack"))])
    assert _private(refused) and replies[-1][:2] == ("remind show", {"via": "slack"})
    assert replies[-1][2].data["error"] == "bad_via"  # no linked Slack account yet

    await _linked(discord_world)
    via = await _slash(discord_world, "remind", [sub("via", option("platform", "slack"))])
    assert _private(via) and _card(via)["title"] == "Reminders"
    assert replies[-1][:2] == ("remind show", {"via": "slack"})
    assert replies[-1][2].data["remind_via"] == "slack"
    back = await _slash(discord_world, "remind", [sub("via", option("platform", "last"))])
    assert _private(back) and replies[-1][2].data["remind_via"] is None

    # The bridge code, redeemed by the linked Slack account in its channel, makes that channel a home too.
    bridged = await _slack(discord_world, "cohort bridge", {"code": code})
    assert bridged.data["bridged"] is True and len(bridged.data["homes"]) == 2
