"""Group commit: check-ins that arrive together are recorded in one transaction, and every member gets the
very reply (and the database the very rows) that one-at-a-time processing would have given."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.clock import SimulatedClock
from bot.commands.context import Invocation
from bot.replies import Reply
from bot.service import StudyBot
from tests.fakes import InMemoryStore
from tests.unit.conftest import TOOLS, Harness

START = datetime(2026, 3, 1, 14, 0, tzinfo=UTC)

# (user, line, channel, idempotency key): one burst, everything a real channel throws at the bot at once.
BURST = [
    ("bob", "checkin 30 read chapter 2", "general", "b1"),
    ("bob", "checkin 15", "general", "b2"),                      # the same member twice in one burst
    ("carol", "checkin 45 link:https://example.com/notes", "general", "c1"),  # resumes a saved walk
    ("gina", "checkin 30", "nlp-room", "g1"),                    # another cohort, same batch
    ("dan", "checkin 30", "general", "d1"),                      # the day is full
    ("erin", "checkin 20", "general", "e1"),                     # a sprint whose time is up
    ("alice", "checkin 30", "dm-alice", "a1"),                   # a DM, and alice is in two cohorts
    ("zed", "checkin 30", "general", "z1"),                      # never seen before, not a member
    ("frank", "checkin 0", "nlp-room", "f1"),                    # bad minutes
    ("ivy", "checkin 30 yesterday:true", "general", "i1"),       # backdated to yesterday
    ("jack", "checkin 30 topic:gradient descent", "general", "j1"),
    ("kim", "checkin 30", "general", "kim-old"),                 # a key already recorded
    ("leo", "checkin 25 paused but studying", "general", "l1"),  # on a pause
    ("mia", "checkin 30", "general", "m1"),
]


async def _history(h: Harness) -> None:
    """Ten days of history, then the burst's day with a sprint running out and a nearly full day."""
    await h.ok("alice", "cohort create ml-club")
    await h.ok("frank", "cohort create nlp", channel="nlp-room")
    for user in ("bob", "carol", "dan", "erin", "ivy", "jack", "kim", "leo", "mia"):
        await h.ok(user, "cohort join ml-club")
    await h.ok("gina", "cohort join nlp", channel="nlp-room")
    await h.ok("alice", "cohort join nlp", channel="nlp-room")
    for _ in range(10):
        await h.ok("carol", "checkin 30")
        await h.ok("ivy", "checkin 30")
        await h.ok("carol", "streak")  # saves the walk, as members asking for it do
        h.clock.advance(days=1)
    await h.ok("kim", "checkin 30", key="kim-old")
    await h.ok("dan", "checkin 600")
    await h.ok("dan", "checkin 340")
    await h.ok("leo", "pause 3d")
    await h.ok("erin", "sprint start 25")
    h.clock.advance(minutes=30)


def _invocation(user: str, channel: str, key: str) -> Invocation:
    return Invocation(platform="test", workspace="local", user_id=user, display_name=user, channel_id=channel,
                      idempotency_key=key)


def _state(store: InMemoryStore) -> dict[str, Any]:
    state = store.snapshot()
    burst_keys = {key for *_, key in BURST}  # the history's keys come from the harness's global counter
    checkins = sorted((c.member_id, c.membership_id, c.local_date, c.minutes, c.note, c.link,
                       c.idempotency_key if c.idempotency_key in burst_keys else "history", c.source, c.topic,
                       c.step) for c in state["checkins"].values())
    walks = {m.id: m.streak_state for m in state["memberships"].values()}
    sprints = sorted((s.member_id, str(s.status), s.minutes) for s in state["sprints"].values())
    return {"checkins": checkins, "walks": walks, "sprints": sprints}


def _shown(reply: Reply) -> tuple[str, dict[str, Any], bool]:
    return reply.text, reply.data, reply.private


class CountingStore(InMemoryStore):
    def __init__(self) -> None:
        super().__init__()
        self.units = 0

    def unit_of_work(self):  # type: ignore[no-untyped-def]
        self.units += 1
        return super().unit_of_work()


