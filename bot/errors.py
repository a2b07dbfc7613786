"""Errors the core raises; each carries a stable code and a message that tells the user what to type."""

from __future__ import annotations


class CommandError(Exception):
    """A refused command. `code` is stable (tests and renderers use it); `message` is for people."""

    def __init__(self, code: str, message: str, **data: object) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.data = data


class StorageUnavailable(Exception):
    """The database could not be reached or stayed locked; nothing was recorded. Raised by storage."""
