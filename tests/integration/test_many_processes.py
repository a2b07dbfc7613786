"""Several real `studybot run` processes share one Postgres database: thousands of reminders fall due
at once, one process is stopped mid-way (SIGTERM), and every reminder reaches the (fake) platform
exactly once."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from collections import Counter
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest

from bot.domain import Cohort, Member, Membership, OutboxStatus
from storage import Database
from tests.e2e.slack.fake_slack import FakeSlack
from tests.integration.conftest import _postgres_database

REMINDERS = 2000
PROCESSES = 3
TOKEN = "xoxb-many-processes"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def _seed(url: str) -> None:
    database = await Database.connect(url)
    due = datetime.now(UTC) - timedelta(minutes=1)
    try:
        async with database.unit_of_work() as uow:
            owner = await uow.members.add(Member("slack", "T1", "UOWNER", "owner"))
            cohort = await uow.cohorts.add(Cohort("slack", "T1", "big-club", "C1", owner.id or 0,
                                                  created_at=due, next_digest_at=None, next_recap_at=None))
            for number in range(REMINDERS):
                member = await uow.members.add(Member("slack", "T1", f"U{number:05d}", f"m{number}"))
                await uow.memberships.add(Membership(cohort.id or 0, member.id or 0, reminder_time=time(9, 0),
                                                     next_reminder_at=due, joined_at=due))
            await uow.commit()
    finally:
        await database.dispose()


@pytest.mark.postgres
async def test_every_reminder_goes_out_once_across_processes_with_one_stopped(tmp_path: Path) -> None:
    async for url in _postgres_database():
        await _seed(url)
        await _scenario(url, tmp_path)


async def _scenario(url: str, tmp_path: Path) -> None:
    fake = FakeSlack(TOKEN)
    await fake.start()
    processes = []
    try:
        for _ in range(PROCESSES):
            env = {**os.environ, "SLACK_BOT_TOKEN": TOKEN, "SLACK_SIGNING_SECRET": "secret",
                   "STUDYBOT_HTTP_PORT": str(_free_port()), "SLACK_API_URL": fake.base_url,
                   "STUDYBOT_DATABASE_URL": url, "STUDYBOT_TICK_SECONDS": "0.5",
                   "STUDYBOT_OUTBOX_LEASE_SECONDS": "5"}
            for name in ("DISCORD_TOKEN", "SLACK_APP_TOKEN"):
                env.pop(name, None)
            processes.append(await asyncio.create_subprocess_exec(
                sys.executable, "-m", "adapters.cli", "run", env=env, cwd=tmp_path,
                stderr=asyncio.subprocess.DEVNULL))

        def delivered() -> list[str]:
            return [c.params["channel"] for c in fake.named("chat.postMessage")
                    if str(c.params.get("channel", "")).startswith("D")]

        await fake.wait_for(lambda: len(delivered()) >= REMINDERS // 5, seconds=120)
        processes[0].send_signal(signal.SIGTERM)  # mid-way: it finishes its send and gives back its claims
        assert await asyncio.wait_for(processes[0].wait(), 30) == 0
        await fake.wait_for(lambda: len(delivered()) >= REMINDERS, seconds=120)
        for process in processes[1:]:
            process.send_signal(signal.SIGTERM)
        for process in processes[1:]:
            assert await asyncio.wait_for(process.wait(), 30) == 0
        counts = Counter(delivered())
        assert len(counts) == REMINDERS and max(counts.values()) == 1, counts.most_common(3)
        database = await Database.connect(url)
        try:
            async with database.unit_of_work() as uow:
                by_status = {s.value: await uow.outbox.count(s) for s in OutboxStatus}
            assert by_status == {"sent": REMINDERS, "pending": 0, "failed": 0, "skipped": 0}, by_status
        finally:
            await database.dispose()
    finally:
        for process in processes:
            if process.returncode is None:
                process.kill()
                await process.wait()
        await fake.stop()
