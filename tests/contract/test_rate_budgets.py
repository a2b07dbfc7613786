"""The shared send budgets (bot.ports.RateBudgetRepository): the fake and the SQL storage agree. Real time, in
milliseconds: the budget is a schedule on a clock that the database (or this machine) keeps."""

from __future__ import annotations

import asyncio
import time
from itertools import pairwise

import pytest

from bot.ports import UnitOfWorkFactory

SLACK = 0.05  # seconds a database round trip may add to an answer on a busy machine


async def _reserve(uow_factory: UnitOfWorkFactory, key: str, slots: int, interval: float,
                   lead: float = 0.0) -> tuple[float, float]:
    """(seconds until the first slot, when that is on this machine's monotonic clock)."""
    async with uow_factory() as uow:
        wait = await uow.rate_budgets.reserve(key, slots, interval, lead)
        at = time.monotonic() + wait
        await uow.commit()
    return wait, at


async def test_an_idle_budget_starts_now_and_the_next_taker_after_the_slots_taken(
        uow_factory: UnitOfWorkFactory) -> None:
    wait, first = await _reserve(uow_factory, "discord:bot", 5, 0.1)
    assert -SLACK < wait <= 0.0
    wait, second = await _reserve(uow_factory, "discord:bot", 2, 0.1)
    assert 0.5 - SLACK < wait <= 0.5
    assert second - first == pytest.approx(0.5, abs=SLACK)
    wait, _ = await _reserve(uow_factory, "discord:other-bot", 1, 0.1)  # budgets are independent
    assert -SLACK < wait <= 0.0


async def test_a_lead_puts_the_first_slot_of_an_idle_budget_that_much_later(uow_factory: UnitOfWorkFactory) -> None:
    wait, first = await _reserve(uow_factory, "discord", 2, 0.1, lead=0.3)
    assert wait == pytest.approx(0.3, abs=SLACK)
    wait, second = await _reserve(uow_factory, "discord", 1, 0.1, lead=0.05)  # the budget is ahead of the lead
    assert second - first == pytest.approx(0.2, abs=SLACK)


async def test_an_idle_budget_saves_up_no_burst(uow_factory: UnitOfWorkFactory) -> None:
    await _reserve(uow_factory, "discord", 1, 0.001)
    await asyncio.sleep(0.05)
    first, _ = await _reserve(uow_factory, "discord", 3, 0.01)
    second, _ = await _reserve(uow_factory, "discord", 1, 0.01)
    assert -SLACK < first <= 0.0
    assert 0.03 - SLACK < second <= 0.03


async def test_concurrent_takers_get_slots_that_never_overlap(uow_factory: UnitOfWorkFactory) -> None:
    interval, takers = 0.02, 12
    taken = await asyncio.gather(*(_reserve(uow_factory, "discord", 3, interval) for _ in range(takers)))
    starts = sorted(at for _, at in taken)
    # Each answer counts from when it arrived, so a start may look late by a round trip, never early.
    assert all(later - earlier > 3 * interval - SLACK / 2 for earlier, later in pairwise(starts))
    _, after = await _reserve(uow_factory, "discord", 1, interval)
    assert after > starts[0] + takers * 3 * interval - SLACK / 2
