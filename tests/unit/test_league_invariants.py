"""Leagues over many weeks on random cohorts (hypothesis), against a small reference written from issue 16's text;
and a restart in the middle of a week's end through the real Scheduler and Dispatcher."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot import leagues
from bot.domain import CheckIn, Cohort, Member, Membership
from bot.errors import StorageUnavailable
from bot.scheduler import Scheduler
from tests.fakes import InMemoryStore
from tests.unit.conftest import Harness
from tests.unit.test_scheduler import World, world  # noqa: F401 - the fixture

FIRST = date(2026, 3, 2)  # a Monday
TARGET = 30


def _reference_zones(rows: list[tuple[int, int, int, datetime | None]], tier: int) -> dict[int, str]:
    """Issue 16, literally: rank by points, then done days, then the earlier check-in; the top fifth (at least one
    from five) up, the bottom fifth and everyone with 0 points down; never below Bronze or above Diamond."""
    far = datetime.max.replace(tzinfo=UTC)
    ranked = sorted(rows, key=lambda r: (-r[1], -r[2], r[3] or far, r[0]))
    n = len(ranked)
    top = max(1, n // 5) if n >= 5 else 0
    bottom = n // 5
    zones = {}
    for index, (membership, points, _, _) in enumerate(ranked):
        if points == 0 or index >= n - bottom:
            zones[membership] = "down" if tier > 0 else "stay"
        elif index < top:
            zones[membership] = "up" if tier < 6 else "stay"
        else:
            zones[membership] = "stay"
    return zones


weeks_of_minutes = st.lists(  # per member: per week, the minutes of each day (mostly none)
    st.lists(st.lists(st.sampled_from([0, 0, 0, 10, 30, 45, 90, 300]), min_size=7, max_size=7), min_size=10,
             max_size=10), min_size=1, max_size=500)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(weeks_of_minutes, st.sets(st.integers(0, 499), max_size=40))
@example([[[[0, 10, 30, 45, 90, 300, 0][(i * 7 + w * 3 + d * (i % 5)) % 7] if (i + w) % 6 else 0 for d in range(7)]
           for w in range(10)] for i in range(500)], set(range(0, 500, 37)))  # full size: 500 members
async def test_random_cohorts_over_ten_weeks_keep_the_invariants(plan: list[list[list[int]]], opted: set[int]) -> None:
    store = InMemoryStore()
    async with store.unit_of_work() as uow:
        owner = await uow.members.add(Member("t", "w", "owner", "owner"))
        cohort = await uow.cohorts.add(Cohort("t", "w", "big", "c", created_by=owner.id or 0, leagues=True))
        ids: list[int] = []
        for i, _ in enumerate(plan):
            member = await uow.members.add(Member("t", "w", f"u{i}", f"u{i}"))
            ids.append((await uow.memberships.add(Membership(cohort.id or 0, member.id or 0))).id or 0)
            if i in opted:
                await uow.leagues.set_opted_out(member.id or 0, True)
        await uow.commit()
    assert cohort.id is not None
    tiers: dict[int, int] = {}
    placed_before: dict[date, dict[int, tuple[int, int]]] = {}
    index = {membership: i for i, membership in enumerate(ids)}
    for week_number in range(11):
        monday = FIRST + timedelta(days=7 * week_number)
        now = datetime.combine(monday, time(4), UTC)
        async with store.unit_of_work() as uow:
            fresh = await uow.cohorts.get(cohort.id)
            assert fresh is not None
            await leagues.run_week(uow, fresh, now)
            # Check the week just ended against the reference, then the new placement.
            ended = monday - timedelta(days=7)
            if ended in placed_before:
                scores = {s.membership_id: s for s in await uow.leagues.scores(cohort.id, ended, 60, TARGET)}
                divisions: dict[tuple[int, int], list[int]] = {}
                for membership, place in placed_before[ended].items():
                    divisions.setdefault(place, []).append(membership)
                for (tier, _), members in divisions.items():
                    zones = _reference_zones([(m, scores[m].points, scores[m].done_days, scores[m].first_at)
                                              for m in members], tier)
                    for m in members:
                        expected = max(0, min(6, tier + {"up": 1, "down": -1, "stay": 0}[zones[m]]))
                        tiers[m] = expected
                for m in placed_before[ended]:  # points: minutes per day capped at 2 x target
                    i = index[m]
                    assert scores[m].points == sum(min(x, 60) for x in plan[i][week_number - 1])
            eligible = {ids[i] for i, weeks in enumerate(plan) if i not in opted and week_number > 0
                        and any(weeks[w][d] for w in range(max(0, week_number - 2), week_number) for d in range(7))}
            placed = {}
            for m in eligible:
                place = await uow.leagues.entry(cohort.id, monday, m)
                assert place is not None, f"eligible {m} not placed in week {week_number}"
                placed[m] = place
            everyone = {m for m in ids if await uow.leagues.entry(cohort.id, monday, m) is not None}
            assert everyone == eligible  # every eligible member in exactly one division (the key), nobody else
            sizes: dict[tuple[int, int], int] = {}
            for m, (tier, division) in placed.items():
                assert 0 <= tier <= 6 and tier == tiers.get(m, 0)
                sizes[(tier, division)] = sizes.get((tier, division), 0) + 1
            for tier in {t for t, _ in sizes}:
                in_tier = [n for (t, _), n in sizes.items() if t == tier]
                assert max(in_tier) <= 30 and max(in_tier) - min(in_tier) <= 1
            placed_before[monday] = placed
            # The week's check-ins.
            for i, weeks in enumerate(plan):
                if week_number < 10:
                    for d, minutes in enumerate(weeks[week_number]):
                        if minutes:
                            day = monday + timedelta(days=d)
                            at = datetime.combine(day, time(5 + i % 12), UTC)
                            uow.insert("checkins", CheckIn(ids[i], ids[i] + 1, cohort.id, day, minutes, at,
                                                           f"k{i}-{week_number}-{d}"))  # the row alone: fast
            await uow.commit()


async def test_a_restart_in_the_middle_of_a_weeks_end_moves_nobody_twice_and_sends_each_result_once(
        h: Harness, world: World) -> None:  # noqa: F811
    h.clock.set(datetime(2026, 3, 2, 12, tzinfo=UTC))
    await h.ok("ann", "cohort create club", channel="c")
    names = ["ann", "bo", "cy", "di", "ed", "fa"]
    for name in names[1:]:
        await h.ok(name, "cohort join club", channel="c")
    await h.ok("ann", "cohort settings leagues:on", channel="c")
    for name in names:
        await h.ok(name, "checkin 30", channel="c")
    await world.advance(days=7)  # placed on Monday the 9th
    for name in names[:3]:
        await h.ok(name, "checkin 60", channel="c")
    await world.advance(days=6, hours=15, minutes=59)  # Monday the 16th, 03:59
    h.clock.set(datetime(2026, 3, 16, 4, tzinfo=UTC))
    h.store.fail_next_commits(1)  # the process dies as it commits the week's end
    with pytest.raises(StorageUnavailable):
        await world.scheduler.tick()
    assert world.notifier.of_type("league_result") == []
    # Restarted: two processes tick at once, then the dispatcher drains.
    again = [Scheduler(h.store.unit_of_work, h.clock) for _ in range(2)]
    await asyncio.gather(*(scheduler.tick() for scheduler in again))
    await world.advance(hours=1)
    sent = world.notifier.of_type("league_result")
    assert sorted(d.target for _, d, _ in sent) == sorted(names)
    ups = [r.data for _, d, r in sent if r.data["zone"] == "up"]
    assert [u["new_tier"] for u in ups] == ["Silver"]  # the top fifth of six: one, promoted once
    tiers = {d.target: (await h.ok(d.target, "league", channel="c")).data["tier"] for _, d, _ in sent
             if d.target in names[:3]}
    assert sorted(tiers.values()) == ["Bronze", "Bronze", "Silver"]
    await world.advance(days=1)
    assert len(world.notifier.of_type("league_result")) == len(names)
