"""A per-member command limit, so one person (or a script) cannot flood the bot. Kept in memory per
process: it protects the process, it is not an accounting."""

from __future__ import annotations

from collections import deque
from datetime import datetime, timedelta

COMMANDS_PER_WINDOW = 30
WINDOW = timedelta(minutes=1)
_PRUNE_EVERY = 1000


class Throttle:
    def __init__(self, limit: int = COMMANDS_PER_WINDOW, window: timedelta = WINDOW) -> None:
        self._limit = limit
        self._window = window
        self._seen: dict[tuple[str, str, str], deque[datetime]] = {}
        self._calls = 0

    def wait(self, key: tuple[str, str, str], now: datetime) -> timedelta | None:
        """None when the command may run (and it is counted); else how long until it may."""
        self._calls += 1
        if self._calls % _PRUNE_EVERY == 0:
            self._prune(now)
        seen = self._seen.setdefault(key, deque())
        while seen and now - seen[0] >= self._window:
            seen.popleft()
        if len(seen) >= self._limit:
            return self._window - (now - seen[0])
        seen.append(now)
        return None

    def _prune(self, now: datetime) -> None:
        for key in [k for k, seen in self._seen.items() if not seen or now - seen[-1] >= self._window]:
            del self._seen[key]
