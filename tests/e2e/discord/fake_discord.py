"""A fake Discord on 127.0.0.1: the REST endpoints discord.py calls and a gateway websocket that does
HELLO / IDENTIFY / READY / GUILD_CREATE / heartbeats and dispatches INTERACTION_CREATE. It records
every callback and message, and enforces a global 50 requests/s limit with 429s shaped like Discord's
global ones (JSON `retry_after`, `global: true`, a `Via` header so discord.py retries instead of taking
it for a Cloudflare ban); interaction callbacks and follow-ups are exempt, as on Discord ("interaction
endpoints are not bound to the bot's global rate limit"). Refused requests are counted, not recorded:
`requests` holds only what the fake accepted."""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from tests.e2e.local_server import serve

APP_ID = "1100000000000000001"
BOT_ID = "1100000000000000002"
GUILD_ID = "1200000000000000001"
CHANNEL_ID = "1300000000000000001"
VOICE_ID = "1300000000000000002"  # a voice channel ("study-hall"), for focus rooms
BOT_USER = {"id": BOT_ID, "username": "studybot", "discriminator": "0", "global_name": None, "avatar": None,
            "bot": True, "public_flags": 0, "flags": 0}


def user(user_id: str, name: str) -> dict[str, Any]:
    return {"id": user_id, "username": name, "discriminator": "0", "global_name": name, "avatar": None,
            "public_flags": 0, "flags": 0}


@dataclass
class Request:
    method: str
    path: str
    body: dict[str, Any] | list[Any] | None


