"""The stats card as plain data: what the core knows about a member's last weeks, for an adapter to draw.

The core decides every number and every mark; a `Charts` implementation only lays them out (see
`bot.commands.context.Charts`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

SPAN_WEEKS = {"weeks": 12, "year": 53}  # columns a card shows: twelve weeks, or a year (53 Monday-Sunday weeks)
SPAN_WORDS = {"weeks": "weeks", "12w": "weeks", "12weeks": "weeks", "year": "year", "1y": "year"}
THEMES = ("light", "dark")
MARKS = ("frozen", "paused", "off", "repaired")  # what a card marks besides minutes, each by its own shape


@dataclass(frozen=True)
class CardDay:
    day: date
    minutes: int
    mark: str | None = None  # one of MARKS, or None for an ordinary day


@dataclass(frozen=True)
class StatsCard:
    """One member's card: days run from a Monday up to `today` (the card's last day), one entry each."""

    member: str
    cohort: str
    days: tuple[CardDay, ...]
    today: date
    target: int  # minutes that make a day done
    streak: int
    longest: int
    week_minutes: int  # this Monday-Sunday week
    week_done: int  # done days this week so far
    week_goal: int | None = None  # the cohort's weekly goal in minutes, if it has one
    span: str = "weeks"  # a key of SPAN_WEEKS
    theme: str = "light"  # one of THEMES

    @property
    def first(self) -> date:
        return self.days[0].day if self.days else self.today
