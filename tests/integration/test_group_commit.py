"""Group-committed check-ins on real databases: a burst, with retries of the same interaction arriving at
another bot process at the same moment, records every check-in exactly once and answers each one."""

from __future__ import annotations

import asyncio

from bot.clock import SimulatedClock
from bot.commands.context import Invocation
from bot.service import StudyBot
from storage import Database
from tests.integration.conftest import NOW

MEMBERS = 120


def _invocation(user: str, key: str) -> Invocation:
    return Invocation(platform="test", workspace="w", user_id=user, display_name=user, channel_id="club",
                      idempotency_key=key)


async def _cohort(bot: StudyBot) -> None:
    assert not (await bot.handle_text(_invocation("owner", "setup-0"), "cohort create club")).is_error
    joined = await asyncio.gather(*(bot.handle_text(_invocation(f"u{n}", f"join-{n}"), "cohort join")
                                    for n in range(MEMBERS)))
    assert not any(reply.is_error for reply in joined)


async def test_two_processes_take_a_burst_with_retries_and_record_each_check_in_once(database_url: str) -> None:
    first, second = await Database.connect(database_url), await Database.connect(database_url)
    clock = SimulatedClock(NOW)
    try:
        one, other = StudyBot(first.unit_of_work, clock), StudyBot(second.unit_of_work, clock)
        await _cohort(one)
        burst = [(f"u{n}", f"checkin-{n}") for n in range(MEMBERS)]
        retried = burst[::3]  # a third of the interactions are delivered to the other process too
        replies = await asyncio.gather(
            *(one.handle_text(_invocation(user, key), "checkin 20 gradients") for user, key in burst),
            *(other.handle_text(_invocation(user, key), "checkin 20 gradients") for user, key in retried))
        assert not any(reply.is_error for reply in replies), [r.text for r in replies if r.is_error][:3]
        by_key: dict[str, list[bool]] = {}
        for (_, key), reply in zip(burst + retried, replies, strict=True):
            by_key.setdefault(key, []).append(bool(reply.data["duplicate"]))
            assert reply.data["minutes_today"] == 20  # never counted twice
        assert all(sorted(flags) == ([False, True] if len(flags) == 2 else [False]) for flags in by_key.values())

        async with first.unit_of_work() as uow:
            cohort = await uow.cohorts.find_by_channel("test", "w", "club")
            assert cohort is not None and cohort.id is not None
            recorded = await uow.checkins.for_cohort(cohort.id)
        assert sorted(c.idempotency_key for c in recorded) == sorted(key for _, key in burst)

        again = await one.handle_text(_invocation("u0", "checkin-next"), "checkin 15")
        assert again.data["minutes_today"] == 35 and again.data["streak"] == 1
    finally:
        await first.dispose()
        await second.dispose()
