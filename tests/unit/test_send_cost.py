"""Sends that cost several requests (a Discord DM to a member not messaged before: open the DM channel, then
post): the dispatcher asks the notifier (`requests_for`) and takes that many slots of the bot's budget, so the
requests, not the messages, keep 48/s. On a simulated clock, the budget as in test_shared_rate_limit."""

from __future__ import annotations

from datetime import UTC, datetime
from itertools import pairwise

import pytest

from bot.clock import SimulatedClock
from bot.delivery import RATE_POLICIES, Dispatcher, RateLimiter
from bot.domain import OutboxMessage
from bot.ports import Destination
from bot.replies import Reply
from tests.fakes import InMemoryStore
from tests.unit.test_shared_rate_limit import Budget, Time, UnitOfWork, _most_in_one_second

INTERVAL = 1 / RATE_POLICIES["discord"].per_second
NOW = datetime(2026, 3, 6, 19, 0, tzinfo=UTC)


class DmNotifier:
    """Like Discord's: a DM to a user it has not DMed opens the channel first, a request of its own."""

    platform = "discord"

    def __init__(self, time: Time) -> None:
        self.time = time
        self.opened: set[str] = set()
        self.requests: list[float] = []  # when each request went

    def requests_for(self, destination: Destination) -> int:
        return 1 if destination.kind != "dm" or destination.target in self.opened else 2

    async def send(self, destination: Destination, reply: Reply) -> str | None:
        if destination.kind == "dm" and destination.target not in self.opened:
            self.requests.append(self.time.now)  # POST /users/@me/channels
            self.opened.add(destination.target)
        self.requests.append(self.time.now)
        self.time.now += 0.003  # its answers, and the dispatcher's own work, take a little time
        return f"m{len(self.requests)}"


def _limiter(time: Time, budget: Budget) -> RateLimiter:
    return RateLimiter(RATE_POLICIES, time, unit_of_work=lambda: UnitOfWork(budget))  # type: ignore[arg-type,return-value]


async def _drain(targets: list[str]) -> tuple[DmNotifier, Budget, RateLimiter]:
    """One dispatcher drains a DM to each of `targets`, due at once."""
    time = Time()
    budget = Budget(time)
    store = InMemoryStore()
    async with store.unit_of_work() as uow:
        await uow.outbox.add_many([OutboxMessage(
            key=f"nudge:{number}", kind="nudge", platform="discord", workspace="g", destination_kind="dm",
            target=target, text="hi", data={}, due_at=NOW, created_at=NOW, next_attempt_at=NOW)
            for number, target in enumerate(targets)])
        await uow.commit()
    notifier = DmNotifier(time)
    limiter = _limiter(time, budget)

    async def sleep(seconds: float) -> None:
        time.now += seconds

    dispatcher = Dispatcher(store.unit_of_work, SimulatedClock(NOW), {"discord": notifier}, owner="p",
                            limiter=limiter, sleep=sleep)
    report = await dispatcher.drain()
    assert len(report.sent) == len(targets)
    return notifier, budget, limiter


async def test_a_dm_to_a_member_not_messaged_before_takes_two_slots() -> None:
    notifier, budget, limiter = await _drain([f"new{number}" for number in range(240)])
    assert len(notifier.requests) == 480
    assert sum(slots for _, slots in budget.trips) - len(limiter._slots["discord"]) == 480  # one slot a request
    # A pair goes back to back at the first of its two slots, so a second that starts at one holds 25 pairs
    # where rounding puts the 25th on the edge: 50, Discord's limit, never over it (before: 96).
    assert _most_in_one_second(notifier.requests) <= 50
    assert len(notifier.requests) / (notifier.requests[-1] - notifier.requests[0]) == pytest.approx(48, rel=0.01)
    assert limiter.dropped == 0


async def test_a_member_already_messaged_costs_one_slot() -> None:
    notifier, budget, limiter = await _drain(["ann", "bob", "ann", "ann", "bob", "cy"] * 20)
    assert len(notifier.requests) == 120 + 3  # three channels opened, once each
    assert sum(slots for _, slots in budget.trips) - len(limiter._slots["discord"]) == 123
    assert _most_in_one_second(notifier.requests) <= 50


async def test_mixed_costs_from_two_processes_keep_the_bots_pace_and_never_reuse_a_slot() -> None:
    """A send of two goes at the first of two slots in a row, so the next send of its process is at least two
    intervals later; slots that are not in a row (the other process took the ones between) are given up."""
    time = Time()
    budget = Budget(time)
    processes = [_limiter(time, budget), _limiter(time, budget)]
    costs = [[1, 2, 2, 1, 2, 1, 1, 2, 2, 2], [2, 1, 2, 2, 1, 1, 2, 1, 2, 1]]
    ready = [0.0, 0.0]
    sends: list[list[tuple[float, int]]] = [[], []]
    requests: list[float] = []
    while len(requests) < 960:
        turn = min(range(2), key=lambda number: ready[number])
        cost = costs[turn][len(sends[turn]) % len(costs[turn])]
        time.now = ready[turn]
        time.now += await processes[turn].acquire("discord", "any", cost)
        sends[turn].append((time.now, cost))
        requests.extend([time.now] * cost)
        ready[turn] = time.now + 0.003
    for sent in sends:
        assert all(later - earlier >= cost * INTERVAL - 1e-9 for (earlier, cost), (later, _) in pairwise(sent))
    assert _most_in_one_second(requests) <= 50
    dropped = sum(process.dropped for process in processes)
    # Costs that change every send or two, in both processes: the worst case for slots left not in a row.
    assert dropped <= 960 * 0.08
    assert 48 * 0.92 <= len(requests) / (requests[-1] - requests[0]) <= 48.5


async def test_without_a_shared_budget_a_send_of_two_waits_for_both_tokens() -> None:
    time = Time()
    limiter = RateLimiter(RATE_POLICIES, time)
    assert await limiter.acquire("discord", "any", 2) == pytest.approx(INTERVAL)  # the bucket holds one
    time.now += INTERVAL  # both requests went at the second slot: the next is one interval on
    assert await limiter.acquire("discord", "any") == pytest.approx(INTERVAL)
    assert await limiter.acquire("slack", "C1", 1) == 0.0
