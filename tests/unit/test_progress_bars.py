"""Progress at a glance: one bar (`bot.bars`) for the day's minutes and the week's, in check-ins, `streak` and
reminders; the numbers in the reply data stay as they were."""

from __future__ import annotations

import pytest

from bot import bars
from tests.unit.conftest import Harness
from tests.unit.test_scheduler import World


@pytest.mark.parametrize(("done", "goal", "shown"), [
    (0, 30, "░░░░░░░░░░ 0/30 min"),
    (1, 30, "▓░░░░░░░░░ 1/30 min"),  # any minutes show: the day has started
    (20, 30, "▓▓▓▓▓▓░░░░ 20/30 min"),
    (29, 30, "▓▓▓▓▓▓▓▓▓░ 29/30 min"),  # a full bar means done, never "almost"
    (30, 30, "▓▓▓▓▓▓▓▓▓▓ 30/30 min ✓"),
    (45, 30, "▓▓▓▓▓▓▓▓▓▓ 45/30 min ✓"),  # over the target: full, not longer
    (960, 30, "▓▓▓▓▓▓▓▓▓▓ 960/30 min ✓"),
    (75, 150, "▓▓▓▓▓░░░░░ 75/150 min"),
])
def test_the_bar(done: int, goal: int, shown: str) -> None:
    assert bars.progress(done, goal) == shown


def test_the_bar_keeps_its_width() -> None:
    for goal in (5, 30, 60, 180, 1000):
        for done in range(0, 2 * goal + 1, max(1, goal // 7)):
            drawn = bars.bar(done, goal)
            assert len(drawn) == bars.WIDTH and set(drawn) <= {bars.FILLED, bars.EMPTY}
            assert (drawn == bars.FILLED * bars.WIDTH) == (done >= goal)
    assert bars.bar(3, 4, width=4) == "▓▓▓░" and bars.bar(7, 4, width=4) == "▓▓▓▓"


def test_a_week_line_only_with_a_weekly_goal() -> None:
    assert bars.week_line(60, None) is None and bars.week_line(60, 0) is None
    assert bars.week_line(60, 150) == "This week ▓▓▓▓░░░░░░ 60/150 min"


async def test_checkin_shows_the_day_partial_done_and_over(h: Harness) -> None:
    await h.ok("ann", "cohort create ml-club")
    partial = await h.ok("ann", "checkin 20")
    assert "▓▓▓▓▓▓░░░░ 20/30 min — 10 more to finish the day." in partial.text
    done = await h.ok("ann", "checkin 10")
    assert "▓▓▓▓▓▓▓▓▓▓ 30/30 min ✓ Day done." in done.text
    over = await h.ok("ann", "checkin 15 cohort:ml-club")  # the ordinary path (not the group commit) draws it too
    assert "▓▓▓▓▓▓▓▓▓▓ 45/30 min ✓ Day done." in over.text
    assert "This week" not in over.text  # no weekly goal, no week bar
    # the numbers stay what they were
    assert (over.data["minutes"], over.data["minutes_today"], over.data["target"], over.data["day_done"]) == (
        15, 45, 30, True)


async def test_streak_shows_zero_partial_and_done(h: Harness) -> None:
    await h.ok("ann", "cohort create ml-club")
    zero = await h.ok("ann", "streak")
    assert "Today ░░░░░░░░░░ 0/30 min — `checkin` or `sprint start` to keep it going." in zero.text
    await h.ok("ann", "checkin 5")
    assert "Today ▓░░░░░░░░░ 5/30 min" in (await h.ok("ann", "streak")).text
    await h.ok("ann", "checkin 60")
    done = await h.ok("ann", "streak")
    assert "Today ▓▓▓▓▓▓▓▓▓▓ 65/30 min ✓ Day done." in done.text
    assert done.data["minutes_today"] == 65 and done.data["today_done"] is True


async def test_streak_on_a_paused_day_keeps_the_bar_and_says_why(h: Harness) -> None:
    await h.ok("ann", "cohort create ml-club")
    await h.ok("ann", "pause 2")
    paused = await h.ok("ann", "streak")
    assert "Today ░░░░░░░░░░ 0/30 min\nYou are paused today" in paused.text


async def test_the_week_against_a_weekly_goal(h: Harness) -> None:
    # Friday 2026-03-06; the week began on Monday the 2nd
    await h.ok("ann", "cohort create ml-club weekly_goal:150")
    first = await h.ok("ann", "checkin 30 yesterday:true")  # Thursday counts toward this week
    assert "This week ▓▓░░░░░░░░ 30/150 min" in first.text
    second = await h.ok("ann", "checkin 45")  # the group commit's path
    assert "This week ▓▓▓▓▓░░░░░ 75/150 min" in second.text
    third = await h.ok("ann", "checkin 30 cohort:ml-club")  # the ordinary path
    assert "This week ▓▓▓▓▓▓▓░░░ 105/150 min" in third.text
    streak = await h.ok("ann", "streak")
    assert "This week ▓▓▓▓▓▓▓░░░ 105/150 min (the cohort's weekly goal)" in streak.text
    assert streak.data["week"] == {"minutes": 105, "goal": 150}
    h.clock.advance(days=3)  # Monday: a new week
    monday = await h.ok("ann", "checkin 150")
    assert "This week ▓▓▓▓▓▓▓▓▓▓ 150/150 min ✓" in monday.text


async def test_the_reminder_shows_the_day_and_the_week(h: Harness) -> None:
    world = World(h)
    await h.ok("ann", "cohort create ml-club weekly_goal:120")  # 14:00 UTC; the reminder comes at 19:00
    await h.ok("bob", "cohort join ml-club")
    await h.ok("ann", "checkin 20")
    await h.ok("ann", "checkin 40 yesterday:true")
    await world.advance(hours=5, minutes=1)
    by_member = {destination.target: reply for _, destination, reply in world.notifier.of_type("reminder")}
    ann, bob = by_member["ann"], by_member["bob"]
    assert "▓▓▓▓▓▓░░░░ 20/30 min, 10 to go." in ann.text
    assert "This week ▓▓▓▓▓░░░░░ 60/120 min" in ann.text
    assert "░░░░░░░░░░ 0/30 min, 30 to go." in bob.text and "This week ░░░░░░░░░░ 0/120 min" in bob.text
    assert (ann.data["minutes_today"], ann.data["target"]) == (20, 30)


async def test_a_reminder_without_a_weekly_goal_has_no_week_line(h: Harness) -> None:
    world = World(h)
    await h.ok("ann", "cohort create ml-club")
    await world.advance(hours=5, minutes=1)
    ((_, _, reminder),) = world.notifier.of_type("reminder")
    assert "░░░░░░░░░░ 0/30 min, 30 to go." in reminder.text and "This week" not in reminder.text
