"""Scheduled messages to Discord: DMs (create the DM channel, then post) and channel posts. REST rate
limits and 429 retries are discord.py's own; the dispatcher paces bulk sends so they rarely meet one."""

from __future__ import annotations

import aiohttp
import discord

from adapters.discord.render import embed, files, pings
from bot.ports import DeliveryFailed, Destination
from bot.replies import Reply


class DiscordNotifier:
    platform = "discord"

    def __init__(self, client: discord.Client) -> None:
        self._client = client

    async def send(self, destination: Destination, reply: Reply) -> str | None:
        content, mentions = pings(reply)
        reference = (discord.MessageReference(message_id=int(destination.thread), channel_id=int(destination.target),
                                              fail_if_not_exists=False)
                     if destination.thread and destination.thread.isdigit() else None)
        try:
            channel: discord.abc.Messageable
            if destination.kind == "dm":
                channel = await self._client.create_dm(discord.Object(id=int(destination.target)))
            else:
                channel = self._client.get_partial_messageable(int(destination.target))
            message = await channel.send(content=content, embed=embed(reply), files=files(reply),
                                         allowed_mentions=mentions, reference=reference)  # type: ignore[arg-type]
            return str(message.id)
        except (discord.Forbidden, discord.NotFound) as error:  # blocked DMs, left the server, channel gone
            raise DeliveryFailed(f"{type(error).__name__} {error.code}", permanent=True) from error
        except discord.HTTPException as error:
            retry_after = float(error.response.headers.get("Retry-After", 0) or 0) if error.status == 429 else None
            raise DeliveryFailed(f"HTTP {error.status}", retry_after=retry_after or None) from error
        except (aiohttp.ClientError, TimeoutError, OSError) as error:
            raise DeliveryFailed(f"network: {type(error).__name__}") from error
        except ValueError as error:
            raise DeliveryFailed(f"not a Discord id: {destination.target}", permanent=True) from error
