from __future__ import annotations

import asyncio

import pytest

from bot.delivery import Dispatcher
from bot.ports import DeliveryFailed, Destination
from bot.replies import Reply
from bot.scheduler import Scheduler
from tests.e2e.discord.conftest import MANAGE_GUILD, Discord, option, sub
from tests.e2e.discord.fake_discord import GUILD_ID

EPHEMERAL = 64


def _fields(callback: dict) -> dict[str, str]:
    return {f["name"]: f["value"] for f in callback["data"]["embeds"][0].get("fields", [])}


async def _cohort(world: Discord) -> None:
    created = await world.slash("cohort", [sub("create", option("name", "ml-club"))])
    assert created["type"] == 4, created


async def test_commands_are_synced_to_the_development_guild(discord_world: Discord) -> None:
    (sync,) = discord_world.fake.named("PUT", f"/guilds/{GUILD_ID}/commands")
    names = {command["name"] for command in sync.body}
    assert {"checkin", "streak", "leaderboard", "cohort", "sprint", "remind", "timezone", "roadmap", "buddy",
            "stats", "nudge", "pause", "help", "forget", "export", "privacy"} <= names


async def test_checkin_answers_with_a_public_embed_showing_the_streak(discord_world: Discord) -> None:
    await _cohort(discord_world)
    callback = await discord_world.slash("checkin", [option("minutes", 30, kind=4),
                                                     option("note", "attention by hand @everyone <@123>")])
    assert callback["type"] == 4
    data = callback["data"]
    assert not (data.get("flags") or 0) & EPHEMERAL
    assert _fields(callback)["Streak"] == "1" and _fields(callback)["Today (min)"] == "30"
    assert data["allowed_mentions"] == {"parse": []}
    assert "@everyone" not in data["embeds"][0]["description"].replace("@\u200beveryone", "")


async def test_a_note_goes_on_todays_checkin(discord_world: Discord) -> None:
    await _cohort(discord_world)
    await discord_world.slash("checkin", [option("minutes", 30, kind=4)])
    callback = await discord_world.slash("note", [option("note", "attention by hand"),
                                                  option("link", "https://example.com/notes")])
    assert callback["data"]["flags"] & EPHEMERAL
    assert "attention by hand" in callback["data"]["embeds"][0]["description"]
    (checkin,) = discord_world.store.snapshot()["checkins"].values()
    assert (checkin.note, checkin.link) == ("attention by hand", "https://example.com/notes")


async def test_private_views_are_ephemeral(discord_world: Discord) -> None:
    await _cohort(discord_world)
    callback = await discord_world.slash("streak")
    assert callback["data"]["flags"] & EPHEMERAL
    refused = await discord_world.slash("leaderboard", [option("board", "week")], username="bob",
                                        user_id="1500000000000000009")
    assert refused["data"]["embeds"][0]["title"].startswith("ml-club")


async def test_the_same_interaction_twice_records_once(discord_world: Discord) -> None:
    await _cohort(discord_world)
    first = await discord_world.slash("checkin", [option("minutes", 30, kind=4)], interaction_id="1700000000000099999")
    again = await discord_world.slash("checkin", [option("minutes", 30, kind=4)], interaction_id="1700000000000099999")
    assert _fields(first)["Today (min)"] == _fields(again)["Today (min)"] == "30"
    assert "Already recorded" in again["data"]["embeds"][0]["description"]


async def test_leaderboard_ranks_members(discord_world: Discord) -> None:
    await _cohort(discord_world)
    await discord_world.slash("cohort", [sub("join")], username="bob", user_id="1500000000000000002")
    await discord_world.slash("checkin", [option("minutes", 45, kind=4)], username="bob",
                              user_id="1500000000000000002")
    await discord_world.slash("checkin", [option("minutes", 20, kind=4)])
    board = await discord_world.slash("leaderboard", [option("board", "week")])
    description = board["data"]["embeds"][0]["description"]
    assert description.index("1. bob — 45 min") < description.index("2. ann — 20 min")


async def test_time_zone_autocomplete(discord_world: Discord) -> None:
    callback = await discord_world.slash("timezone", [sub("set", option("zone", "berl", focused=True))], kind=4)
    assert callback["type"] == 8
    assert "Europe/Berlin" in [choice["value"] for choice in callback["data"]["choices"]]


async def test_manage_server_makes_an_organizer(discord_world: Discord) -> None:
    await _cohort(discord_world)
    refused = await discord_world.slash("cohort", [sub("settings", option("sprint", 25, kind=4))],
                                        username="bob", user_id="1500000000000000002")
    assert "Only organizers" in refused["data"]["embeds"][0]["description"]
    allowed = await discord_world.slash("cohort", [sub("settings", option("sprint", 25, kind=4))], username="mod",
                                        user_id="1500000000000000003", permissions=MANAGE_GUILD)
    assert "Updated sprint" in allowed["data"]["embeds"][0]["description"]


