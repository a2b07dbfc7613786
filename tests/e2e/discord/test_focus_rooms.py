"""Focus rooms end to end: the real discord.py client with the GUILD_VOICE_STATES intent against the fake Discord's
VOICE_STATE_UPDATE and GUILD_CREATE voice states, the core on the in-memory store and a simulated clock. What the
bot sends (DMs with the "Still studying" button, the pinned live message and its edits) is checked against Discord's
OpenAPI description."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from bot import focus
from bot.delivery import Dispatcher
from bot.domain import CheckIn, FocusSession
from bot.scheduler import Scheduler
from tests.e2e.discord.conftest import MANAGE_GUILD, Discord, discord_running, option, sub
from tests.e2e.discord.fake_discord import CHANNEL_ID, GUILD_ID, VOICE_ID
from tests.e2e.discord.openapi import MESSAGE, MESSAGES, check_request

ORGANIZER = "1500000000000000009"
ANN = "1500000000000000001"
BOB = "1500000000000000002"
VOICE = {"channels": {VOICE_ID: {"id": VOICE_ID, "type": 2, "name": "study-hall", "guild_id": GUILD_ID,
                                 "permissions": "0", "position": 1, "permission_overwrites": [], "nsfw": False,
                                 "parent_id": None, "bitrate": 64000, "user_limit": 0, "rtc_region": None}}}


def sessions(world: Discord) -> list[FocusSession]:
    return sorted(world.store.tables["focus_sessions"].values(), key=lambda s: s.id or 0)


def checkins(world: Discord) -> list[CheckIn]:
    return sorted(world.store.tables["checkins"].values(), key=lambda c: c.id or 0)


async def cohort_with_room(world: Discord, *members: tuple[str, str], video: bool = False) -> None:
    created = await world.slash("cohort", [sub("create", option("name", "ml-club"))], user_id=ORGANIZER,
                                username="org", permissions=MANAGE_GUILD)
    assert created["type"] == 4, created
    added = await world.slash("cohort", [{"name": "focusroom", "type": 2, "options": [
        sub("add", option("channel", VOICE_ID, kind=7), option("video", "on" if video else "off"))]}],
        user_id=ORGANIZER, username="org", permissions=MANAGE_GUILD, resolved=VOICE)
    assert "is now a focus room" in added["data"]["embeds"][0]["description"], added
    for user_id, name in members or ((ANN, "ann"),):
        joined = await world.slash("cohort", [sub("join")], user_id=user_id, username=name)
        assert joined["type"] == 4


async def join(world: Discord, user_id: str = ANN, name: str = "ann", **state: bool) -> None:
    before = len(sessions(world))
    await world.fake.voice(user_id, name, VOICE_ID, **state)
    await world.store.wait_for(lambda: len(sessions(world)) > before)


async def leave(world: Discord, user_id: str = ANN, name: str = "ann") -> None:
    await world.fake.voice(user_id, name, None)
    await world.store.wait_for(lambda: all(not s.open for s in sessions(world)))


async def deliver(world: Discord) -> list[dict[str, Any]]:
    """Send what the outbox owes; the DMs' bodies, each checked against the spec."""
    before = len(world.fake.requests)
    await Dispatcher(world.store.unit_of_work, world.clock, {"discord": world.client.notifier}, owner="t").drain()
    bodies = [r.body for r in world.fake.requests[before:] if r.method == "POST" and r.path.startswith("/channels/16")]
    for body in bodies:
        check_request("POST", MESSAGES, body)
    return bodies  # type: ignore[return-value]


async def test_forty_minutes_in_the_room_make_one_checkin_and_one_dm() -> None:
    async with discord_running() as world:
        await cohort_with_room(world)
        await join(world)
        world.clock.advance(minutes=40)
        await leave(world)
        assert [(c.minutes, c.source) for c in checkins(world)] == [(40, "focus")]
        [dm] = await deliver(world)
        assert dm["embeds"][0]["title"] == "Focus session" and "40 min recorded" in dm["embeds"][0]["description"]
        assert "components" not in dm or not dm["components"]
        assert not [r for r in world.fake.named("POST", f"/channels/{CHANNEL_ID}/messages")]  # nothing in the channel


async def test_deafening_stops_the_clock_and_video_rooms_count_only_video_time() -> None:
    async with discord_running() as world:
        await cohort_with_room(world, video=True)
        await world.fake.voice(ANN, "ann", VOICE_ID)  # camera off: not counted
        world.clock.advance(minutes=10)
        await join(world, self_video=True)
        world.clock.advance(minutes=20)
        await world.fake.voice(ANN, "ann", VOICE_ID, self_video=True, self_deaf=True)
        await world.store.wait_for(lambda: not sessions(world)[-1].open)
        world.clock.advance(minutes=30)
        await join(world, self_stream=True)  # sharing the screen counts as video
        world.clock.advance(minutes=15)
        await world.fake.voice(ANN, "ann", VOICE_ID)  # video off
        await world.store.wait_for(lambda: not sessions(world)[-1].open)
        assert [c.minutes for c in checkins(world)] == [20, 15]
        assert [s.end_reason for s in sessions(world)] == ["deafened", "video_off"]


async def test_a_session_across_the_rollover_makes_two_checkins() -> None:
    async with discord_running() as world:
        await cohort_with_room(world)
        world.clock.set(datetime(2026, 3, 7, 3, 45, tzinfo=UTC))  # the cohort's day rolls over at 04:00
        await join(world)
        world.clock.advance(minutes=50)
        await leave(world)
        assert [(c.local_date.isoformat(), c.minutes) for c in checkins(world)] == [("2026-03-06", 15),
                                                                                  ("2026-03-07", 35)]
        [dm] = await deliver(world)
        assert "50 min recorded (15 on 2026-03-06, 35 on 2026-03-07)" in dm["embeds"][0]["description"]


