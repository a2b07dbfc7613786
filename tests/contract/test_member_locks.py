"""`MemberRepository.lock`, what holds the 960-minute day cap across processes: a second unit of work asking
for a locked member waits until the holder commits or ends, and then reads what the holder committed. The
fake must be no kinder than Postgres here, so it is held to the same, and fails loudly where Postgres would
detect a deadlock or hang."""

from __future__ import annotations

import asyncio

import pytest

from bot.ports import UnitOfWorkFactory
from tests.contract.test_repositories import D0, a_checkin, a_member, enrol, new_cohort
from tests.fakes import FakeDeadlock, InMemoryStore

HELD = 0.2  # seconds the holder keeps its lock while checking that the other is still waiting


async def test_a_locked_member_is_waited_for_and_then_read_with_what_the_holder_committed(
        uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        ann = await enrol(uow, "ann", await new_cohort(uow))
        await uow.commit()
    assert ann.id is not None
    holding = asyncio.Event()
    order: list[str] = []

    async def waiter() -> int:
        await holding.wait()
        async with uow_factory() as uow:  # begun before the holder commits: its first reads predate that
            await uow.members.lock([ann.member_id])
            order.append("waiter has the lock")
            return await uow.checkins.minutes_on(ann.id or 0, D0)

    waiting = asyncio.create_task(waiter())
    try:
        async with uow_factory() as uow:
            await uow.members.lock([ann.member_id])
            holding.set()
            await uow.checkins.add(a_checkin(ann, "first", minutes=30))
            done, _ = await asyncio.wait({waiting}, timeout=HELD)
            assert not done, "the other unit of work took a member this one holds"
            order.append("holder commits")
            await uow.commit()
        assert await asyncio.wait_for(waiting, 10) == 30  # the holder's minutes, though committed after it began
    finally:
        waiting.cancel()
    assert order == ["holder commits", "waiter has the lock"]


async def test_locking_again_or_nobody_is_harmless_and_locks_end_with_the_transaction(
        uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        cohort = await new_cohort(uow)
        ann, ben = await enrol(uow, "ann", cohort), await enrol(uow, "ben", cohort)
        await uow.commit()
    async with uow_factory() as uow:
        await uow.members.lock([])
        await uow.members.lock([ben.member_id, ann.member_id, ben.member_id, 999_999])  # any order, repeats, unknown
        await uow.members.lock([ann.member_id])  # again, in the same transaction
        await uow.checkins.add(a_checkin(ann, "k1"))
        await uow.commit()
        await uow.members.lock([ann.member_id])  # the unit of work goes on in a new transaction
        # left without a commit: rolled back, and the lock goes with it
    for member_id in (ann.member_id, ben.member_id):
        async with uow_factory() as uow:
            await asyncio.wait_for(uow.members.lock([member_id]), 10)
            assert ann.id is not None and await uow.checkins.minutes_on(ann.id, D0) == 30


async def _two_members(store: InMemoryStore) -> tuple[int, int]:
    async with store.unit_of_work() as uow:
        ann, ben = await uow.members.add(a_member("ann")), await uow.members.add(a_member("ben"))
        await uow.commit()
    assert ann.id is not None and ben.id is not None
    return ann.id, ben.id


async def test_the_fake_refuses_to_wait_for_a_lock_its_own_task_holds() -> None:
    store = InMemoryStore()
    ann, _ = await _two_members(store)
    async with store.unit_of_work() as outer:
        await outer.members.lock([ann])
        async with store.unit_of_work() as inner:
            with pytest.raises(FakeDeadlock, match="same task"):
                await inner.members.lock([ann])  # Postgres would wait for ever: the outer one cannot commit


async def test_the_fake_detects_a_deadlock_as_postgres_does() -> None:
    store = InMemoryStore()
    ann, ben = await _two_members(store)
    locked = {ann: asyncio.Event(), ben: asyncio.Event()}

    async def take(first: int, then: int) -> str:
        async with store.unit_of_work() as uow:
            await uow.members.lock([first])
            locked[first].set()
            await locked[then].wait()
            await uow.members.lock([then])
            return "got both"

    outcomes = await asyncio.wait_for(asyncio.gather(take(ann, ben), take(ben, ann), return_exceptions=True), 10)
    assert sorted(map(type, outcomes), key=str) == sorted([str, FakeDeadlock], key=str), outcomes
