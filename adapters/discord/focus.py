"""Focus rooms on Discord. Voice states arrive with the GUILD_VOICE_STATES intent (not privileged): each change is
handed to the core (bot/focus.py), and every guild's voice states are reconciled when the guild becomes available
(after a start or a new session: members still there continue, sessions of those who left while the bot was away end
at their last heartbeat). Once a minute the heartbeat tells the core who is still in the rooms and edits each
cohort's live "studying now" message, pinned in its channel, when its text changed."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from typing import Any

import discord

from adapters.discord.render import embed
from bot.domain import VoicePresence
from bot.errors import StorageUnavailable
from bot.focusdesk import FocusDesk, LiveStatus
from bot.replies import Reply

log = logging.getLogger(__name__)

PLATFORM = "discord"
BEAT_SECONDS = 60.0  # the heartbeat: at most this much study time is lost when the bot stops; the live message's pace
STILL_STUDYING = "studybot:focus:"
_STILL_TEMPLATE = re.escape(STILL_STUDYING) + r"(?P<session>[0-9]{1,20})"


def presence(user_id: int, state: discord.VoiceState) -> VoicePresence:
    channel = state.channel
    return VoicePresence(str(user_id), str(channel.id) if channel is not None else None,
                         deafened=state.self_deaf, video=state.self_video or state.self_stream)


def presences(guild: discord.Guild) -> list[VoicePresence]:
    """Everyone in the guild's voice and stage channels, as the gateway last said (no member cache needed)."""
    channels: list[discord.VoiceChannel | discord.StageChannel] = [*guild.voice_channels, *guild.stage_channels]
    return [presence(user_id, state) for channel in channels for user_id, state in channel.voice_states.items()]


class FocusRooms:
    """The Discord side of focus rooms, driven by the client's events and its heartbeat task."""

    def __init__(self, client: discord.Client, desk: FocusDesk) -> None:
        self._client = client
        self._desk = desk

    async def voice_changed(self, member: discord.Member, after: discord.VoiceState) -> None:
        if member.bot:
            return
        await self._quietly(self._desk.voice_changed(PLATFORM, str(member.guild.id), presence(member.id, after)))

    async def guild_available(self, guild: discord.Guild) -> None:
        await self._quietly(self._desk.voice_snapshot(PLATFORM, str(guild.id), presences(guild), start_missing=True))

    async def beat(self) -> None:
        """One heartbeat: who is still in each guild's focus rooms, then the live messages."""
        for guild in list(self._client.guilds):
            await self._quietly(self._desk.voice_snapshot(PLATFORM, str(guild.id), presences(guild),
                                                          start_missing=False))
            try:
                statuses = await self._desk.live_statuses(PLATFORM, str(guild.id))
            except StorageUnavailable:
                continue
            for status in statuses:
                if status.changed:
                    await self._show(status)

    async def run(self) -> None:
        """The heartbeat, once a minute until cancelled."""
        while True:
            await asyncio.sleep(BEAT_SECONDS)
            try:
                await self.beat()
            except Exception:
                log.exception("the focus rooms' heartbeat failed; trying again in a minute")

    async def _show(self, status: LiveStatus) -> None:
        """Edit the live message, or post and pin it (again, when it was deleted)."""
        channel = self._client.get_partial_messageable(int(status.cohort.channel_id))
        shown = embed(Reply(text=status.text, title="Studying now"))
        message_id = status.board.message_id
        try:
            if message_id is not None and message_id.isdigit():
                with contextlib.suppress(discord.NotFound):
                    await channel.get_partial_message(int(message_id)).edit(embed=shown)
                    await self._desk.status_posted(status, message_id)
                    return
            message = await channel.send(embed=shown, allowed_mentions=discord.AllowedMentions.none())
            with contextlib.suppress(discord.Forbidden):  # without Pin Messages it still updates, unpinned
                await message.pin(reason="studybot: who is studying now")
            await self._desk.status_posted(status, str(message.id))
        except (discord.HTTPException, StorageUnavailable) as error:
            log.warning("the live focus message of cohort %s could not be updated: %s", status.cohort.id, error)

    @staticmethod
    async def _quietly(work: Any) -> None:
        try:
            await work
        except StorageUnavailable:
            log.warning("focus rooms: the database is unavailable; a voice change was not recorded")


class StillStudying(discord.ui.DynamicItem[discord.ui.Button], template=_STILL_TEMPLATE):  # type: ignore[type-arg]
    """The button under "Still studying?" in a member's DMs: their press keeps the focus session counting. Dynamic,
    so a press after a restart still works (registered in `setup_hook`)."""

    def __init__(self, session: int) -> None:
        super().__init__(discord.ui.Button(label="Still studying", style=discord.ButtonStyle.success,
                                           custom_id=f"{STILL_STUDYING}{session}"))
        self.session = session

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Item[Any],
                             match: re.Match[str]) -> StillStudying:
        return cls(int(match["session"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        desk: FocusDesk = interaction.client.runner.bot.focus  # type: ignore[attr-defined]
        try:
            reply = await desk.confirm(PLATFORM, str(interaction.user.id), self.session)
        except StorageUnavailable:
            reply = Reply(text="I couldn't reach my database just now; press the button again in a moment.",
                          private=True, data={"error": "try_again"})
        await interaction.response.send_message(embed=embed(reply), ephemeral=True,
                                                allowed_mentions=discord.AllowedMentions.none())


def still_studying_view(reply: Reply) -> discord.ui.View | None:
    """The button a "Still studying?" DM carries; None for every other message."""
    session = reply.data.get("session")
    if reply.data.get("type") != "focus_check" or not isinstance(session, int):
        return None
    view = discord.ui.View(timeout=None)
    view.add_item(StillStudying(session))
    return view
