"""The scenarios of `studybot bench`, in the order they run. Each is an async function of a fresh database,
the scale and the baseline's rate (transactions per second) returning a `Result`; each lives in a module of
its own."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from adapters.bench.baseline import baseline
from adapters.bench.burst import checkin_burst
from adapters.bench.common import Result, Scale
from adapters.bench.delivery import delivery
from adapters.bench.first_board import first_streak_board
from adapters.bench.focus import focus_rooms
from adapters.bench.history import history_independence
from adapters.bench.leaderboard import leaderboard
from adapters.bench.league import league
from adapters.bench.memory import memory
from adapters.bench.single import single_checkin
from adapters.bench.stream import checkin_stream
from adapters.bench.tick import reminder_tick
from adapters.bench.two_processes import two_processes
from adapters.bench.web_page import web_page
from storage import Database

Scenario = Callable[[Database, Scale, float], Awaitable[Result]]

# After the baseline (which gives the rate), every scenario but memory (the peak of the whole run, last).
SCENARIOS: dict[str, Scenario] = {
    "single_checkin": lambda db, scale, _: single_checkin(db, scale),
    "checkin_burst": checkin_burst,
    "checkin_stream": lambda db, scale, _: checkin_stream(db, scale),
    "history_independence": lambda db, scale, _: history_independence(db, scale),
    "leaderboard": lambda db, scale, _: leaderboard(db, scale),
    "first_streak_board": lambda db, scale, _: first_streak_board(db, scale),
    "web_page": lambda db, scale, _: web_page(db, scale),
    "reminder_tick": lambda db, scale, _: reminder_tick(db, scale),
    "focus_rooms": lambda db, scale, _: focus_rooms(db, scale),
    "delivery": lambda db, scale, _: delivery(db, scale),
    "league": lambda db, scale, _: league(db, scale),
    "two_processes": lambda db, scale, _: two_processes(db, scale),
}
NEEDS_RATE = frozenset({"checkin_burst"})  # compared with the baseline's rate: the baseline runs first
NAMES = ("baseline", *SCENARIOS, "memory")

__all__ = ["NAMES", "NEEDS_RATE", "SCENARIOS", "Result", "Scale", "Scenario", "baseline", "memory"]
