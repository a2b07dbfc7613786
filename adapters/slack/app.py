"""The Slack app: one `/study` command carrying the shared grammar, the check-in modal, App Home and
buttons. Every request is acknowledged first; the work and the answer (`respond`) follow."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

from aiohttp import ClientError, web
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import views
from adapters.slack.notifier import SlackNotifier
from adapters.slack.render import blocks, fallback_text
from bot.commands.context import Invocation
from bot.replies import Reply
from bot.service import StudyBot

log = logging.getLogger(__name__)

PLATFORM = "slack"
EVENTS_PATH = "/slack/events"
PROFILE_TTL = 600.0


@dataclass(frozen=True)
class Profile:
    name: str
    is_admin: bool


class StudySlackApp:
    def __init__(self, bot: StudyBot, *, bot_token: str, signing_secret: str, api_url: str | None = None) -> None:
        self.bot = bot
        base = (api_url.rstrip("/") + "/") if api_url else AsyncWebClient.BASE_URL
        self.client = AsyncWebClient(token=bot_token, base_url=base)
        self.client.retry_handlers.append(AsyncRateLimitErrorRetryHandler(max_retry_count=2))
        self.app = AsyncApp(client=self.client, signing_secret=signing_secret)
        self.notifier = SlackNotifier(self.client)
        self._profiles: dict[tuple[str, str], tuple[float, Profile]] = {}
        self._runner: web.AppRunner | None = None
        self._socket = None
        self._register()

    # --- transports ------------------------------------------------------------------------------------
    async def start_http(self, host: str, port: int) -> int:
        """Serve bolt's endpoint at /slack/events (commands, interactivity and events alike)."""
        self._runner = web.AppRunner(self.app.web_app(path=EVENTS_PATH, port=port))
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        return site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def start_socket_mode(self, app_token: str) -> None:
        from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

        self._socket = AsyncSocketModeHandler(self.app, app_token, web_client=self.client)
        await self._socket.connect_async()

    async def stop(self) -> None:
        if self._socket is not None:
            await self._socket.close_async()
        if self._runner is not None:
            await self._runner.cleanup()

    # --- listeners -------------------------------------------------------------------------------------
    def _register(self) -> None:
        self.app.command("/study")(self._on_study)
        self.app.view(views.CHECKIN_CALLBACK)(self._on_checkin_submitted)
        self.app.action(views.OPEN_CHECKIN)(self._on_open_checkin)
        self.app.action(views.START_SPRINT)(self._on_start_sprint)
        self.app.event("app_home_opened")(self._on_home_opened)

    async def _on_study(self, ack: Any, body: dict[str, Any], respond: Any) -> None:
        await ack()
        text = (body.get("text") or "").strip()
        channel = body.get("channel_id")
        if text.lower() in ("checkin", "/checkin"):
            try:
                await self.client.views_open(trigger_id=body["trigger_id"], view=views.checkin_modal(channel))
                return
            except SlackApiError as error:  # an expired trigger: fall back to a plain check-in
                log.warning("views.open failed: %s", error.response.get("error"))
        invocation = await self._invocation(body, body["user_id"], channel, f"slack:{body.get('trigger_id')}")
        reply = await self.bot.handle_text(invocation, text or "help")
        await respond(response_type="ephemeral" if reply.private else "in_channel", replace_original=False,
                      text=fallback_text(reply), blocks=blocks(reply))
        await self._upload(reply, body["user_id"])

    async def _on_checkin_submitted(self, ack: Any, body: dict[str, Any], view: dict[str, Any]) -> None:
        args, channel = views.submitted(view)
        user_id = body["user"]["id"]
        invocation = await self._invocation(body, user_id, channel, f"slack-view:{view.get('id')}")
        reply = await self.bot.execute(invocation, "checkin", args)
        error = reply.data.get("error")
        if error:
            await ack(response_action="errors",
                      errors={views.FIELD_OF_ERROR.get(str(error), "minutes"): reply.text[:150]})
            return
        await ack()
        target = channel or reply.data.get("channel")
        if target:
            await self.client.chat_postMessage(channel=target, text=fallback_text(reply), blocks=blocks(reply))

    async def _on_open_checkin(self, ack: Any, body: dict[str, Any]) -> None:
        await ack()
        channel = (body.get("channel") or {}).get("id")
        await self.client.views_open(trigger_id=body["trigger_id"], view=views.checkin_modal(channel))

    async def _on_start_sprint(self, ack: Any, body: dict[str, Any]) -> None:
        await ack()
        user_id = body["user"]["id"]
        invocation = await self._invocation(body, user_id, (body.get("channel") or {}).get("id"),
                                            f"slack-action:{body.get('trigger_id')}")
        reply = await self.bot.execute(invocation, "sprint start", {})
        await self._dm(user_id, reply)
        await self._publish_home(body, user_id)

    async def _on_home_opened(self, event: dict[str, Any], body: dict[str, Any]) -> None:
        if event.get("tab", "home") == "home":
            await self._publish_home(body, event["user"])

    # --- helpers ---------------------------------------------------------------------------------------
    async def _publish_home(self, body: dict[str, Any], user_id: str) -> None:
        invocation = await self._invocation(body, user_id, None, None)
        streak = await self.bot.execute(invocation, "streak", {})
        board = await self.bot.execute(invocation, "leaderboard", {}) if not streak.is_error else None
        stats = await self.bot.execute(invocation, "stats", {}) if not streak.is_error else None
        days = stats.data.get("days") if stats is not None and not stats.is_error else None
        await self.client.views_publish(user_id=user_id, view=views.home(streak, board, days))

    async def _dm(self, user_id: str, reply: Reply) -> None:
        opened = await self.client.conversations_open(users=user_id)
        await self.client.chat_postMessage(channel=opened["channel"]["id"], text=fallback_text(reply),
                                           blocks=blocks(reply))

    async def _upload(self, reply: Reply, user_id: str) -> None:
        """Pictures and CSV files go to the member's DMs (a private reply's file must not land in a channel)."""
        if not reply.attachments:
            return
        opened = await self.client.conversations_open(users=user_id)
        for attachment in reply.attachments:
            await self.client.files_upload_v2(channel=opened["channel"]["id"], content=attachment.content,
                                              filename=attachment.filename, title=attachment.filename)

    async def _invocation(self, body: dict[str, Any], user_id: str, channel: str | None,
                          key: str | None) -> Invocation:
        workspace = _workspace(body)
        profile = await self._profile(workspace, user_id)
        return Invocation(platform=PLATFORM, workspace=workspace, user_id=user_id, display_name=profile.name,
                          channel_id=channel, idempotency_key=key, is_admin=profile.is_admin)

    async def _profile(self, workspace: str, user_id: str) -> Profile:
        cached = self._profiles.get((workspace, user_id))
        if cached is not None and cached[0] > time.monotonic():
            return cached[1]
        try:
            user = (await self.client.users_info(user=user_id))["user"]
            profile = user.get("profile") or {}
            name = profile.get("display_name") or profile.get("real_name") or user.get("name") or user_id
            found = Profile(name=name, is_admin=bool(user.get("is_admin") or user.get("is_owner")))
        except (SlackApiError, ClientError, TimeoutError) as error:
            log.warning("users.info failed for a user: %s", type(error).__name__)
            found = Profile(name=user_id, is_admin=False)
        self._profiles[(workspace, user_id)] = (time.monotonic() + PROFILE_TTL, found)
        return found


def _workspace(body: dict[str, Any]) -> str:
    """A Slack team, qualified by its Enterprise Grid org when there is one."""
    team = body.get("team_id") or (body.get("team") or {}).get("id") or (body.get("view") or {}).get("team_id") \
        or ""
    enterprise = body.get("enterprise_id") or (body.get("enterprise") or {}).get("id")
    return f"{enterprise}:{team}" if enterprise else str(team)
