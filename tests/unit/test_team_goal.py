"""The team goal (issue 16 item 2): `cohort settings team_goal:`, `team`, the bar in digest and recap, and one
celebration per cohort and week."""

from __future__ import annotations

from bot import notices, teamgoal
from bot.commands.checkin_batch import Request, record_many
from bot.commands.context import Invocation
from tests.unit.conftest import Harness
from tests.unit.test_scheduler import World

# The harness starts on Friday 2026-03-06, 14:00 UTC: the week began on Monday the 2nd, 3 days are left.


async def _club(h: Harness, goal: int = 100) -> None:
    await h.ok("ann", f"cohort create ml-club team_goal:{goal}")
    for name in ("bob", "cat"):
        await h.ok(name, "cohort join ml-club")


async def _celebrations(world: World) -> list:
    return world.notifier.of_type("teamgoal")


def test_the_bar_reads_like_the_others() -> None:
    assert teamgoal.line(62, 100) == "Team goal ▓▓▓▓▓▓░░░░ 62% (62/100 min)"
    assert teamgoal.line(0, 600) == "Team goal ░░░░░░░░░░ 0% (0/600 min)"
    assert teamgoal.line(999, 1000) == "Team goal ▓▓▓▓▓▓▓▓▓░ 99% (999/1000 min)"  # 100% only once reached
    assert teamgoal.line(130, 100) == "Team goal ▓▓▓▓▓▓▓▓▓▓ 130% (130/100 min) ✓"


async def test_settings_validate_and_turn_off(h: Harness) -> None:
    await h.ok("ann", "cohort create ml-club")
    refused = await h.refused("ann", "cohort settings team_goal:10", "bad_team_goal")
    assert "between 30 and 100000" in refused.text
    await h.refused("ann", "cohort settings team_goal:lots", "bad_team_goal")
    await h.ok("bob", "cohort join ml-club")
    await h.refused("bob", "cohort settings team_goal:600", "not_organizer")
    assert (await h.ok("ann", "cohort settings team_goal:600")).data["team_goal"] == 600
    assert "Team goal 600 min a week." in (await h.ok("ann", "cohort settings")).text
    await h.ok("ann", "cohort settings team_goal:off")
    off = await h.refused("ann", "team", "no_team_goal")
    assert "cohort settings team_goal:600" in off.text


async def test_team_shows_the_week_against_the_goal(h: Harness) -> None:
    await _club(h, 200)
    await h.ok("bob", "checkin 60")
    await h.ok("cat", "checkin 40 yesterday:true")  # Thursday is this week too
    await h.ok("ann", "checkin 24")
    team = await h.ok("cat", "team")
    assert not team.private
    assert team.data | {"contributors": None} == {
        "cohort": "ml-club", "goal": 200, "minutes": 124, "percent": 62, "contributors": None, "days_left": 3,
        "week": "2026-03-02", "reached": False, "bar": "Team goal ▓▓▓▓▓▓░░░░ 62% (124/200 min)"}
    assert team.data["contributors"] == [{"name": "bob", "minutes": 60}, {"name": "cat", "minutes": 40},
                                         {"name": "ann", "minutes": 24}]
    assert "Team goal ▓▓▓▓▓▓░░░░ 62% (124/200 min)" in team.text
    assert "76 min to go; 3 days left, today included." in team.text


async def test_hidden_members_count_but_are_not_named(h: Harness) -> None:
    await _club(h, 200)
    await h.ok("bob", "privacy boards:hide")
    await h.ok("bob", "checkin 90")
    await h.ok("cat", "checkin 30")
    team = await h.ok("ann", "team")
    assert team.data["minutes"] == 120
    assert team.data["contributors"] == [{"name": "cat", "minutes": 30}]
    assert "bob" not in team.text


