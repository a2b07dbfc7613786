"""Focus rooms in the core: voice presences in, sessions, check-ins and DMs out (bot/focus.py), on the in-memory
store with a simulated clock. The same flows run on real databases in tests/integration/test_focus_storage.py and
through the real discord.py client in tests/e2e/discord/test_focus_rooms.py."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bot import focus
from bot.commands.resolve import load_enrolment
from bot.domain import CheckIn, OutboxMessage, VoicePresence
from bot.scheduler import Scheduler
from tests.unit.conftest import Harness

ROOM = "study-hall"
WS = "local"


async def setup(h: Harness, *extra: str, video: bool = False, rollover: int = 4) -> None:
    await h.ok("org", f"cohort create ml-club timezone:UTC rollover:{rollover}")
    await h.ok("org", f"cohort focusroom add #{ROOM}" + (" video:on" if video else ""))
    for user in ("ann", *extra):
        await h.ok(user, "cohort join ml-club")


async def voice(h: Harness, user: str, channel: str | None = ROOM, *, deaf: bool = False, video: bool = False) -> None:
    await h.bot.focus.voice_changed("test", WS, VoicePresence(user, channel, deafened=deaf, video=video))


def checkins(h: Harness) -> list[CheckIn]:
    return sorted(h.store.tables["checkins"].values(), key=lambda c: c.id)


def dms(h: Harness, kind: str = "focus_end") -> list[OutboxMessage]:
    return [m for m in h.store.tables["outbox"].values() if m.kind == kind]


async def test_forty_minutes_in_a_room_make_one_checkin_and_one_dm(h: Harness) -> None:
    await setup(h)
    await voice(h, "ann")
    h.clock.advance(timedelta(minutes=40, seconds=59))
    await voice(h, "ann", None)
    [recorded] = checkins(h)
    assert (recorded.minutes, recorded.source, recorded.local_date) == (40, "focus", date(2026, 3, 6))
    [dm] = dms(h)
    assert dm.destination_kind == "dm" and dm.target == "ann"
    assert dm.data["minutes"] == 40 and dm.data["reason"] == "left" and "40 min recorded" in dm.text
    assert "streak" in dm.data  # the check-in's streak, as a sprint's end tells it
    assert not [m for m in h.store.tables["outbox"].values() if m.destination_kind == "channel"]


async def test_under_five_minutes_records_nothing_and_says_nothing(h: Harness) -> None:
    await setup(h)
    await voice(h, "ann")
    h.clock.advance(timedelta(minutes=4, seconds=59))
    await voice(h, "ann", None)
    assert checkins(h) == [] and dms(h) == []
    [session] = h.store.tables["focus_sessions"].values()
    assert session.ended_at is not None and session.minutes == 0


async def test_deafening_stops_the_clock_and_undeafening_starts_a_new_session(h: Harness) -> None:
    await setup(h)
    await voice(h, "ann")
    h.clock.advance(timedelta(minutes=20))
    await voice(h, "ann", deaf=True)
    h.clock.advance(timedelta(minutes=30))  # deafened: not counted
    await voice(h, "ann")
    h.clock.advance(timedelta(minutes=15))
    await voice(h, "ann", None)
    assert [c.minutes for c in checkins(h)] == [20, 15]
    assert [m.data["reason"] for m in sorted(dms(h), key=lambda m: m.key)] == ["deafened", "left"]


async def test_a_video_room_counts_only_camera_or_screen_time(h: Harness) -> None:
    await setup(h, video=True)
    await voice(h, "ann")  # in the room, camera off
    h.clock.advance(timedelta(minutes=10))
    assert not h.store.tables["focus_sessions"]
    await voice(h, "ann", video=True)
    h.clock.advance(timedelta(minutes=30))
    await voice(h, "ann", video=False)
    h.clock.advance(timedelta(minutes=10))
    await voice(h, "ann", None)
    assert [c.minutes for c in checkins(h)] == [30]
    assert dms(h)[0].data["reason"] == "video_off"


async def test_a_session_across_the_rollover_is_two_checkins_on_two_local_days(h: Harness) -> None:
    await setup(h, rollover=4)
    h.clock.set(datetime(2026, 3, 7, 3, 30, tzinfo=UTC))  # 03:30: still the 6th (the day rolls over at 04:00)
    await voice(h, "ann")
    h.clock.advance(timedelta(minutes=70, seconds=30))
    await voice(h, "ann", None)
    assert [(c.local_date, c.minutes) for c in checkins(h)] == [(date(2026, 3, 6), 30), (date(2026, 3, 7), 40)]
    assert len({c.idempotency_key for c in checkins(h)}) == 2
    [dm] = dms(h)
    assert dm.data["minutes"] == 70 and len(dm.data["days"]) == 2


async def test_a_session_never_pushes_a_day_over_the_cap(h: Harness) -> None:
    await setup(h)
    for _ in range(3):
        await h.ok("ann", "checkin 300")
    await h.ok("ann", "checkin 50")  # 950 of 960
    await voice(h, "ann")
    h.clock.advance(timedelta(minutes=40))
    await voice(h, "ann", None)
    assert sum(c.minutes for c in checkins(h)) == 960
    assert checkins(h)[-1].minutes == 10
    h.clock.advance(timedelta(minutes=1))
    await voice(h, "ann")
    h.clock.advance(timedelta(minutes=30))
    await voice(h, "ann", None)
    assert sum(c.minutes for c in checkins(h)) == 960
    assert "already holds 960 minutes" in sorted(dms(h), key=lambda m: m.id or 0)[-1].text


async def test_members_only_and_one_session_per_member(h: Harness) -> None:
    await setup(h)
    await voice(h, "stranger")  # never used studybot
    await h.ok("bob", "help")  # known, but not in the cohort
    await voice(h, "bob")
    assert not h.store.tables["focus_sessions"]
    await h.ok("org", "cohort focusroom add #quiet-room")
    await voice(h, "ann")
    h.clock.advance(timedelta(minutes=10))
    await voice(h, "ann", "quiet-room")  # moved to the other room: the first session ends, a second starts
    sessions = sorted(h.store.tables["focus_sessions"].values(), key=lambda s: s.id)
    assert [(s.open, s.end_reason) for s in sessions] == [(False, "left"), (True, None)]
    assert [c.minutes for c in checkins(h)] == [10]


async def idle_tick(h: Harness) -> None:
    await Scheduler(h.store.unit_of_work, h.clock).tick()


async def test_the_idle_guard_ends_an_unanswered_session_at_the_last_confirmation(h: Harness) -> None:
    await setup(h)
    await voice(h, "ann")
    started = h.clock.now()
    h.clock.advance(focus.IDLE_AFTER)
    await idle_tick(h)
    [ask] = dms(h, "focus_check")
    assert ask.target == "ann" and ask.expires_at == h.clock.now() + focus.ANSWER_WITHIN
    h.clock.advance(timedelta(minutes=5))
    reply = await h.bot.focus.confirm("test", "ann", int(ask.data["session"]))  # type: ignore[call-overload]
    assert reply.data["confirmed"] is True
    confirmed = h.clock.now()
    h.clock.advance(focus.IDLE_AFTER)
    await idle_tick(h)
    assert len(dms(h, "focus_check")) == 2
    h.clock.advance(focus.ANSWER_WITHIN)
    await idle_tick(h)
    [session] = h.store.tables["focus_sessions"].values()
    assert (session.ended_at, session.end_reason) == (confirmed, "idle")
    assert [c.minutes for c in checkins(h)] == [int((confirmed - started).total_seconds() // 60)] == [65]
    h.clock.advance(timedelta(hours=2))
    await idle_tick(h)  # ended: never asked again
    assert len(dms(h, "focus_check")) == 2


async def test_only_the_member_can_answer_for_their_session(h: Harness) -> None:
    await setup(h, "bob")
    await voice(h, "ann")
    [session] = h.store.tables["focus_sessions"].values()
    h.clock.advance(timedelta(minutes=61))
    reply = await h.bot.focus.confirm("test", "bob", session.id)
    assert reply.data.get("error") == "not_your_session"
    assert h.store.tables["focus_sessions"][session.id].confirmed_at == session.confirmed_at


async def test_a_restart_continues_present_members_and_ends_absent_ones_at_their_last_heartbeat(h: Harness) -> None:
    await setup(h, "bob")
    await voice(h, "ann")
    await voice(h, "bob")
    h.clock.advance(timedelta(minutes=20))
    await h.bot.focus.voice_snapshot("test", WS, [VoicePresence("ann", ROOM), VoicePresence("bob", ROOM)],
                                     start_missing=False)  # a heartbeat
    seen = h.clock.now()
    h.clock.advance(timedelta(minutes=45))  # the bot is down; bob leaves meanwhile, carl joins
    await h.ok("carl", "cohort join ml-club")
    await h.bot.focus.voice_snapshot("test", WS, [VoicePresence("ann", ROOM), VoicePresence("carl", ROOM)],
                                     start_missing=True)  # what the gateway says at start-up
    by_member = {s.member_id: s for s in h.store.tables["focus_sessions"].values()}
    members = {m.user_id: m.id for m in h.store.tables["members"].values()}
    assert by_member[members["bob"]].ended_at == seen and by_member[members["bob"]].end_reason == "not_seen"
    assert by_member[members["ann"]].ended_at is None and by_member[members["carl"]].ended_at is None
    h.clock.advance(timedelta(minutes=5))
    await voice(h, "ann", None)
    minutes = {c.member_id: c.minutes for c in checkins(h)}
    assert minutes == {members["bob"]: 20, members["ann"]: 70}


async def test_the_heartbeat_never_starts_a_session(h: Harness) -> None:
    await setup(h)
    await h.bot.focus.voice_snapshot("test", WS, [VoicePresence("ann", ROOM)], start_missing=False)
    assert not h.store.tables["focus_sessions"]


async def test_removing_a_room_records_the_sessions_running_there(h: Harness) -> None:
    await setup(h)
    await voice(h, "ann")
    h.clock.advance(timedelta(minutes=25))
    reply = await h.ok("org", f"cohort focusroom remove #{ROOM}")
    assert reply.data["rooms"] == []
    assert [c.minutes for c in checkins(h)] == [25] and dms(h)[0].data["reason"] == "room_removed"
    await voice(h, "ann", None)  # the room is gone: nothing more
    assert len(checkins(h)) == 1


async def test_focus_lists_members_in_rooms_and_sprints(h: Harness) -> None:
    await setup(h, "bob")
    await voice(h, "ann")
    h.clock.advance(timedelta(minutes=12))
    await h.ok("bob", "sprint start")
    h.clock.advance(timedelta(minutes=3))
    reply = await h.ok("org", "focus")
    assert [(e["name"], e["where"], e["minutes"]) for e in reply.data["studying"]] == [("ann", "focus", 15),
                                                                                      ("bob", "sprint", 3)]
    assert "ann — in #study-hall, 15 min" in reply.text


async def test_focusroom_settings_are_for_organizers_and_say_what_to_type(h: Harness) -> None:
    await setup(h, "bob")
    await h.refused("bob", "cohort focusroom add #other", "not_organizer")
    await h.refused("org", "cohort focusroom add", "bad_channel")
    await h.refused("org", "cohort focusroom add #x video:maybe", "bad_arguments")
    await h.refused("org", "cohort focusroom remove #nowhere", "no_room")
    await h.refused("org", "cohort focusroom shuffle", "bad_arguments")
    listed = await h.ok("bob", "cohort focusroom")
    assert listed.data["rooms"] == [{"channel": ROOM, "video": False}] and listed.data["status"] is False
    await h.ok("org", "cohort create other-club", channel="other")
    await h.refused("org", f"cohort focusroom add #{ROOM} cohort:other-club", "room_taken")
    on = await h.ok("org", "cohort focusroom status:on")
    assert on.data["status"] is True


@pytest.mark.parametrize(("start", "minutes", "expected"), [
    (datetime(2026, 3, 6, 14, 0, 30, tzinfo=UTC), 40.5, [(date(2026, 3, 6), 40)]),
    (datetime(2026, 3, 7, 3, 59, 30, tzinfo=UTC), 2.0, [(date(2026, 3, 6), 0), (date(2026, 3, 7), 2)]),
    (datetime(2026, 3, 7, 3, 0, tzinfo=UTC), 25 * 60, [(date(2026, 3, 6), 60), (date(2026, 3, 7), 1440),
                                                        (date(2026, 3, 8), 0)]),
])
async def test_day_parts_add_up_to_the_whole_minutes(h: Harness, start: datetime, minutes: float,
                                                     expected: list[tuple[date, int]]) -> None:
    await setup(h)
    ann = next(m.id for m in h.store.tables["members"].values() if m.user_id == "ann")
    membership = next(m.id for m in h.store.tables["memberships"].values() if m.member_id == ann)
    async with h.store.unit_of_work() as uow:
        enrolment = await load_enrolment(uow, membership)
    assert enrolment is not None
    parts = focus.day_parts([(start, start + timedelta(minutes=minutes))], enrolment)
    assert parts == [(day, n) for day, n in expected if n]
    assert sum(n for _, n in parts) == int(minutes)


async def test_a_heartbeat_taken_before_a_join_does_not_end_the_new_session(h: Harness) -> None:
    """The adapter reads who is in voice, then waits for the database; a join handled meanwhile (at the same
    instant or later) must survive the stale snapshot, which does not list them yet."""
    await setup(h)
    await voice(h, "ann")  # joins at the snapshot's instant
    await h.bot.focus.voice_snapshot("test", WS, [], start_missing=False)  # read before her join was seen
    [session] = h.store.tables["focus_sessions"].values()
    assert session.open
    h.clock.advance(timedelta(minutes=1))
    await h.bot.focus.voice_snapshot("test", WS, [], start_missing=False)  # a later one that misses her: she left
    [session] = h.store.tables["focus_sessions"].values()
    assert session.end_reason == "not_seen" and session.ended_at == session.started_at


async def test_time_in_a_sprint_counts_once_as_the_sprint(h: Harness) -> None:
    await setup(h)
    await voice(h, "ann")
    h.clock.advance(timedelta(minutes=10))
    await h.ok("ann", "sprint start")  # a 30-minute sprint in the room
    h.clock.advance(timedelta(minutes=45))
    await voice(h, "ann", None)
    await Scheduler(h.store.unit_of_work, h.clock).tick()
    by_source = sorted((c.source, c.minutes) for c in checkins(h))
    assert by_source == [("focus", 25), ("sprint", 30)]  # 55 minutes in the room, 30 of them the sprint's


async def test_a_sprint_covering_the_whole_session_leaves_nothing_to_record(h: Harness) -> None:
    await setup(h)
    await h.ok("ann", "sprint start")
    await voice(h, "ann")
    h.clock.advance(timedelta(minutes=20))
    await h.ok("ann", "sprint stop")  # 20 minutes recorded by the sprint
    await voice(h, "ann", None)
    assert [(c.source, c.minutes) for c in checkins(h)] == [("sprint", 20)] and dms(h) == []


def test_outside_cuts_covered_time_out() -> None:
    t = datetime(2026, 3, 6, 14, 0, tzinfo=UTC)

    def at(minutes: int) -> datetime:
        return t + timedelta(minutes=minutes)

    assert focus.outside(at(0), at(60), []) == [(at(0), at(60))]
    assert focus.outside(at(0), at(60), [(at(10), at(20)), (at(15), at(30)), (at(50), at(90))]) == [
        (at(0), at(10)), (at(30), at(50))]
    assert focus.outside(at(0), at(60), [(at(-5), at(70))]) == []
