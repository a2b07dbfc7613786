"""The scenarios of `studybot bench`, in the order they run. Each is an async function of a fresh database
and the scale returning a `Result`; each lives in a module of its own."""

from __future__ import annotations

from adapters.bench.baseline import baseline
from adapters.bench.burst import checkin_burst
from adapters.bench.common import Result, Scale
from adapters.bench.delivery import delivery
from adapters.bench.history import history_independence
from adapters.bench.leaderboard import leaderboard
from adapters.bench.league import league
from adapters.bench.memory import memory
from adapters.bench.tick import reminder_tick
from adapters.bench.web_page import web_page

NAMES = ("baseline", "checkin_burst", "history_independence", "leaderboard", "web_page", "reminder_tick", "delivery",
         "league", "memory")

__all__ = ["NAMES", "Result", "Scale", "baseline", "checkin_burst", "delivery", "history_independence",
           "leaderboard", "league", "memory", "reminder_tick", "web_page"]
