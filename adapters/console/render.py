"""Renders core replies for a terminal: readable text, or one JSON object per line."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from bot.instants import Instant, local_text, render
from bot.replies import Reply


@dataclass(frozen=True)
class Message:
    kind: str  # "reply" | "dm" | "channel"
    to: str
    reply: Reply
    files: tuple[str, ...] = ()  # where the reply's attachments were written
    platform: str = "console"  # where it was said or sent (`!platform`, `!workspace`: the console plays any)
    workspace: str = "local"

    def as_json(self) -> str:
        payload: dict[str, Any] = {"kind": self.kind, "to": self.to, "private": self.reply.private,
                                   "text": console_text(self.reply.text), "data": self.reply.data,
                                   "platform": self.platform, "workspace": self.workspace}
        if self.files:
            payload["files"] = list(self.files)
        return json.dumps(payload, ensure_ascii=False, default=str)

    def as_text(self) -> str:
        where = {"reply": "only you" if self.reply.private else "everyone", "dm": "direct message",
                 "channel": "channel post"}[self.kind]
        if (self.platform, self.workspace) != ("console", "local"):
            where += f", {self.platform} {self.workspace}"
        title = f" {console_text(self.reply.title)}" if self.reply.title else ""
        marker = "!" if self.reply.is_error else "»"
        body = "\n".join(f"  {line}" for line in console_text(self.reply.text).splitlines())
        files = "".join(f"\n  [file written: {path}]" for path in self.files)
        return f"{marker} {self.to} ({where}){title}\n{body}{files}"


def local_time(instant: Instant) -> str:
    """A core instant as the member's local time with the zone's abbreviation (`17:59 CET`, `Mon 9 Mar 20:00
    CEST`), worked out here from the instant and the zone the core named; a relative instant ("in 25 min", as of
    the reply) and one without a zone show the core's own text."""
    zone = instant.zoneinfo()
    if zone is None or instant.style == "relative":
        return instant.fallback
    return local_text(instant.at, zone, instant.style)


def console_text(text: str) -> str:
    """Reply text for a terminal: instants in the member's local time."""
    return render(text, local_time)
