from __future__ import annotations

from tests.unit.conftest import Harness


async def _cohort_of(h: Harness, *names: str) -> None:
    await h.ok(names[0], "cohort create ml-club")
    for name in names[1:]:
        await h.ok(name, "cohort join ml-club")


async def test_week_board_uses_competition_ranking_and_shows_the_caller(h: Harness) -> None:
    await _cohort_of(h, "ann", "ben", "cat", "dan", "eve")
    for name, minutes in (("ann", 90), ("ben", 60), ("cat", 60), ("dan", 30)):
        await h.ok(name, f"checkin {minutes}")
    board = await h.ok("eve", "leaderboard week")
    assert not board.private
    assert [(r["rank"], r["name"], r["value"]) for r in board.data["rows"]] == [
        (1, "ann", 90), (2, "ben", 60), (2, "cat", 60), (4, "dan", 30)]
    assert board.data["you"] == {"rank": 5, "value": 0}
    assert board.data["board"] == "week"


async def test_week_board_counts_monday_to_sunday(h: Harness) -> None:
    # 2026-03-06 is a Friday; the following Monday starts a new week.
    await _cohort_of(h, "ann")
    await h.ok("ann", "checkin 40")
    h.clock.advance(days=2)  # Sunday
    await h.ok("ann", "checkin 20")
    assert (await h.ok("ann", "leaderboard week")).data["you"]["value"] == 60
    h.clock.advance(days=1)  # Monday
    assert (await h.ok("ann", "leaderboard week")).data["you"]["value"] == 0
    assert (await h.ok("ann", "leaderboard month")).data["you"]["value"] == 60
    assert (await h.ok("ann", "leaderboard all")).data["you"]["value"] == 60


async def test_streak_board_breaks_ties_by_longest_then_name(h: Harness) -> None:
    await _cohort_of(h, "ann", "ben", "cat")
    for name in ("ann", "ben", "cat"):
        await h.ok(name, "checkin 30")
    h.clock.advance(days=1)
    await h.ok("cat", "checkin 30")
    await h.ok("ben", "checkin 30")
    board = await h.ok("ann", "leaderboard")
    assert [(r["rank"], r["name"], r["value"]) for r in board.data["rows"]] == [
        (1, "ben", 2), (1, "cat", 2), (3, "ann", 1)]


async def test_top_ten_plus_your_own_row(h: Harness) -> None:
    names = [f"m{i:02d}" for i in range(12)]
    await _cohort_of(h, *names)
    for minutes, name in enumerate(names[:11], start=1):
        await h.ok(name, f"checkin {minutes}")
    board = await h.ok("m00", "leaderboard all")
    assert len(board.data["rows"]) == 10
    assert board.data["rows"][0] == {"rank": 1, "name": "m10", "value": 11}
    assert board.data["you"] == {"rank": 11, "value": 1}


async def test_unknown_board_says_which_exist(h: Harness) -> None:
    await _cohort_of(h, "ann")
    reply = await h.refused("ann", "leaderboard year", "bad_board")
    assert "streak, week, month, all" in reply.text


async def test_a_one_day_streak_reads_as_one_day(h: Harness) -> None:
    await h.ok("ann", "cohort create ml-club")
    await h.ok("ann", "checkin 30")
    board = await h.ok("ann", "leaderboard")
    assert board.text.splitlines() == ["1. ann — 1 day", "You: #1 with 1 day."]