class FakeDiscord:
    def __init__(self, per_second: int = 50) -> None:
        self.requests: list[Request] = []
        self.rate_limited = 0
        self.identified = False
        self.readies = 0  # READY + GUILD_CREATE sent: one per connection
        self.identifies: list[dict[str, Any]] = []
        self.per_second = per_second
        self._window: deque[float] = deque()
        self._refusals: dict[str, tuple[int, dict[str, Any], dict[str, str]]] = {}
        self._ids = itertools.count(1400000000000000001)
        self._seq = itertools.count(1)
        self._socket: web.WebSocketResponse | None = None
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.port = 0
        # Who is in voice (user id -> voice state, without guild_id): sent in GUILD_CREATE, as Discord does on
        # every (re)connect, and changed by `voice()`.
        self.voice_states: dict[str, dict[str, Any]] = {}

    @property
    def api(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v10"

    @property
    def gateway(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    def refuse(self, path_prefix: str, status: int, body: dict[str, Any],
               headers: dict[str, str] | None = None) -> None:
        """Answer every request under `path_prefix` with this error from now on."""
        self._refusals[path_prefix] = (status, body, headers or {})

    def named(self, method: str, fragment: str) -> list[Request]:
        return [r for r in self.requests if r.method == method and fragment in r.path]

    def callbacks(self) -> list[dict[str, Any]]:
        return [r.body for r in self.named("POST", "/callback")]  # type: ignore[misc]

    async def wait_for(self, ready: Callable[[], bool], seconds: float = 10.0) -> None:
        async with asyncio.timeout(seconds), self._changed:
            await self._changed.wait_for(ready)

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/gateway", self._gateway)
        app.router.add_route("*", "/api/v10/{path:.*}", self._rest)
        self._runner, self.port = await serve(app)

    async def stop(self) -> None:
        if self._socket is not None:
            await self._socket.close()
        if self._runner is not None:
            await self._runner.cleanup()

    # --- gateway ---------------------------------------------------------------------------------------
    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        assert self._socket is not None, "no client connected"
        await self._socket.send_json({"op": 0, "t": event, "s": next(self._seq), "d": data})

    async def voice(self, user_id: str, name: str, channel_id: str | None, *, self_deaf: bool = False,
                    self_video: bool = False, self_stream: bool = False) -> None:
        """A member joins, changes state in, or (channel None) leaves voice: VOICE_STATE_UPDATE as Discord sends it
        to a bot with the GUILD_VOICE_STATES intent (the member object included)."""
        state = {"channel_id": channel_id, "user_id": user_id, "session_id": f"voice-{user_id}", "deaf": False,
                 "mute": False, "self_deaf": self_deaf, "self_mute": False, "self_video": self_video,
                 "self_stream": self_stream, "suppress": False, "request_to_speak_timestamp": None}
        if channel_id is None:
            self.voice_states.pop(user_id, None)
        else:
            self.voice_states[user_id] = state
        await self.dispatch("VOICE_STATE_UPDATE", {
            **state, "guild_id": GUILD_ID,
            "member": {"user": user(user_id, name), "roles": [], "joined_at": "2026-01-01T00:00:00+00:00",
                       "deaf": False, "mute": False, "flags": 0, "nick": None}})

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        self._socket = socket
        await socket.send_json({"op": 10, "d": {"heartbeat_interval": 45000}})
        async for message in socket:
            if message.type != web.WSMsgType.TEXT:
                continue
            payload = json.loads(message.data)
            if payload["op"] == 1:
                await socket.send_json({"op": 11})
            elif payload["op"] == 2:
                self.identifies.append(payload["d"])
                await self._ready(payload["d"].get("shard") or [0, 1])
        return socket

    async def _ready(self, shard: list[int]) -> None:
        await self.dispatch("READY", {"v": 10, "session_id": "session-1", "resume_gateway_url": self.gateway,
                                      "user": BOT_USER, "guilds": [{"id": GUILD_ID, "unavailable": True}],
                                      "application": {"id": APP_ID, "flags": 0}, "shard": shard})
        await self.dispatch("GUILD_CREATE", {
            "id": GUILD_ID, "name": "ML study", "icon": None, "owner_id": "1500000000000000001",
            "roles": [{"id": GUILD_ID, "name": "@everyone", "permissions": "0", "position": 0, "color": 0,
                       "hoist": False, "managed": False, "mentionable": False, "flags": 0}],
            "channels": [{"id": CHANNEL_ID, "type": 0, "name": "general", "position": 0, "guild_id": GUILD_ID,
                          "permission_overwrites": []},
                         {"id": VOICE_ID, "type": 2, "name": "study-hall", "position": 1, "guild_id": GUILD_ID,
                          "permission_overwrites": [], "bitrate": 64000, "user_limit": 0, "rtc_region": None,
                          "nsfw": False, "parent_id": None}],
            "voice_states": list(self.voice_states.values()),
            "members": [], "emojis": [], "stickers": [], "features": [], "member_count": 3, "large": False,
            "unavailable": False, "threads": [], "stage_instances": [], "guild_scheduled_events": [],
            "joined_at": "2026-01-01T00:00:00+00:00", "premium_tier": 0, "afk_timeout": 300,
            "verification_level": 0, "default_message_notifications": 0, "explicit_content_filter": 0,
            "mfa_level": 0, "nsfw_level": 0, "preferred_locale": "en-US", "system_channel_flags": 0})
        async with self._changed:
            self.identified = True
            self.readies += 1
            self._changed.notify_all()

    # --- REST ------------------------------------------------------------------------------------------
    async def _rest(self, request: web.Request) -> web.Response:
        path = "/" + request.match_info["path"]
        body = await _body(request)
        exempt = path.startswith(("/interactions/", f"/webhooks/{APP_ID}/"))
        wait = 0.0 if exempt else self._over_limit()
        if wait:
            async with self._changed:
                self.rate_limited += 1
            return _json({"message": "You are being rate limited.", "retry_after": round(wait, 3), "global": True},
                         status=429, headers={"Via": "1.1 google", "X-RateLimit-Global": "true",
                                              "X-RateLimit-Scope": "global", "Retry-After": str(max(1, round(wait)))})
        async with self._changed:
            self.requests.append(Request(request.method, path, body))
            self._changed.notify_all()
        refusal = next((r for prefix, r in self._refusals.items() if path.startswith(prefix)), None)
        if refusal is not None:
            return _json(refusal[1], status=refusal[0], headers=refusal[2])
        answer = self._answer(request.method, path, body)
        return web.Response(status=204) if answer is None else _json(answer)

    def _over_limit(self) -> float:
        """Seconds until the one-second window has room again (0: the request may go now)."""
        now = time.monotonic()
        while self._window and now - self._window[0] >= 1.0:
            self._window.popleft()
        if len(self._window) >= self.per_second:
            return max(0.01, 1.0 - (now - self._window[0]))
        self._window.append(now)
        return 0.0

    def _answer(self, method: str, path: str, body: Any) -> Any:
        if path == "/users/@me":
            return BOT_USER
        if path == "/oauth2/applications/@me":
            return {"id": APP_ID, "name": "studybot", "description": "", "icon": None, "bot_public": True,
                    "bot_require_code_grant": False, "owner": BOT_USER, "verify_key": "00", "flags": 0}
        if path.endswith("/commands") and method == "PUT":
            return [{**command, "id": str(next(self._ids)), "application_id": APP_ID, "version": "1",
                     "type": command.get("type", 1), "default_member_permissions": None, "dm_permission": True,
                     "nsfw": False} for command in body]
        if path.endswith("/callback"):
            interaction_id = path.split("/")[2]
            flags = ((body or {}).get("data") or {}).get("flags") or 0
            return {"interaction": {"id": interaction_id, "type": 2, "response_message_loading": body["type"] == 5,
                                    "response_message_ephemeral": bool(flags & 64)}}
        if path == "/users/@me/channels":
            recipient = str(body["recipient_id"])
            return {"id": "16" + recipient[2:], "type": 1, "recipients": [user(recipient, "member")],
                    "last_message_id": None}
        if "/messages/pins/" in path:
            return None  # 204 on Discord: pinned
        if path.endswith("/messages") or path.startswith("/webhooks/") or (method == "PATCH" and "/messages/" in path):
            channel_id = path.split("/")[2] if path.startswith("/channels/") else CHANNEL_ID
            edited = method == "PATCH" and path.startswith("/channels/")
            message_id = path.rsplit("/", 1)[-1] if edited else str(next(self._ids))
            return {"id": message_id, "channel_id": channel_id, "author": BOT_USER,
                    "content": (body or {}).get("content") or "", "timestamp": "2026-03-06T14:00:00+00:00",
                    "edited_timestamp": None, "tts": False, "mention_everyone": False, "mentions": [],
                    "mention_roles": [], "attachments": [], "embeds": (body or {}).get("embeds") or [],
                    "pinned": False, "type": 0, "flags": (body or {}).get("flags") or 0}
        return {}


def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    # discord.py parses JSON only when Content-Type is exactly application/json (no charset).
    return web.Response(body=json.dumps(data).encode(), status=status,
                        headers={"Content-Type": "application/json", **(headers or {})})


async def _body(request: web.Request) -> Any:
    if request.content_type == "multipart/form-data":
        form = await request.post()
        payload = form.get("payload_json")
        data = json.loads(str(payload)) if payload else {}
        data["_files"] = [name for name in form if name.startswith("files[")]
        return data
    raw = await request.text()
    return json.loads(raw) if raw else None
