"""The outbox's contract, the same on the in-memory fake, SQLite and Postgres: one row per key, claims
with leases, and a claim renewed only by its live owner."""

from __future__ import annotations

from dataclasses import replace
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


async def test_messages_mentioning_a_member_and_their_removal(uow_factory: UnitOfWorkFactory) -> None:
    rows = {
        "to-her": replace(_message("a"), target="U1", text="Hi Zoë"),
        "names-her": replace(_message("b"), destination_kind="channel", target="C1", text="done — Zoë, Max"),
        "mentions-her": replace(_message("c"), target="C1", text="nobody", data={"mentions": ["U1"]}),
        "sent-to-her": replace(_message("d"), target="U1", status=OutboxStatus.SENT),
        "other-workspace": replace(_message("e"), workspace="w2", target="U1", text="Zoë"),
        "unrelated": replace(_message("f"), target="U2", text="Hi Max", data={"mentions": ["U2"]}),
        "like-wildcards": replace(_message("g"), target="U2", text="100% Zo_"),
    }
    async with uow_factory() as uow:
        for message in rows.values():
            assert await uow.outbox.add(message)
        await uow.commit()
    async with uow_factory() as uow:
        found = await uow.outbox.mentioning("test", "w", "U1", "Zoë")
        assert [m.key for m in found] == ["a", "b", "c", "d"]  # in id order, any status
        assert found[0].id is not None
        await uow.outbox.remove(found[0].id)
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.outbox.get_by_key("a") is None and await uow.outbox.get_by_key("b") is not None
        assert [m.key for m in await uow.outbox.mentioning("test", "w", "U9", "Zo_")] == ["g"]  # _ is no wildcard
        assert [m.key for m in await uow.outbox.mentioning("test", "w", "U9", "")] == []


async def test_recording_a_delivery_writes_its_outcome_and_nothing_else(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        await uow.outbox.add(_message("reminder:1:2026-03-06"))
        await uow.commit()
    async with uow_factory() as uow:
        [claimed] = await uow.outbox.claim(NOW, 10, NOW + LEASE, "a")
        await uow.commit()
    async with uow_factory() as uow:  # meanwhile the row is rewritten (as `forget` does)
        stored = await uow.outbox.get_by_key("reminder:1:2026-03-06")
        assert stored is not None
        await uow.outbox.save(replace(stored, text="rewritten", data={"type": "reminder"}))
        await uow.commit()
    claimed.status, claimed.attempts, claimed.sent_at = OutboxStatus.SENT, 1, NOW
    claimed.platform_message_id, claimed.text = "m-1", "the old text"
    async with uow_factory() as uow:
        assert await uow.outbox.record(claimed)
        await uow.commit()
    async with uow_factory() as uow:
        got = await uow.outbox.get_by_key("reminder:1:2026-03-06")
        assert got is not None and (got.status, got.attempts, got.sent_at, got.platform_message_id) == (
            OutboxStatus.SENT, 1, NOW, "m-1")
        assert (got.text, got.data, got.claimed_by, got.claimed_until) == ("rewritten", {"type": "reminder"}, None,
                                                                           None)
        assert claimed.id is not None
        await uow.outbox.remove(claimed.id)
        assert not await uow.outbox.record(claimed)  # gone: nothing written, no error
