from __future__ import annotations

from datetime import timedelta

from tests.unit.conftest import Harness


async def test_a_sprint_is_recorded_when_the_clock_passes_its_end(h: Harness) -> None:
    await h.ok("alice", "cohort create ml-club")
    started = await h.ok("alice", "sprint start attention chapter")
    assert started.data["ends_at"] == "2026-03-06T14:30:00Z"
    assert not started.private
    h.clock.advance(minutes=10)
    status = await h.ok("alice", "sprint status")
    assert status.data["minutes_left"] == 20
    h.clock.advance(minutes=25)
    ended = await h.bot.complete_due_sprints()
    assert [e.reply.data["minutes_today"] for e in ended] == [30]
    assert ended[0].reply.data["day_done"] is True
    assert (await h.ok("alice", "sprint status")).data["active"] is False
    assert await h.bot.complete_due_sprints() == []


async def test_the_next_command_records_a_finished_sprint_too(h: Harness) -> None:
    await h.ok("alice", "cohort create ml-club")
    await h.ok("alice", "sprint start")
    h.clock.advance(hours=1)
    streak = await h.ok("alice", "streak")
    assert streak.data["minutes_today"] == 30


async def test_stop_records_whole_elapsed_minutes_at_least_one(h: Harness) -> None:
    await h.ok("alice", "cohort create ml-club")
    await h.ok("alice", "sprint start")
    h.clock.advance(timedelta(minutes=12, seconds=59))
    stopped = await h.ok("alice", "sprint stop")
    assert stopped.data["minutes"] == 12
    await h.ok("alice", "sprint start")
    h.clock.advance(seconds=20)
    assert (await h.ok("alice", "sprint stop")).data["minutes"] == 1


async def test_one_sprint_at_a_time_and_stop_without_one(h: Harness) -> None:
    await h.ok("alice", "cohort create ml-club")
    await h.refused("alice", "sprint stop", "no_sprint")
    await h.ok("alice", "sprint start")
    await h.refused("alice", "sprint start", "sprint_running")
