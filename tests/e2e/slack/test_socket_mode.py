"""The Slack app in Socket Mode, wired as `studybot run` wires it when SLACK_APP_TOKEN is set (the settings,
`adapters.serve._start_slack`, a SQLite database), with slack-bolt's real AsyncSocketModeHandler, against the
fake Web API and the fake Socket Mode (tests/e2e/slack/fake_socket_mode.py). Every envelope must be
acknowledged within Slack's 3 s; a test fails on a late, missing or malformed ack."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from slack_sdk.errors import SlackApiError
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import text

from adapters.serve import DRAIN_SECONDS, Runtime, _shut_down, _start_slack
from adapters.settings import Settings
from adapters.slack import modal
from bot.clock import SimulatedClock
from bot.delivery import Dispatcher
from bot.domain import Cohort, Member, Membership
from bot.scheduler import Scheduler
from bot.service import StudyBot
from storage import Database
from tests.e2e.slack.conftest import TOKEN, texts
from tests.e2e.slack.fake_slack import Call, FakeSlack
from tests.e2e.slack.fake_socket_mode import ACK_WITHIN, OPEN, FakeSocketMode
from tests.unit.conftest import TOOLS

APP_TOKEN = "xapp-1-A1-1-socketmodetest"


def settings_for(web_api: FakeSlack, app_token: str = APP_TOKEN) -> Settings:
    """The environment an operator sets for Socket Mode: bot token, app token, no signing secret or port."""
    settings = Settings(_env_file=None, SLACK_BOT_TOKEN=TOKEN, SLACK_APP_TOKEN=app_token,  # type: ignore[call-arg]
                        SLACK_API_URL=web_api.base_url.rstrip("/"), SLACK_SIGNING_SECRET=None,
                        STUDYBOT_HTTP_PORT=None, DISCORD_TOKEN=None)
    settings.check_platforms()
    return settings


def valid_blocks(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    for block in blocks:
        parsed = Block.parse(block)
        assert parsed is not None, block
        parsed.validate_json()
    return blocks


@dataclass
class SocketSlack:
    web_api: FakeSlack
    socket: FakeSocketMode
    database: Database
    clock: SimulatedClock
    runtime: Runtime

    async def command(self, text: str, *, user: str = "U1", channel: str = "C1",
                      trigger: str | None = None) -> dict[str, Any]:
        """`/study text` as a slash_commands envelope; returns the ack once it came, and waits (bounded) for
        the command's answer or modal, as the next command typed would see its effect."""
        answers, modals = len(self.web_api.responses), len(self.web_api.named("views.open"))
        ack = await self.socket.acked(await self.push_command(text, user=user, channel=channel, trigger=trigger))
        await self.web_api.wait_for(lambda: len(self.web_api.responses) > answers
                                    or len(self.web_api.named("views.open")) > modals)
        return ack

    async def push_command(self, text: str, *, user: str = "U1", channel: str = "C1",
                           trigger: str | None = None) -> str:
        """The slash_commands envelope `command` sends, not waiting for anything: its envelope_id."""
        return await self.socket.push("slash_commands", {
            "token": "legacy", "team_id": "T1", "team_domain": "t1", "channel_id": channel, "channel_name": "general",
            "user_id": user, "user_name": user.lower(), "command": "/study", "text": text, "api_app_id": "A1",
            "is_enterprise_install": "false", "response_url": self.web_api.response_url(),
            "trigger_id": trigger or f"trigger-{time.monotonic_ns()}"}, accepts_response_payload=True)

    async def submit(self, view: dict[str, Any], values: dict[str, str], *, view_id: str = "V1",
                     user: str = "U1") -> dict[str, Any]:
        """A view_submission (an `interactive` envelope) of `view` as views.open got it; returns the ack."""
        return await self.socket.acked(await self.push_submission(view, values, view_id=view_id, user=user))

    async def push_submission(self, view: dict[str, Any], values: dict[str, str], *, view_id: str = "V1",
                              user: str = "U1") -> str:
        """The view_submission `submit` sends, not waiting for its ack: its envelope_id."""
        state = {block_id: {"value": {"type": "plain_text_input", "value": value}}
                 for block_id, value in values.items()}
        return await self.socket.push("interactive", {
            "type": "view_submission", "team": {"id": "T1", "domain": "t1"}, "user": {"id": user, "team_id": "T1"},
            "api_app_id": "A1", "token": "legacy", "trigger_id": f"trigger-{time.monotonic_ns()}",
            "view": {**view, "id": view_id, "hash": "h1", "team_id": "T1", "app_id": "A1",
                     "state": {"values": state}},
            "response_urls": [], "is_enterprise_install": False}, accepts_response_payload=True)

    async def checkins(self) -> list[tuple[int, str | None]]:
        async with self.database.engine.connect() as connection:
            rows = await connection.execute(text("SELECT minutes, note FROM checkins ORDER BY id"))
            return [(row.minutes, row.note) for row in rows]


