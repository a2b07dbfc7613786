"""The console's notifier: scheduled messages are printed like any other message."""

from __future__ import annotations

from collections.abc import Callable

from adapters.console.render import Message
from bot.ports import Destination
from bot.replies import Reply


class ConsoleNotifier:
    platform = "console"

    def __init__(self, output: Callable[[Message], None]) -> None:
        self._output = output
        self._sent = 0

    async def send(self, destination: Destination, reply: Reply) -> str | None:
        to = destination.target if destination.kind == "dm" else f"#{destination.target}"
        self._output(Message(destination.kind, to, reply))
        self._sent += 1
        return f"console-{self._sent}"