async def test_the_celebration_comes_once_when_the_goal_is_crossed(h: Harness) -> None:
    world = World(h)
    await _club(h, 100)
    await h.ok("bob", "checkin 60")
    await world.advance(minutes=1)
    assert await _celebrations(world) == []
    await h.ok("cat", "checkin 45")  # 105: crossed
    await h.ok("ann", "checkin 30")  # above: nothing more
    await h.ok("cat", "undo")  # below again ...
    await h.ok("cat", "checkin 50")  # ... and crossing a second time in the same week: still once
    await world.advance(minutes=2)
    ((_, destination, reply),) = await _celebrations(world)
    assert destination.kind == "channel" and destination.target == "general"
    assert reply.data == {"type": "teamgoal", "cohort": "ml-club", "week": "2026-03-02", "goal": 100,
                          "minutes": 105}
    assert "reached its team goal" in reply.text
    assert (await world.outbox("teamgoal:1:2026-03-02")) is not None


async def test_a_new_week_starts_fresh_and_celebrates_again(h: Harness) -> None:
    world = World(h)
    await _club(h, 100)
    await h.ok("bob", "checkin 120")
    await world.advance(days=2, hours=13)  # Monday 2026-03-09 03:00 UTC: still Sunday (rollover at 04:00)
    assert (await h.ok("bob", "team")).data["minutes"] == 120
    await world.advance(hours=2)  # Monday 05:00: a new week
    team = await h.ok("bob", "team")
    assert (team.data["week"], team.data["minutes"], team.data["days_left"]) == ("2026-03-09", 0, 7)
    await h.ok("bob", "checkin 30 yesterday:true")  # last week's Sunday: no second celebration of that week
    assert (await h.ok("bob", "team")).data["minutes"] == 0
    await h.ok("cat", "checkin 100")
    await world.advance(minutes=2)
    assert [reply.data["week"] for _, _, reply in await _celebrations(world)] == ["2026-03-02", "2026-03-09"]


async def test_a_group_committed_batch_crossing_the_goal_celebrates_once(h: Harness) -> None:
    world = World(h)
    await _club(h, 100)
    await h.ok("ann", "checkin 10")  # everyone known, with a check-in: the batch's everyday case
    await h.ok("bob", "checkin 10")
    await h.ok("cat", "checkin 10")
    requests = [Request(Invocation(platform="test", workspace="local", user_id=name, display_name=name,
                                   channel_id="general", idempotency_key=f"batch-{name}"), {"minutes": "40"})
                for name in ("ann", "bob", "cat")]
    async with h.store.unit_of_work() as uow:
        replies = await record_many(uow, requests, h.clock.now())
        await uow.commit()
    assert all(reply is not None and not reply.is_error for reply in replies)
    await world.advance(minutes=2)
    ((_, _, reply),) = await _celebrations(world)
    assert reply.data["minutes"] == 150


async def test_digest_and_recap_show_the_bar_and_forget_keeps_it(h: Harness) -> None:
    world = World(h)
    await _club(h, 200)
    await h.ok("bob", "checkin 60")
    await h.ok("cat", "checkin 64")
    await world.advance(hours=6, minutes=1)  # the digest at 20:00 UTC
    ((_, _, digest),) = world.notifier.of_type("digest")
    assert digest.data["team"] == {"goal": 200, "minutes": 124, "percent": 62}
    assert digest.text.endswith("Team goal ▓▓▓▓▓▓░░░░ 62% (124/200 min)")
    assert notices.digest_text(digest.data) == digest.text  # rebuilt from data (forget) the same
    await world.advance(days=1)
    await h.ok("cat", "forget confirm:yes")  # the recap is written after: cat's minutes are gone
    await world.advance(days=1)  # Sunday's recap at 18:00
    ((_, _, recap),) = world.notifier.of_type("recap")
    assert recap.data["team"] == {"goal": 200, "minutes": 60, "percent": 30}
    assert "Team goal ▓▓▓░░░░░░░ 30% (60/200 min)" in recap.text
    assert notices.recap_text(recap.data) == recap.text
    team = await h.ok("ann", "team")
    assert team.data["contributors"] == [{"name": "bob", "minutes": 60}]


async def test_no_bar_without_a_team_goal(h: Harness) -> None:
    world = World(h)
    await h.ok("ann", "cohort create ml-club")
    await h.ok("ann", "checkin 30")
    await world.advance(hours=6, minutes=1)
    ((_, _, digest),) = world.notifier.of_type("digest")
    assert "team" not in digest.data and "Team goal" not in digest.text
