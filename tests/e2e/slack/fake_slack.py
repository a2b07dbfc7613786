"""A fake Slack Web API on 127.0.0.1 that records what the real slack-sdk sends it, and can answer
`ratelimited` (429 with Retry-After) or 5xx on demand."""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from aiohttp import web

from tests.e2e.local_server import serve


@dataclass
class Call:
    method: str
    params: dict[str, Any]


@dataclass
class Failure:
    status: int
    body: dict[str, Any] | str  # a str is sent as text/plain (a proxy's error page)
    headers: dict[str, str] = field(default_factory=dict)


class FakeSlack:
    def __init__(self, token: str, admins: frozenset[str] = frozenset()) -> None:
        self.token = token
        self.admins = admins
        # method -> its own handler, which checks the token itself (Socket Mode's apps.connections.open)
        self.handlers: dict[str, Callable[[web.Request], Awaitable[web.Response]]] = {}
        self.calls: list[Call] = []
        self.responses: list[dict[str, Any]] = []  # what `respond()` posted to response_url
        self.failures: dict[str, list[Failure]] = {}
        self.delays: dict[str, float] = {}  # method -> seconds a slow Slack takes to answer it
        self._ts = itertools.count(1)
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.port = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    def response_url(self, name: str = "1") -> str:
        return f"http://127.0.0.1:{self.port}/response/{name}"

    def fail(self, method: str, *failures: Failure) -> None:
        self.failures.setdefault(method, []).extend(failures)

    def named(self, method: str) -> list[Call]:
        return [call for call in self.calls if call.method == method]

    async def wait_for(self, ready: Callable[[], bool], seconds: float = 5.0) -> None:
        """Until `ready()` holds, re-checked after each recorded request; fails after `seconds`."""
        async with asyncio.timeout(seconds), self._changed:
            await self._changed.wait_for(ready)

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/api/{method}", self._api)
        app.router.add_get("/api/{method}", self._api)  # users.info and other reads are GETs
        app.router.add_post("/response/{name}", self._response)
        app.router.add_post("/upload/{file}", self._upload)
        self._runner, self.port = await serve(app)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _record(self, call: Call | None = None, response: dict[str, Any] | None = None) -> None:
        async with self._changed:
            if call is not None:
                self.calls.append(call)
            if response is not None:
                self.responses.append(response)
            self._changed.notify_all()

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if method in self.handlers:
            return await self.handlers[method](request)
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return web.json_response({"ok": False, "error": "invalid_auth"})
        params = await _params(request)
        if method in self.delays:
            await asyncio.sleep(self.delays[method])
        await self._record(Call(method, params))
        queued = self.failures.get(method)
        if queued:
            failure = queued.pop(0)
            if isinstance(failure.body, str):
                return web.Response(text=failure.body, status=failure.status, headers=failure.headers)
            return web.json_response(failure.body, status=failure.status, headers=failure.headers)
        return web.json_response({"ok": True, **self._answer(method, params)})

    def _answer(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        if method == "auth.test":
            return {"user_id": "UBOT", "bot_id": "BBOT", "team_id": "T1", "url": "https://fake.slack/"}
        if method == "chat.postMessage":
            return {"ts": f"1700000000.{next(self._ts):06d}", "channel": params.get("channel")}
        if method == "conversations.open":
            return {"channel": {"id": "D" + str(params.get("users"))}}
        if method == "users.info":
            user = str(params.get("user"))
            return {"user": {"id": user, "name": user, "is_admin": user in self.admins,
                             "profile": {"display_name": user.lower()}}}
        if method in ("views.open", "views.publish"):
            return {"view": {"id": "V1"}}
        if method == "files.getUploadURLExternal":
            return {"upload_url": f"http://127.0.0.1:{self.port}/upload/F1", "file_id": "F1"}
        if method == "files.completeUploadExternal":
            return {"files": [{"id": "F1"}]}
        return {}

    async def _response(self, request: web.Request) -> web.Response:
        await self._record(response=await request.json())
        return web.Response(text="ok")

    async def _upload(self, request: web.Request) -> web.Response:
        await self._record(Call("upload", {"bytes": len(await request.read())}))
        return web.Response(text="OK")


async def _params(request: web.Request) -> dict[str, Any]:
    """slack-sdk sends JSON for some methods, form bodies for others, and `params=` in the query string."""
    query: dict[str, Any] = dict(request.query)
    raw = await request.text()
    if request.content_type == "application/json":
        return {**query, **json.loads(raw or "{}")}
    parsed = {**query, **{key: values[0] for key, values in parse_qs(raw).items()}}
    for key in ("blocks", "view"):
        if isinstance(parsed.get(key), str):
            parsed[key] = json.loads(parsed[key])
    return parsed
