"""Issue 18: the dispatcher writes a send's outcome in the transaction that renews the next claim and checks the
next message, so a send costs one transaction, not three; on real databases, what that must not change: every
outcome is written (the batch's last too), a reply finds its thread's parent sent just before it, and a stopped
dispatcher records its last send before giving its claims back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.clock import SimulatedClock
from bot.delivery import Dispatcher
from bot.domain import OutboxMessage, OutboxStatus
from bot.ports import Destination
from bot.replies import Reply
from storage import Database

NOW = datetime(2026, 3, 6, 19, 0, tzinfo=UTC)


class Counting:
    """The database's unit-of-work factory, counting the transactions it opens."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self.opened = 0

    def __call__(self):  # type: ignore[no-untyped-def]
        self.opened += 1
        return self.database.unit_of_work()


class Platform:
    platform = "test"

    def __init__(self) -> None:
        self.sent: list[tuple[Destination, Reply]] = []
        self.on_send = lambda: None

    async def send(self, destination: Destination, reply: Reply) -> str | None:
        self.sent.append((destination, reply))
        self.on_send()
        return f"m-{len(self.sent)}"


def message(key: str, **data: object) -> OutboxMessage:
    return OutboxMessage(key=key, kind="nudge", platform="test", workspace="w", destination_kind="channel",
                         target="C1", text=key, data={"type": "nudge", **data}, due_at=NOW, created_at=NOW,
                         next_attempt_at=NOW)


async def queue(database: Database, *messages: OutboxMessage) -> None:
    async with database.unit_of_work() as uow:
        assert len(await uow.outbox.add_many(messages)) == len(messages)
        await uow.commit()


async def rows(database: Database) -> dict[str, OutboxMessage]:
    async with database.unit_of_work() as uow:
        found = [await uow.outbox.get_by_key(f"k{number}") for number in range(100)]
    return {row.key: row for row in found if row is not None}


def dispatcher(unit_of_work: object, platform: Platform, owner: str = "p") -> Dispatcher:
    async def no_wait(_: float) -> None:
        return None
    return Dispatcher(unit_of_work, SimulatedClock(NOW), {"test": platform}, owner=owner,  # type: ignore[arg-type]
                      sleep=no_wait)


async def test_a_send_costs_one_transaction_and_every_outcome_is_written(database: Database) -> None:
    await queue(database, *(message(f"k{number}") for number in range(20)))
    counting, platform = Counting(database), Platform()
    report = await dispatcher(counting, platform).drain()
    assert len(report.sent) == len(platform.sent) == 20
    # The claim, one per send (the previous outcome, the renewal, the checks), the last outcome. Before: 1 + 3 x 20.
    assert counting.opened == 1 + 20 + 1
    written = await rows(database)
    assert {row.status for row in written.values()} == {OutboxStatus.SENT}
    assert all(row.claimed_by is None and row.platform_message_id for row in written.values())


async def test_a_reply_sent_right_after_its_parent_goes_under_the_parents_id(database: Database) -> None:
    await queue(database, message("k0"), message("k1", thread_key="k0"))
    platform = Platform()
    await dispatcher(database.unit_of_work, platform).drain()
    (parent, _), (reply, _) = platform.sent
    assert parent.thread is None and reply.thread == "m-1"  # the parent's outcome was written before the check


async def test_a_stopped_dispatcher_records_its_last_send_before_giving_back_its_claims(database: Database) -> None:
    await queue(database, *(message(f"k{number}") for number in range(5)))
    platform = Platform()
    first = dispatcher(database.unit_of_work, platform, owner="first")
    platform.on_send = first.stop  # SIGTERM while the first message is on its way
    await first.drain()
    assert await first.release() == 4
    platform.on_send = lambda: None
    await dispatcher(database.unit_of_work, platform, owner="second").drain()
    assert sorted(reply.text for _, reply in platform.sent) == [f"k{number}" for number in range(5)]  # each once
    assert {row.status for row in (await rows(database)).values()} == {OutboxStatus.SENT}


async def test_a_failing_check_does_not_cost_the_previous_send_its_record(database: Database) -> None:
    """A bug in the next message's checks rolls their transaction back; the send before is still recorded."""
    await queue(database, message("k0"), message("k1"))
    platform = Platform()
    sender = dispatcher(database.unit_of_work, platform)
    original = sender._still_wanted

    async def broken(uow, message):  # type: ignore[no-untyped-def]
        if message.key == "k1":
            raise RuntimeError("a bug in a check")
        return await original(uow, message)

    sender._still_wanted = broken  # type: ignore[method-assign]
    with pytest.raises(RuntimeError):  # it reaches the caller (the tick logs it), as a failing check always did
        await sender.drain()
    written = await rows(database)
    assert written["k0"].status is OutboxStatus.SENT and written["k0"].platform_message_id == "m-1"
    assert written["k1"].status is OutboxStatus.PENDING and [reply.text for _, reply in platform.sent] == ["k0"]
    assert written["k1"].claimed_until == NOW + timedelta(minutes=2)  # its claim waits for its lease to end
