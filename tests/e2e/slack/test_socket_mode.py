"""The same Slack app over Socket Mode: apps.connections.open with the xapp- token, then envelopes on a
websocket (the fake Slack serves both on 127.0.0.1)."""

from __future__ import annotations

from datetime import UTC, datetime

from adapters.slack.app import StudySlackApp
from bot.clock import SimulatedClock
from bot.service import StudyBot
from tests.e2e.slack.conftest import SECRET, TOKEN
from tests.e2e.slack.fake_slack import FakeSlack
from tests.fakes import InMemoryStore
from tests.unit.conftest import TOOLS


async def test_socket_mode_acks_envelopes_and_answers_commands() -> None:
    fake = FakeSlack(TOKEN, app_token="xapp-1-test")
    await fake.start()
    clock = SimulatedClock(datetime(2026, 3, 6, 14, 0, tzinfo=UTC))
    app = StudySlackApp(StudyBot(InMemoryStore().unit_of_work, clock, TOOLS), bot_token=TOKEN,
                        signing_secret=SECRET, api_url=fake.base_url)
    try:
        await app.start_socket_mode("xapp-1-test")
        await fake.wait_for(lambda: bool(fake._sockets))
        for number, text in enumerate(("cohort create ml-club", "checkin 30 over a websocket"), start=1):
            await fake.push({"envelope_id": f"env-{number}", "type": "slash_commands", "accepts_response_payload": True,
                             "payload": {"command": "/study", "text": text, "user_id": "U1", "team_id": "T1",
                                         "channel_id": "C1", "trigger_id": f"trigger-{number}",
                                         "response_url": fake.response_url()}})
            await fake.wait_for(lambda n=number: len(fake.responses) >= n)
        await fake.wait_for(lambda: len(fake.acks) >= 2)
        assert [ack["envelope_id"] for ack in fake.acks] == ["env-1", "env-2"]
        assert fake.responses[1]["response_type"] == "in_channel"
        assert "over a websocket" in fake.responses[1]["blocks"][1]["text"]["text"]
        assert fake.named("apps.connections.open")
    finally:
        await fake.stop_sockets()
        await app.stop()
        await fake.stop()
