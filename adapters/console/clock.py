"""The console's clock: the real one until a transcript says `!clock`, then a simulated one."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.clock import SimulatedClock, SystemClock


class ConsoleClock:
    def __init__(self) -> None:
        self._real = SystemClock()
        self._simulated: SimulatedClock | None = None

    @property
    def simulated(self) -> bool:
        return self._simulated is not None

    def now(self) -> datetime:
        return self._simulated.now() if self._simulated else self._real.now()

    def set(self, instant: datetime) -> None:
        if self._simulated is None:
            self._simulated = SimulatedClock(instant)
        else:
            self._simulated.set(instant)

    def advance(self, delta: timedelta) -> datetime:
        if self._simulated is None:
            self._simulated = SimulatedClock(self._real.now())
        return self._simulated.advance(delta)
