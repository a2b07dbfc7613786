"""Scheduled messages to Slack: DMs through conversations.open, channel posts, threads for digests."""

from __future__ import annotations

import logging

from aiohttp import ClientError
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.render import blocks, fallback_text
from bot.ports import DeliveryFailed, Destination
from bot.replies import Reply

log = logging.getLogger(__name__)

# Errors that a retry cannot fix: the person or the channel is gone, or the bot may not post there.
PERMANENT = frozenset({"channel_not_found", "user_not_found", "is_archived", "not_in_channel", "account_inactive",
                       "cannot_dm_bot", "user_disabled", "restricted_action", "invalid_auth", "not_authed",
                       "team_access_not_granted", "msg_too_long", "invalid_blocks"})


class SlackNotifier:
    platform = "slack"

    def __init__(self, client: AsyncWebClient) -> None:
        self._client = client
        self._dm_channels: dict[str, str] = {}

    async def send(self, destination: Destination, reply: Reply) -> str | None:
        try:
            channel = await self._channel(destination)
            response = await self._client.chat_postMessage(
                channel=channel, text=fallback_text(reply), blocks=blocks(reply), thread_ts=destination.thread,
                unfurl_links=False)
            return str(response.get("ts")) if response.get("ts") else None
        except SlackApiError as error:
            raise _failure(error) from error
        except (ClientError, TimeoutError, OSError) as error:
            raise DeliveryFailed(f"network: {type(error).__name__}") from error

    async def _channel(self, destination: Destination) -> str:
        if destination.kind != "dm":
            return destination.target
        if destination.target not in self._dm_channels:
            opened = await self._client.conversations_open(users=destination.target)
            self._dm_channels[destination.target] = opened["channel"]["id"]
        return self._dm_channels[destination.target]


def _failure(error: SlackApiError) -> DeliveryFailed:
    response = error.response
    code = str(response.get("error") or f"HTTP {response.status_code}")
    if response.status_code == 429:
        retry_after = float(response.headers.get("Retry-After", response.headers.get("retry-after", 30)))
        return DeliveryFailed(f"ratelimited ({code})", retry_after=retry_after)
    return DeliveryFailed(code, permanent=code in PERMANENT)