async def test_the_idle_guard_asks_with_a_button_and_ends_an_unanswered_session() -> None:
    async with discord_running() as world:
        await cohort_with_room(world, (ANN, "ann"), (BOB, "bob"))
        await join(world)
        await join(world, BOB, "bob")
        scheduler = Scheduler(world.store.unit_of_work, world.clock)
        world.clock.advance(focus.IDLE_AFTER)
        await scheduler.tick()
        asked = await deliver(world)
        assert len(asked) == 2 and all(dm["embeds"][0]["title"] == "Still studying?" for dm in asked)
        buttons = [dm["components"][0]["components"][0] for dm in asked]
        assert {b["custom_id"] for b in buttons} == {f"studybot:focus:{s.id}" for s in sessions(world)}
        ann_session = next(s for s in sessions(world) if s.member_id == _member(world, ANN))
        pressed = await world.slash("", kind=3, user_id=ANN, in_guild=False,
                                    component=f"studybot:focus:{ann_session.id}")
        assert pressed["data"]["flags"] & 64 and "keep going" in pressed["data"]["embeds"][0]["description"]
        world.clock.advance(focus.ANSWER_WITHIN)
        await scheduler.tick()
        by_member = {s.member_id: s for s in sessions(world)}
        assert by_member[_member(world, BOB)].end_reason == "idle"  # bob never answered: ended, nothing counted
        assert by_member[_member(world, ANN)].open
        # the hour after bob's last confirmation (his joining) was never confirmed: nothing of it is recorded
        assert by_member[_member(world, BOB)].ended_at == by_member[_member(world, BOB)].started_at
        assert not checkins(world)


async def test_a_restart_continues_members_still_there_and_ends_one_who_left_at_the_last_heartbeat() -> None:
    async with discord_running() as first:
        await cohort_with_room(first, (ANN, "ann"), (BOB, "bob"))
        await join(first)
        await join(first, BOB, "bob")
        first.clock.advance(minutes=20)
        await first.client.focus_rooms.beat()
        fake, store, clock = first.fake, first.store, first.clock
        # the bot stops here; bob leaves while it is away (no event reaches it), ann stays
        fake.voice_states.pop(BOB)
        clock.advance(minutes=45)
        async with discord_running(fake=fake, store=store, clock=clock) as second:
            def bobs() -> FocusSession:
                return next(s for s in sessions(second) if s.member_id == _member(second, BOB))

            await second.store.wait_for(lambda: not bobs().open)
            bob = bobs()
            assert bob.end_reason == "not_seen" and bob.minutes == 20
            second.clock.advance(minutes=5)
            await leave(second)
            ann = next(s for s in sessions(second) if s.member_id == _member(second, ANN))
            assert ann.minutes == 70  # continued from the stored start across the restart
    await fake.stop()


async def test_the_live_message_is_pinned_and_edited_at_most_once_a_minute() -> None:
    async with discord_running() as world:
        await cohort_with_room(world)
        turned_on = await world.slash("cohort", [{"name": "focusroom", "type": 2, "options": [
            sub("status", option("status", "on"))]}], user_id=ORGANIZER, username="org", permissions=MANAGE_GUILD)
        assert "pinned" in turned_on["data"]["embeds"][0]["description"]
        await join(world)
        world.clock.advance(minutes=3)
        await world.client.focus_rooms.beat()
        [posted] = world.fake.named("POST", f"/channels/{CHANNEL_ID}/messages")
        check_request("POST", MESSAGES, posted.body)
        assert posted.body["embeds"][0]["title"] == "Studying now" and "ann" in posted.body["embeds"][0]["description"]
        [pin] = world.fake.named("PUT", f"/channels/{CHANNEL_ID}/messages/pins/")
        await world.client.focus_rooms.beat()  # nothing changed within the minute: no edit
        assert not world.fake.named("PATCH", f"/channels/{CHANNEL_ID}/messages/")
        world.clock.advance(minutes=1)
        await world.client.focus_rooms.beat()
        [edited] = world.fake.named("PATCH", f"/channels/{CHANNEL_ID}/messages/")
        check_request("PATCH", MESSAGE, edited.body)
        assert edited.path.endswith(pin.path.rsplit("/", 1)[-1]) and "4 min" in edited.body["embeds"][0]["description"]
        focus_now = await world.slash("focus", user_id=BOB, username="bob")
        assert "ann — in <#" + VOICE_ID + ">" in focus_now["data"]["embeds"][0]["description"]


def _member(world: Discord, user_id: str) -> int:
    return next(m.id for m in world.store.tables["members"].values() if m.user_id == user_id)


def test_the_bot_asks_for_voice_states_and_no_privileged_intent() -> None:
    from adapters.discord.client import _intents

    intents = _intents()
    assert intents.voice_states and intents.guilds
    assert not (intents.members or intents.presences or intents.message_content)


async def test_a_leave_of_someone_outside_the_cohort_records_nothing() -> None:
    async with discord_running() as world:
        await cohort_with_room(world)
        await world.fake.voice(BOB, "bob", VOICE_ID)
        world.clock.advance(timedelta(minutes=30))
        await world.fake.voice(BOB, "bob", None)
        await join(world)  # a later event for ann is handled: bob's were handled before it
        assert [s.member_id for s in sessions(world)] == [_member(world, ANN)] and not checkins(world)
