"""The real slack-bolt app in HTTP mode on 127.0.0.1, talking to a fake Slack Web API; requests to it are
signed with the signing secret exactly as Slack signs them."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import aiohttp
import pytest
from slack_sdk.models.blocks import Block
from slack_sdk.signature import SignatureVerifier

from adapters.slack.app import StudySlackApp, build_slack_app
from bot.clock import SimulatedClock
from bot.service import StudyBot
from tests.e2e.slack.fake_slack import FakeSlack
from tests.fakes import InMemoryStore
from tests.unit.conftest import TOOLS

TOKEN = "xoxb-test-token"
SECRET = "signing-secret-for-tests"


def valid(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    for block in blocks:
        parsed = Block.parse(block)
        assert parsed is not None, block
        parsed.validate_json()
    return blocks


async def answer_of(slack: Slack, text: str, number: int, **kwargs: Any) -> dict[str, Any]:
    """`/study text`, and its answer (the `number`-th on response_url), with valid blocks."""
    await slack.command(text, **kwargs)
    answer = await slack.answered(number)
    valid(answer["blocks"])
    return answer


def texts(blocks: list[dict[str, Any]]) -> str:
    """Every text a member would read in these blocks (sections, headers, context and button labels)."""
    parts = []
    for block in blocks:
        if "text" in block:
            parts.append(block["text"]["text"])
        for element in block.get("elements", []):
            text = element.get("text", "")
            parts.append(text["text"] if isinstance(text, dict) else text)
    return "\n".join(parts)


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
                      extra: dict[str, str] | None = None, finished: bool = True,
                      **kwargs: Any) -> aiohttp.ClientResponse:
        """`/study text` as Slack posts it (form-encoded); `text` is what Slack sends, already escaped.

        Bolt answers the HTTP request at `ack()` and does the work after it, so with `finished` this waits
        until the command's answer (or modal) arrived: the next command then sees its effect, as a person
        typing one command after another would."""
        answers, modals = len(self.fake.responses), len(self.fake.named("views.open"))
        response = await self._command(text, user=user, channel=channel, trigger=trigger, extra=extra, **kwargs)
        if finished and response.status == 200:
            await self.fake.wait_for(lambda: len(self.fake.responses) > answers
                                     or len(self.fake.named("views.open")) > modals)
        return response

    async def _command(self, text: str, *, user: str, channel: str, trigger: str | None,
                       extra: dict[str, str] | None, **kwargs: Any) -> aiohttp.ClientResponse:
        payload = {"command": "/study", "text": text, "user_id": user, "user_name": user.lower(), "team_id": "T1",
                   "channel_id": channel, "trigger_id": trigger or f"trigger-{time.monotonic_ns()}",
                   "response_url": self.fake.response_url(), "api_app_id": "A1", "token": "legacy", **(extra or {})}
        return await self.post(urlencode(payload), "application/x-www-form-urlencoded", **kwargs)

    async def interaction(self, payload: dict[str, Any], **kwargs: Any) -> aiohttp.ClientResponse:
        return await self.post(urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded",
                               **kwargs)

    async def click(self, action_id: str, value: str, *, user: str = "U1", channel: str | None = None,
                    container: str = "message") -> aiohttp.ClientResponse:
        """A button press (block_actions) in a message of `channel`, or on App Home (container "view")."""
        payload: dict[str, Any] = {
            "type": "block_actions", "team": {"id": "T1", "domain": "t1"}, "user": {"id": user, "team_id": "T1"},
            "api_app_id": "A1", "trigger_id": f"trigger-{time.monotonic_ns()}",
            "container": {"type": container}, "actions": [
                {"type": "button", "action_id": action_id, "block_id": "b", "value": value,
                 "action_ts": str(time.time())}]}
        if channel is not None:
            payload["channel"] = {"id": channel}
            payload["response_url"] = self.fake.response_url()
        return await self.interaction(payload)

    async def submit(self, view: dict[str, Any], values: dict[str, Any], *, view_id: str = "V1",
                     user: str = "U1") -> aiohttp.ClientResponse:
        """A view_submission of `view` (as views.open got it) with input values by block id."""
        state = {}
        for block_id, value in values.items():
            if block_id == "cohort":
                state[block_id] = {"value": {"type": "static_select", "selected_option": {"value": value}}}
            else:
                state[block_id] = {"value": {"type": "plain_text_input", "value": value}}
        payload = {"type": "view_submission", "team": {"id": "T1"}, "user": {"id": user, "team_id": "T1"},
                   "api_app_id": "A1", "trigger_id": f"trigger-{time.monotonic_ns()}",
                   "view": {**view, "id": view_id, "hash": "h1", "team_id": "T1", "state": {"values": state}}}
        return await self.interaction(payload)

    async def event(self, event: dict[str, Any], **kwargs: Any) -> aiohttp.ClientResponse:
        body = {"type": "event_callback", "team_id": "T1", "api_app_id": "A1", "event": event,
                "event_id": f"Ev{time.monotonic_ns()}", "event_time": int(time.time())}
        return await self.post(json.dumps(body), "application/json", **kwargs)

    async def answered(self, count: int) -> dict[str, Any]:
        """The `count`-th answer posted to response_url (waits, bounded, until it arrives)."""
        await self.fake.wait_for(lambda: len(self.fake.responses) >= count)
        return self.fake.responses[count - 1]

    async def called(self, method: str, count: int = 1) -> list[Any]:
        """The Web API calls of `method` once there are `count` of them (waits, bounded)."""
        await self.fake.wait_for(lambda: len(self.fake.named(method)) >= count)
        return self.fake.named(method)


@pytest.fixture
async def slack(caplog: pytest.LogCaptureFixture) -> AsyncIterator[Slack]:
    """The app on a free port with a fresh in-memory store; a test fails if a listener raised (bolt logs it)."""
    fake = FakeSlack(TOKEN, admins=frozenset({"UADMIN"}))
    await fake.start()
    store = InMemoryStore()
    clock = SimulatedClock(datetime(2026, 3, 6, 14, 0, tzinfo=UTC))
    app = build_slack_app(StudyBot(store.unit_of_work, clock, TOOLS), bot_token=TOKEN, signing_secret=SECRET,
                          api_url=fake.base_url.rstrip("/"))  # the adapter adds the trailing slash
    port = await app.start_http("127.0.0.1", 0)
    try:
        async with aiohttp.ClientSession() as session:
            yield Slack(fake, app, store, clock, f"http://127.0.0.1:{port}/slack/events", session)
    finally:
        await app.stop()
        await fake.stop()
    logged = [*caplog.get_records("setup"), *caplog.get_records("call"), *caplog.records]
    crashed = [record for record in logged
               if record.levelno >= logging.ERROR and record.name.startswith(("slack_bolt", "adapters"))]
    assert not crashed, [r.getMessage() for r in crashed]
