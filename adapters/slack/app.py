"""The Slack app on slack-bolt's AsyncApp: one `/study` command carrying the shared grammar, the check-in
modal, App Home and the buttons on DMs. Every request is acknowledged first and the work follows
(`ack()` returns bolt's HTTP answer at once; `respond`/`chat.postMessage` carry the result), except a
modal submission, which answers with the core's validation errors and so records before it acks."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from aiohttp import ClientError, web
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.confirm import decode as decode_confirm
from adapters.inflight import InFlight
from adapters.slack import modal
from adapters.slack.home import MAX_COHORTS, CohortPanel, home_view
from adapters.slack.notifier import PLATFORM, SlackNotifier, web_client
from adapters.slack.render import (
    CONFIRM,
    JOIN_SPRINT,
    OPEN_CHECKIN,
    START_SPRINT,
    UNDO_CHECKIN,
    blocks,
    fallback_text,
    read_undo_value,
)
from adapters.slack.text import decode
from bot.commands.context import Invocation
from bot.replies import Reply, error_reply
from bot.service import StudyBot

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
PROFILE_TTL = 600.0  # seconds a users.info answer (name, admin) is trusted
PROFILE_RETRY = 30.0  # after a failed users.info, ask again this soon
PROFILE_TIMEOUT = 2.0  # a modal submission must be answered within 3 s
PROFILE_CACHE_SIZE = 10_000  # past this, expired entries are dropped
NOT_YOURS = "Only the member who checked in can undo it. To take back your own latest check-in, use `undo`."
STALE_BUTTON = "This button doesn't work any more. Type the command it stood for instead (`help` lists them)."


@dataclass(frozen=True)
class Profile:
    name: str
    is_admin: bool


class StudySlackApp:
    """The Slack adapter as the composition root sees it: `.app` (bolt), `.client`, `.notifier`,
    `start_http` / `start_socket_mode`, `stop`."""

    def __init__(self, bot: StudyBot, *, bot_token: str, signing_secret: str, api_url: str | None = None,
                 client: AsyncWebClient | None = None, inflight: InFlight | None = None) -> None:
        self.bot = bot
        # The listeners' tasks, for shutdown to wait for.
        self.inflight = inflight if inflight is not None else InFlight()
        self.client = client or web_client(bot_token, api_url)
        self._signing_secret = signing_secret
        self.app = AsyncApp(client=self.client, signing_secret=signing_secret)
        self.notifier = SlackNotifier(self.client)
        self._profiles: dict[tuple[str, str], tuple[float, Profile]] = {}
        self._runner: web.AppRunner | None = None
        self._socket: Any = None
        self._unacked: set[asyncio.Task[Any]] = set()  # Socket Mode envelopes taken, their acks not sent yet
        self._socket_closer: asyncio.Task[None] | None = None
        self._register()

    # --- transports ------------------------------------------------------------------------------------
    async def start_http(self, host: str, port: int, routes: Sequence[web.RouteDef] = (),
                         setup: Callable[[web.Application], None] | None = None) -> int:
        """Serve bolt's endpoint at /slack/events (commands, interactivity and events alike; bolt refuses a
        bad or stale signature with 401) and GET /healthz. `setup` adds more to the app (the web pages).
        Returns the bound port (useful with port 0)."""
        if not self._signing_secret:
            raise ValueError("SLACK_SIGNING_SECRET is required for Slack's HTTP mode")
        web_app = self.app.web_app(path=EVENTS_PATH, port=port)
        web_app.middlewares.append(self._while_open)
        web_app.add_routes(routes)  # the operator's /healthz and /metrics share the port
        if setup is not None:
            setup(web_app)
        if not any(getattr(route, "path", None) == HEALTH_PATH for route in routes):
            web_app.router.add_get(HEALTH_PATH, _healthz)
        self._runner = web.AppRunner(web_app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        return int(site._server.sockets[0].getsockname()[1])  # type: ignore[union-attr]

    async def start_socket_mode(self, app_token: str) -> None:
        """Connect over Socket Mode (apps.connections.open with the xapp- token, through SLACK_API_URL too).
        The first URL is asked for here: a wrong or revoked app token fails start-up with SlackApiError, where
        slack-sdk's `connect()` would retry it every 10 s for ever."""
        from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

        handler = AsyncSocketModeHandler(self.app, app_token, web_client=self.client)

        async def on_envelope(client: Any, request: Any) -> None:
            await self._on_envelope(handler, client, request)

        handler.client.socket_mode_request_listeners[:] = [on_envelope]  # instead of handler.handle, which it calls
        try:
            handler.client.wss_uri = await handler.client.issue_new_wss_url()
        except BaseException:
            await handler.close_async()
            raise
        self._socket = handler
        await handler.connect_async()

    @web.middleware
    async def _while_open(self, request: web.Request, handler: Any) -> web.StreamResponse:
        """During shutdown a request to /slack/events gets 503 before bolt sees it (nothing acked, nothing
        done; Slack retries events); until then its handler's task is kept for shutdown to wait for."""
        if request.path == EVENTS_PATH:
            if self.inflight.closing:
                return web.json_response({"error": "shutting down"}, status=503, headers={"Retry-After": "1"})
            self.inflight.track()
        return await handler(request)

    async def _on_envelope(self, handler: Any, client: Any, request: Any) -> None:
        """Socket Mode: one envelope, from bolt's dispatch to its ack on the socket (slack-sdk runs each in a
        task of its own). During shutdown a new envelope is left unacknowledged before bolt sees it (nothing
        done; Slack is to send it again); until then the task is kept, so that shutdown waits for its ack."""
        if self.inflight.closing:
            log.warning("shutting down: Slack envelope %s (%s) left unacknowledged", request.envelope_id, request.type)
            return
        self.inflight.track()
        task = asyncio.current_task()
        if task is not None:
            self._unacked.add(task)
            task.add_done_callback(self._unacked.discard)
        await handler.handle(client, request)

    async def stop_listening(self) -> None:
        """No new requests (HTTP: 503 from now on; Socket Mode: new envelopes left unacknowledged); listeners
        already running keep the Web API client. The Socket Mode connection closes once every envelope taken
        has been acknowledged over it (a modal submission acks only after recording), or at `stop`."""
        self.inflight.closing = True
        if self._socket is not None and self._socket_closer is None:
            self._socket_closer = asyncio.ensure_future(self._close_socket_when_acked())

    async def _close_socket_when_acked(self) -> None:
        while self._unacked:
            await asyncio.wait(set(self._unacked))
        await self._close_socket()

    async def _close_socket(self) -> None:
        socket, self._socket = self._socket, None
        if socket is not None:
            await socket.close_async()

    async def stop(self) -> None:
        closer, self._socket_closer = self._socket_closer, None
        if closer is not None and self._socket is not None:
            closer.cancel()  # the drain is over and acks are still missing: close now
        await self._close_socket()
        if closer is not None:
            await asyncio.wait({closer})
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # --- listeners -------------------------------------------------------------------------------------
    def _register(self) -> None:
        # bolt runs each listener in a task of its own after the ack; `tracked` keeps it for shutdown.
        tracked = self.inflight.tracked
        self.app.command("/study")(tracked(self._on_study))
        self.app.view_submission(modal.CALLBACK)(tracked(self._on_checkin_submitted))
        self.app.action(OPEN_CHECKIN)(tracked(self._on_open_checkin))
        self.app.action(START_SPRINT)(tracked(self._on_start_sprint))
        self.app.action(JOIN_SPRINT)(tracked(self._on_join_sprint))
        self.app.action(UNDO_CHECKIN)(tracked(self._on_undo))
        self.app.action(CONFIRM)(tracked(self._on_confirm))
        self.app.event("app_home_opened")(tracked(self._on_home_opened))

    async def _on_study(self, ack: Any, body: dict[str, Any], respond: Any, context: Any, request: Any) -> None:
        await ack()
        text = decode(body.get("text") or "").strip()
        user_id, channel, trigger = body["user_id"], body.get("channel_id"), body.get("trigger_id")
        workspace = _workspace(context, body)
        if text.lower() in ("checkin", "/checkin") and trigger \
                and await self._open_checkin(trigger, workspace, channel, "command"):
            return
        # The trigger id is the same on every retry of one slash command, and different for the next one.
        key = f"slack:{trigger}" if trigger else None
        invocation = await self._invocation(workspace, user_id, channel, key, body.get("user_name"))
        reply = await self.bot.handle_text(invocation, text or "help")
        # A retry whose first attempt got through: tell the caller quietly instead of repeating it publicly.
        quiet = reply.private or (_is_retry(request) and bool(reply.data.get("duplicate")))
        await respond(response_type="ephemeral" if quiet else "in_channel", replace_original=False,
                      text=fallback_text(reply), blocks=blocks(reply, author=user_id, key=key))
        await self._followups(reply, user_id, channel)
        await self._upload(reply, user_id)

    async def _on_checkin_submitted(self, ack: Any, body: dict[str, Any], view: dict[str, Any], context: Any) -> None:
        submission = modal.submitted(view)
        user_id = body["user"]["id"]
        workspace = _workspace(context, body)
        # One modal records at most once: its view id stays the same until it closes.
        key = f"slack-view:{view.get('id')}"
        invocation = await self._invocation(workspace, user_id, submission.channel, key,
                                            (body.get("user") or {}).get("username"))
        reply = await self.bot.execute(invocation, submission.command, submission.args)
        if reply.is_error:
            await ack(response_action="errors", errors=modal.errors(reply, view))
            return
        await ack()
        posted = None
        if reply.private:  # a note added to a sprint's check-in: only its author needs to see it
            await self._dm(user_id, reply)
        elif not reply.data.get("duplicate"):
            posted = await self._post_public(reply, submission.channel, user_id, key)
        await self._followups(reply, user_id, posted)
        if submission.source == "home":
            await self._publish_home(workspace, user_id)

    async def _on_open_checkin(self, ack: Any, body: dict[str, Any], action: dict[str, Any], context: Any) -> None:
        await ack()
        channel = (body.get("channel") or {}).get("id")
        await self._open_checkin(body["trigger_id"], _workspace(context, body), channel,
                                 str(action.get("value") or "home"))

    async def _on_start_sprint(self, ack: Any, body: dict[str, Any], action: dict[str, Any], context: Any) -> None:
        await ack()
        user_id = body["user"]["id"]
        workspace = _workspace(context, body)
        channel = (body.get("channel") or {}).get("id")
        invocation = await self._invocation(workspace, user_id, channel, f"slack-action:{body.get('trigger_id')}",
                                            (body.get("user") or {}).get("username"))
        reply = await self.bot.execute(invocation, "sprint start", {})
        await self._dm(user_id, reply)
        if action.get("value") == "home":
            await self._publish_home(workspace, user_id)

    async def _on_join_sprint(self, ack: Any, body: dict[str, Any], respond: Any, context: Any) -> None:
        """The button under a group sprint: join it; the channel sees who joined."""
        await ack()
        user_id = body["user"]["id"]
        channel = (body.get("channel") or {}).get("id")
        invocation = await self._invocation(_workspace(context, body), user_id, channel,
                                            f"slack-action:{body.get('trigger_id')}",
                                            (body.get("user") or {}).get("username"))
        reply = await self.bot.execute(invocation, "sprint join", {})
        await respond(response_type="ephemeral" if reply.private else "in_channel", replace_original=False,
                      text=fallback_text(reply), blocks=blocks(reply))

    async def _on_undo(self, ack: Any, body: dict[str, Any], action: dict[str, Any], respond: Any,
                       context: Any) -> None:
        """The Undo button under a check-in: its author (named in the button's value) takes back that check-in
        (`undo checkin:<key>`; plain `undo`, their latest, for a button whose value names no check-in); anyone
        else is told it is not theirs. Either answer is seen by the presser alone."""
        await ack()
        user_id = body["user"]["id"]
        author, key = read_undo_value(str(action.get("value") or ""))
        if author != user_id:
            reply = error_reply("not_your_checkin", NOT_YOURS)
        else:
            channel = (body.get("channel") or {}).get("id")
            invocation = await self._invocation(_workspace(context, body), user_id, channel,
                                                f"slack-action:{body.get('trigger_id')}",
                                                (body.get("user") or {}).get("username"))
            reply = await self.bot.execute(invocation, "undo", {"checkin": key} if key else {})
        await respond(response_type="ephemeral", replace_original=False, text=fallback_text(reply),
                      blocks=blocks(reply))

    async def _on_confirm(self, ack: Any, body: dict[str, Any], action: dict[str, Any], respond: Any,
                          context: Any) -> None:
        """A reply's confirm button (adapters/confirm.py): runs the command its value names, with its args, as the
        presser, as if they typed it; a value naming a command not meant for a button runs nothing. The answer is
        seen by the presser alone."""
        await ack()
        found = decode_confirm(str(action.get("value") or ""))
        if found is None:
            reply = error_reply("stale_button", STALE_BUTTON)
        else:
            user_id = body["user"]["id"]
            channel = (body.get("channel") or {}).get("id")
            invocation = await self._invocation(_workspace(context, body), user_id, channel,
                                                f"slack-action:{body.get('trigger_id')}",
                                                (body.get("user") or {}).get("username"))
            reply = await self.bot.execute(invocation, *found)
        await respond(response_type="ephemeral", replace_original=False, text=fallback_text(reply),
                      blocks=blocks(reply))

    async def _on_home_opened(self, event: dict[str, Any], body: dict[str, Any], context: Any) -> None:
        if event.get("tab", "home") == "home":
            await self._publish_home(_workspace(context, body), event["user"])

    # --- helpers ---------------------------------------------------------------------------------------
    async def _open_checkin(self, trigger_id: str, workspace: str, channel: str | None, source: str) -> bool:
        try:
            cohorts = await self.bot.cohort_names(PLATFORM, workspace)
        except Exception:  # the list only adds a cohort picker; the modal works without it
            log.warning("could not list cohorts for the check-in modal", exc_info=True)
            cohorts = []
        view = modal.checkin_modal(channel, source=source, cohorts=cohorts)
        try:
            await self.client.views_open(trigger_id=trigger_id, view=view)
            return True
        except (TimeoutError, SlackClientError, ClientError) as error:  # e.g. an expired trigger
            log.warning("views.open failed: %s", _reason(error))
            return False

    async def _post_public(self, reply: Reply, channel: str | None, user_id: str, key: str) -> str | None:
        """A modal check-in goes to the channel it was opened in, or (from App Home or a DM) the cohort's
        channel; when the bot may not post there, to the member's DMs instead. Returns the channel it went to
        (None: the DMs)."""
        target = channel if channel and not channel.startswith("D") else reply.data.get("channel")
        if target:
            try:
                await self.client.chat_postMessage(channel=target, text=fallback_text(reply),
                                                   blocks=blocks(reply, author=user_id, key=key), unfurl_links=False)
                return str(target)
            except (TimeoutError, SlackClientError, ClientError) as error:
                log.warning("posting a check-in to its channel failed: %s", _reason(error))
        await self._dm(user_id, reply, author=user_id, key=key)
        return None

    async def _followups(self, reply: Reply, user_id: str, channel: str | None) -> None:
        """The reply's follow-ups (`Reply.followups`: an organizer's checklist, first check-in tips), each an
        ephemeral message in `channel` (where the reply went) that the caller alone sees; in their DMs when there
        is no channel or Slack refuses (a private channel the bot is not in). Sent with `chat.postEphemeral`, not
        the command's response_url, so the command's own answer is always the first response."""
        for followup in reply.followups:
            text, shown = fallback_text(followup), blocks(followup)
            if channel and not channel.startswith("D"):
                try:
                    await self.client.chat_postEphemeral(channel=channel, user=user_id, text=text, blocks=shown)
                    continue
                except (TimeoutError, SlackClientError, ClientError) as error:
                    log.warning("an ephemeral follow-up could not be posted, sent as a DM: %s", _reason(error))
            await self._dm(user_id, followup)

    async def _publish_home(self, workspace: str, user_id: str) -> None:
        invocation = await self._invocation(workspace, user_id, None, None)
        first = await self.bot.execute(invocation, "streak", {})
        problem: Reply | None = None
        names: list[str | None] = [None]
        if first.is_error:
            choices = first.data.get("choices") if first.data.get("error") == "which_cohort" else None
            names = list(choices or [])[:MAX_COHORTS]
            if not names:
                problem = first
        panels = []
        for name in names:
            args = {"cohort": name} if name else {}
            streak = first if name is None else await self.bot.execute(invocation, "streak", args)
            board = await self.bot.execute(invocation, "leaderboard", args) if not streak.is_error else None
            stats = await self.bot.execute(invocation, "stats", args) if not streak.is_error else None
            calendar = await self.bot.calendar(invocation, name) if not streak.is_error else None
            team = await self.bot.execute(invocation, "team", args) if not streak.is_error else None
            league = await self.bot.execute(invocation, "league", args) if not streak.is_error else None
            panels.append(CohortPanel(streak, board, stats, calendar, team=team, league=league))
        try:
            await self.client.views_publish(user_id=user_id, view=home_view(panels, problem))
        except (TimeoutError, SlackClientError, ClientError) as error:
            log.warning("views.publish failed: %s", _reason(error))

    async def _dm(self, user_id: str, reply: Reply, *, author: str | None = None, key: str | None = None) -> None:
        try:
            opened = await self.client.conversations_open(users=user_id)
            await self.client.chat_postMessage(channel=opened["channel"]["id"], text=fallback_text(reply),
                                               blocks=blocks(reply, author=author, key=key), unfurl_links=False)
        except (TimeoutError, SlackClientError, ClientError) as error:
            log.warning("a DM could not be sent: %s", _reason(error))

    async def _upload(self, reply: Reply, user_id: str) -> None:
        """Pictures and CSV files go to the member's DMs (a private reply's file must not land in a channel)."""
        if not reply.attachments:
            return
        try:
            opened = await self.client.conversations_open(users=user_id)
            for attachment in reply.attachments:
                await self.client.files_upload_v2(channel=opened["channel"]["id"], content=attachment.content,
                                                  filename=attachment.filename, title=attachment.filename)
        except (TimeoutError, SlackClientError, ClientError) as error:
            log.warning("a file could not be uploaded: %s", _reason(error))

    async def _invocation(self, workspace: str, user_id: str, channel: str | None, key: str | None,
                          name_hint: str | None = None) -> Invocation:
        profile = await self._profile(workspace, user_id, name_hint)
        return Invocation(platform=PLATFORM, workspace=workspace, user_id=user_id, display_name=profile.name,
                          channel_id=channel, idempotency_key=key, is_admin=profile.is_admin)

    async def _profile(self, workspace: str, user_id: str, name_hint: str | None) -> Profile:
        """Name and admin flag from users.info (workspace admins and owners are organizers), cached briefly."""
        cached = self._profiles.get((workspace, user_id))
        now = time.monotonic()
        if cached is not None and cached[0] > now:
            return cached[1]
        try:
            answer = await asyncio.wait_for(self.client.users_info(user=user_id), PROFILE_TIMEOUT)
            user = answer["user"]
            profile = user.get("profile") or {}
            name = profile.get("display_name") or profile.get("real_name") or user.get("name") or name_hint or user_id
            found, ttl = Profile(name=name, is_admin=bool(user.get("is_admin") or user.get("is_owner"))), PROFILE_TTL
        except (TimeoutError, SlackClientError, ClientError, KeyError, TypeError) as error:
            log.warning("users.info failed: %s", _reason(error))
            found, ttl = Profile(name=name_hint or user_id, is_admin=False), PROFILE_RETRY
        if len(self._profiles) >= PROFILE_CACHE_SIZE:
            self._profiles = {key: entry for key, entry in self._profiles.items() if entry[0] > now}
        self._profiles[(workspace, user_id)] = (now + ttl, found)
        return found


