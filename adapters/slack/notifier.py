"""Scheduled messages to Slack (`bot.ports.Notifier`): DMs through conversations.open + chat.postMessage,
channel posts (and digest threads) through chat.postMessage, Block Kit with a text fallback. 429s are
retried by slack-sdk's rate-limit handler; what is left becomes `DeliveryFailed`."""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import ClientError
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.render import blocks, fallback_text
from bot.ports import DeliveryFailed, Destination
from bot.replies import Reply

log = logging.getLogger(__name__)

PLATFORM = "slack"
# Errors a retry cannot fix: the person or channel is gone, or the bot may not post there.
PERMANENT = frozenset({"channel_not_found", "user_not_found", "is_archived", "not_in_channel", "account_inactive",
                       "cannot_dm_bot", "user_disabled", "restricted_action", "invalid_auth", "not_authed",
                       "team_access_not_granted", "msg_too_long", "invalid_blocks", "no_text"})
DEFAULT_RETRY_AFTER = 30.0


class BoundedRateLimitRetryHandler(AsyncRateLimitErrorRetryHandler):
    """slack-sdk's 429 handler (sleeps `Retry-After`, then retries), for short waits only: a long
    `Retry-After` is not slept through inside a request; it surfaces as `DeliveryFailed(retry_after=…)`
    so the dispatcher reschedules the message instead of holding a worker."""

    def __init__(self, max_retry_count: int = 2, max_wait: float = 5.0) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self.max_wait = max_wait

    async def _can_retry_async(self, *, state: RetryState, request: HttpRequest,
                               response: HttpResponse | None = None, error: Exception | None = None) -> bool:
        if not await super()._can_retry_async(state=state, request=request, response=response, error=error):
            return False
        assert response is not None
        wait = _retry_after({key.lower(): value[0] if isinstance(value, list) else value
                             for key, value in response.headers.items()})
        return wait is None or wait <= self.max_wait


def web_client(token: str, api_url: str | None = None, *, retry_handlers: list[AsyncRetryHandler] | None = None
               ) -> AsyncWebClient:
    """The one Web API client of the app. `api_url` (SLACK_API_URL: GovSlack, a proxy, a local fake) gets the
    trailing slash slack-sdk's `urljoin` needs."""
    base = (api_url.rstrip("/") + "/") if api_url else AsyncWebClient.BASE_URL
    client = AsyncWebClient(token=token, base_url=base)
    client.retry_handlers.extend(retry_handlers if retry_handlers is not None else [BoundedRateLimitRetryHandler()])
    return client


class SlackNotifier:
    platform = PLATFORM

    def __init__(self, client: AsyncWebClient) -> None:
        self._client = client
        self._dm_channels: dict[str, str] = {}

    async def send(self, destination: Destination, reply: Reply) -> str | None:
        """Post and return the message ts; raises DeliveryFailed and nothing else."""
        try:
            channel = await self._channel(destination)
            response = await self._client.chat_postMessage(
                channel=channel, text=fallback_text(reply), blocks=blocks(reply), thread_ts=destination.thread,
                unfurl_links=False, unfurl_media=False)
            ts = response.get("ts")
            return str(ts) if ts else None
        except SlackApiError as error:
            raise failure(error) from error
        except (TimeoutError, SlackClientError, ClientError, OSError) as error:
            raise DeliveryFailed(f"network: {type(error).__name__}") from error
        except Exception as error:  # the dispatcher's contract: DeliveryFailed, nothing else
            log.exception("unexpected error sending to Slack")
            raise DeliveryFailed(f"unexpected: {type(error).__name__}") from error

    async def _channel(self, destination: Destination) -> str:
        if destination.kind != "dm":
            return destination.target
        if destination.target not in self._dm_channels:
            opened = await self._client.conversations_open(users=destination.target)
            self._dm_channels[destination.target] = opened["channel"]["id"]
        return self._dm_channels[destination.target]


def failure(error: SlackApiError) -> DeliveryFailed:
    """Slack's answer as a delivery failure: permanent, rate limited (with the wait), or try again later."""
    response = error.response
    status = int(getattr(response, "status_code", 0) or 0)
    data: Any = getattr(response, "data", None)
    code = str(data.get("error")) if isinstance(data, dict) and data.get("error") else f"HTTP {status}"
    if status == 429 or code == "ratelimited":
        headers = {str(key).lower(): value for key, value in dict(getattr(response, "headers", {}) or {}).items()}
        wait = _retry_after(headers)
        return DeliveryFailed(f"ratelimited ({code})", retry_after=wait if wait is not None else DEFAULT_RETRY_AFTER)
    return DeliveryFailed(code, permanent=code in PERMANENT)


def _retry_after(headers: dict[str, Any]) -> float | None:
    raw = headers.get("retry-after")
    try:
        return max(0.0, float(raw)) if raw is not None else None
    except (TypeError, ValueError):
        return None
