"""A reply's private follow-ups (`Reply.followups`) on Discord: after the interaction's own answer, an ephemeral
follow-up only the caller sees (`POST /webhooks/{app}/{token}` with the ephemeral flag)."""

from __future__ import annotations

import asyncio
import logging

from tests.e2e.discord.conftest import Discord, option, sub

EPHEMERAL = 64
BOB = "1500000000000000002"


async def test_cohort_create_is_public_and_the_checklist_is_the_organizers_alone(discord_world: Discord) -> None:
    created = await discord_world.slash("cohort", [sub("create", option("name", "ml-club"))])
    assert created["type"] == 4 and not created["data"].get("flags", 0) & EPHEMERAL
    assert created["data"]["embeds"][0]["title"] == "New cohort"
    await discord_world.fake.wait_for(lambda: bool(discord_world.fake.named("POST", "/webhooks/")))
    (checklist,) = discord_world.fake.named("POST", "/webhooks/")
    assert checklist.path.endswith(f"/token-{_interaction_id(discord_world, 0)}")  # the same interaction
    assert checklist.body["flags"] & EPHEMERAL
    card = checklist.body["embeds"][0]
    assert card["title"] == "Next steps" and "`/cohort join ml-club`" in card["description"]  # Discord's spelling
    assert checklist.body["allowed_mentions"] == {"parse": []}


async def test_a_first_checkin_is_public_and_its_tips_are_private(discord_world: Discord) -> None:
    await discord_world.slash("cohort", [sub("create", option("name", "ml-club"))])
    await discord_world.slash("cohort", [sub("join")], username="bob", user_id=BOB)
    await discord_world.fake.wait_for(lambda: len(discord_world.fake.named("POST", "/webhooks/")) == 1)
    first = await discord_world.slash("checkin", [option("minutes", 20, kind=4)], username="bob", user_id=BOB)
    assert not first["data"].get("flags", 0) & EPHEMERAL
    assert "▓▓▓▓▓▓░░░░ 20/30 min" in first["data"]["embeds"][0]["description"]
    await discord_world.fake.wait_for(lambda: len(discord_world.fake.named("POST", "/webhooks/")) == 2)
    tips = discord_world.fake.named("POST", "/webhooks/")[1]
    assert tips.body["flags"] & EPHEMERAL and tips.body["embeds"][0]["title"] == "Reminders"
    assert "`/remind set 21:30`" in tips.body["embeds"][0]["description"]
    await discord_world.slash("checkin", [option("minutes", 20, kind=4)], username="bob", user_id=BOB)
    await discord_world.slash("streak", username="bob", user_id=BOB)
    assert len(discord_world.fake.named("POST", "/webhooks/")) == 2  # nothing more to explain


async def test_a_failed_follow_up_is_logged_and_the_answer_stands(discord_world: Discord) -> None:
    discord_world.fake.refuse("/webhooks/", 404, {"message": "Unknown Webhook", "code": 10015})
    logged = _Logged("a private follow-up could not be sent")
    logger = logging.getLogger("adapters.discord.interactions")
    logger.addHandler(logged)
    try:
        created = await discord_world.slash("cohort", [sub("create", option("name", "ml-club"))])
        async with asyncio.timeout(5):
            await logged.seen.wait()
    finally:
        logger.removeHandler(logged)
    assert created["type"] == 4 and created["data"]["embeds"][0]["title"] == "New cohort"
    assert (await discord_world.slash("cohort", [sub("info")]))["type"] == 4  # the bot carries on


class _Logged(logging.Handler):
    def __init__(self, message: str) -> None:
        super().__init__(logging.WARNING)
        self.message = message
        self.seen = asyncio.Event()

    def emit(self, record: logging.LogRecord) -> None:
        if self.message in record.getMessage():
            self.seen.set()


def _interaction_id(world: Discord, index: int) -> str:
    return world.fake.named("POST", "/callback")[index].path.split("/")[2]
