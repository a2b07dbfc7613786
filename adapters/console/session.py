"""Runs transcript lines against the core: `alice: /checkin 30`, `!channel NAME`, `!clock ISO`, `!advance 90m`,
`!voice alice #study-hall [deaf] [video]` / `!voice alice leave` (what Discord would say about voice, for
focus rooms), and `!platform discord|slack|console` / `!workspace NAME` (whose accounts and channels the lines
that follow are: `alice` on Discord and `alice` on Slack are two accounts until linked). In a command, `{code}`
stands for the last code a reply gave out (`link`, `cohort bridge`)."""

from __future__ import annotations

import asyncio
import os
import re
import uuid
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from adapters.console.clock import ConsoleClock
from adapters.console.render import Message
from bot.commands.context import Invocation
from bot.domain import VoicePresence
from bot.errors import CommandError
from bot.parser import parse
from bot.replies import Reply, error_reply
from bot.service import StudyBot

PLATFORM = "console"
PLATFORMS = ("console", "discord", "slack")
MAX_ROADMAP_FILE = 64 * 1024
WORKSPACE = "local"
_WORKSPACE = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")

_SPEAKER = re.compile(r"^([A-Za-z0-9_.-]{1,40}):\s*(/.*)$")
_VOICE = re.compile(r"^([A-Za-z0-9_.-]{1,40})\s+(leave|#?[A-Za-z0-9_-]{1,80})((?:\s+(?:deaf|video))*)\s*$")
_DURATION = re.compile(r"^(\d+)\s*([mhd])$", re.IGNORECASE)
_UNITS = {"m": "minutes", "h": "hours", "d": "days"}

# Runs the work that fell due while the simulated clock moves from `start` to `end` (the scheduler).
AdvanceHook = Callable[[datetime, datetime], Awaitable[None]]
Output = Callable[[Message], None]


