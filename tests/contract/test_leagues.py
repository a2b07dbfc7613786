"""The league ports on every implementation: a whole league scenario through the real bot and scheduler, and the
ports' own promises (unique entries, ordering, opt-outs, results written once)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from types import SimpleNamespace

from bot.clock import SimulatedClock
from bot.ports import LeagueResult, UnitOfWorkFactory
from tests.unit.conftest import Harness
from tests.unit.test_leagues import league_weeks
from tests.unit.test_scheduler import World


async def test_league_weeks_end_to_end(uow_factory: UnitOfWorkFactory) -> None:
    h = Harness(SimpleNamespace(unit_of_work=uow_factory), SimulatedClock(datetime(2026, 3, 2, 12, tzinfo=UTC)))  # type: ignore[arg-type]
    await league_weeks(h, World(h))


async def test_entries_are_unique_and_results_reported(uow_factory: UnitOfWorkFactory) -> None:
    h = Harness(SimpleNamespace(unit_of_work=uow_factory), SimulatedClock(datetime(2026, 3, 2, 12, tzinfo=UTC)))  # type: ignore[arg-type]
    await h.ok("ann", "cohort create club", channel="c")
    await h.ok("bo", "cohort join club", channel="c")
    await h.ok("ann", "checkin 40", channel="c")
    week = date(2026, 3, 9)
    async with uow_factory() as uow:
        cohort = await uow.cohorts.find_by_name("test", "local", "club")
        assert cohort is not None and cohort.id is not None
        candidates = await uow.leagues.candidates(cohort.id, week)
        assert [(c.tier, c.last_week_minutes) for c in candidates] == [(0, 40)]  # bo never checked in
        member_id = candidates[0].membership_id
        assert await uow.leagues.place(cohort.id, week, [(member_id, 0, 1)]) == 1
        assert await uow.leagues.place(cohort.id, week, [(member_id, 2, 3)]) == 0  # one entry per week
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.leagues.entry(cohort.id, week, member_id) == (0, 1)
        assert await uow.leagues.open_weeks(cohort.id, date(2026, 3, 16)) == [week]
        scores = await uow.leagues.scores(cohort.id, week, 60, 30)
        assert [(s.points, s.done_days, s.first_at) for s in scores] == [(0, 0, None)]
        await uow.leagues.finish(cohort.id, week, [LeagueResult(member_id, 1, 0, "up", 1)])
        assert await uow.leagues.outcome(cohort.id, week) == {("up", 1): 1}
        assert await uow.leagues.open_weeks(cohort.id, date(2026, 3, 16)) == []
        await uow.commit()
    async with uow_factory() as uow:
        assert [c.tier for c in await uow.leagues.candidates(cohort.id, week)] == [1]
        ann = await uow.members.find("test", "local", "ann")
        assert ann is not None and ann.id is not None
        assert not await uow.leagues.opted_out(ann.id)
        await uow.leagues.set_opted_out(ann.id, True)
        await uow.leagues.set_opted_out(ann.id, True)
        assert await uow.leagues.opted_out(ann.id)
        assert await uow.leagues.candidates(cohort.id, week) == []
        assert {m: member.user_id for m, member in (await uow.leagues.recipients([member_id])).items()} \
            == {member_id: "ann"}
        await uow.commit()
