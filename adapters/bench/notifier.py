"""A fake Discord for the delivery scenario: in process (no network), it enforces 50 requests per second
over a sliding one-second window and answers beyond it like a 429 with `retry_after`."""

from __future__ import annotations

import time
from collections import Counter, deque

from bot.ports import DeliveryFailed, Destination
from bot.replies import Reply


class RateLimitedNotifier:
    platform = "discord"

    def __init__(self, per_second: int = 50, window_s: float = 1.0) -> None:
        self.per_second = per_second
        self.window_s = window_s
        self._accepted: deque[float] = deque()  # when each request in the current window was accepted
        self.delivered: Counter[str] = Counter()  # per destination target
        self.requests = 0
        self.limited = 0
        self.first_at: float | None = None
        self.last_at: float | None = None

    async def send(self, destination: Destination, reply: Reply) -> str | None:
        self.requests += 1
        now = time.monotonic()
        while self._accepted and now - self._accepted[0] >= self.window_s:
            self._accepted.popleft()
        if len(self._accepted) >= self.per_second:
            self.limited += 1
            raise DeliveryFailed("429 Too Many Requests",
                                 retry_after=round(self.window_s - (now - self._accepted[0]), 3))
        self._accepted.append(now)
        self.first_at = now if self.first_at is None else self.first_at
        self.last_at = now
        self.delivered[destination.target] += 1
        return f"m{self.requests}"
