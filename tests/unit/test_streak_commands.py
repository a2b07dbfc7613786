from __future__ import annotations

from tests.unit.conftest import Harness


async def _days(h: Harness, user: str, pattern: str) -> None:
    """One character a day: `x` check in a full sprint, `.` skip; the clock ends on the last day."""
    for index, day in enumerate(pattern):
        if index:
            h.clock.advance(days=1)
        if day == "x":
            await h.ok(user, "checkin 30")


async def test_a_week_earns_a_freeze_that_saves_a_missed_day(h: Harness) -> None:
    await h.ok("alice", "cohort create ml-club")
    await _days(h, "alice", "xxxxxxx")
    week = await h.ok("alice", "streak")
    assert (week.data["streak"], week.data["freezes"]) == (7, 1)
    h.clock.advance(days=2)  # day 8 passes with nothing logged; on day 9 it counts as frozen
    after = await h.ok("alice", "checkin 30")
    assert (after.data["streak"], after.data["freezes"], after.data["longest"]) == (8, 0, 8)


async def test_missing_without_a_freeze_resets_but_longest_stays(h: Harness) -> None:
    await h.ok("alice", "cohort create ml-club")
    await _days(h, "alice", "xxx.x")
    reply = await h.ok("alice", "streak")
    assert (reply.data["streak"], reply.data["longest"]) == (1, 3)


async def test_paused_days_keep_the_streak_waiting(h: Harness) -> None:
    await h.ok("alice", "cohort create ml-club")
    await _days(h, "alice", "xx")
    h.clock.advance(days=1)
    paused = await h.ok("alice", "pause 3d")
    assert paused.data["until"] == "2026-03-10"
    h.clock.advance(days=3)
    reply = await h.ok("alice", "checkin 30")
    assert reply.data["streak"] == 3


async def test_pause_off_and_bad_lengths(h: Harness) -> None:
    await h.ok("alice", "cohort create ml-club")
    await h.refused("alice", "pause forever", "bad_pause")
    await h.refused("alice", "pause 61d", "bad_pause")
    await h.refused("alice", "pause until:2026-02-01", "bad_date")
    await h.refused("alice", "pause until:2026-02-31", "bad_date")
    await h.ok("alice", "pause until:2026-03-08")
    assert (await h.ok("alice", "pause")).data == {"paused": True, "until": "2026-03-08",
                                                   "ends_at": "2026-03-09T04:00:00Z"}  # when the 8th rolls over
    await h.ok("alice", "pause off")
    assert (await h.ok("alice", "pause")).data["paused"] is False


async def test_streak_is_per_cohort_and_settings_change_the_done_rule(h: Harness) -> None:
    await h.ok("alice", "cohort create ml-club")
    await _days(h, "alice", "xxx")
    assert (await h.ok("alice", "streak")).data["streak"] == 3
    # Doubling the daily goal makes every past 30-minute day undone: the organizer's change applies.
    await h.ok("alice", "cohort settings goal:2")
    assert (await h.ok("alice", "streak")).data["streak"] == 0
    await h.ok("alice", "cohort settings goal:1")
    assert (await h.ok("alice", "streak")).data["streak"] == 3


async def test_streak_share_makes_it_public(h: Harness) -> None:
    await h.ok("alice", "cohort create ml-club")
    assert not (await h.ok("alice", "streak share:true")).private


async def test_undo_takes_back_the_latest_check_in_or_the_one_named_and_a_replay_records_nothing(h: Harness) -> None:
    await h.ok("ann", "cohort create ml-club")
    await h.ok("ann", "checkin 30", key="first")
    await h.ok("ann", "checkin 20", key="second")
    named = await h.ok("ann", "undo checkin:first")  # a button under the first check-in
    assert named.private and named.data["undone"] == {"minutes": 30, "local_date": "2026-03-06", "cohort": "ml-club"}
    assert named.data["minutes_today"] == 20
    await h.refused("ann", "undo checkin:first", "already_undone")
    latest = await h.ok("ann", "undo")
    assert latest.data["undone"]["minutes"] == 20 and latest.data["minutes_today"] == 0
    await h.refused("ann", "undo", "nothing_to_undo")
    await h.refused("ann", "checkin 30", "checkin_undone", key="first")  # the same interaction, replayed
    assert (await h.ok("ann", "streak")).data["minutes_today"] == 0
    await h.ok("ann", "checkin 30", key="third")
    h.clock.advance(hours=25)
    await h.refused("ann", "undo checkin:third", "too_late_to_undo")
    await h.refused("ann", "undo", "nothing_to_undo")
