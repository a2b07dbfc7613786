"""Scheduled messages to Discord: DMs (create the DM channel, then post) and channel posts. REST rate
limits and 429 retries are discord.py's own; the dispatcher paces bulk sends so they rarely meet one, counting
two requests for a DM whose channel this notifier has not opened yet (`requests_for`)."""

from __future__ import annotations

from collections.abc import Mapping

import aiohttp
import discord

from adapters.discord.focus import still_studying_view
from adapters.discord.render import embed, files, pings
from bot.ports import DeliveryFailed, Destination
from bot.replies import Reply

DEFAULT_RETRY_AFTER = 1.0  # a 429 without a usable header: Discord's windows are about a second


class DiscordNotifier:
    platform = "discord"

    def __init__(self, client: discord.Client) -> None:
        self._client = client
        # user id -> DM channel id, for each DM channel this notifier opened: what `requests_for` counts on.
        # discord.py's own cache of DM channels keeps only the 128 last used and is emptied on each READY, so
        # it cannot say which send will open one. A bot's DM channel with a user never changes; an entry is
        # two ints: 100,000 members take a few MB.
        self._dm_channels: dict[int, int] = {}

    def requests_for(self, destination: Destination) -> int:
        """Requests of the bot's global limit the next send to `destination` makes: two for a DM whose channel
        this notifier has not opened (POST /users/@me/channels, then the message), else one."""
        if destination.kind != "dm" or not destination.target.isdigit():
            return 1
        return 1 if int(destination.target) in self._dm_channels else 2

    async def send(self, destination: Destination, reply: Reply) -> str | None:
        content, mentions = pings(reply)
        reference = (discord.MessageReference(message_id=int(destination.thread), channel_id=int(destination.target),
                                              fail_if_not_exists=False)
                     if destination.thread and destination.thread.isdigit() else None)
        try:
            channel: discord.abc.Messageable
            if destination.kind == "dm":
                channel = await self._dm(int(destination.target))
            else:
                channel = self._client.get_partial_messageable(int(destination.target))
            view = still_studying_view(reply)
            message = await channel.send(content=content, embed=embed(reply), files=files(reply),
                                         allowed_mentions=mentions, reference=reference,  # type: ignore[arg-type]
                                         **({"view": view} if view is not None else {}))
            return str(message.id)
        except (discord.Forbidden, discord.NotFound) as error:  # blocked DMs, left the server, channel gone
            if isinstance(error, discord.NotFound) and destination.kind == "dm" and destination.target.isdigit():
                self._dm_channels.pop(int(destination.target), None)  # a later send opens it afresh
            raise DeliveryFailed(f"{type(error).__name__} {error.code}", permanent=True) from error
        except discord.RateLimited as error:  # only with max_ratelimit_timeout: a wait discord.py would not do
            raise DeliveryFailed("rate limited", retry_after=error.retry_after) from error
        except discord.HTTPException as error:
            if error.status == 429:  # discord.py's five tries used up
                raise DeliveryFailed("HTTP 429", retry_after=retry_after(error.response.headers)) from error
            # 400 (a payload Discord refuses) fails the same way every time; 5xx and 401 may pass later
            raise DeliveryFailed(f"HTTP {error.status} {error.code}", permanent=error.status == 400) from error
        except (aiohttp.ClientError, TimeoutError, OSError) as error:
            raise DeliveryFailed(f"network: {type(error).__name__}") from error
        except ValueError as error:
            raise DeliveryFailed(f"not a Discord id: {destination.target}", permanent=True) from error


    async def _dm(self, user_id: int) -> discord.abc.Messageable:
        channel_id = self._dm_channels.get(user_id)
        if channel_id is None:
            opened = await self._client.create_dm(discord.Object(id=user_id))
            channel_id = self._dm_channels[user_id] = opened.id
        return self._client.get_partial_messageable(channel_id, type=discord.ChannelType.private)


def retry_after(headers: Mapping[str, str]) -> float:
    """Seconds to wait after a 429 whose retries discord.py gave up on (its body is not kept in the error;
    Discord sends the same wait as `Retry-After` and `X-RateLimit-Reset-After`)."""
    for name in ("Retry-After", "X-RateLimit-Reset-After"):
        try:
            seconds = float(headers.get(name) or "")
        except ValueError:
            continue
        if seconds > 0:
            return seconds
    return DEFAULT_RETRY_AFTER
