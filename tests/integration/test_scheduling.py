"""The scheduler's storage: due look-ups, the earliest next instant, and the outbox's claims and leases."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.domain import OutboxMessage, OutboxStatus, Sprint
from storage import Database
from tests.integration.conftest import NOW, Seed, add_enrolment

MINUTE = timedelta(minutes=1)


def message(key: str, due_in: timedelta = timedelta(0), **extra: object) -> OutboxMessage:
    return OutboxMessage(key=key, kind="reminder", platform="discord", workspace="g1", destination_kind="dm",
                         target="u1", text="Time for a sprint", data={"streak": 3, "names": ["a"]},
                         due_at=NOW + due_in, created_at=NOW, **extra)  # type: ignore[arg-type]


async def test_due_look_ups_and_next_due_at(database: Database, seed: Seed) -> None:
    member_id, _, membership_id = seed.ids
    async with database.unit_of_work() as uow:
        assert await uow.schedule.next_due_at() is None
        other = await add_enrolment(uow, user_id="u2", cohort=seed.cohort)
        seed.membership.next_reminder_at = NOW + 5 * MINUTE
        other.membership.next_reminder_at = NOW + MINUTE
        other.membership.active = False
        await uow.memberships.save(seed.membership)
        await uow.memberships.save(other.membership)
        seed.cohort.next_digest_at, seed.cohort.next_recap_at = NOW + 10 * MINUTE, NOW + 20 * MINUTE
        await uow.cohorts.save(seed.cohort)
        await uow.commit()
    async with database.unit_of_work() as uow:
        assert await uow.schedule.due_reminders(NOW, 10) == []
        assert [m.id for m in await uow.schedule.due_reminders(NOW + 5 * MINUTE, 10)] == [membership_id]
        assert (await uow.memberships.get_by_id(membership_id)) == seed.membership  # next_reminder_at kept
        assert await uow.schedule.due_digests(NOW + 9 * MINUTE, 10) == []
        assert await uow.schedule.due_digests(NOW + 10 * MINUTE, 10) == [seed.cohort]
        assert await uow.schedule.due_recaps(NOW + 30 * MINUTE, 10) == [seed.cohort]
        assert await uow.schedule.next_due_at() == NOW + 5 * MINUTE
        await uow.sprints.add(Sprint(member_id, membership_id, NOW, NOW + 3 * MINUTE))
        assert await uow.schedule.next_due_at() == NOW + 3 * MINUTE
        await uow.outbox.add(message("soon", -MINUTE))
        assert await uow.schedule.next_due_at() == NOW - MINUTE


async def test_outbox_add_is_exactly_once(database: Database) -> None:
    async with database.unit_of_work() as uow:
        assert await uow.outbox.add(message("reminder:1:2026-03-02", title="Reminder"))
        assert not await uow.outbox.add(message("reminder:1:2026-03-02"))  # and the transaction goes on
        assert await uow.outbox.add(message("other"))
        await uow.commit()
    async with database.unit_of_work() as uow:
        stored = await uow.outbox.get_by_key("reminder:1:2026-03-02")
        assert stored is not None and stored.id is not None
        assert stored.data == {"streak": 3, "names": ["a"]} and stored.title == "Reminder"
        assert stored.status is OutboxStatus.PENDING and stored.next_attempt_at == NOW
        assert await uow.outbox.get_by_key("nope") is None
        assert await uow.outbox.count() == 2
        assert await uow.outbox.count(OutboxStatus.SENT) == 0


async def test_claim_lease_save_and_release(database: Database) -> None:
    async with database.unit_of_work() as uow:
        await uow.outbox.add(message("a"))
        await uow.outbox.add(message("b", MINUTE))
        await uow.outbox.add(message("later", timedelta(hours=1)))
        await uow.commit()
    lease = NOW + 5 * MINUTE
    async with database.unit_of_work() as uow:
        claimed = await uow.outbox.claim(NOW + MINUTE, 10, lease, "worker-1")
        assert [m.key for m in claimed] == ["a", "b"]
        assert all(m.claimed_by == "worker-1" and m.claimed_until == lease for m in claimed)
        await uow.commit()
    async with database.unit_of_work() as uow:
        assert await uow.outbox.claim(NOW + 2 * MINUTE, 10, lease, "worker-2") == []  # leased
        sent = claimed[0]
        sent.status, sent.attempts, sent.sent_at, sent.platform_message_id = OutboxStatus.SENT, 1, NOW, "m-1"
        sent.claimed_by = sent.claimed_until = None
        await uow.outbox.save(sent)
        await uow.commit()
    async with database.unit_of_work() as uow:
        assert await uow.outbox.get_by_key("a") == sent
        assert await uow.outbox.count(OutboxStatus.SENT) == 1
        # An expired lease may be taken over.
        assert [m.key for m in await uow.outbox.claim(lease, 10, lease + 5 * MINUTE, "worker-2")] == ["b"]
        assert await uow.outbox.release("worker-1") == 0
        assert await uow.outbox.release("worker-2") == 1
        again = await uow.outbox.get_by_key("b")
        assert again is not None and again.claimed_by is None and again.claimed_until is None
        await uow.commit()


async def test_concurrent_claims_never_share_a_message(database: Database) -> None:
    async with database.unit_of_work() as uow:
        for n in range(40):
            await uow.outbox.add(message(f"m{n}"))
        await uow.commit()

    async def worker(name: str) -> list[str]:
        async with database.unit_of_work() as uow:
            claimed = await uow.outbox.claim(NOW, 15, NOW + MINUTE, name)
            await asyncio.sleep(0.01)
            await uow.commit()
        return [m.key for m in claimed]

    batches = await asyncio.gather(*(worker(f"w{n}") for n in range(4)))
    keys = [key for batch in batches for key in batch]
    assert len(keys) == len(set(keys)) == 40