def build_slack_app(bot: StudyBot, *, bot_token: str, signing_secret: str, api_url: str | None = None
                    ) -> StudySlackApp:
    """What the composition root calls; nothing connects until `start_http` or `start_socket_mode`."""
    return StudySlackApp(bot, bot_token=bot_token, signing_secret=signing_secret, api_url=api_url)


def _workspace(context: Any, body: dict[str, Any]) -> str:
    """A Slack team, qualified by its Enterprise Grid org when there is one (bolt's context knows where each
    payload type keeps them; the body is the fallback)."""
    team = getattr(context, "team_id", None) or body.get("team_id") or (body.get("team") or {}).get("id") \
        or (body.get("user") or {}).get("team_id") or ""
    enterprise = getattr(context, "enterprise_id", None) or body.get("enterprise_id")
    return f"{enterprise}:{team}" if enterprise else str(team)


def _is_retry(request: Any) -> bool:
    headers = getattr(request, "headers", None) or {}
    return bool(headers.get("x-slack-retry-num"))


def _reason(error: Exception) -> str:
    response = getattr(error, "response", None)
    data = getattr(response, "data", None)
    if isinstance(data, dict) and data.get("error"):
        return str(data["error"])
    return type(error).__name__


async def _healthz(request: web.Request) -> web.Response:
    return web.Response(text="ok")
