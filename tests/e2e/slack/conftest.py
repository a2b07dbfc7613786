"""The real slack-bolt app in HTTP mode on 127.0.0.1, talking to a fake Slack Web API; requests to it are
signed with the signing secret exactly as Slack signs them."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import aiohttp
import pytest
from slack_sdk.signature import SignatureVerifier

from adapters.slack.app import StudySlackApp
from bot.clock import SimulatedClock
from bot.service import StudyBot
from tests.e2e.slack.fake_slack import FakeSlack
from tests.fakes import InMemoryStore
from tests.unit.conftest import TOOLS

TOKEN = "xoxb-test-token"
SECRET = "signing-secret-for-tests"


@dataclass
class Slack:
    fake: FakeSlack
    app: StudySlackApp
    store: InMemoryStore
    clock: SimulatedClock
    url: str
    session: aiohttp.ClientSession

    async def post(self, body: str, content_type: str, *, signed_at: float | None = None, secret: str = SECRET,
                   retry: int | None = None) -> aiohttp.ClientResponse:
        timestamp = str(int(signed_at if signed_at is not None else time.time()))
        signature = SignatureVerifier(secret).generate_signature(timestamp=timestamp, body=body)
        headers = {"Content-Type": content_type, "X-Slack-Request-Timestamp": timestamp,
                   "X-Slack-Signature": signature}
        if retry is not None:
            headers.update({"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"})
        response = await self.session.post(self.url, data=body.encode(), headers=headers)
        await response.read()
        return response

    async def command(self, text: str, *, user: str = "U1", channel: str = "C1", trigger: str | None = None,
                      **kwargs: Any) -> aiohttp.ClientResponse:
        payload = {"command": "/study", "text": text, "user_id": user, "user_name": user.lower(), "team_id": "T1",
                   "channel_id": channel, "trigger_id": trigger or f"trigger-{time.monotonic_ns()}",
                   "response_url": self.fake.response_url(), "api_app_id": "A1", "token": "legacy"}
        return await self.post(urlencode(payload), "application/x-www-form-urlencoded", **kwargs)

    async def interaction(self, payload: dict[str, Any]) -> aiohttp.ClientResponse:
        return await self.post(urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded")

    async def event(self, event: dict[str, Any]) -> aiohttp.ClientResponse:
        body = {"type": "event_callback", "team_id": "T1", "api_app_id": "A1", "event": event,
                "event_id": f"Ev{time.monotonic_ns()}", "event_time": int(time.time())}
        return await self.post(json.dumps(body), "application/json")

    async def answered(self, count: int) -> dict[str, Any]:
        await self.fake.wait_for(lambda: len(self.fake.responses) >= count)
        return self.fake.responses[count - 1]


@pytest.fixture
async def slack() -> AsyncIterator[Slack]:
    fake = FakeSlack(TOKEN, admins=frozenset({"UADMIN"}))
    await fake.start()
    store = InMemoryStore()
    clock = SimulatedClock(datetime(2026, 3, 6, 14, 0, tzinfo=UTC))
    app = StudySlackApp(StudyBot(store.unit_of_work, clock, TOOLS), bot_token=TOKEN, signing_secret=SECRET,
                        api_url=fake.base_url)
    port = await app.start_http("127.0.0.1", 0)
    async with aiohttp.ClientSession() as session:
        yield Slack(fake, app, store, clock, f"http://127.0.0.1:{port}/slack/events", session)
    await app.stop()
    await fake.stop()