async def test_a_reminder_dm_goes_out_at_the_members_time(discord_world: Discord) -> None:
    await _cohort(discord_world)
    scheduler = Scheduler(discord_world.store.unit_of_work, discord_world.clock)
    dispatcher = Dispatcher(discord_world.store.unit_of_work, discord_world.clock,
                            {"discord": discord_world.client.notifier}, owner="t")
    discord_world.clock.advance(hours=5)  # 19:00 UTC: the default reminder time in a UTC cohort
    await scheduler.tick()
    report = await dispatcher.drain()
    assert any(key.startswith("reminder:") for key in report.sent)
    (opened,) = discord_world.fake.named("POST", "/users/@me/channels")
    assert str(opened.body["recipient_id"]) == "1500000000000000001"
    dm = next(r for r in discord_world.fake.named("POST", "/messages") if r.path.startswith("/channels/16"))
    assert dm.body["embeds"][0]["title"] == "Sprint reminder" and dm.body["allowed_mentions"] == {"parse": []}


async def test_a_burst_of_dms_is_delivered_once_each_within_the_rate_limit(discord_world: Discord) -> None:
    """120 DMs at once are 240 requests (open the DM, post): the fake's 50/s answers many with 429s, which
    discord.py waits out and retries, so every DM arrives exactly once and the notifier never fails."""
    notifier = discord_world.client.notifier
    reply = Reply(text="Time for today's sprint?", title="Sprint reminder", private=True)
    members = [str(1500000000000001000 + number) for number in range(120)]
    sent = await asyncio.wait_for(asyncio.gather(*(
        notifier.send(Destination("discord", GUILD_ID, "dm", member), reply) for member in members)), timeout=30)
    assert len(set(sent)) == 120 and all(sent)
    opened = [str(r.body["recipient_id"]) for r in discord_world.fake.named("POST", "/users/@me/channels")]
    assert sorted(opened) == sorted(members)
    posted = [r for r in discord_world.fake.named("POST", "/messages") if r.path.startswith("/channels/16")]
    assert sorted(r.path for r in posted) == sorted(f"/channels/16{m[2:]}/messages" for m in members)
    assert discord_world.fake.rate_limited > 0  # the limit was really met, and retried through


async def test_a_member_who_blocks_dms_fails_for_good(discord_world: Discord) -> None:
    discord_world.fake.refuse("/channels/16", 403, {"code": 50007, "message": "Cannot send messages to this user"})
    with pytest.raises(DeliveryFailed) as caught:
        await discord_world.client.notifier.send(Destination("discord", GUILD_ID, "dm", "1500000000000000777"),
                                                 Reply(text="hi"))
    assert caught.value.permanent and "Forbidden" in caught.value.reason


async def test_a_slow_answer_is_deferred_then_sent_as_a_follow_up(discord_world: Discord,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    import adapters.discord.interactions

    await _cohort(discord_world)
    monkeypatch.setattr(adapters.discord.interactions, "DEFER_AFTER", 0.05)
    runner = discord_world.client.runner
    gate = asyncio.Event()
    answer = runner.bot.execute

    async def slow_execute(*args, **kwargs):
        await gate.wait()
        return await answer(*args, **kwargs)

    monkeypatch.setattr(runner.bot, "execute", slow_execute)
    deferred = asyncio.ensure_future(discord_world.slash("checkin", [option("minutes", 30, kind=4)]))
    callback = await deferred
    assert callback["type"] == 5  # "thinking": the interaction is acknowledged in time
    assert not (callback.get("data") or {}).get("flags", 0) & EPHEMERAL  # a check-in is public
    gate.set()
    # after the organizer's checklist (`cohort create`), the check-in, then its reminder tips
    await discord_world.fake.wait_for(lambda: len(discord_world.fake.named("POST", "/webhooks/")) == 3)
    checklist, follow_up, tips = discord_world.fake.named("POST", "/webhooks/")
    assert checklist.body["flags"] & EPHEMERAL and checklist.body["embeds"][0]["title"] == "Next steps"
    assert follow_up.body["embeds"][0]["title"] == "Check-in"
    # the first check-in's reminder tips follow, for the member alone (`Reply.followups`)
    assert tips.body["flags"] & EPHEMERAL and tips.body["embeds"][0]["title"] == "Reminders"


async def test_a_group_sprint_has_a_join_button_that_works(discord_world: Discord) -> None:
    await _cohort(discord_world)
    await discord_world.slash("cohort", [sub("join")], username="bob", user_id="1500000000000000002")
    started = await discord_world.slash("sprint", [sub("start", option("group", True, kind=5))])
    (row,) = started["data"]["components"]
    (button,) = row["components"]
    assert button["custom_id"] == "studybot:sprint-join" and button["label"] == "Join the sprint"
    pressed = await discord_world.slash("", kind=3, username="bob", user_id="1500000000000000002",
                                        component="studybot:sprint-join")
    assert pressed["type"] == 4
    assert "bob joined the group sprint" in pressed["data"]["embeds"][0]["description"]


async def test_roadmap_step_autocomplete_lists_the_cohorts_steps(discord_world: Discord) -> None:
    await discord_world.slash("cohort", [sub("create", option("name", "ml-club"),
                                             option("roadmap", "build-first-6m"))])
    callback = await discord_world.slash("roadmap", [sub("done", option("step", "theory", kind=4, focused=True))],
                                         kind=4)
    assert [choice["value"] for choice in callback["data"]["choices"]] == [3]
    assert callback["data"]["choices"][0]["name"] == "3. The useful 20% of theory"
