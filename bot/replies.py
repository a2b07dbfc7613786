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
    text: str
    data: dict[str, Any] = field(default_factory=dict)
    private: bool = False
    title: str | None = None
    attachments: tuple[Attachment, ...] = ()

    @property
    def is_error(self) -> bool:
        return "error" in self.data


def error_reply(code: str, message: str, **data: Any) -> Reply:
    return Reply(text=message, data={"error": code, **data}, private=True)
