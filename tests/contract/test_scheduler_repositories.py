"""The scheduler's ports (`ScheduleRepository`, `OutboxRepository`) and the due columns they read, held to one
contract on the in-memory fake, SQLite and Postgres. Each test starts from an empty database."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from bot.clock import SimulatedClock
from bot.domain import (
    CheckIn,
    Cohort,
    GroupSprint,
    Membership,
    OutboxMessage,
    OutboxStatus,
    Pause,
    SprintStatus,
)
from bot.ports import StreakInputs, UnitOfWork, UnitOfWorkFactory
from bot.schedule import Slot
from bot.scheduler import Scheduler
from bot.streaks import StreakState
from tests.contract.test_repositories import D0, T0, a_sprint, enrol, new_cohort

MINUTE = timedelta(minutes=1)
LEASE = 5 * MINUTE
PLUS_0530 = timezone(timedelta(hours=5, minutes=30))
DUE_MEMBERSHIP_COLUMNS = {"due_reminders": "next_reminder_at", "due_lastcalls": "next_lastcall_at",
                          "due_dayends": "next_dayend_at"}
DUE_COHORT_COLUMNS = {"due_digests": "next_digest_at", "due_recaps": "next_recap_at"}


def a_message(key: str, due: datetime = T0, **fields: Any) -> OutboxMessage:
    values: dict[str, Any] = {"kind": "reminder", "platform": "discord", "workspace": "guild-1",
                              "destination_kind": "dm", "target": "u-1", "text": f"text of {key}",
                              "data": {"key": key}, "created_at": T0, **fields}
    return OutboxMessage(key=key, due_at=due, **values)


async def add_messages(uow_factory: UnitOfWorkFactory, *messages: OutboxMessage) -> list[OutboxMessage]:
    async with uow_factory() as uow:
        for message in messages:
            assert await uow.outbox.add(message)
        await uow.commit()
        stored = [await uow.outbox.get_by_key(message.key) for message in messages]
    assert all(message is not None for message in stored)
    return stored  # type: ignore[return-value]


def _is_utc(instant: datetime | None) -> bool:
    return instant is not None and instant.tzinfo is not None and instant.utcoffset() == timedelta(0)


# --- the due columns on memberships and cohorts -------------------------------------------------------
async def test_due_columns_round_trip_as_aware_utc(uow_factory: UnitOfWorkFactory) -> None:
    at = datetime(2026, 3, 7, 0, 30, tzinfo=PLUS_0530)  # 19:00 UTC the day before
    async with uow_factory() as uow:
        cohort = await new_cohort(uow)
        cohort.next_digest_at, cohort.next_recap_at = at, at + MINUTE
        await uow.cohorts.save(cohort)
        membership = await enrol(uow, "alice", cohort, next_reminder_at=at, lastcall_minutes=90,
                                 next_lastcall_at=at + 2 * MINUTE, next_dayend_at=at + 3 * MINUTE)
        blank = await enrol(uow, "bob", cohort)
        await uow.commit()
    async with uow_factory() as uow:
        got = await uow.memberships.get_by_id(membership.id)  # type: ignore[arg-type]
        assert got == membership and got is not None
        assert got.next_reminder_at == datetime(2026, 3, 6, 19, 0, tzinfo=UTC) and _is_utc(got.next_reminder_at)
        assert _is_utc(got.next_lastcall_at) and _is_utc(got.next_dayend_at) and got.lastcall_minutes == 90
        bob = await uow.memberships.get(cohort.id, blank.member_id)  # type: ignore[arg-type]
        assert bob is not None and (bob.next_reminder_at, bob.next_lastcall_at, bob.next_dayend_at) == (None,) * 3
        stored = await uow.cohorts.get(cohort.id)  # type: ignore[arg-type]
        assert stored == cohort and stored is not None
        assert _is_utc(stored.next_digest_at) and stored.next_recap_at == at + MINUTE
        ((_, seen),) = await uow.memberships.active_for_member(membership.member_id)
        assert seen.next_digest_at == at
        # Cleared again.
        got.next_reminder_at = stored.next_digest_at = None
        await uow.memberships.save(got)
        await uow.cohorts.save(stored)
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.memberships.get_by_id(membership.id) == got  # type: ignore[arg-type]
        assert await uow.cohorts.get(cohort.id) == stored  # type: ignore[arg-type]


async def test_a_naive_due_instant_is_refused(uow_factory: UnitOfWorkFactory) -> None:
    naive = T0.replace(tzinfo=None)
    with pytest.raises(Exception, match="naive"):  # ValueError, or SQLAlchemy's StatementError around it
        async with uow_factory() as uow:
            cohort = await new_cohort(uow)
            await enrol(uow, "alice", cohort, next_reminder_at=naive)


# --- due look-ups ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("method", DUE_MEMBERSHIP_COLUMNS)
async def test_due_memberships_earliest_first_with_limit_active_only(uow_factory: UnitOfWorkFactory,
                                                                     method: str) -> None:
    column = DUE_MEMBERSHIP_COLUMNS[method]
    offsets = {"late": 10, "early": -30, "tie-a": 0, "tie-b": 0, "inactive": -60, "future": 11, "unset": None}
    async with uow_factory() as uow:
        cohort = await new_cohort(uow)
        stored: dict[str, Membership] = {}
        for user, offset in offsets.items():
            due = None if offset is None else T0 + offset * MINUTE
            stored[user] = await enrol(uow, user, cohort, active=user != "inactive", **{column: due})
        await uow.commit()
    async with uow_factory() as uow:
        due = getattr(uow.schedule, method)
        everything = await due(T0 + 10 * MINUTE, 100)
        assert everything == [stored[user] for user in ("early", "tie-a", "tie-b", "late")]  # ties by id
        assert await due(T0 + 10 * MINUTE, 2) == [stored["early"], stored["tie-a"]]
        assert await due(T0, 100) == [stored[user] for user in ("early", "tie-a", "tie-b")]  # `<= now`
        assert await due(T0 - 31 * MINUTE, 100) == []
        # The other due columns are independent of this one.
        for other in set(DUE_MEMBERSHIP_COLUMNS) - {method}:
            assert await getattr(uow.schedule, other)(T0 + 10 * MINUTE, 100) == []


@pytest.mark.parametrize("method", DUE_COHORT_COLUMNS)
async def test_due_cohorts_earliest_first_with_limit(uow_factory: UnitOfWorkFactory, method: str) -> None:
    column = DUE_COHORT_COLUMNS[method]
    offsets = {"late": 10, "early": -30, "tie-a": 0, "tie-b": 0, "future": 11, "unset": None}
    async with uow_factory() as uow:
        stored: dict[str, Cohort] = {}
        for name, offset in offsets.items():
            cohort = await new_cohort(uow, name, owner=f"owner-{name}", channel=f"c-{name}")
            setattr(cohort, column, None if offset is None else T0 + offset * MINUTE)
            await uow.cohorts.save(cohort)
            stored[name] = cohort
        await uow.commit()
    async with uow_factory() as uow:
        due = getattr(uow.schedule, method)
        assert await due(T0 + 10 * MINUTE, 100) == [stored[name] for name in ("early", "tie-a", "tie-b", "late")]
        assert await due(T0 + 10 * MINUTE, 3) == [stored[name] for name in ("early", "tie-a", "tie-b")]
        assert await due(T0, 1) == [stored["early"]]
        assert await due(T0 - 31 * MINUTE, 100) == []
        other = next(iter(set(DUE_COHORT_COLUMNS) - {method}))
        assert await getattr(uow.schedule, other)(T0 + 10 * MINUTE, 100) == []


async def test_due_look_ups_see_uncommitted_writes_of_their_unit_of_work(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        cohort = await new_cohort(uow)
        membership = await enrol(uow, "alice", cohort)
        await uow.commit()
    async with uow_factory() as uow:
        membership.next_reminder_at = T0
        await uow.memberships.save(membership)
        assert await uow.schedule.due_reminders(T0, 10) == [membership]
        membership.active = False
        await uow.memberships.save(membership)
        assert await uow.schedule.due_reminders(T0, 10) == []
    async with uow_factory() as uow:  # nothing was committed
        assert await uow.schedule.due_reminders(T0, 10) == []


# --- next_due_at ----------------------------------------------------------------------------------------
async def _populate_every_source(uow: UnitOfWork) -> dict[str, Any]:
    """One of each kind of due thing, all at least an hour after T0; plus things that must never count."""
    cohort = await new_cohort(uow)
    cohort.next_digest_at, cohort.next_recap_at = T0 + 61 * MINUTE, T0 + 62 * MINUTE
    await uow.cohorts.save(cohort)
    membership = await enrol(uow, "alice", cohort, next_reminder_at=T0 + 63 * MINUTE,
                             next_lastcall_at=T0 + 64 * MINUTE, next_dayend_at=T0 + 65 * MINUTE)
    sprint = await uow.sprints.add(a_sprint(membership, ends_in=66))
    group = await uow.groups.add(GroupSprint(cohort_id=cohort.id, channel_id="general",  # type: ignore[arg-type]
                                             started_by=membership.member_id, started_at=T0,
                                             ends_at=T0 + 67 * MINUTE))
    assert await uow.outbox.add(a_message("pending", T0 + 68 * MINUTE))
    # Never counted: an inactive membership, finished (group) sprints, messages no longer pending.
    await enrol(uow, "gone", cohort, active=False, next_reminder_at=T0, next_lastcall_at=T0, next_dayend_at=T0)
    bob = await enrol(uow, "bob", cohort)
    await uow.sprints.add(replace(a_sprint(bob, ends_in=-5), status=SprintStatus.COMPLETED))
    await uow.groups.add(replace(group, id=None, ends_at=T0, status=SprintStatus.STOPPED))
    for status in (OutboxStatus.SENT, OutboxStatus.FAILED, OutboxStatus.SKIPPED):
        assert await uow.outbox.add(a_message(f"{status}", T0, status=status, next_attempt_at=T0))
    return {"cohort": cohort, "membership": membership, "sprint": sprint, "group": group}


async def test_next_due_at_is_none_when_nothing_is_scheduled(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        assert await uow.schedule.next_due_at() is None
        cohort = await new_cohort(uow)
        await enrol(uow, "gone", cohort, active=False, next_reminder_at=T0)
        assert await uow.outbox.add(a_message("sent", status=OutboxStatus.SENT, next_attempt_at=T0))
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.schedule.next_due_at() is None


async def test_next_due_at_is_the_minimum_over_every_source(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        rows = await _populate_every_source(uow)
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.schedule.next_due_at() == T0 + 61 * MINUTE
        assert _is_utc(await uow.schedule.next_due_at())

    async def earliest_after(change: str) -> datetime | None:
        """Move one source to T0 in a unit of work that is rolled back; what is the earliest then?"""
        early = T0.astimezone(PLUS_0530)
        async with uow_factory() as uow:
            cohort, membership = rows["cohort"], rows["membership"]
            if change in ("next_digest_at", "next_recap_at"):
                await uow.cohorts.save(replace(cohort, **{change: early}))
            elif change in ("next_reminder_at", "next_lastcall_at", "next_dayend_at"):
                await uow.memberships.save(replace(membership, **{change: early}))
            elif change == "sprint":
                await uow.sprints.save(replace(rows["sprint"], ends_at=early))
            elif change == "group":
                await uow.groups.save(replace(rows["group"], ends_at=early))
            else:
                message = await uow.outbox.get_by_key("pending")
                assert message is not None
                await uow.outbox.save(replace(message, next_attempt_at=early))
            return await uow.schedule.next_due_at()

    for change in ("next_digest_at", "next_recap_at", "next_reminder_at", "next_lastcall_at", "next_dayend_at",
                   "sprint", "group", "outbox"):
        assert await earliest_after(change) == T0, change
    async with uow_factory() as uow:
        assert await uow.schedule.next_due_at() == T0 + 61 * MINUTE  # all of that was rolled back


async def test_next_due_at_follows_sources_as_they_clear(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        rows = await _populate_every_source(uow)
        cohort, membership = rows["cohort"], rows["membership"]
        expected = [T0 + n * MINUTE for n in range(61, 69)]
        clearings = [
            lambda: uow.cohorts.save(replace(cohort, next_digest_at=None)),
            lambda: uow.cohorts.save(replace(cohort, next_digest_at=None, next_recap_at=None)),
            lambda: uow.memberships.save(replace(membership, next_reminder_at=None)),
            lambda: uow.memberships.save(replace(membership, next_reminder_at=None, next_lastcall_at=None)),
            lambda: uow.memberships.save(replace(membership, active=False)),
            lambda: uow.sprints.save(replace(rows["sprint"], status=SprintStatus.COMPLETED)),
            lambda: uow.groups.save(replace(rows["group"], status=SprintStatus.COMPLETED)),
        ]
        for now_expected, clear in zip(expected, clearings, strict=False):
            assert await uow.schedule.next_due_at() == now_expected
            await clear()
        assert await uow.schedule.next_due_at() == T0 + 68 * MINUTE
        pending = await uow.outbox.get_by_key("pending")
        assert pending is not None
        await uow.outbox.save(replace(pending, status=OutboxStatus.SENT, sent_at=T0))
        assert await uow.schedule.next_due_at() is None


async def test_a_claimed_pending_message_still_counts_at_its_next_attempt(uow_factory: UnitOfWorkFactory) -> None:
    await add_messages(uow_factory, a_message("m", T0))
    async with uow_factory() as uow:
        assert len(await uow.outbox.claim(T0, 10, T0 + LEASE, "w")) == 1
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.schedule.next_due_at() == T0


# --- outbox: add, get_by_key, save, count -----------------------------------------------------------------
async def test_add_is_once_per_key_and_the_unit_of_work_goes_on(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        assert await uow.outbox.add(a_message("reminder:1:2026-03-06"))
        assert not await uow.outbox.add(replace(a_message("reminder:1:2026-03-06"), text="another text"))
        # The transaction is still usable: other writes go through and commit.
        assert await uow.outbox.add(a_message("reminder:2:2026-03-06"))
        cohort = await new_cohort(uow)
        await uow.commit()
    async with uow_factory() as uow:
        assert not await uow.outbox.add(a_message("reminder:2:2026-03-06"))  # committed earlier
        assert await uow.outbox.add(a_message("reminder:3:2026-03-06"))
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.outbox.count() == 3
        first = await uow.outbox.get_by_key("reminder:1:2026-03-06")
        assert first is not None and first.text == "text of reminder:1:2026-03-06"
        assert await uow.cohorts.get(cohort.id) == cohort  # type: ignore[arg-type]


async def test_add_get_by_key_round_trips_every_field(uow_factory: UnitOfWorkFactory) -> None:
    data = {"type": "digest", "names": ["Ann", "Ræj 🚀"], "nested": {"streak": 3, "ok": True, "none": None},
            "ratio": 0.5, "empty": {}, "list": []}
    message = a_message("digest:1:2026-03-06", T0.astimezone(PLUS_0530), kind="digest", destination_kind="channel",
                        target="c-1", title="Daily digest", data=data)
    async with uow_factory() as uow:
        assert await uow.outbox.add(message)
        assert await uow.outbox.get_by_key("nope") is None
        await uow.commit()
    async with uow_factory() as uow:
        got = await uow.outbox.get_by_key(message.key)
    assert got is not None and got.id is not None
    assert got == replace(message, id=got.id, next_attempt_at=T0)  # pending without a next attempt: due_at
    assert got.data == data and got.status is OutboxStatus.PENDING and got.attempts == 0
    assert all(_is_utc(instant) for instant in (got.due_at, got.created_at, got.next_attempt_at))
    assert (got.claimed_until, got.claimed_by, got.last_error, got.sent_at, got.platform_message_id) == (None,) * 5


async def test_add_keeps_an_explicit_next_attempt_and_a_non_pending_status(uow_factory: UnitOfWorkFactory) -> None:
    later = T0 + 7 * MINUTE
    retry, skipped = await add_messages(uow_factory, a_message("retry", next_attempt_at=later),
                                        a_message("skipped", status=OutboxStatus.SKIPPED))
    assert retry.next_attempt_at == later
    assert skipped.status is OutboxStatus.SKIPPED and skipped.next_attempt_at is None


async def test_save_writes_back_the_delivery_fields(uow_factory: UnitOfWorkFactory) -> None:
    (message,) = await add_messages(uow_factory, a_message("m"))
    async with uow_factory() as uow:
        (claimed,) = await uow.outbox.claim(T0, 10, T0 + LEASE, "w")
        claimed.attempts, claimed.last_error = 1, "HTTP 502"
        claimed.next_attempt_at = (T0 + MINUTE).astimezone(PLUS_0530)
        claimed.claimed_until = claimed.claimed_by = None
        await uow.outbox.save(claimed)
        await uow.commit()
    async with uow_factory() as uow:
        got = await uow.outbox.get_by_key("m")
        assert got == claimed and got is not None and _is_utc(got.next_attempt_at)
        got.status, got.attempts, got.sent_at, got.platform_message_id = OutboxStatus.SENT, 2, T0, "msg-1"
        got.next_attempt_at = None
        got.data = {"changed": [1, 2]}
        await uow.outbox.save(got)
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.outbox.get_by_key("m") == got
        with pytest.raises(LookupError):
            await uow.outbox.save(replace(message, id=(message.id or 0) + 1000))


async def test_returned_messages_are_copies(uow_factory: UnitOfWorkFactory) -> None:
    await add_messages(uow_factory, a_message("m"))
    async with uow_factory() as uow:
        (claimed,) = await uow.outbox.claim(T0, 10, T0 + LEASE, "w")
        claimed.status = OutboxStatus.SENT
        claimed.data["mutated"] = True
        got = await uow.outbox.get_by_key("m")
        assert got is not None and got.status is OutboxStatus.PENDING and got.data == {"key": "m"}


async def test_count_by_status(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        assert await uow.outbox.count() == 0
        statuses = [OutboxStatus.PENDING] * 3 + [OutboxStatus.SENT] * 2 + [OutboxStatus.FAILED]
        for n, status in enumerate(statuses):
            assert await uow.outbox.add(a_message(f"m{n}", status=status))
        assert await uow.outbox.count() == 6  # uncommitted writes count in their own unit of work
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.outbox.count() == 6
        assert {status: await uow.outbox.count(status) for status in OutboxStatus} == {
            OutboxStatus.PENDING: 3, OutboxStatus.SENT: 2, OutboxStatus.FAILED: 1, OutboxStatus.SKIPPED: 0}


# --- outbox: claim, leases, release ---------------------------------------------------------------------
async def test_claim_takes_due_pending_messages_oldest_first_with_limit(uow_factory: UnitOfWorkFactory) -> None:
    await add_messages(
        uow_factory,
        a_message("late", T0 + 2 * MINUTE),
        a_message("tie-a", T0),
        a_message("early", T0 - MINUTE),
        a_message("tie-b", T0),
        a_message("retry-later", T0 - 10 * MINUTE, next_attempt_at=T0 + 10 * MINUTE),  # ordered by next attempt
        a_message("future", T0 + 3 * MINUTE),
        a_message("sent", T0 - MINUTE, status=OutboxStatus.SENT, next_attempt_at=T0 - MINUTE),
        a_message("failed", T0 - MINUTE, status=OutboxStatus.FAILED, next_attempt_at=T0 - MINUTE),
        a_message("skipped", T0 - MINUTE, status=OutboxStatus.SKIPPED, next_attempt_at=T0 - MINUTE),
    )
    lease = (T0 + 30 * MINUTE).astimezone(PLUS_0530)
    async with uow_factory() as uow:
        first = await uow.outbox.claim(T0 + 2 * MINUTE, 3, lease, "w1")
        rest = await uow.outbox.claim(T0 + 2 * MINUTE, 10, lease, "w1")  # the first three are leased now
        await uow.commit()
    assert [m.key for m in first] == ["early", "tie-a", "tie-b"]
    assert [m.key for m in rest] == ["late"]
    for message in first + rest:
        assert message.claimed_by == "w1" and message.claimed_until == lease
        assert message.status is OutboxStatus.PENDING and message.attempts == 0 and message.data == {"key": message.key}
    async with uow_factory() as uow:
        stored = await uow.outbox.get_by_key("tie-a")
        assert stored == first[1] and stored is not None and _is_utc(stored.claimed_until)
        assert [m.key for m in await uow.outbox.claim(T0 + 10 * MINUTE, 10, T0 + 20 * MINUTE, "w2")] == [
            "future", "retry-later"]
        assert await uow.outbox.claim(T0 + 10 * MINUTE, 0, T0 + 20 * MINUTE, "w2") == []


async def test_a_live_lease_is_kept_and_an_expired_one_is_taken_over(uow_factory: UnitOfWorkFactory) -> None:
    await add_messages(uow_factory, a_message("m"))
    async with uow_factory() as uow:
        (first,) = await uow.outbox.claim(T0, 10, T0 + LEASE, "w1")
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.outbox.claim(T0 + LEASE - timedelta(microseconds=1), 10, T0 + 2 * LEASE, "w2") == []
        (taken,) = await uow.outbox.claim(T0 + LEASE, 10, T0 + 2 * LEASE, "w2")  # `claimed_until <= now` is free
        await uow.commit()
    assert taken.id == first.id and taken.claimed_by == "w2" and taken.claimed_until == T0 + 2 * LEASE
    async with uow_factory() as uow:
        stored = await uow.outbox.get_by_key("m")
        assert stored is not None and stored.claimed_by == "w2"


async def test_a_claim_without_commit_is_rolled_back(uow_factory: UnitOfWorkFactory) -> None:
    await add_messages(uow_factory, a_message("m"))
    async with uow_factory() as uow:
        assert len(await uow.outbox.claim(T0, 10, T0 + LEASE, "w1")) == 1
    async with uow_factory() as uow:
        (claimed,) = await uow.outbox.claim(T0, 10, T0 + LEASE, "w2")
        assert claimed.claimed_by == "w2"


async def test_release_drops_only_that_owners_pending_claims(uow_factory: UnitOfWorkFactory) -> None:
    await add_messages(uow_factory, *(a_message(f"m{n}") for n in range(5)))
    async with uow_factory() as uow:
        mine = await uow.outbox.claim(T0, 3, T0 + LEASE, "w1")
        theirs = await uow.outbox.claim(T0, 10, T0 + LEASE, "w2")
        assert [len(mine), len(theirs)] == [3, 2]
        done = replace(mine[0], status=OutboxStatus.SENT, sent_at=T0)  # sent while still marked as claimed
        await uow.outbox.save(done)
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.outbox.release("nobody") == 0
        assert await uow.outbox.release("w1") == 2
        assert await uow.outbox.release("w1") == 0
        for message in mine[1:]:
            got = await uow.outbox.get_by_key(message.key)
            assert got is not None and (got.claimed_by, got.claimed_until) == (None, None)
        assert await uow.outbox.get_by_key(done.key) == done  # not pending: left as it is
        for message in theirs:
            assert await uow.outbox.get_by_key(message.key) == message
        await uow.commit()
    async with uow_factory() as uow:  # released messages are claimable at once, leased ones still not
        assert sorted(m.key for m in await uow.outbox.claim(T0, 10, T0 + LEASE, "w3")) == sorted(
            m.key for m in mine[1:])


async def test_renew_needs_a_live_claim_on_a_pending_message(uow_factory: UnitOfWorkFactory) -> None:
    await add_messages(uow_factory, a_message("m"))
    async with uow_factory() as uow:
        (claimed,) = await uow.outbox.claim(T0, 10, T0 + LEASE, "w1")
        assert claimed.id is not None
        assert await uow.outbox.renew(claimed.id, "w1", T0 + MINUTE, T0 + 2 * LEASE)
        got = await uow.outbox.get_by_key("m")
        assert got is not None and got.claimed_until == T0 + 2 * LEASE
        await uow.outbox.save(replace(got, status=OutboxStatus.SENT, sent_at=T0))
        assert not await uow.outbox.renew(claimed.id, "w1", T0 + MINUTE, T0 + 3 * LEASE)  # no longer pending
        assert not await uow.outbox.renew(claimed.id + 1000, "w1", T0 + MINUTE, T0 + 3 * LEASE)


# --- outbox: concurrent claimers --------------------------------------------------------------------------
async def test_concurrent_claimers_never_share_a_message(uow_factory: UnitOfWorkFactory) -> None:
    await add_messages(uow_factory, *(a_message(f"m{n:02d}", T0 - n * timedelta(seconds=1)) for n in range(40)))

    async def worker(name: str) -> list[str]:
        async with uow_factory() as uow:
            claimed = await uow.outbox.claim(T0, 7, T0 + LEASE, name)
            await asyncio.sleep(0.01)  # hold the claim (and, on Postgres, its row locks) a while
            await uow.commit()
        return [m.key for m in claimed]

    batches = await asyncio.gather(*(worker(f"w{n}") for n in range(6)))
    keys = [key for batch in batches for key in batch]
    assert len(keys) == len(set(keys)) == 40
    async with uow_factory() as uow:
        for name, batch in zip((f"w{n}" for n in range(6)), batches, strict=True):
            for key in batch:
                stored = await uow.outbox.get_by_key(key)
                assert stored is not None and stored.claimed_by == name
        assert await uow.outbox.claim(T0, 100, T0 + LEASE, "late") == []


@contextlib.asynccontextmanager
async def _second_database(uow_factory: UnitOfWorkFactory) -> AsyncIterator[UnitOfWorkFactory]:
    """Another `storage.Database` (own engine, own connection pool) on the database behind `uow_factory`."""
    database = getattr(uow_factory, "__self__", None)
    if getattr(database, "dialect", None) != "postgresql":
        pytest.skip("two processes' claims interleave only on Postgres (SQLite serialises its writers)")
    other = await type(database).connect(database.url)  # type: ignore[union-attr]
    try:
        yield other.unit_of_work
    finally:
        await other.dispose()


async def test_claimers_on_two_connections_skip_each_others_locked_rows(uow_factory: UnitOfWorkFactory) -> None:
    async with _second_database(uow_factory) as other_factory:
        await add_messages(uow_factory, *(a_message(f"m{n:02d}", T0 + n * timedelta(seconds=1)) for n in range(30)))
        first_claimed, second_claimed = asyncio.Event(), asyncio.Event()

        async def first() -> list[str]:
            async with uow_factory() as uow:
                claimed = await uow.outbox.claim(T0 + MINUTE, 15, T0 + LEASE, "first")
                first_claimed.set()
                await asyncio.wait_for(second_claimed.wait(), 10)  # keep the row locks while the other claims
                await uow.commit()
            return [m.key for m in claimed]

        async def second() -> list[str]:
            await asyncio.wait_for(first_claimed.wait(), 10)
            async with other_factory() as uow:
                claimed = await asyncio.wait_for(uow.outbox.claim(T0 + MINUTE, 20, T0 + LEASE, "second"), 10)
                second_claimed.set()
                await uow.commit()
            return [m.key for m in claimed]

        mine, theirs = await asyncio.gather(first(), second())
        assert mine == [f"m{n:02d}" for n in range(15)]
        assert theirs == [f"m{n:02d}" for n in range(15, 30)]  # skipped, not waited for, the locked ones

        async def many(factory: UnitOfWorkFactory, name: str) -> list[str]:
            async with factory() as uow:
                claimed = await uow.outbox.claim(T0 + LEASE + MINUTE, 4, T0 + 2 * LEASE, name)
                await asyncio.sleep(0.01)
                await uow.commit()
            return [m.key for m in claimed]

        batches = await asyncio.gather(*(many(uow_factory if n % 2 else other_factory, f"w{n}") for n in range(10)))
        keys = [key for batch in batches for key in batch]
        assert len(keys) == len(set(keys)) == 30  # expired leases re-claimed, once each


# --- the tick's set-based look-ups: due_kinds, due_enrolments, reschedule, streak_inputs, add_many ---------
ALL_KINDS = {"sprints", "groups", "reminders", "lastcalls", "dayends", "digests", "recaps"}


async def test_due_kinds_names_each_kind_of_due_work_and_nothing_else(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        assert await uow.schedule.due_kinds(T0) == set()
        await _populate_every_source(uow)  # due from T0 + 61 min on; inactive, finished and sent ones at T0
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.schedule.due_kinds(T0) == set()
        assert await uow.schedule.due_kinds(T0 + 61 * MINUTE) == {"digests"}  # `<= now`
        assert await uow.schedule.due_kinds(T0 + 63 * MINUTE) == {"digests", "recaps", "reminders"}
        assert await uow.schedule.due_kinds(T0 + 66 * MINUTE) == ALL_KINDS - {"groups"}
        assert await uow.schedule.due_kinds((T0 + 67 * MINUTE).astimezone(PLUS_0530)) == ALL_KINDS


@pytest.mark.parametrize("column", DUE_MEMBERSHIP_COLUMNS.values())
async def test_due_enrolments_earliest_first_with_limit_active_only_with_cohort_member_and_pauses(
        uow_factory: UnitOfWorkFactory, column: str) -> None:
    offsets = {"late": 10, "early": -30, "tie-a": 0, "tie-b": 0, "inactive": -60, "future": 11, "unset": None}
    async with uow_factory() as uow:
        cohort = await new_cohort(uow)
        other = await new_cohort(uow, "other", owner="owner-2", channel="c-2")
        stored: dict[str, Membership] = {}
        for user, offset in offsets.items():
            due = None if offset is None else T0 + offset * MINUTE
            stored[user] = await enrol(uow, user, other if user == "tie-b" else cohort, active=user != "inactive",
                                       **{column: due})
        pauses = [await uow.pauses.add(Pause(stored["early"].member_id, D0 + timedelta(days=days),
                                             D0 + timedelta(days=days + 1))) for days in (3, -2)]
        await uow.pauses.add(Pause(stored["future"].member_id, D0, D0))  # not due: not loaded
        await uow.commit()
    async with uow_factory() as uow:
        got = await uow.schedule.due_enrolments(column, T0 + 10 * MINUTE, 100)  # type: ignore[arg-type]
        assert [e.membership for e in got] == [stored[user] for user in ("early", "tie-a", "tie-b", "late")]
        for enrolment in got:
            assert enrolment.member == await uow.members.get(enrolment.membership.member_id)
            assert enrolment.cohort == await uow.cohorts.get(enrolment.membership.cohort_id)
        assert [e.cohort.name for e in got] == ["ml-club", "ml-club", "other", "ml-club"]
        assert got[0].pauses == (pauses[1], pauses[0])  # by start date
        assert all(e.pauses == () for e in got[1:])
        limited = await uow.schedule.due_enrolments(column, T0 + 10 * MINUTE, 2)  # type: ignore[arg-type]
        assert [e.membership for e in limited] == [stored["early"], stored["tie-a"]]
        at_t0 = await uow.schedule.due_enrolments(column, T0, 100)  # type: ignore[arg-type]
        assert [e.membership for e in at_t0] == [stored[user] for user in ("early", "tie-a", "tie-b")]
        assert await uow.schedule.due_enrolments(column, T0 - 31 * MINUTE, 100) == []  # type: ignore[arg-type]
        for other_column in set(DUE_MEMBERSHIP_COLUMNS.values()) - {column}:
            assert await uow.schedule.due_enrolments(other_column, T0 + 10 * MINUTE, 100) == []  # type: ignore[arg-type]


def _interleaving(uow_factory: UnitOfWorkFactory) -> None:
    database = getattr(uow_factory, "__self__", None)
    if getattr(database, "dialect", None) == "sqlite":
        pytest.skip("SQLite serialises its writers: a second unit of work waits for the first to end")


async def test_due_enrolments_skip_memberships_another_unit_of_work_holds(uow_factory: UnitOfWorkFactory) -> None:
    _interleaving(uow_factory)
    async with uow_factory() as uow:
        cohort = await new_cohort(uow)
        stored = [await enrol(uow, f"u{n}", cohort, next_reminder_at=T0 - n * MINUTE) for n in range(6)]
        await uow.commit()
    earliest_first = [m.id for m in reversed(stored)]
    async with uow_factory() as first:
        mine = await first.schedule.due_enrolments("next_reminder_at", T0, 4)
        assert [e.membership.id for e in mine] == earliest_first[:4]
        async with uow_factory() as second:
            theirs = await asyncio.wait_for(second.schedule.due_enrolments("next_reminder_at", T0, 10), 10)
            assert [e.membership.id for e in theirs] == earliest_first[4:]  # skipped, not waited for
        later = Slot(T0.date(), T0 + 60 * MINUTE)
        await first.schedule.reschedule("next_reminder_at", {e.membership.id or 0: later for e in mine})
        await first.commit()
    async with uow_factory() as uow:  # the first one's rows moved on; the others are due still
        again = await uow.schedule.due_enrolments("next_reminder_at", T0, 10)
        assert [e.membership.id for e in again] == earliest_first[4:]


async def test_reschedule_sets_one_due_column_and_its_day_of_many_memberships(uow_factory: UnitOfWorkFactory,
                                                                               ) -> None:
    async with uow_factory() as uow:
        cohort = await new_cohort(uow)
        stored = [await enrol(uow, f"u{n:02d}", cohort, next_reminder_at=T0, next_lastcall_at=T0,
                              next_reminder_day=T0.date()) for n in range(24)]
        await uow.commit()
    tomorrow, later = T0.date() + timedelta(days=1), T0.date() + timedelta(days=2)
    shared = Slot(tomorrow, (T0 + 60 * MINUTE).astimezone(PLUS_0530))
    slots: dict[int, Slot | None] = {m.id or 0: shared for m in stored[:20]}  # many moving together
    slots |= {stored[20].id or 0: Slot(tomorrow, T0 + 5 * MINUTE), stored[21].id or 0: Slot(later, T0 + 6 * MINUTE),
              stored[22].id or 0: None}  # and a few on their own
    async with uow_factory() as uow:
        got = await uow.memberships.get_by_id(stored[0].id or 0)  # already loaded in this unit of work
        assert got is not None and got.next_reminder_at == T0
        await uow.schedule.reschedule("next_reminder_at", slots)
        await uow.schedule.reschedule("next_lastcall_at", {})
        again = await uow.memberships.get_by_id(stored[0].id or 0)
        assert again is not None and again.next_reminder_at == shared.at  # what it reads next is the new value
        assert again.next_reminder_day == tomorrow
        await uow.commit()
    async with uow_factory() as uow:
        for membership in stored:
            got = await uow.memberships.get_by_id(membership.id or 0)
            expected = slots.get(membership.id or 0, Slot(T0.date(), T0))
            assert got == replace(membership, next_reminder_at=expected and expected.at,
                                  next_reminder_day=expected and expected.day)  # only those columns changed
            assert expected is None or _is_utc(got.next_reminder_at)


async def test_reschedule_of_day_ends_keeps_no_day(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        cohort = await new_cohort(uow)
        stored = await enrol(uow, "u1", cohort, next_dayend_at=T0, next_reminder_day=T0.date())
        await uow.commit()
    async with uow_factory() as uow:
        await uow.schedule.reschedule("next_dayend_at", {stored.id or 0: Slot(T0.date(), T0 + 60 * MINUTE)})
        await uow.commit()
    async with uow_factory() as uow:
        got = await uow.memberships.get_by_id(stored.id or 0)
        assert got == replace(stored, next_dayend_at=T0 + 60 * MINUTE)


async def test_streak_inputs_are_first_days_and_the_days_not_walked_yet(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        cohort = await new_cohort(uow)
        fresh = await enrol(uow, "fresh", cohort)
        walked = await enrol(uow, "walked", cohort)
        walked = replace(walked, streak_state=StreakState(3, 1, 5, D0 - timedelta(days=6)))
        await uow.memberships.save(walked)
        idle = await enrol(uow, "idle", cohort)
        unasked = await enrol(uow, "unasked", cohort)
        for membership, days_ago, minutes in [(fresh, 10, 20), (fresh, 5, 30), (fresh, 0, 5), (fresh, 0, 7),
                                              (walked, 9, 40), (walked, 7, 30), (walked, 6, 30), (walked, 5, 15),
                                              (walked, 1, 30), (unasked, 0, 30)]:
            await uow.checkins.add(CheckIn(membership.id or 0, membership.member_id, cohort.id or 0,
                                           D0 - timedelta(days=days_ago), minutes, T0, f"k-{days_ago}-{minutes}"))
        await uow.commit()
    ids = [fresh.id or 0, walked.id or 0, idle.id or 0]
    async with uow_factory() as uow:
        got = await uow.schedule.streak_inputs(ids, D0)
        assert set(got) == set(ids)
        assert got[fresh.id or 0] == StreakInputs(D0 - timedelta(days=10), {
            D0 - timedelta(days=10): 20, D0 - timedelta(days=5): 30, D0: 12})  # every day: nothing saved
        assert got[walked.id or 0] == StreakInputs(D0 - timedelta(days=9), {
            D0 - timedelta(days=5): 15, D0 - timedelta(days=1): 30})  # only after the saved walk's day
        assert got[idle.id or 0] == StreakInputs(None, {})
        older = await uow.schedule.streak_inputs([walked.id or 0], D0 - timedelta(days=5))
        assert older[walked.id or 0].minutes_by_day == {  # and every day from `since`
            D0 - timedelta(days=d): m for d, m in [(5, 15), (1, 30)]}
        # A save dated on or after `since` (and so perhaps after the walk's today: `streaks.trusted`) is
        # not resumed from: every day.
        stale = await uow.schedule.streak_inputs([walked.id or 0], D0 - timedelta(days=7))
        assert stale[walked.id or 0].minutes_by_day == {
            D0 - timedelta(days=d): m for d, m in [(9, 40), (7, 30), (6, 30), (5, 15), (1, 30)]}
        assert await uow.schedule.streak_inputs([], D0) == {}


async def test_add_many_inserts_free_keys_once_and_says_which(uow_factory: UnitOfWorkFactory) -> None:
    await add_messages(uow_factory, a_message("taken"))
    batch = [a_message("a", T0 - MINUTE), a_message("taken", text="again"), a_message("b"),
             a_message("a", text="twice in one batch"),
             a_message("c", status=OutboxStatus.SKIPPED, last_error="skipped: 200 min late", title="T"),
             a_message("d", next_attempt_at=(T0 + MINUTE).astimezone(PLUS_0530))]
    async with uow_factory() as uow:
        assert await uow.outbox.add_many(batch) == ["a", "b", "c", "d"]
        assert await uow.outbox.add(a_message("e"))  # the transaction goes on
        assert await uow.outbox.add_many([]) == []
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.outbox.count() == 6
        taken = await uow.outbox.get_by_key("taken")
        assert taken is not None and taken.text == "text of taken"
        a, c, d = [await uow.outbox.get_by_key(key) for key in "acd"]
        assert a == replace(batch[0], id=a.id, next_attempt_at=T0 - MINUTE)  # pending: due at its due time
        assert c == replace(batch[4], id=c.id)  # not pending: kept as it is
        assert d is not None and d.next_attempt_at == T0 + MINUTE and _is_utc(d.next_attempt_at)
        assert await uow.outbox.add_many([a_message("a"), a_message("f")]) == ["f"]


async def test_schedulers_of_two_processes_ticking_at_once_enqueue_every_reminder_once(
        uow_factory: UnitOfWorkFactory) -> None:
    async with _second_database(uow_factory) as other_factory:
        async with uow_factory() as uow:
            cohort = await new_cohort(uow)
            stored = [await enrol(uow, f"u{n:03d}", cohort, next_reminder_at=T0 - (n % 7) * MINUTE)
                      for n in range(300)]
            await uow.commit()
        clock = SimulatedClock(T0 + MINUTE)
        reports = await asyncio.gather(*(Scheduler(factory, clock, batch=40).tick()
                                         for factory in (uow_factory, other_factory, uow_factory, other_factory)))
        keys = [key for report in reports for key in report.enqueued]
        assert sorted(keys) == sorted(f"reminder:{m.id}:{D0.isoformat()}" for m in stored)  # each once
        async with uow_factory() as uow:
            assert await uow.outbox.count() == 300
            assert await uow.schedule.due_kinds(T0 + MINUTE) == set()
