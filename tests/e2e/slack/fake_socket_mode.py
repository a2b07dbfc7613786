"""A fake of Slack's Socket Mode on 127.0.0.1, beside the fake Web API (`FakeSlack`), no kinder than Slack:

- `apps.connections.open` (a POST to the fake Web API) needs the app-level token (`xapp-…`) as a Bearer
  token: none is `not_authed`, a bot or user token `not_allowed_token_type`, another app token
  `invalid_auth`. It answers a one-time `ws://127.0.0.1:PORT/link/?ticket=…` URL.
- The websocket at that URL refuses an unknown or already used ticket, says `hello` first, answers pings,
  and can send `disconnect` (the client must open a new connection).
- A test pushes envelopes (`envelope_id`, `type`, `payload`, `accepts_response_payload`) to the newest
  connection. Each must be acknowledged with `{"envelope_id": …}` within 3 s; a `payload` in the ack only
  where the envelope accepts one. Late, missing, unknown, repeated or malformed acks are recorded in
  `problems`, and `settle()` (called at the end of a test) waits out the 3 s for what is still unacked,
  except envelopes a test declared with `leave_unacked` (one shutting down must not take): an ack of one of
  those is a problem.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import WSMsgType, web

from tests.e2e.local_server import serve
from tests.e2e.slack.fake_slack import Call, FakeSlack

ACK_WITHIN = 3.0  # seconds Slack waits for an envelope's acknowledgement before it retries it
OPEN = "apps.connections.open"


@dataclass
class Delivery:
    envelope: dict[str, Any]
    sent_at: float  # loop time
    sent_on: web.WebSocketResponse | None = None
    ack: dict[str, Any] | None = None
    acked_after: float | None = None  # seconds
    acked_on: web.WebSocketResponse | None = None


class FakeSocketMode:
    def __init__(self, web_api: FakeSlack, app_token: str, app_id: str = "A1") -> None:
        assert app_token.startswith("xapp-")
        self.web_api = web_api
        self.app_token = app_token
        self.app_id = app_id
        self.refused: list[str] = []  # errors apps.connections.open answered
        self.connections: list[web.WebSocketResponse] = []  # every accepted websocket, oldest first
        self.deliveries: dict[str, Delivery] = {}
        self.problems: list[str] = []
        self.unacked_expected: set[str] = set()  # envelope ids a test expects never to be acknowledged
        self.pongs: list[bytes] = []
        self._tickets: set[str] = set()  # issued and not used yet
        self._ids = itertools.count(1)
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.port = 0

    # --- set-up --------------------------------------------------------------------------------------
    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/link/", self._link)
        self._runner, self.port = await serve(app)
        self.web_api.handlers[OPEN] = self._open

    async def stop(self) -> None:
        for connection in list(self.connections):
            await connection.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # --- what a test does ----------------------------------------------------------------------------
    @property
    def live(self) -> list[web.WebSocketResponse]:
        return [connection for connection in self.connections if not connection.closed]

    async def wait_for(self, ready: Callable[[], bool], seconds: float = 5.0) -> None:
        """Until `ready()` holds, re-checked after each websocket event; fails after `seconds`."""
        async with asyncio.timeout(seconds), self._changed:
            await self._changed.wait_for(ready)

    async def connected(self, count: int = 1) -> web.WebSocketResponse:
        await self.wait_for(lambda: len(self.connections) >= count and bool(self.live))
        return self.live[-1]

    async def push(self, kind: str, payload: dict[str, Any], *, accepts_response_payload: bool,
                   retry_attempt: int | None = None, retry_reason: str | None = None) -> str:
        """Send an envelope on the newest open connection; returns its envelope_id."""
        connection = await self.connected()
        envelope_id = f"{next(self._ids):04d}-{secrets.token_hex(8)}"
        envelope: dict[str, Any] = {"envelope_id": envelope_id, "type": kind, "payload": payload,
                                    "accepts_response_payload": accepts_response_payload}
        if kind == "events_api":
            envelope.update(retry_attempt=retry_attempt or 0, retry_reason=retry_reason or "")
        self.deliveries[envelope_id] = Delivery(envelope, asyncio.get_running_loop().time(), connection)
        await connection.send_str(json.dumps(envelope))
        return envelope_id

    async def acked(self, envelope_id: str) -> dict[str, Any]:
        """The acknowledgement of `envelope_id` (waits at most the 3 s Slack would wait, and a little)."""
        await self.wait_for(lambda: self.deliveries[envelope_id].ack is not None, ACK_WITHIN + 0.5)
        ack = self.deliveries[envelope_id].ack
        assert ack is not None
        return ack

    def leave_unacked(self, envelope_id: str) -> None:
        """Declare that `envelope_id` must never be acknowledged (settle() then does not wait for it)."""
        self.unacked_expected.add(envelope_id)
        if self.deliveries[envelope_id].ack is not None:
            self.problems.append(f"{envelope_id} acknowledged though it was to be left unacknowledged")

    async def disconnect(self, reason: str = "refresh_requested") -> None:
        """What Slack sends before it retires a connection: the client must open a new one."""
        connection = await self.connected()
        await connection.send_json({"type": "disconnect", "reason": reason,
                                    "debug_info": {"host": "applink-fake"}})

    async def ping(self, data: bytes) -> None:
        connection = await self.connected()
        await connection.ping(data)
        await self.wait_for(lambda: data in self.pongs, 2.0)

    async def settle(self) -> None:
        """Wait (at most until each envelope's 3 s have passed) for every envelope to be acknowledged;
        record the ones that were not."""
        loop = asyncio.get_running_loop()
        pending = [d for envelope_id, d in self.deliveries.items()
                   if d.ack is None and envelope_id not in self.unacked_expected]
        if pending:
            deadline = max(d.sent_at for d in pending) + ACK_WITHIN
            with contextlib.suppress(TimeoutError):
                await self.wait_for(lambda: all(d.ack is not None for d in pending), max(deadline - loop.time(), 0.01))
        for envelope_id, delivery in self.deliveries.items():
            missing = f"{envelope_id} ({delivery.envelope['type']}) never acknowledged"
            if delivery.ack is None and envelope_id not in self.unacked_expected and missing not in self.problems:
                self.problems.append(missing)

    # --- the Web API method -------------------------------------------------------------------------------
    async def _open(self, request: web.Request) -> web.Response:
        header = request.headers.get("Authorization", "")
        token = header.removeprefix("Bearer ") if header.startswith("Bearer ") else ""
        if request.method != "POST":
            error = "method_not_allowed"
        elif not token:
            error = "not_authed"
        elif not token.startswith("xapp-"):
            error = "not_allowed_token_type"
        elif token != self.app_token:
            error = "invalid_auth"
        else:
            error = ""
        await self.web_api._record(Call(OPEN, {"token_type": token.split("-", 1)[0] if token else None,
                                               "error": error or None}))
        if error:
            self.refused.append(error)
            return web.json_response({"ok": False, "error": error})
        ticket = secrets.token_hex(12)
        self._tickets.add(ticket)
        return web.json_response({"ok": True, "url": f"ws://127.0.0.1:{self.port}/link/?ticket={ticket}"
                                                     f"&app_id={self.app_id}"})

    # --- the websocket ------------------------------------------------------------------------------------
    async def _link(self, request: web.Request) -> web.StreamResponse:
        ticket = request.query.get("ticket", "")
        if ticket not in self._tickets:
            self.problems.append("a websocket connection with an unknown or used ticket")
            return web.Response(status=401, text="invalid ticket")
        self._tickets.discard(ticket)
        connection = web.WebSocketResponse(autoping=False)
        await connection.prepare(request)
        await connection.send_json({"type": "hello", "num_connections": len(self.live) + 1,
                                    "debug_info": {"host": "applink-fake", "build_number": 1,
                                                   "approximate_connection_time": 18060},
                                    "connection_info": {"app_id": self.app_id}})
        async with self._changed:
            self.connections.append(connection)
            self._changed.notify_all()
        async for message in connection:
            if message.type == WSMsgType.PING:
                await connection.pong(message.data)
            elif message.type == WSMsgType.PONG:
                await self._note(lambda data=message.data: self.pongs.append(data))
            elif message.type == WSMsgType.TEXT:
                await self._note(lambda text=message.data: self._ack(text, connection))
            else:
                await self._note(lambda kind=message.type: self.problems.append(f"unexpected {kind!r} frame"))
        await self._note(lambda: None)
        return connection

    async def _note(self, change: Callable[[], object]) -> None:
        async with self._changed:
            change()
            self._changed.notify_all()

    def _ack(self, text: str, connection: web.WebSocketResponse) -> None:
        try:
            ack = json.loads(text)
        except ValueError:
            self.problems.append(f"not JSON: {text[:80]!r}")
            return
        delivery = self.deliveries.get(ack.get("envelope_id")) if isinstance(ack, dict) else None
        if delivery is None:
            self.problems.append(f"an ack for no envelope sent: {text[:80]!r}")
            return
        envelope_id = delivery.envelope["envelope_id"]
        if delivery.ack is not None:
            self.problems.append(f"{envelope_id} acknowledged twice")
            return
        if envelope_id in self.unacked_expected:
            self.problems.append(f"{envelope_id} acknowledged though it was to be left unacknowledged")
        delivery.ack = ack
        delivery.acked_on = connection
        delivery.acked_after = asyncio.get_running_loop().time() - delivery.sent_at
        if delivery.acked_after > ACK_WITHIN:
            self.problems.append(f"{envelope_id} ({delivery.envelope['type']}) acknowledged late, "
                                 f"after {delivery.acked_after:.2f} s")
        if "payload" in ack and not delivery.envelope["accepts_response_payload"]:
            self.problems.append(f"{envelope_id}: a response payload where the envelope accepts none")
        extra = sorted(set(ack) - {"envelope_id", "payload"})
        if extra:
            self.problems.append(f"{envelope_id}: unexpected ack fields {extra}")
