"""The dispatcher: drains the outbox through each platform's notifier, paced to the platform's rate
limits, retrying with exponential back-off (honouring `retry_after`), and recording every outcome.

Pacing: a bot-wide limit (Discord: 50 requests/s per bot, whatever the number of processes or shards) is one
schedule of evenly spaced slots in the database that every process of the bot takes from (`RateLimiter`,
`bot.ports.RateBudgetRepository`); a per-channel limit (Slack: about 1 message/s per channel) is paced in each
process, which is enough while one channel's messages are a handful at a time."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from bot.clock import Clock
from bot.commands.resolve import load_enrolment
from bot.domain import OutboxMessage, OutboxStatus
from bot.errors import StorageUnavailable
from bot.ports import DeliveryFailed, Destination, Notifier, UnitOfWork, UnitOfWorkFactory
from bot.replies import Reply
from bot.telemetry import NoTelemetry, Telemetry

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RatePolicy:
    per_second: float
    burst: float
    # One bucket per channel, in each process (Slack), or one for the whole bot, shared by all its processes
    # through the database when the limiter has a unit of work (Discord).
    per_target: bool


RATE_POLICIES: dict[str, RatePolicy] = {
    # Discord allows 50 requests/s per bot. Evenly spaced and a little under it: a burst on top of a full
    # second, or timer jitter at exactly 50/s, would meet a 429. With several processes the 48/s is their sum.
    "discord": RatePolicy(per_second=48.0, burst=1.0, per_target=False),
    "slack": RatePolicy(per_second=1.0, burst=1.0, per_target=True),
}

# Slots a process takes from a shared budget per trip to the database: 5 at Discord's pace is about 0.1 s of
# sending, so the trip (one short upsert) is made for every fifth message at most, and a process that stops
# (or ends its drain) leaves at most 4 slots unused.
SHARED_SLOTS = 5
# A slot this late (in intervals) is given up rather than used: sent later still, it would fall into the slot
# of the next taker and two requests would go within one interval. At 48/s the sum of every process's sends
# stays under 50 in any second while lateness stays under 2 intervals; half of one leaves the rest for the trip
# back from the database (counted as late, never early) and the network to Discord.
LATE_SLOT = 0.5
MAX_LEAD = 2.0  # seconds: the most a reservation waits for its own commit (a database that slow has bigger problems)


class RateLimiter:
    """Says how long to wait before the next request to a platform may go (`acquire`).

    Per-target policies, and every policy when no unit of work is given: token buckets in this process
    (`reserve`). A bot-wide policy with a unit of work: slots from the budget in the database that all the
    bot's processes share (`rate_budgets`, one row per platform: every process of a database may send any of
    its outbox messages, so a database serves one bot per platform and the platform names the bot). A process
    takes up to SHARED_SLOTS consecutive slots per trip and spends them at their times, so the sends of all
    processes together are evenly spaced at the policy's rate; a process that falls behind its slots gives them
    up (`dropped`) and takes fewer at a time, so a slow sender wastes little of the bot's budget.

    A send that costs several requests (a Discord DM to a member not messaged before: open the channel, then
    post; `bot.ports.CountsRequests`) takes as many consecutive slots and goes at the first, its requests back
    to back: the bot's sum stays 48/s, and a second holds at most 50 (25 pairs, the 25th on its edge; 49 for
    single sends), so the margin for lateness before a 51st is one interval instead of two. Slots held that
    are not in a row (another process took the ones between) cannot carry one send: the earlier ones are given
    up (`dropped`), about 6% of the budget when two processes' costs change every send or two.

    Chosen over splitting the rate by a heartbeat count of live processes (48/N each): that leaves the share
    of a process with nothing left to send unused (tests/integration/test_shared_rate_limit.py with 24/s each:
    12.6 s for 500 DMs, 1.26 x the ideal 10 s, as one process sends its last batch alone; this way: 10.6 s), and
    it overshoots while a process joins and the others have not seen it yet. The shared schedule costs one short
    statement per 5 sends."""

    def __init__(self, policies: Mapping[str, RatePolicy], monotonic: Callable[[], float] = time.monotonic, *,
                 unit_of_work: UnitOfWorkFactory | None = None, shared_slots: int = SHARED_SLOTS) -> None:
        self._policies = policies
        self._monotonic = monotonic
        self._buckets: dict[tuple[str, str], tuple[float, float]] = {}
        self._unit_of_work = unit_of_work
        self._shared_slots = shared_slots
        self._slots: dict[str, deque[float]] = {}  # budget key -> when (monotonic) each slot taken is due
        self._take: dict[str, int] = {}  # budget key -> how many slots to take next time
        self._lead = 0.0  # how long after a reservation its first slot should begin (see `_take_slots`)
        self.dropped = 0  # slots given up: this process came to them too late (or, for a send of several, not in a row)

    async def acquire(self, platform: str, target: str, requests: int = 1) -> float:
        """The wait before a send that makes `requests` requests, back to back, may go."""
        policy = self._policies.get(platform)
        if policy is None:
            return 0.0
        if policy.per_target or self._unit_of_work is None:
            return self.reserve(platform, target, requests)
        return await self._shared_slot(platform, 1.0 / policy.per_second, max(1, requests))

    async def _shared_slot(self, key: str, interval: float, requests: int) -> float:
        slots = self._slots.setdefault(key, deque())
        while True:
            now = self._monotonic()
            while slots and now > slots[0] + LATE_SLOT * interval:
                slots.popleft()
                self.dropped += 1
                self._take[key] = max(1, self._take.get(key, self._shared_slots) // 2)
            while len(slots) >= requests and slots[requests - 1] - slots[0] > (requests - 0.5) * interval:
                slots.popleft()  # not `requests` in a row: this one cannot go with those after it
                self.dropped += 1
            if len(slots) >= requests:
                wait = max(0.0, slots[0] - now)
                for _ in range(requests):
                    slots.popleft()
                if wait > 0:  # this process is quicker than the pace: it can use more slots per trip
                    self._take[key] = min(self._shared_slots, self._take.get(key, self._shared_slots) + 1)
                return wait
            # Too few slots left (or given up): take more, whole sends' worth. Each trip moves the budget on,
            # so even a run of late answers ends, once its slots lie ahead of now.
            take = max(self._take.get(key, self._shared_slots), requests)
            await self._take_slots(key, -(-take // requests) * requests, interval)

    async def _take_slots(self, key: str, count: int, interval: float) -> None:
        assert self._unit_of_work is not None
        async with self._unit_of_work() as uow:
            wait = await uow.rate_budgets.reserve(key, count, interval, self._lead)
            answered = self._monotonic()
            first = answered + wait  # counted from the answer, before the commit's round trip
            await uow.commit()
        # The next trip asks for its first slot no sooner than this commit took (with room to spare): slots that
        # begin before the commit is done would all be late, and a process whose commits take longer than half
        # an interval would give up every slot it takes and never send.
        self._lead = min(MAX_LEAD, 1.5 * (self._monotonic() - answered))
        slots = self._slots[key]
        slots.extend(first + number * interval for number in range(count))
        if len(slots) > count:
            # Some were left, or another task of this process took some too: keep them in time order, in this
            # deque (a caller holds it: a new one would hand out again the slots the caller goes on to use).
            ordered = sorted(slots)
            slots.clear()
            slots.extend(ordered)

    def reserve(self, platform: str, target: str, requests: int = 1) -> float:
        """In-process token buckets: the wait before the next `requests` requests to `platform`/`target` may go
        (together: a send of two waits until the bucket has refilled both)."""
        policy = self._policies.get(platform)
        if policy is None:
            return 0.0
        key = (platform, target if policy.per_target else "*")
        now = self._monotonic()
        tokens, stamp = self._buckets.get(key, (policy.burst, now))
        tokens = min(policy.burst, tokens + (now - stamp) * policy.per_second) - max(1, requests)
        self._buckets[key] = (tokens, now)
        return 0.0 if tokens >= 0 else -tokens / policy.per_second


@dataclass
class DrainReport:
    sent: list[str] = field(default_factory=list)
    retried: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


class Dispatcher:
    def __init__(self, unit_of_work: UnitOfWorkFactory, clock: Clock, notifiers: Mapping[str, Notifier], *,
                 owner: str, limiter: RateLimiter | None = None,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep, max_attempts: int = 6,
                 base_backoff: timedelta = timedelta(seconds=10), max_backoff: timedelta = timedelta(minutes=15),
                 lease: timedelta = timedelta(minutes=2), batch: int = 100, telemetry: Telemetry | None = None) -> None:
        self._unit_of_work = unit_of_work
        self._clock = clock
        self._notifiers = notifiers
        self._owner = owner
        self._limiter = limiter or RateLimiter(RATE_POLICIES, unit_of_work=unit_of_work)
        self._sleep = sleep
        self._max_attempts = max_attempts
        self._base_backoff = base_backoff
        self._max_backoff = max_backoff
        self._lease = lease
        self._batch = batch
        self._stopping = False
        self._telemetry: Telemetry = telemetry or NoTelemetry()
        # The last send's outcome, not written yet: it goes in the transaction that renews the next claim.
        self._unrecorded: OutboxMessage | None = None

    def stop(self) -> None:
        """Finish the message in flight, then stop draining (graceful shutdown; `release` the rest)."""
        self._stopping = True

    async def drain(self) -> DrainReport:
        """Send everything due now; returns when nothing claimable is left, or after `stop()`."""
        report = DrainReport()
        while not self._stopping:
            now = self._clock.now()
            async with self._unit_of_work() as uow:
                claimed = await uow.outbox.claim(now, self._batch, now + self._lease, self._owner)
                await uow.commit()
            try:
                for message in claimed:
                    if self._stopping:
                        break
                    await self._deliver(message, report)
            except StorageUnavailable:
                self._unrecorded = None  # lost, as any write now: sent again once its lease ends (README: duplicates)
                raise
            finally:
                if self._unrecorded is not None:
                    await self._record(self._unrecorded)
            if len(claimed) < self._batch:
                break
        return report

    async def release(self) -> int:
        """Give back this dispatcher's claims (graceful shutdown)."""
        if self._unrecorded is not None:  # a drain cut short: its last send is recorded sent, never given back
            await self._record(self._unrecorded)
        async with self._unit_of_work() as uow:
            released = await uow.outbox.release(self._owner)
            await uow.commit()
        return released

    async def _deliver(self, message: OutboxMessage, report: DrainReport) -> None:
        """Send `message` if it is still ours and still wanted; its outcome is written with the next message's
        checks, in one transaction (or at the end of the batch)."""
        notifier = self._notifiers.get(message.platform)
        ready = await self._ready(message)
        if ready is None:
            return  # not ours any more, or skipped (and recorded)
        message.attempts += 1
        try:
            if notifier is None:
                raise DeliveryFailed(f"no {message.platform} adapter is running in this process")
            destination = _destination(message, thread=ready.thread)
            # The last thing before sending: as many slots as the send will make requests.
            wait = await self._limiter.acquire(message.platform, message.target, _requests(notifier, destination))
            if wait > 0:
                await self._sleep(wait)
            message.platform_message_id = await notifier.send(destination, _reply(message))
        except DeliveryFailed as failure:
            self._failed(message, failure, report)
        except StorageUnavailable:
            raise  # not a send that failed: the claim stays until its lease ends, as for every storage call here
        except Exception as error:  # a notifier bug must not stop the queue; treat it as transient
            log.exception("notifier for %s raised", message.platform)
            self._failed(message, DeliveryFailed(type(error).__name__), report)
        else:
            message.status = OutboxStatus.SENT
            message.sent_at = self._clock.now()
            message.last_error = None
            report.sent.append(message.key)
            self._telemetry.sent(message.platform, "sent")
        self._unrecorded = message

    async def _ready(self, message: OutboxMessage) -> _Ready | None:
        """Everything due before a send, in one transaction: the previous send's outcome written, the claim renewed
        (so a message is never sent by two processes at once, nor after `forget` took the claim), and the checks
        that it is still worth sending; a message that is not is recorded skipped there too. None: do not send."""
        assert message.id is not None
        now = self._clock.now()
        async with self._unit_of_work() as uow:
            if self._unrecorded is not None:
                await _write_outcome(uow, self._unrecorded)
            ready = None
            if await uow.outbox.renew(message.id, self._owner, now, now + self._lease):
                message.claimed_until = now + self._lease
                why = await self._why_not(uow, message, now)
                if why is None:
                    ready = _Ready(await self._thread_of(uow, message))
                else:
                    message.status, message.last_error = OutboxStatus.SKIPPED, f"skipped: {why}"
                    await _write_outcome(uow, message)
            # else: the lease ran out while earlier messages of the batch were sent; its new owner sends it
            await uow.commit()
        self._unrecorded = None
        return ready

    async def _why_not(self, uow: UnitOfWork, message: OutboxMessage, now: datetime) -> str | None:
        """Why a claimed message is no longer sent (recorded as skipped), or None to send it."""
        if message.expires_at is not None and now > message.expires_at:
            late = int((now - message.due_at).total_seconds() // 60)
            return f"{late} min late, past the time it was still worth sending"
        if not await self._still_wanted(uow, message):
            return "no longer applies (day done or paused, member or cohort gone)"
        return None

    async def _record(self, message: OutboxMessage) -> None:
        async with self._unit_of_work() as uow:
            if await _write_outcome(uow, message):
                await uow.commit()
        self._unrecorded = None

    async def _still_wanted(self, uow: UnitOfWork, message: OutboxMessage) -> bool:
        """A reminder or last call held back by retries is dropped once the day is done or off, or the member
        left; a digest or recap once its cohort is gone, a digest also once its day is off for the cohort. A
        digest pings only who is still a member (it says what was true when it was written, but someone who
        left since is not mentioned)."""
        parts = message.key.split(":")
        if message.kind in ("digest", "recap") and len(parts) == 3 and parts[1].isdigit():
            cohort = await uow.cohorts.get(int(parts[1]))
            if cohort is None:
                return False
            if message.kind == "digest" and cohort.is_off(date.fromisoformat(parts[2])):
                return False  # the day became a holiday (or left the study days) while this waited
            mentions = message.data.get("mentions")
            if isinstance(mentions, list) and mentions:
                members = {member.user_id for _, member in await uow.memberships.active_in_cohort(int(parts[1]))}
                message.data["mentions"] = [user_id for user_id in mentions if user_id in members]
            return True
        if message.kind not in ("reminder", "lastcall") or len(parts) != 3 or not parts[1].isdigit():
            return True
        _, membership_id, day = parts
        enrolment = await load_enrolment(uow, int(membership_id))
        if enrolment is None or not enrolment.membership.active:
            return False
        minutes = await uow.checkins.minutes_on(int(membership_id), date.fromisoformat(day))
        return minutes < enrolment.cohort.daily_target and not enrolment.is_off(date.fromisoformat(day))

    async def _thread_of(self, uow: UnitOfWork, message: OutboxMessage) -> str | None:
        """The platform id of the message this one replies under (a digest thread), once that was sent."""
        parent_key = message.data.get("thread_key")
        if not isinstance(parent_key, str):
            return None
        parent = await uow.outbox.get_by_key(parent_key)
        return parent.platform_message_id if parent is not None else None

    def _failed(self, message: OutboxMessage, failure: DeliveryFailed, report: DrainReport) -> None:
        message.last_error = failure.reason[:500]
        if failure.retry_after is not None:
            self._telemetry.sent(message.platform, "rate_limited")
        if failure.permanent or message.attempts >= self._max_attempts:
            message.status = OutboxStatus.FAILED
            report.failed.append(message.key)
            self._telemetry.sent(message.platform, "failed")
            return
        self._telemetry.sent(message.platform, "retry")
        backoff = min(self._base_backoff * 2 ** (message.attempts - 1), self._max_backoff)
        if failure.retry_after is not None:
            backoff = max(backoff, timedelta(seconds=failure.retry_after))
        message.next_attempt_at = self._clock.now() + backoff
        report.retried.append(message.key)


@dataclass(frozen=True)
class _Ready:
    thread: str | None  # the platform id of the message this one replies under, if any


async def _write_outcome(uow: UnitOfWork, message: OutboxMessage) -> bool:
    """How the delivery went, and only that: `forget` may have rewritten or removed the row meanwhile (False)."""
    message.claimed_until = message.claimed_by = None
    return await uow.outbox.record(message)


def _requests(notifier: Notifier, destination: Destination) -> int:
    """Requests the send will make of the platform's rate limit: the notifier's own count
    (`bot.ports.CountsRequests`), else one."""
    requests_for = getattr(notifier, "requests_for", None)
    return max(1, int(requests_for(destination))) if callable(requests_for) else 1


def _destination(message: OutboxMessage, thread: str | None) -> Destination:
    kind = "dm" if message.destination_kind == "dm" else "channel"
    return Destination(platform=message.platform, workspace=message.workspace, kind=kind, target=message.target,
                       thread=thread)


def _reply(message: OutboxMessage) -> Reply:
    return Reply(text=message.text, title=message.title, data=dict(message.data),
                 private=message.destination_kind == "dm")
