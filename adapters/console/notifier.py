"""The console's notifiers: scheduled messages are printed like any other message."""

from __future__ import annotations

from collections.abc import Callable

from adapters.console.render import Message
from bot.ports import Destination
from bot.replies import Reply


class ConsoleNotifier:
    """`platform`: the platform it stands in for; the console prints what studybot would send on each (a
    transcript may play Discord and Slack accounts with `!platform`)."""

    def __init__(self, output: Callable[[Message], None], platform: str = "console") -> None:
        self._output = output
        self._sent = 0
        self.platform = platform

    async def send(self, destination: Destination, reply: Reply) -> str | None:
        to = destination.target if destination.kind == "dm" else f"#{destination.target}"
        self._output(Message(destination.kind, to, reply, platform=destination.platform,
                             workspace=destination.workspace))
        self._sent += 1
        return f"console-{self._sent}"
