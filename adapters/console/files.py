"""The console shows attachments (stats pictures, CSV exports) by writing them to a folder."""

from __future__ import annotations

import re
from pathlib import Path

from adapters.console.render import Message


class AttachmentWriter:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def __call__(self, message: Message) -> Message:
        if not message.reply.attachments:
            return message
        self.folder.mkdir(parents=True, exist_ok=True)
        paths = []
        for attachment in message.reply.attachments:
            path = self.folder / _safe(attachment.filename)
            path.write_bytes(attachment.content)
            paths.append(str(path))
        return Message(message.kind, message.to, message.reply, tuple(paths))


def _safe(name: str) -> str:
    """A file name that stays inside the folder whatever the member's display name holds."""
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", name).lstrip(".")
    return cleaned[:120] or "attachment"