@pytest.fixture
async def socket_slack(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> AsyncIterator[SocketSlack]:
    web_api = FakeSlack(TOKEN)
    await web_api.start()
    socket = FakeSocketMode(web_api, APP_TOKEN)
    await socket.start()
    database = await Database.connect(f"sqlite+aiosqlite:///{tmp_path / 'studybot.db'}")
    clock = SimulatedClock(datetime(2026, 3, 6, 14, 0, tzinfo=UTC))
    runtime = Runtime()
    try:
        await asyncio.wait_for(_start_slack(settings_for(web_api), StudyBot(database.unit_of_work, clock, TOOLS),
                                            runtime, []), 5)
        await socket.connected()
        yield SocketSlack(web_api, socket, database, clock, runtime)
        await socket.settle()
    finally:
        for stop in reversed(runtime.stops):
            await stop()
        await socket.stop()
        await database.dispose()
        await web_api.stop()
    assert socket.problems == []
    logged = [*caplog.get_records("setup"), *caplog.get_records("call"), *caplog.records]
    crashed = [record for record in logged if record.levelno >= logging.ERROR
               and record.name.startswith(("slack_bolt", "slack_sdk", "adapters"))]
    assert not crashed, [r.getMessage() for r in crashed]


async def test_a_slash_command_is_acked_recorded_and_answered(socket_slack: SocketSlack) -> None:
    slack = socket_slack
    (opened,) = slack.web_api.named(OPEN)  # with the app token; nothing else asked for a connection
    assert opened.params == {"token_type": "xapp", "error": None}
    ack = await slack.command("cohort create ml-club")
    assert ack == {"envelope_id": list(slack.socket.deliveries)[-1]}

    ack = await slack.command("checkin 30 read a paper")
    assert set(ack) == {"envelope_id"}  # bolt acks at once; the answer follows through response_url
    answer = slack.web_api.responses[1]
    assert answer["response_type"] == "in_channel" and answer["replace_original"] is False
    shown = texts(valid_blocks(answer["blocks"]))
    assert "read a paper" in shown and "*Today (min):* 30" in shown
    assert await slack.checkins() == [(30, "read a paper")]
    assert all(d.acked_after is not None and d.acked_after < ACK_WITHIN for d in slack.socket.deliveries.values())


async def test_checkin_alone_opens_the_modal_and_its_submission_records(socket_slack: SocketSlack) -> None:
    slack = socket_slack
    await slack.command("cohort create ml-club")
    assert await slack.command("checkin", trigger="trigger-modal") is not None
    (opened,) = slack.web_api.named("views.open")
    assert opened.params["trigger_id"] == "trigger-modal"
    view = opened.params["view"]
    View(**view).validate_json()
    assert [b["block_id"] for b in view["blocks"]] == ["minutes", "note", "link"]

    refused = await slack.submit(view, {"minutes": "700", "note": "too long"}, view_id="V-1")
    payload = refused["payload"]  # the validation errors travel back in the ack, as over HTTP
    assert payload["response_action"] == "errors" and "600" in payload["errors"]["minutes"]
    assert await slack.checkins() == []

    accepted = await slack.submit(view, {"minutes": "45", "note": "attention is all you need"}, view_id="V-1")
    assert set(accepted) == {"envelope_id"}  # no payload: the modal closes
    assert await slack.checkins() == [(45, "attention is all you need")]  # recorded before the ack
    await slack.web_api.wait_for(lambda: bool(slack.web_api.named("chat.postMessage")))
    (posted,) = slack.web_api.named("chat.postMessage")
    assert posted.params["channel"] == "C1"
    assert "*Today (min):* 45" in texts(valid_blocks(posted.params["blocks"]))


async def test_a_reminder_dm_goes_out_through_the_web_api(socket_slack: SocketSlack) -> None:
    slack = socket_slack
    await slack.command("cohort create ml-club timezone:Europe/Berlin")
    await slack.command("remind set 21:30")
    scheduler = Scheduler(slack.database.unit_of_work, slack.clock, roadmaps=TOOLS.roadmaps)
    dispatcher = Dispatcher(slack.database.unit_of_work, slack.clock, slack.runtime.notifiers, owner="t")

    def dms() -> list[Any]:
        return [c for c in slack.web_api.named("chat.postMessage") if c.params["channel"].startswith("D")]

    slack.clock.advance(hours=6, minutes=29)  # 20:29 UTC = 21:29 in Berlin
    await scheduler.tick()
    await dispatcher.drain()
    assert dms() == []
    slack.clock.advance(minutes=1)
    await scheduler.tick()
    await dispatcher.drain()
    (dm,) = dms()
    assert [c.params["users"] for c in slack.web_api.named("conversations.open")] == ["U1"]
    assert dm.params["channel"] == "DU1" and "Sprint reminder" in dm.params["text"]
    valid_blocks(dm.params["blocks"])

    # its button opens the modal over the same socket (block_actions accepts no response payload)
    (actions,) = [b for b in dm.params["blocks"] if b["type"] == "actions"]
    button = next(e for e in actions["elements"] if e["action_id"] == "studybot_open_checkin")
    envelope_id = await slack.socket.push("interactive", {
        "type": "block_actions", "team": {"id": "T1"}, "user": {"id": "U1", "team_id": "T1"}, "api_app_id": "A1",
        "trigger_id": "trigger-button", "container": {"type": "message", "channel_id": "DU1"},
        "channel": {"id": "DU1"}, "response_url": slack.web_api.response_url(),
        "actions": [{"type": "button", "action_id": button["action_id"], "block_id": actions.get("block_id", "b"),
                     "value": button["value"], "action_ts": str(time.time())}]}, accepts_response_payload=False)
    assert set(await slack.socket.acked(envelope_id)) == {"envelope_id"}
    await slack.web_api.wait_for(lambda: bool(slack.web_api.named("views.open")))
    assert slack.web_api.named("views.open")[0].params["trigger_id"] == "trigger-button"


async def test_app_home_opened_arrives_as_events_api(socket_slack: SocketSlack) -> None:
    slack = socket_slack
    envelope_id = await slack.socket.push("events_api", {
        "type": "event_callback", "team_id": "T1", "api_app_id": "A1", "event_id": "Ev1", "event_time": 1,
        "event": {"type": "app_home_opened", "user": "U1", "channel": "DU1", "tab": "home"}},
        accepts_response_payload=False)
    assert set(await slack.socket.acked(envelope_id)) == {"envelope_id"}
    await slack.web_api.wait_for(lambda: bool(slack.web_api.named("views.publish")))
    published = slack.web_api.named("views.publish")[0].params
    assert published["user_id"] == "U1"
    View(**published["view"]).validate_json()


async def test_after_a_disconnect_the_app_reconnects_and_keeps_answering(socket_slack: SocketSlack) -> None:
    slack = socket_slack
    await slack.socket.ping(b"are you there")  # Slack pings; the client answers
    await slack.socket.disconnect("refresh_requested")
    await slack.socket.connected(2)
    assert len(slack.web_api.named(OPEN)) == 2  # a fresh URL: each ticket is good for one connection
    await slack.web_api.wait_for(lambda: len(slack.socket.live) == 1)  # the client closed the old one
    await slack.command("cohort create ml-club")
    await slack.command("checkin 20 after the reconnect")
    assert await slack.checkins() == [(20, "after the reconnect")]


async def test_apps_connections_open_takes_only_the_app_token(tmp_path: Path) -> None:
    web_api = FakeSlack(TOKEN)
    await web_api.start()
    socket = FakeSocketMode(web_api, APP_TOKEN)
    await socket.start()
    client = AsyncWebClient(base_url=web_api.base_url)
    try:
        for token, error in ((TOKEN, "not_allowed_token_type"), ("xapp-1-A1-1-revoked", "invalid_auth")):
            with pytest.raises(SlackApiError) as refused:
                await client.apps_connections_open(app_token=token)
            assert refused.value.response["error"] == error
        url = (await client.apps_connections_open(app_token=APP_TOKEN))["url"]
        assert url.startswith(f"ws://127.0.0.1:{socket.port}/link/?ticket=")

        # `studybot run` with a wrong (revoked) app token stops at start-up instead of retrying for ever
        runtime = Runtime()
        database = await Database.connect(f"sqlite+aiosqlite:///{tmp_path / 'studybot.db'}")
        clock = SimulatedClock(datetime(2026, 3, 6, 14, 0, tzinfo=UTC))
        try:
            with pytest.raises(SlackApiError) as failed:
                await asyncio.wait_for(_start_slack(settings_for(web_api, "xapp-1-A1-1-revoked"),
                                                    StudyBot(database.unit_of_work, clock, TOOLS), runtime, []), 5)
            assert failed.value.response["error"] == "invalid_auth"
        finally:
            for stop in reversed(runtime.stops):
                await stop()
            await database.dispose()
        assert socket.connections == []
    finally:
        await socket.stop()
        await web_api.stop()


class _Logged(logging.Handler):
    """Set `seen` when a record containing `needle` is logged (the bot's I/O, waited for without polling)."""

    def __init__(self, needle: str) -> None:
        super().__init__()
        self.needle = needle
        self.seen = asyncio.Event()

    def emit(self, record: logging.LogRecord) -> None:
        if self.needle in record.getMessage():
            self.seen.set()


async def test_shutdown_acks_what_it_took_over_the_open_socket_and_leaves_new_envelopes(
        socket_slack: SocketSlack, tmp_path: Path) -> None:
    """Shutdown (serve's sequence, the clock aside) while a modal submission, which records before it acks,
    waits for the database (the test holds SQLite's write lock) and an acked slash command waits for users.info:
    an envelope arriving meanwhile is left unacknowledged and not handled; after the lock is let go the
    submission is recorded once and acked over the socket it came on, within Slack's 3 s; the socket closes
    after that, and the slash command still answers at its response_url and records."""
    slack = socket_slack
    now = slack.clock.now()
    async with slack.database.unit_of_work() as uow:  # two members nobody has looked up yet
        owner = await uow.members.add(Member("slack", "T1", "U1", "u1"))
        cohort = await uow.cohorts.add(Cohort("slack", "T1", "ml-club", "C1", owner.id or 0, created_at=now,
                                              next_digest_at=None, next_recap_at=None))
        for user_id in ("U1", "U3"):
            member = owner if user_id == "U1" else await uow.members.add(Member("slack", "T1", user_id, "u3"))
            await uow.memberships.add(Membership(cohort.id or 0, member.id or 0, reminder_time=None,
                                                 next_reminder_at=None, joined_at=now))
        await uow.commit()

    answered_after_close: list[bool] = []

    async def users_info(request: web.Request) -> web.Response:
        """users.info, held for U3 until the bot closed its socket (bounded by the socket fake's wait)."""
        user = request.query.get("user") or (await request.post()).get("user")
        await slack.web_api._record(Call("users.info", {"user": user}))
        if user == "U3":
            await slack.socket.wait_for(lambda: not slack.socket.live)
            answered_after_close.append(not slack.socket.live)
        return web.json_response({"ok": True, **slack.web_api._answer("users.info", {"user": user})})

    slack.web_api.handlers["users.info"] = users_info
    looked_up = lambda user: any(c.params["user"] == user for c in slack.web_api.named("users.info"))  # noqa: E731
    stopping, dropped = _Logged("shutting down: no new events"), _Logged("left unacknowledged")
    logging.getLogger("adapters.serve").addHandler(stopping)
    logging.getLogger("adapters.slack.app").addHandler(dropped)
    view = modal.checkin_modal("C1", source="command", cohorts=[])
    lock = sqlite3.connect(tmp_path / "studybot.db", isolation_level=None)
    try:
        lock.execute("BEGIN IMMEDIATE")  # the submission's check-in waits for the database (busy timeout 5 s)
        command = await slack.push_command("checkin 25 by command", user="U3")
        assert set(await slack.socket.acked(command)) == {"envelope_id"}  # acked first, the work follows
        held = await slack.push_submission(view, {"minutes": "45", "note": "held"}, view_id="V-held", user="U1")
        await slack.web_api.wait_for(lambda: looked_up("U1") and looked_up("U3"))  # both in flight

        shutdown = asyncio.ensure_future(_shut_down(slack.runtime, DRAIN_SECONDS))
        await asyncio.wait_for(stopping.seen.wait(), 1)  # its first step
        assert slack.runtime.inflight.closing
        assert slack.socket.live, "the socket closed while a submission in flight awaited its ack"
        late = await slack.push_submission(view, {"minutes": "30", "note": "late"}, view_id="V-late", user="U1")
        slack.socket.leave_unacked(late)
        await asyncio.wait_for(dropped.seen.wait(), 3)
    finally:
        lock.close()  # lets the write lock go
        logging.getLogger("adapters.serve").removeHandler(stopping)
        logging.getLogger("adapters.slack.app").removeHandler(dropped)

    ack = await slack.socket.acked(held)
    delivery = slack.socket.deliveries[held]
    assert ack == {"envelope_id": held}  # accepted: the modal closes
    assert delivery.acked_on is delivery.sent_on and delivery.acked_after is not None
    assert delivery.acked_after < ACK_WITHIN
    await asyncio.wait_for(shutdown, DRAIN_SECONDS)
    assert slack.socket.live == [] and len(slack.socket.connections) == 1  # closed after the drain, no reconnect
    assert answered_after_close == [True]
    (answer,) = slack.web_api.responses  # the slash command's answer, after the socket closed
    assert "by command" in texts(valid_blocks(answer["blocks"]))
    assert sorted(await slack.checkins()) == [(25, "by command"), (45, "held")]  # each once; the late one not
    assert slack.socket.deliveries[late].ack is None