class ConsoleSession:
    def __init__(self, bot: StudyBot, clock: ConsoleClock, output: Output, *,
                 on_advance: AdvanceHook | None = None, default_user: str = "you", channel: str = "general") -> None:
        self.bot = bot
        self.clock = clock
        self.output = output
        self.on_advance = on_advance
        self.default_user = default_user
        self.channel = channel
        self.platform = PLATFORM
        self.workspace = WORKSPACE
        self.last_code: str | None = None

    async def run_lines(self, lines: Iterable[str]) -> None:
        for number, line in enumerate(lines, start=1):
            await self.run_line(line, number)

    async def run_line(self, line: str, number: int = 0) -> None:
        text = line.strip()
        if not text or text.startswith("#"):
            return
        if text.startswith("!"):
            await self._directive(text, number)
            return
        match = _SPEAKER.match(text)
        user, command = (match.group(1), match.group(2)) if match else (self.default_user, text)
        if self.last_code is not None:  # a transcript cannot know a random code: `{code}` is the last one given
            command = command.replace("{code}", self.last_code)
        invocation = Invocation(platform=self.platform, workspace=self.workspace, user_id=user, display_name=user,
                                channel_id=self.channel, idempotency_key=f"console:{uuid.uuid4()}")
        reply = await self._roadmap_file(invocation, command) or await self.bot.handle_text(invocation, command)
        self.last_code = reply.data.get("code", self.last_code)
        where = {"platform": self.platform, "workspace": self.workspace}
        self.output(Message("reply", user if reply.private else f"#{self.channel}", reply, **where))
        for followup in reply.followups:  # `Reply.followups`: for the caller alone, after the reply
            self.output(Message("reply", user, replace(followup, private=True), **where))

    async def _roadmap_file(self, invocation: Invocation, command: str) -> Reply | None:
        """`roadmap load PATH`: the console's attachment is a file on this machine."""
        try:
            parsed = parse(command)
        except CommandError:
            return None
        path = parsed.args.get("source")
        if parsed.name != "roadmap load" or "definition" in parsed.args or not path:
            return None
        try:
            text = await asyncio.to_thread(_read_start, path, MAX_ROADMAP_FILE + 1)
        except (OSError, UnicodeDecodeError) as error:
            return error_reply("bad_roadmap", f"I can't read '{path[:80]}': {error.strerror or error}. "
                                              "Give the path of a YAML file, e.g. `roadmap load my-roadmap.yaml`.")
        if len(text) > MAX_ROADMAP_FILE:
            return error_reply("bad_roadmap", f"'{path[:80]}' is larger than {MAX_ROADMAP_FILE // 1024} KB.")
        return await self.bot.execute(invocation, "roadmap load",
                                      {**parsed.args, "source": os.path.basename(path), "definition": text})

    async def _directive(self, text: str, number: int) -> None:
        word, _, argument = text[1:].partition(" ")
        argument = argument.strip()
        try:
            if word == "channel" and re.match(r"^#?[A-Za-z0-9_-]{1,80}$", argument):
                self.channel = argument.lstrip("#")
            elif word == "clock":
                await self._move_to(_parse_instant(argument))
            elif word == "advance":
                await self._move_to(self.clock.now() + _parse_duration(argument))
            elif word == "voice":
                await self.bot.focus.voice_changed(self.platform, self.workspace, _parse_voice(argument))
            elif word == "platform" and argument.lower() in PLATFORMS:
                self.platform = argument.lower()
            elif word == "workspace" and _WORKSPACE.match(argument):
                self.workspace = argument
            else:
                raise ValueError(
                    f"line {number}: '{text[:60]}' is not a console directive. "
                    "Use `!channel NAME`, `!clock 2026-03-07T18:00:00Z`, `!advance 90m` (also 2h, 1d), "
                    "`!voice alice #study-hall` (`!voice alice leave`), `!platform discord|slack|console` or "
                    "`!workspace NAME`.")
        except ValueError as error:
            self.output(Message("reply", "console", error_reply("bad_directive", str(error))))

    async def _move_to(self, instant: datetime) -> None:
        start = self.clock.now() if self.clock.simulated else instant
        if self.on_advance is not None and instant > start:
            await self.on_advance(start, instant)
        self.clock.set(instant)


def _parse_instant(text: str) -> datetime:
    try:
        instant = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"'{text[:40]}' is not an instant. Use ISO 8601 with a zone, "
                         "e.g. `!clock 2026-03-07T18:00:00Z`.") from None
    if instant.tzinfo is None:
        raise ValueError(f"'{text[:40]}' has no time zone. Add `Z` for UTC, e.g. `!clock 2026-03-07T18:00:00Z`.")
    return instant.astimezone(UTC)


def _parse_voice(text: str) -> VoicePresence:
    """`alice #study-hall [deaf] [video]` (in that voice channel, deafened, with video) or `alice leave`."""
    match = _VOICE.match(text)
    if not match:
        raise ValueError(f"'{text[:60]}' is not a voice state. Use `!voice alice #study-hall` (add `deaf` or "
                         "`video`), or `!voice alice leave`.")
    user, where, flags = match.group(1), match.group(2), (match.group(3) or "").split()
    if where == "leave":
        return VoicePresence(user, None)
    return VoicePresence(user, where.lstrip("#"), deafened="deaf" in flags, video="video" in flags)


def _parse_duration(text: str) -> timedelta:
    match = _DURATION.match(text)
    if not match or int(match.group(1)) == 0:
        raise ValueError(f"'{text[:40]}' is not a duration. Use minutes, hours or days: `!advance 90m`, "
                         "`!advance 2h`, `!advance 1d`.")
    amount = int(match.group(1))
    if amount > 3660:
        raise ValueError("Advance at most 3660 units at a time (about ten years of days).")
    return timedelta(**{_UNITS[match.group(2).lower()]: amount})


def _read_start(path: str, limit: int) -> str:
    with open(path, encoding="utf-8") as handle:
        return handle.read(limit)
