"""The notifier port on discord.py's REST: what reaches the fake, and how each failure maps to DeliveryFailed."""

from __future__ import annotations

import pytest

from bot.ports import DeliveryFailed, Destination
from bot.replies import Reply
from tests.e2e.discord.conftest import Discord
from tests.e2e.discord.fake_discord import GUILD_ID

MEMBER = "1500000000000000777"
DM_CHANNEL = "/channels/16" + MEMBER[2:]


def _dm(member: str = MEMBER) -> Destination:
    return Destination("discord", GUILD_ID, "dm", member)


async def _failure(world: Discord, destination: Destination) -> DeliveryFailed:
    with pytest.raises(DeliveryFailed) as caught:
        await world.client.notifier.send(destination, Reply(text="hi"))
    return caught.value


async def test_a_channel_post_goes_to_the_channel_without_pings(discord_world: Discord) -> None:
    reply = Reply(text="Digest: @everyone <@&456> did well", title="Daily digest")
    message_id = await discord_world.client.notifier.send(
        Destination("discord", GUILD_ID, "channel", "1300000000000000009"), reply)
    (posted,) = discord_world.fake.named("POST", "/channels/1300000000000000009/messages")
    assert message_id and posted.body["allowed_mentions"] == {"parse": []}
    assert posted.body["embeds"][0]["title"] == "Daily digest"
    assert not discord_world.fake.named("POST", "/users/@me/channels")


async def test_an_unknown_channel_fails_for_good(discord_world: Discord) -> None:
    discord_world.fake.refuse("/channels/1300000000000000009", 404, {"code": 10003, "message": "Unknown Channel"})
    failed = await _failure(discord_world, Destination("discord", GUILD_ID, "channel", "1300000000000000009"))
    assert failed.permanent and "NotFound" in failed.reason


async def test_a_rate_limit_that_outlasts_discord_pys_retries_says_when_to_come_back(discord_world: Discord) -> None:
    discord_world.fake.refuse(DM_CHANNEL, 429, {"message": "You are being rate limited.", "retry_after": 0.01,
                                                "global": False},
                              headers={"Via": "1.1 google", "Retry-After": "3"})
    failed = await _failure(discord_world, _dm())
    assert not failed.permanent and failed.retry_after == 3.0
    assert len(discord_world.fake.named("POST", DM_CHANNEL)) == 5  # discord.py's own tries came first


async def test_a_server_error_is_worth_retrying(discord_world: Discord) -> None:
    discord_world.fake.refuse(DM_CHANNEL, 503, {"message": "Service Unavailable", "code": 0})
    failed = await _failure(discord_world, _dm())
    assert not failed.permanent and failed.retry_after is None


async def test_a_payload_discord_refuses_is_not_retried(discord_world: Discord) -> None:
    discord_world.fake.refuse(DM_CHANNEL, 400, {"message": "Invalid Form Body", "code": 50035})
    failed = await _failure(discord_world, _dm())
    assert failed.permanent and "50035" in failed.reason


async def test_a_target_that_is_not_a_discord_id_fails_for_good(discord_world: Discord) -> None:
    failed = await _failure(discord_world, _dm("U123ABC"))
    assert failed.permanent and not discord_world.fake.named("POST", "/users/@me/channels")


async def test_a_threaded_digest_replies_to_the_weeks_first_one(discord_world: Discord) -> None:
    channel = "1300000000000000009"
    await discord_world.client.notifier.send(
        Destination("discord", GUILD_ID, "channel", channel, thread="1400000000000000042"), Reply(text="Tuesday"))
    (posted,) = discord_world.fake.named("POST", f"/channels/{channel}/messages")
    reference = posted.body["message_reference"]
    assert str(reference["message_id"]) == "1400000000000000042" and reference["fail_if_not_exists"] is False
    assert posted.body["allowed_mentions"] == {"parse": []}  # replying does not ping the replied-to author
