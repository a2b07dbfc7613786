"""Leagues (issue 16 item 1): the pure rules on hand-made weeks, and a whole week through the real scheduler."""

from __future__ import annotations

from datetime import UTC, datetime

from bot import leagues
from bot.ports import LeagueCandidate, LeagueScore
from tests.unit.conftest import Harness
from tests.unit.test_scheduler import World, world  # noqa: F401 - the fixture


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def score(membership_id: int, points: int, done: int = 0, first: datetime | None = None, tier: int = 1,
          division: int = 1) -> LeagueScore:
    return LeagueScore(membership_id, tier, division, points, done, first)


def test_divisions_are_at_most_30_as_even_as_possible_and_grouped_by_last_weeks_minutes() -> None:
    candidates = [LeagueCandidate(i, 0, i) for i in range(1, 62)]  # 61 in Bronze
    places = leagues.divide(candidates)
    sizes = [sum(1 for _, _, d in places if d == k) for k in (1, 2, 3)]
    assert sizes == [21, 20, 20]
    first = {m for m, _, d in places if d == 1}
    assert first == set(range(41, 62))  # the most minutes last week play together
    assert leagues.divide([LeagueCandidate(1, 3, 0)]) == [(1, 3, 1)]


def test_zones_top_fifth_up_bottom_fifth_and_zero_points_down_clamped() -> None:
    ranked = leagues.order([score(i, p) for i, p in enumerate([50, 40, 30, 20, 10, 5, 0, 0, 60, 45], start=1)])
    assert [s.points for s in ranked] == [60, 50, 45, 40, 30, 20, 10, 5, 0, 0]
    assert leagues.zones(ranked, 1) == ["up", "up"] + ["stay"] * 6 + ["down", "down"]
    assert leagues.zones(ranked[:4], 1) == ["stay"] * 4  # under five: nobody up (zero points still go down)
    assert leagues.zones([score(1, 10), score(2, 0)], 1) == ["stay", "down"]
    assert leagues.zones(ranked[:5], leagues.TOP)[0] == "stay"  # never above Diamond
    assert leagues.zones(ranked, 0)[-1] == "stay"  # never below Bronze
    assert leagues.move(leagues.TOP, "up") == leagues.TOP and leagues.move(0, "down") == 0


def test_ties_go_to_done_days_then_the_earlier_check_in() -> None:
    early, late = utc(2026, 3, 2, 8), utc(2026, 3, 2, 9)
    ranked = leagues.order([score(1, 60, 1, late), score(2, 60, 2, late), score(3, 60, 1, early)])
    assert [s.membership_id for s in ranked] == [2, 3, 1]


async def test_a_league_week_places_scores_promotes_and_tells_each_member_once(h: Harness, world: World) -> None:  # noqa: F811
    await league_weeks(h, world)


async def league_weeks(h: Harness, world: World) -> None:  # noqa: F811
    """Also run on SQLite and Postgres (tests/contract/test_leagues.py)."""
    h.clock.set(utc(2026, 3, 2, 12))  # a Monday
    await h.ok("ann", "cohort create club", channel="c")
    names = ["ann", "bo", "cy", "di", "ed", "fa"]
    for name in names[1:]:
        await h.ok(name, "cohort join club", channel="c")
    await h.refused("ann", "league", "leagues_off", channel="c")
    await h.refused("bo", "cohort settings leagues:on", "not_organizer", channel="c")
    reply = await h.ok("ann", "cohort settings leagues:on", channel="c")
    assert reply.data["leagues"] is True
    await h.ok("fa", "privacy leagues:off")
    for name in names:
        await h.ok(name, "checkin 30", channel="c")
    await world.advance(days=7)  # Monday 9 March, 04:00: placement
    reply = await h.ok("bo", "league", channel="c")
    assert reply.data["tier"] == "Bronze" and reply.data["division"] == 1
    assert len(reply.data["rows"]) == 5 and reply.data["ends_at"] == "2026-03-16T04:00:00Z"
    assert (await h.ok("fa", "league", channel="c")).data["placed"] is False
    # The week: ann crams (capped at 60 a day), bo does 3 days of 30; cy one day; di and ed nothing.
    await h.ok("ann", "checkin 300", channel="c")
    for _ in range(3):
        await h.ok("bo", "checkin 30", channel="c")
        await world.advance(days=1)
    await h.ok("cy", "checkin 20", channel="c")
    table = (await h.ok("di", "league", channel="c")).data["rows"]
    assert [(r["name"], r["points"], r["zone"]) for r in table] == [
        ("bo", 90, "up"), ("ann", 60, "stay"), ("cy", 20, "stay"), ("di", 0, "stay"), ("ed", 0, "stay")]
    await world.advance(days=5)  # past Monday 16 March, 04:00: the week's end
    results = {d.target: r.data for _, d, r in world.notifier.of_type("league_result")}
    assert set(results) == {"ann", "bo", "cy", "di", "ed"}
    assert results["bo"]["zone"] == "up" and results["bo"]["new_tier"] == "Silver"
    assert results["di"]["zone"] == "stay"  # zero points, but nothing below Bronze
    assert (await h.ok("bo", "league", channel="c")).data["tier"] == "Silver"
    await world.advance(days=14)  # the 16th places all five (check-ins from the 2nd); the 23rd only ann, bo, cy
    sent = world.notifier.of_type("league_result")
    assert len(sent) == 5 + 5 + 3
    assert len({(d.target, r.data["week"]) for _, d, r in sent}) == len(sent)  # each member's week once
    recaps = {r.data["week"]: r for _, _, r in world.notifier.of_type("recap")}
    league = recaps["2026-03-16"].data["league"]  # Sunday the 22nd reports the week that ended on the 16th
    assert league["promoted"] == {"Silver": 1} and league["week"] == "2026-03-09"
    assert "Leagues last week: 1 promoted to Silver" in recaps["2026-03-16"].text
    assert "league" not in recaps["2026-03-09"].data  # no league week had ended by then
    # Hidden members play but are named only to themselves; forget takes a member out of every division.
    for name in ("ann", "cy", "di"):
        await h.ok(name, "checkin 30", channel="c")
    await world.advance(days=7)
    await h.ok("cy", "privacy boards:hide")
    names_seen = [r["name"] for r in (await h.ok("ann", "league", channel="c")).data["rows"]]
    assert "cy" not in names_seen and "Hidden member" in names_seen
    assert "cy" in [r["name"] for r in (await h.ok("cy", "league", channel="c")).data["rows"]]
    await h.ok("cy", "forget confirm:yes")
    names_seen = [r["name"] for r in (await h.ok("ann", "league", channel="c")).data["rows"]]
    assert "Hidden member" not in names_seen and len(names_seen) == 2
