"""Turns a slash-command interaction into a core command and the core's reply into the interaction's
answer. A command that is not answered within two seconds is deferred first (Discord allows three).

Deferring fixes the answer's visibility: the first follow-up after a defer replaces the "thinking"
message and keeps the defer's ephemeral flag whatever it asks for (discord-api-docs #2735, #3466). So
the defer predicts the visibility (public commands and `share:true` public, the rest ephemeral), and
when the reply disagrees (a public command that fails, a private one that is shared) the thinking
message is deleted and the answer sent as a fresh follow-up with its own flag."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import Mapping
from typing import Any

import discord

from adapters.confirm import Confirm, confirm_of, decode, encode
from adapters.discord.render import embed, files, offers_undo, recorded_key
from adapters.inflight import InFlight
from bot.commands.context import Invocation
from bot.grammar import PUBLIC_COMMANDS
from bot.replies import Reply, error_reply
from bot.service import StudyBot

log = logging.getLogger(__name__)

PLATFORM = "discord"
DEFER_AFTER = 2.0


class Runner:
    def __init__(self, bot: StudyBot, inflight: InFlight | None = None) -> None:
        self.bot = bot
        self.inflight = inflight if inflight is not None else InFlight()

    async def run(self, interaction: discord.Interaction, name: str, args: Mapping[str, object]) -> None:
        # discord.py runs each interaction in a task it does not keep; shutdown waits for the ones kept here.
        # Nothing awaits between the gateway event and this line, so a command read before the gateway closed
        # is registered before shutdown starts waiting.
        self.inflight.track()
        if interaction.guild_id is None:
            await interaction.response.send_message("studybot works in a server's channels; "
                                                    "use the command there.", ephemeral=True)
            return
        strings = as_strings(args)
        task = asyncio.ensure_future(self.bot.execute(invocation(interaction), name, strings))
        done, _ = await asyncio.wait({task}, timeout=DEFER_AFTER)
        if done:
            await answer(interaction, task.result(), self)
            return
        deferred_private = not likely_public(name, strings)
        await interaction.response.defer(ephemeral=deferred_private, thinking=True)
        await answer(interaction, await task, self, deferred_private=deferred_private)


def likely_public(name: str, args: Mapping[str, str]) -> bool:
    """Whether the core will answer in the open, as far as the adapter can tell before it answers."""
    return name in PUBLIC_COMMANDS or args.get("share") == "true"


JOIN_SPRINT = "studybot:sprint-join"


class JoinSprint(discord.ui.View):
    """The button under a group sprint; persistent (no timeout, fixed custom id), so it works after a restart."""

    def __init__(self, runner: Runner) -> None:
        super().__init__(timeout=None)
        self.runner = runner

    @discord.ui.button(label="Join the sprint", style=discord.ButtonStyle.success, custom_id=JOIN_SPRINT)
    async def join(self, interaction: discord.Interaction, _button: discord.ui.Button) -> None:  # type: ignore[type-arg]
        await self.runner.run(interaction, "sprint join", {})


UNDO_CHECKIN = "studybot:undo:"
MAX_CUSTOM_ID = 100  # Discord's limit on a component's custom id
_UNDO_TEMPLATE = re.escape(UNDO_CHECKIN) + r"(?P<author>[0-9]{1,20})(?::(?P<checkin>[!-~]+))?"
NOT_YOURS = ("Only the member who checked in can undo it. To take back your own latest check-in, "
             "use `undo`.")


class UndoCheckin(discord.ui.DynamicItem[discord.ui.Button], template=_UNDO_TEMPLATE):  # type: ignore[type-arg]
    """The Undo button under a check-in in the channel. Its custom id carries the author's user id and the
    check-in's key (`studybot:undo:<author>:<key>`): their press runs the core's `undo checkin:<key>`, which
    takes back that check-in and no other (answered to them alone); anyone else is told, to them alone, that it
    is not theirs. A button without a key (sent before keys were carried, `studybot:undo:<author>`) runs plain
    `undo`. Dynamic, so it keeps working after a restart (registered in `setup_hook`)."""

    def __init__(self, author: int, checkin: str | None = None) -> None:
        custom_id = f"{UNDO_CHECKIN}{author}"
        if checkin and len(f"{custom_id}:{checkin}") <= MAX_CUSTOM_ID:
            custom_id += f":{checkin}"
        else:
            checkin = None
        super().__init__(discord.ui.Button(label="Undo", style=discord.ButtonStyle.secondary, custom_id=custom_id))
        self.author = author
        self.checkin = checkin

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Item[Any],
                             match: re.Match[str]) -> UndoCheckin:
        return cls(int(match["author"]), match["checkin"])

    async def callback(self, interaction: discord.Interaction) -> None:
        if interaction.user.id != self.author:
            await interaction.response.send_message(embed=embed(error_reply("not_your_checkin", NOT_YOURS)),
                                                    ephemeral=True, allowed_mentions=discord.AllowedMentions.none())
            return
        runner: Runner = interaction.client.runner  # type: ignore[attr-defined]
        await runner.run(interaction, "undo", {"checkin": self.checkin})


def undo_view(author: int, checkin: str | None = None) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(UndoCheckin(author, checkin))
    return view


CONFIRM = "studybot:confirm:"
_CONFIRM_TEMPLATE = re.escape(CONFIRM) + rf"(?P<carried>[!-~]{{1,{MAX_CUSTOM_ID - len(CONFIRM)}}})"
STALE_BUTTON = "This button doesn't work any more. Type the command it stood for instead (`help` lists them)."


class ConfirmButton(discord.ui.DynamicItem[discord.ui.Button], template=_CONFIRM_TEMPLATE):  # type: ignore[type-arg]
    """The button under a private reply that asks to confirm (the reply's `confirm`, adapters/confirm.py): its press
    runs that command with those args as the presser, as if they typed it, answered to them alone. The custom id
    is `studybot:confirm:<command>:<args>` and carries nothing else; a command not meant for a button runs
    nothing. Dynamic, so it keeps working after a restart (registered in `setup_hook`)."""

    def __init__(self, carried: str, label: str = "Confirm") -> None:
        super().__init__(discord.ui.Button(label=label[:80], style=discord.ButtonStyle.primary,
                                           custom_id=f"{CONFIRM}{carried}"))
        self.carried = carried

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Item[Any],
                             match: re.Match[str]) -> ConfirmButton:
        return cls(match["carried"], getattr(item, "label", None) or "Confirm")

    async def callback(self, interaction: discord.Interaction) -> None:
        found = decode(self.carried)
        if found is None:
            await interaction.response.send_message(embed=embed(error_reply("stale_button", STALE_BUTTON)),
                                                    ephemeral=True, allowed_mentions=discord.AllowedMentions.none())
            return
        runner: Runner = interaction.client.runner  # type: ignore[attr-defined]
        await runner.run(interaction, found[0], found[1])


def confirm_view(reply: Reply) -> discord.ui.View | None:
    """The confirm button a reply asks for; None when it asks for none, or its custom id would not fit."""
    confirm: Confirm | None = confirm_of(reply)
    if confirm is None or len(CONFIRM) + len(encode(confirm)) > MAX_CUSTOM_ID:
        return None
    view = discord.ui.View(timeout=None)
    view.add_item(ConfirmButton(encode(confirm), confirm.label))
    return view


async def answer(interaction: discord.Interaction, reply: Reply, runner: Runner | None = None, *,
                 deferred_private: bool | None = None) -> None:
    options: dict[str, object] = {"embed": embed(reply), "files": files(reply), "ephemeral": reply.private,
                                  "allowed_mentions": discord.AllowedMentions.none()}
    if runner is not None and reply.data.get("group_id") and not reply.is_error and "minutes_left" not in reply.data:
        options["view"] = JoinSprint(runner)
    elif offers_undo(reply):
        options["view"] = undo_view(interaction.user.id, recorded_key(reply, idempotency_key(interaction)))
    elif (confirm := confirm_view(reply)) is not None:
        options["view"] = confirm
    if interaction.response.is_done():
        if deferred_private is not None and deferred_private != reply.private:
            with contextlib.suppress(discord.HTTPException):  # else the follow-up would inherit its visibility
                await interaction.delete_original_response()
        await interaction.followup.send(**options)  # type: ignore[arg-type]
    else:
        await interaction.response.send_message(**options)  # type: ignore[arg-type]
    await send_followups(interaction, reply)


async def send_followups(interaction: discord.Interaction, reply: Reply) -> None:
    """The reply's follow-ups (`Reply.followups`: an organizer's checklist, first check-in tips), each an ephemeral
    follow-up of the interaction, seen by the caller alone; one that fails is logged, and the others still go."""
    for followup in reply.followups:
        try:
            await interaction.followup.send(embed=embed(followup), files=files(followup), ephemeral=True,
                                            allowed_mentions=discord.AllowedMentions.none())
        except discord.HTTPException as error:
            log.warning("a private follow-up could not be sent: %s %s", error.status, error.text)


def invocation(interaction: discord.Interaction) -> Invocation:
    permissions = interaction.permissions
    return Invocation(platform=PLATFORM, workspace=str(interaction.guild_id), user_id=str(interaction.user.id),
                      display_name=interaction.user.display_name, channel_id=str(interaction.channel_id),
                      idempotency_key=idempotency_key(interaction),
                      is_admin=bool(permissions.manage_guild or permissions.administrator))


def idempotency_key(interaction: discord.Interaction) -> str:
    """The key a command is recorded under: the interaction's id, the same on every redelivery of it."""
    return f"discord:{interaction.id}"


def as_strings(args: Mapping[str, object]) -> dict[str, str]:
    """Typed options as the grammar's string arguments (members by id, booleans as true/false)."""
    out = {}
    for key, value in args.items():
        if value is None:
            continue
        if isinstance(value, bool):
            out[key] = "true" if value else "false"
        elif isinstance(value, discord.abc.Snowflake):
            out[key] = str(value.id)
        else:
            out[key] = str(value)
    return out
