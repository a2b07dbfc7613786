"""The outbox's contract, the same on the in-memory fake, SQLite and Postgres: one row per key, claims
with leases, and a claim renewed only by its live owner."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.domain import OutboxMessage, OutboxStatus
from bot.ports import UnitOfWorkFactory

NOW = datetime(2026, 3, 6, 19, 0, tzinfo=UTC)
LEASE = timedelta(minutes=2)


def _message(key: str) -> OutboxMessage:
    return OutboxMessage(key=key, kind="reminder", platform="test", workspace="w", destination_kind="dm",
                         target="ann", text="hi", data={"type": "reminder", "n": 1}, due_at=NOW, created_at=NOW)


async def test_one_row_per_key_and_claims_with_leases(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        assert await uow.outbox.add(_message("reminder:1:2026-03-06"))
        assert not await uow.outbox.add(_message("reminder:1:2026-03-06"))
        assert await uow.outbox.add(_message("reminder:2:2026-03-06"))
        await uow.commit()
    async with uow_factory() as uow:
        first = await uow.outbox.claim(NOW, 10, NOW + LEASE, "a")
        await uow.commit()
    assert [m.key for m in first] == ["reminder:1:2026-03-06", "reminder:2:2026-03-06"]
    assert first[0].data == {"type": "reminder", "n": 1} and first[0].status is OutboxStatus.PENDING
    async with uow_factory() as uow:
        assert await uow.outbox.claim(NOW + timedelta(minutes=1), 10, NOW + LEASE, "b") == []
        later = await uow.outbox.claim(NOW + LEASE, 10, NOW + 2 * LEASE, "b")  # a's lease has run out
        await uow.commit()
    assert len(later) == 2


async def test_only_the_live_owner_renews_a_claim(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        await uow.outbox.add(_message("reminder:1:2026-03-06"))
        (claimed,) = await uow.outbox.claim(NOW, 10, NOW + LEASE, "a")
        await uow.commit()
    assert claimed.id is not None
    async with uow_factory() as uow:
        assert await uow.outbox.renew(claimed.id, "a", NOW + timedelta(minutes=1), NOW + 2 * LEASE)
        assert not await uow.outbox.renew(claimed.id, "b", NOW + timedelta(minutes=1), NOW + 2 * LEASE)
        assert not await uow.outbox.renew(claimed.id, "a", NOW + 3 * LEASE, NOW + 4 * LEASE)  # expired
        await uow.commit()
    async with uow_factory() as uow:
        (taken,) = await uow.outbox.claim(NOW + 3 * LEASE, 10, NOW + 4 * LEASE, "b")
        assert not await uow.outbox.renew(taken.id or 0, "a", NOW + 3 * LEASE, NOW + 5 * LEASE)
        assert await uow.outbox.release("b") == 1
        await uow.commit()
