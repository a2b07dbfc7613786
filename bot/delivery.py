"""The dispatcher: drains the outbox through each platform's notifier, paced to the platform's rate
limits, retrying with exponential back-off (honouring `retry_after`), and recording every outcome."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

from bot.clock import Clock
from bot.commands.resolve import load_enrolment
from bot.domain import OutboxMessage, OutboxStatus
from bot.ports import DeliveryFailed, Destination, Notifier, UnitOfWorkFactory
from bot.replies import Reply
from bot.telemetry import NoTelemetry, Telemetry

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RatePolicy:
    per_second: float
    burst: float
    per_target: bool  # one bucket per channel (Slack) or one for the whole bot (Discord)


RATE_POLICIES: dict[str, RatePolicy] = {
    # Discord allows 50 requests/s per bot. Evenly spaced and a little under it: a burst on top of a full
    # second, or timer jitter at exactly 50/s, would meet a 429.
    "discord": RatePolicy(per_second=48.0, burst=1.0, per_target=False),
    "slack": RatePolicy(per_second=1.0, burst=1.0, per_target=True),
}


class RateLimiter:
    """Token buckets: `reserve` says how long to wait before the next request may go."""

    def __init__(self, policies: Mapping[str, RatePolicy], monotonic: Callable[[], float] = time.monotonic) -> None:
        self._policies = policies
        self._monotonic = monotonic
        self._buckets: dict[tuple[str, str], tuple[float, float]] = {}

    def reserve(self, platform: str, target: str) -> float:
        policy = self._policies.get(platform)
        if policy is None:
            return 0.0
        key = (platform, target if policy.per_target else "*")
        now = self._monotonic()
        tokens, stamp = self._buckets.get(key, (policy.burst, now))
        tokens = min(policy.burst, tokens + (now - stamp) * policy.per_second) - 1
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
        self._limiter = limiter or RateLimiter(RATE_POLICIES)
        self._sleep = sleep
        self._max_attempts = max_attempts
        self._base_backoff = base_backoff
        self._max_backoff = max_backoff
        self._lease = lease
        self._batch = batch
        self._stopping = False
        self._telemetry: Telemetry = telemetry or NoTelemetry()

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
            for message in claimed:
                if self._stopping:
                    break
                await self._deliver(message, report)
            if len(claimed) < self._batch:
                break
        return report

    async def release(self) -> int:
        """Give back this dispatcher's claims (graceful shutdown)."""
        async with self._unit_of_work() as uow:
            released = await uow.outbox.release(self._owner)
            await uow.commit()
        return released

    async def _deliver(self, message: OutboxMessage, report: DrainReport) -> None:
        notifier = self._notifiers.get(message.platform)
        if not await self._still_ours(message):
            return  # the lease ran out while earlier messages of the batch were sent; its new owner sends it
        if message.expires_at is not None and self._clock.now() > message.expires_at:
            message.status = OutboxStatus.SKIPPED
            late = int((self._clock.now() - message.due_at).total_seconds() // 60)
            message.last_error = f"skipped: {late} min late, past the time it was still worth sending"
            await self._record(message)
            return
        if not await self._still_wanted(message):
            message.status = OutboxStatus.SKIPPED
            message.last_error = "skipped: no longer applies (day done or paused, member or cohort gone)"
            await self._record(message)
            return
        message.attempts += 1
        try:
            if notifier is None:
                raise DeliveryFailed(f"no {message.platform} adapter is running in this process")
            wait = self._limiter.reserve(message.platform, message.target)
            if wait > 0:
                await self._sleep(wait)
            destination = _destination(message, thread=await self._thread_of(message))
            message.platform_message_id = await notifier.send(destination, _reply(message))
        except DeliveryFailed as failure:
            self._failed(message, failure, report)
        except Exception as error:  # a notifier bug must not stop the queue; treat it as transient
            log.exception("notifier for %s raised", message.platform)
            self._failed(message, DeliveryFailed(type(error).__name__), report)
        else:
            message.status = OutboxStatus.SENT
            message.sent_at = self._clock.now()
            message.last_error = None
            report.sent.append(message.key)
            self._telemetry.sent(message.platform, "sent")
        await self._record(message)

    async def _record(self, message: OutboxMessage) -> None:
        message.claimed_until = message.claimed_by = None
        async with self._unit_of_work() as uow:
            await uow.outbox.save(message)
            await uow.commit()

    async def _still_ours(self, message: OutboxMessage) -> bool:
        """Renew the claim just before sending, so a message is never sent by two processes at once."""
        assert message.id is not None
        now = self._clock.now()
        async with self._unit_of_work() as uow:
            ours = await uow.outbox.renew(message.id, self._owner, now, now + self._lease)
            await uow.commit()
        if ours:
            message.claimed_until = now + self._lease
        return ours

    async def _still_wanted(self, message: OutboxMessage) -> bool:
        """A reminder or last call held back by retries is dropped once the day is done or paused, or the member
        left; a digest or recap once its cohort is gone."""
        parts = message.key.split(":")
        if message.kind in ("digest", "recap") and len(parts) == 3 and parts[1].isdigit():
            async with self._unit_of_work() as uow:
                return await uow.cohorts.get(int(parts[1])) is not None
        if message.kind not in ("reminder", "lastcall") or len(parts) != 3 or not parts[1].isdigit():
            return True
        _, membership_id, day = parts
        async with self._unit_of_work() as uow:
            enrolment = await load_enrolment(uow, int(membership_id))
            if enrolment is None or not enrolment.membership.active:
                return False
            minutes = await uow.checkins.minutes_on(int(membership_id), date.fromisoformat(day))
        return minutes < enrolment.cohort.daily_target and not enrolment.is_paused(date.fromisoformat(day))

    async def _thread_of(self, message: OutboxMessage) -> str | None:
        """The platform id of the message this one replies under (a digest thread), once that was sent."""
        parent_key = message.data.get("thread_key")
        if not isinstance(parent_key, str):
            return None
        async with self._unit_of_work() as uow:
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


def _destination(message: OutboxMessage, thread: str | None) -> Destination:
    kind = "dm" if message.destination_kind == "dm" else "channel"
    return Destination(platform=message.platform, workspace=message.workspace, kind=kind, target=message.target,
                       thread=thread)


def _reply(message: OutboxMessage) -> Reply:
    return Reply(text=message.text, title=message.title, data=dict(message.data),
                 private=message.destination_kind == "dm")
