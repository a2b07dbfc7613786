"""Issue 18: a busy tick takes due memberships beyond its first batch in several transactions at once (`workers`,
2 on Postgres). Every reminder is still owed once and rescheduled, on every implementation, and a database that
goes away reaches the tick's caller as StorageUnavailable, as with one worker."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.clock import SimulatedClock
from bot.errors import StorageUnavailable
from bot.ports import UnitOfWorkFactory
from bot.scheduler import Scheduler
from tests.contract.test_repositories import D0, T0, enrol, new_cohort

MINUTE = timedelta(minutes=1)


async def test_workers_owe_every_due_reminder_once(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        cohort = await new_cohort(uow)
        stored = [await enrol(uow, f"u{n:03d}", cohort, next_reminder_at=T0 - (n % 5) * MINUTE) for n in range(230)]
        await uow.commit()
    report = await Scheduler(uow_factory, SimulatedClock(T0 + MINUTE), batch=20, workers=3).tick()
    assert sorted(report.enqueued) == sorted(f"reminder:{m.id}:{D0.isoformat()}" for m in stored)
    async with uow_factory() as uow:
        assert await uow.outbox.count() == 230
        assert await uow.schedule.due_kinds(T0 + MINUTE) == set()  # every one rescheduled


async def test_a_database_gone_while_workers_run_is_storage_unavailable(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        cohort = await new_cohort(uow)
        for n in range(100):
            await enrol(uow, f"u{n:03d}", cohort, next_reminder_at=T0)
        await uow.commit()
    opened = 0

    def going_away():  # type: ignore[no-untyped-def]
        nonlocal opened
        opened += 1
        if opened > 3:  # the probe and a batch for each worker; then the database is gone
            raise StorageUnavailable("The database is unavailable: connection refused")
        return uow_factory()

    with pytest.raises(StorageUnavailable):  # itself, not wrapped in an ExceptionGroup: the clock logs it and waits
        await Scheduler(going_away, SimulatedClock(T0 + MINUTE), batch=10, workers=2).tick()
