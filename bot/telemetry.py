"""What the core reports about itself (commands, sends, ticks). An adapter turns it into metrics; the
default records nothing."""

from __future__ import annotations

from typing import Protocol


class Telemetry(Protocol):
    def command(self, name: str, outcome: str, seconds: float) -> None:
        """A command finished: `outcome` is "ok" or the error code."""
        ...

    def sent(self, platform: str, result: str) -> None:
        """A send attempt ended: "sent", "retry", "failed", or "rate_limited" for a platform 429."""
        ...

    def tick(self, seconds: float) -> None: ...


class NoTelemetry:
    def command(self, name: str, outcome: str, seconds: float) -> None:
        pass

    def sent(self, platform: str, result: str) -> None:
        pass

    def tick(self, seconds: float) -> None:
        pass
