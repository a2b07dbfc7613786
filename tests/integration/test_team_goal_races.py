"""The team goal's celebration on real databases: two bot processes recording check-ins of one cohort at the same
moment owe it exactly once — not twice, and not never when the last two check-ins cross the goal together."""

from __future__ import annotations

import asyncio

from bot.clock import SimulatedClock
from bot.commands.context import Invocation
from bot.domain import OutboxStatus
from bot.service import StudyBot
from storage import Database
from tests.integration.conftest import NOW

MEMBERS = 24
MINUTES = 20


def _invocation(user: str, key: str) -> Invocation:
    return Invocation(platform="test", workspace="w", user_id=user, display_name=user, channel_id="club",
                      idempotency_key=key)


async def test_two_processes_crossing_the_goal_together_celebrate_once(database_url: str) -> None:
    first, second = await Database.connect(database_url), await Database.connect(database_url)
    clock = SimulatedClock(NOW)
    try:
        one, other = StudyBot(first.unit_of_work, clock), StudyBot(second.unit_of_work, clock)
        # The goal is exactly everyone's minutes: only the last check-ins to commit reach it.
        created = await one.handle_text(_invocation("owner", "setup"),
                                        f"cohort create club team_goal:{MEMBERS * MINUTES}")
        assert not created.is_error, created.text
        joined = await asyncio.gather(*(one.handle_text(_invocation(f"u{n}", f"join-{n}"), "cohort join")
                                        for n in range(MEMBERS)))
        assert not any(reply.is_error for reply in joined)
        for round_ in range(2):  # each round: every member once, half through each process, all at once
            bots = [one if n % 2 else other for n in range(MEMBERS)]
            replies = await asyncio.gather(*(bot.handle_text(_invocation(f"u{n}", f"c{round_}-{n}"),
                                                             f"checkin {MINUTES}")
                                             for n, bot in enumerate(bots)))
            assert not any(reply.is_error for reply in replies), [r.text for r in replies if r.is_error][:3]
        team = await one.handle_text(_invocation("u0", "team"), "team")
        assert team.data["minutes"] == 2 * MEMBERS * MINUTES and team.data["percent"] == 200
        monday = team.data["week"]
        async with first.unit_of_work() as uow:
            cohort = await uow.cohorts.find_by_channel("test", "w", "club")
            assert cohort is not None
            celebration = await uow.outbox.get_by_key(f"teamgoal:{cohort.id}:{monday}")
            assert celebration is not None and celebration.status is OutboxStatus.PENDING
            assert celebration.destination_kind == "channel" and celebration.target == "club"
            assert celebration.data["minutes"] >= MEMBERS * MINUTES
            pending = [m for m in await uow.outbox.claim(NOW, 1000, NOW, "probe") if m.kind == "teamgoal"]
        assert len(pending) == 1  # once, over both rounds
    finally:
        await first.dispose()
        await second.dispose()