async def _world(group_commit: bool) -> tuple[CountingStore, StudyBot]:
    store = CountingStore()
    harness = Harness(store, SimulatedClock(START))
    await _history(harness)
    return store, StudyBot(store.unit_of_work, harness.clock, TOOLS, group_commit=group_commit)


async def test_a_burst_gets_the_replies_and_rows_one_at_a_time_would_give() -> None:
    one_by_one_store, one_by_one = await _world(group_commit=False)
    expected = [await one_by_one.handle_text(_invocation(user, channel, key), line)
                for user, line, channel, key in BURST]

    store, bot = await _world(group_commit=True)
    store.units = 0
    replies = await asyncio.gather(*(bot.handle_text(_invocation(user, channel, key), line)
                                     for user, line, channel, key in BURST))

    for (user, line, _, _), got, want in zip(BURST, replies, expected, strict=True):
        assert _shown(got) == _shown(want), f"{user}: {line}"
    assert _state(store) == _state(one_by_one_store)
    # The plain ones shared one transaction; only the unusual ones took a unit of work of their own.
    assert store.units < len(BURST) - 4
    outcomes = {key: reply.data.get("error", "ok") for (_, _, _, key), reply in zip(BURST, replies, strict=True)}
    assert outcomes == {"b1": "ok", "b2": "ok", "c1": "ok", "g1": "ok", "d1": "too_many_minutes", "e1": "ok",
                        "a1": "which_cohort", "z1": "not_member", "f1": "bad_minutes", "i1": "ok", "j1": "ok",
                        "kim-old": "ok", "l1": "ok", "m1": "ok"}
    assert replies[BURST.index(("kim", "checkin 30", "general", "kim-old"))].data["duplicate"] is True


async def test_a_burst_bigger_than_one_batch_is_recorded_exactly_once() -> None:
    store = InMemoryStore()
    h = Harness(store, SimulatedClock(START))
    await h.ok("owner", "cohort create big")
    users = [f"u{n}" for n in range(60)]
    for user in users:
        await h.ok(user, "cohort join big")
    bot = StudyBot(store.unit_of_work, h.clock, TOOLS)
    bot._checkins._max_size = 7  # several batches, the last one partly filled
    invocations = [_invocation(user, "general", f"{user}-{n}") for n in range(2) for user in users]
    replies = await asyncio.gather(*(bot.handle_text(inv, "checkin 20") for inv in invocations),
                                   *(bot.handle_text(inv, "checkin 20") for inv in invocations[:10]))  # retries
    assert not any(reply.is_error for reply in replies)
    assert sorted(reply.data["duplicate"] for reply in replies).count(True) == 10
    checkins = list(store.snapshot()["checkins"].values())
    assert len(checkins) == 120
    assert {c.idempotency_key for c in checkins} == {inv.idempotency_key for inv in invocations}
    assert all(reply.data["minutes_today"] in (20, 40) for reply in replies)


async def test_a_failing_batch_falls_back_to_one_command_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    store = InMemoryStore()
    h = Harness(store, SimulatedClock(START))
    await h.ok("ann", "cohort create solo")

    async def broken(*_: object) -> None:
        raise RuntimeError("a bug in the batch path")

    monkeypatch.setattr("bot.service.record_many", broken)
    reply = await h.ok("ann", "checkin 30")
    assert reply.data["minutes_today"] == 30
    assert len(store.snapshot()["checkins"]) == 1


async def test_one_members_check_ins_keep_their_order_when_the_first_takes_the_ordinary_path() -> None:
    store = InMemoryStore()
    h = Harness(store, SimulatedClock(START))
    await h.ok("ann", "cohort create ml-club roadmap:build-first-6m start:2026-02-23")
    bot = StudyBot(store.unit_of_work, h.clock, TOOLS)
    lines = ["checkin 30 topic:1", "checkin 20", "checkin 10", "checkin 30 yesterday:true"]  # topic: ordinary path
    replies = await asyncio.gather(*(bot.handle_text(_invocation("ann", "general", f"a{n}"), line)
                                     for n, line in enumerate(lines)))
    assert [reply.data["minutes_today"] for reply in replies] == [30, 50, 60, 30]
    assert [reply.data["streak"] for reply in replies] == [1, 1, 1, 2]
    assert bot._turns._locks == {}  # nobody waiting: nothing kept
