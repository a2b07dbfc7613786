"""What the in-memory fake offers beyond the ports: fault injection and loud misuse."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.domain import CheckIn, Member
from bot.errors import StorageUnavailable
from tests.fakes import InMemoryStore, InMemoryUnitOfWork


def _alice() -> Member:
    return Member(platform="test", workspace="w", user_id="alice", display_name="Alice")


async def test_store_unit_of_work_is_a_factory_of_fresh_units() -> None:
    store = InMemoryStore()
    first, second = store.unit_of_work(), store.unit_of_work()
    assert isinstance(first, InMemoryUnitOfWork) and first is not second and first.store is store


async def test_failing_commits_publish_nothing_then_recover() -> None:
    store = InMemoryStore()
    store.fail_next_commits(2)
    for _ in range(2):
        with pytest.raises(StorageUnavailable):
            async with store.unit_of_work() as uow:
                await uow.members.add(_alice())
                await uow.commit()
    assert store.commits == 0
    async with store.unit_of_work() as uow:
        assert await uow.members.find("test", "w", "alice") is None
        await uow.members.add(_alice())
        await uow.commit()
    assert store.commits == 1
    async with store.unit_of_work() as uow:
        assert await uow.members.find("test", "w", "alice") is not None


async def test_concurrent_units_of_work_keep_each_others_writes() -> None:
    store = InMemoryStore()
    async with store.unit_of_work() as one, store.unit_of_work() as two:
        await one.members.add(_alice())
        await two.members.add(Member(platform="test", workspace="w", user_id="bob", display_name="Bob"))
        await one.commit()
        await two.commit()
    async with store.unit_of_work() as uow:
        assert await uow.members.find("test", "w", "alice") is not None
        assert await uow.members.find("test", "w", "bob") is not None


async def test_misuse_is_loud() -> None:
    store = InMemoryStore()
    uow = store.unit_of_work()
    with pytest.raises(RuntimeError):
        await uow.members.find("test", "w", "alice")  # outside `async with`
    async with uow:
        with pytest.raises(ValueError, match="naive"):
            await uow.checkins.add(CheckIn(membership_id=1, member_id=1, cohort_id=1,
                                           local_date=datetime(2026, 1, 1, tzinfo=UTC).date(), minutes=5,
                                           created_at=datetime(2026, 1, 1),  # noqa: DTZ001 - on purpose
                                           idempotency_key="k"))
        with pytest.raises(LookupError):
            await uow.members.save(_alice())  # never added
