"""SIGTERM in the middle of a burst, Slack HTTP mode: the real `studybot run` process against the fake Slack,
on a SQLite file.

The test holds SQLite's write lock while 50 concurrent `/study checkin` commands arrive (bolt acknowledges
each at once and does the work after), so the work is in flight when the process gets SIGTERM; more commands
follow until one is refused with 503 (Slack retries what was not acknowledged). Then the lock is let go.
Every acknowledged command must be answered at its response_url and recorded; every refused one neither; the
process exits 0 within its drain bound."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import sqlite3
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

import aiohttp
from aiohttp import web

from adapters.serve import DRAIN_SECONDS
from bot.domain import Cohort, Member, Membership
from storage import Database
from tests.e2e.slack.conftest import SECRET, TOKEN, Slack
from tests.e2e.slack.fake_slack import FakeSlack

BURST = 50
AFTER = 200  # commands sent after SIGTERM, at most, until one is refused
EXIT_MARGIN = 5.0


class _Fake(FakeSlack):
    """The fake Slack, also noting which response_url each answer went to."""

    def __init__(self, token: str) -> None:
        super().__init__(token)
        self.answered: dict[str, dict[str, object]] = {}

    async def _response(self, request: web.Request) -> web.Response:
        self.answered[request.match_info["name"]] = await request.json()
        return await super()._response(request)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def _seed(url: str, users: list[str]) -> None:
    database = await Database.connect(url)
    now = datetime.now(UTC) - timedelta(days=1)
    try:
        async with database.unit_of_work() as uow:
            owner = await uow.members.add(Member("slack", "T1", "UOWNER", "owner"))
            cohort = await uow.cohorts.add(Cohort("slack", "T1", "ml-club", "C1", owner.id or 0, created_at=now,
                                                  next_digest_at=None, next_recap_at=None))
            for user_id in users:
                member = await uow.members.add(Member("slack", "T1", user_id, user_id.lower()))
                await uow.memberships.add(Membership(cohort.id or 0, member.id or 0, reminder_time=None,
                                                     next_reminder_at=None, joined_at=now))
            await uow.commit()
    finally:
        await database.dispose()


async def _checkin(slack: Slack, user_id: str) -> int:
    """`/study checkin 25` from `user_id`, answered at a response_url named after them: the HTTP status."""
    payload = {"command": "/study", "text": "checkin 25", "user_id": user_id, "user_name": user_id.lower(),
               "team_id": "T1", "channel_id": "C1", "trigger_id": f"trigger-{user_id}",
               "response_url": slack.fake.response_url(user_id), "api_app_id": "A1", "token": "legacy"}
    response = await slack.post(urlencode(payload), "application/x-www-form-urlencoded")
    return response.status


def _recorded(path: Path) -> set[str]:
    with contextlib.closing(sqlite3.connect(path)) as connection:
        rows = connection.execute("SELECT idempotency_key FROM checkins").fetchall()
    return {key.removeprefix("slack:trigger-") for (key,) in rows}


async def test_sigterm_mid_burst_answers_what_it_acked_and_refuses_the_rest_with_503(tmp_path: Path) -> None:
    path = tmp_path / "run.db"
    url = f"sqlite+aiosqlite:///{path}"
    burst = [f"U{number:04d}" for number in range(BURST)]
    after = [f"U{number:04d}" for number in range(BURST, BURST + AFTER)]
    await _seed(url, burst + after)
    fake = _Fake(TOKEN)
    await fake.start()
    port = _free_port()
    env = {**os.environ, "SLACK_BOT_TOKEN": TOKEN, "SLACK_SIGNING_SECRET": SECRET, "STUDYBOT_HTTP_PORT": str(port),
           "SLACK_API_URL": fake.base_url, "STUDYBOT_DATABASE_URL": url}
    for name in ("DISCORD_TOKEN", "SLACK_APP_TOKEN"):
        env.pop(name, None)
    log = (tmp_path / "stderr.log").open("wb")
    process = await asyncio.create_subprocess_exec(sys.executable, "-m", "adapters.cli", "run", env=env,
                                                   cwd=tmp_path, stderr=log)
    statuses: dict[str, int] = {}
    try:
        async with aiohttp.ClientSession() as session:
            slack = Slack(fake, None, None, None, f"http://127.0.0.1:{port}/slack/events", session)  # type: ignore[arg-type]
            for _ in range(300):  # bounded: the process needs a moment to start listening
                with contextlib.suppress(aiohttp.ClientConnectionError):
                    if (await session.get(f"http://127.0.0.1:{port}/healthz")).status == 200:
                        break
                await asyncio.sleep(0.05)
            lock = sqlite3.connect(path, isolation_level=None)
            try:
                lock.execute("BEGIN IMMEDIATE")  # the commands' work waits for the database (busy timeout 5 s)
                codes = await asyncio.gather(*(_checkin(slack, user_id) for user_id in burst))
                statuses.update(zip(burst, codes, strict=True))
                assert set(codes) == {200}  # acknowledged at once; the work is in flight
                process.send_signal(signal.SIGTERM)
                stopping = time.monotonic()
                for user_id in after:
                    with contextlib.suppress(aiohttp.ClientConnectionError):  # refused once the port closed
                        statuses[user_id] = await _checkin(slack, user_id)
                    if statuses.get(user_id) == 503:
                        break
            finally:
                lock.execute("COMMIT")
                lock.close()
            code = await asyncio.wait_for(process.wait(), DRAIN_SECONDS + EXIT_MARGIN + 5)
            took = time.monotonic() - stopping
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
        await fake.stop()
        log.close()
    stderr = (tmp_path / "stderr.log").read_text()
    assert code == 0, stderr[-3000:]
    assert took < DRAIN_SECONDS + EXIT_MARGIN
    assert "Traceback" not in stderr, stderr[-3000:]

    acked = {user_id for user_id, status in statuses.items() if status == 200}
    refused = {user_id for user_id, status in statuses.items() if status == 503}
    print(f"acknowledged {len(acked)} ({len(acked) - BURST} after SIGTERM), refused {len(refused)}; "
          f"exit after {took:.2f} s")
    assert set(fake.answered) == acked, f"acknowledged, never answered: {len(acked - set(fake.answered))}"
    assert refused, "no request was refused during shutdown"
    assert set(statuses.values()) <= {200, 503}
    assert all(answer["response_type"] == "in_channel" for answer in fake.answered.values())  # a check-in, no error
    assert _recorded(path) == acked
