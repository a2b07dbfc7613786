from __future__ import annotations

from datetime import timedelta

from tests.unit.conftest import Harness
from tests.unit.test_scheduler import World, utc


async def _cohort(h: Harness, *names: str) -> None:
    await h.ok(names[0], "cohort create ml-club")
    for name in names[1:]:
        await h.ok(name, "cohort join")
    for name in names:
        await h.ok(name, "remind off")


async def test_a_buddy_hears_once_when_the_other_misses_a_day(h: Harness) -> None:
    world = World(h)
    await _cohort(h, "ann", "ben")
    asked = await h.ok("ann", "buddy @ben")
    assert asked.data["status"] == "requested"
    await h.refused("ann", "buddy accept", "no_request")
    accepted = await h.ok("ben", "buddy accept")
    assert accepted.data == {"buddy": "ann", "status": "active"}
    await h.ok("ben", "checkin 30")
    await world.advance(days=2)  # the 6th: ann missed, ben done; the 7th: both missed
    told = [(d.target, r.data["buddy"], r.data["local_date"]) for _, d, r in world.notifier.of_type("buddy")]
    assert sorted(told) == [("ann", "ben", "2026-03-07"), ("ben", "ann", "2026-03-06"), ("ben", "ann", "2026-03-07")]
    assert [d.target for _, d, _ in world.notifier.of_type("buddy_request")] == ["ben"]
    await h.ok("ann", "buddy end")
    await world.advance(days=2)
    assert len(world.notifier.of_type("buddy")) == 3  # ended: nobody is told any more


async def test_nudges_once_a_day_and_only_inside_a_shared_cohort(h: Harness) -> None:
    world = World(h)
    await _cohort(h, "ann", "ben")
    await h.ok("cat", "cohort create other-club", channel="other")
    sent = await h.ok("ann", "nudge @ben")
    assert sent.data == {"to": "ben", "local_date": "2026-03-06"}
    await h.refused("ann", "nudge @ben", "already_nudged")
    await h.refused("ann", "nudge @ann", "not_yourself")
    await h.refused("ann", "nudge @cat", "not_shared")
    await world.advance(minutes=1)
    assert [(d.target, r.data["from"]) for _, d, r in world.notifier.sent if r.title == "A friendly nudge"] == [
        ("ben", "ann")]
    h.clock.advance(days=1)
    await h.ok("ann", "nudge @ben")


async def test_pairing_everyone_makes_pairs_and_a_trio(h: Harness) -> None:
    await _cohort(h, "ann", "ben", "cat", "dan", "eve")
    await h.refused("ben", "cohort pair", "not_organizer")
    paired = await h.ok("ann", "cohort pair")
    groups = paired.data["groups"]
    assert sorted(len(g) for g in groups) == [2, 3]
    assert sorted(name for g in groups for name in g) == ["ann", "ben", "cat", "dan", "eve"]
    for name in ("ann", "ben", "cat", "dan", "eve"):
        assert (await h.ok(name, "buddy")).data["buddies"]
    await h.refused("ann", "cohort pair", "nobody_to_pair")


async def test_a_group_sprint_records_each_member_and_posts_one_summary(h: Harness) -> None:
    world = World(h)
    await _cohort(h, "ann", "ben", "cat")
    await h.refused("ann", "sprint start group:true", "not_cohort_channel", channel="elsewhere")
    started = await h.ok("ann", "sprint start attention group:true")
    assert started.data["group_id"] == 1 and not started.private
    await h.refused("ben", "sprint start group:true", "group_running")
    h.clock.advance(minutes=10)
    joined = await h.ok("ben", "sprint join")
    assert (joined.data["minutes_left"], joined.data["members"]) == (20, 2)
    h.clock.advance(minutes=15)
    await h.ok("cat", "sprint join")
    await h.refused("cat", "sprint join", "sprint_running")
    await world.advance(minutes=10)
    summaries = world.notifier.of_type("group")
    assert len(summaries) == 1
    at, destination, reply = summaries[0]
    assert (destination.kind, destination.target, at) == ("channel", "general", utc(2026, 3, 6, 14, 30))
    assert (reply.data["members"], reply.data["total_minutes"]) == (["ann", "ben", "cat"], 30 + 20 + 5)
    assert sorted(d.target for _, d, _ in world.notifier.of_type("sprint_end")) == ["ann", "ben", "cat"]
    assert [(await h.ok(n, "streak")).data["minutes_today"] for n in ("ann", "ben", "cat")] == [30, 20, 5]
    await h.refused("ben", "sprint join", "no_group_sprint")
    await world.advance(hours=1)
    assert len(world.notifier.of_type("group")) == 1


async def test_joining_in_the_last_minute_is_refused(h: Harness) -> None:
    await _cohort(h, "ann", "ben")
    await h.ok("ann", "sprint start group:true")
    h.clock.advance(timedelta(minutes=29, seconds=30))
    await h.refused("ben", "sprint join", "no_group_sprint")
