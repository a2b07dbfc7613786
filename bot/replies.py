"""The platform-neutral reply every command returns; adapters render it, the core never sends."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    content_type: str


@dataclass(frozen=True)
class Reply:
    """`followups`: further replies for the caller alone, sent after this one, whatever this one's visibility
    (the organizer's checklist after a public `cohort create`, the reminder tips after a first check-in).
    Every adapter sends each one privately: Discord as an ephemeral follow-up of the interaction, Slack as an
    ephemeral message (a DM when there is no channel to show it in), the console as a line to the caller."""

    text: str
    data: dict[str, Any] = field(default_factory=dict)
    private: bool = False
    title: str | None = None
    attachments: tuple[Attachment, ...] = ()
    followups: tuple[Reply, ...] = ()

    @property
    def is_error(self) -> bool:
        return "error" in self.data


def error_reply(code: str, message: str, **data: Any) -> Reply:
    return Reply(text=message, data={"error": code, **data}, private=True)
