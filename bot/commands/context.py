"""What a command handler works with: who asked, where, when, and the open unit of work."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from bot.cards import StatsCard
from bot.domain import Member
from bot.errors import CommandError
from bot.grammar import CommandSpec
from bot.ports import UnitOfWork
from bot.roadmap import Roadmap

if TYPE_CHECKING:  # bot.pages builds on the commands: no import at run time
    from bot.pages import CohortPage


@dataclass(frozen=True)
class Invocation:
    """One command from one person, as an adapter saw it."""

    platform: str
    workspace: str
    user_id: str
    display_name: str
    channel_id: str | None = None
    idempotency_key: str | None = None
    is_admin: bool = False  # Discord "Manage Server", Slack workspace admin or owner


class Charts(Protocol):
    """Draws pictures for replies (an adapter implements it with an imaging library)."""

    def stats_card(self, card: StatsCard) -> bytes:
        """A PNG of the card: a calendar with weeks as columns, shaded by minutes against the daily target, marked
        days ("frozen", "paused", "off", "repaired") told apart by shape as well, not by colour alone; the streaks,
        this week's numbers and the cohort's name; in the card's theme."""
        ...

    def board_card(self, page: CohortPage) -> bytes:
        """A PNG of the cohort's board as its web page shows it (names already made private), with the last
        12 weeks: the web page's link preview, and what `leaderboard card:true` attaches."""
        ...


RoadmapParser = Callable[[str, str], Roadmap]  # (text, source name) -> Roadmap; raises ValueError with lines


@dataclass(frozen=True)
class Toolkit:
    """What the composition root lends the core: built-in roadmaps, a YAML roadmap parser, charts."""

    roadmaps: Mapping[str, Roadmap] = field(default_factory=dict)
    parse_roadmap: RoadmapParser | None = None
    charts: Charts | None = None
    public_url: str | None = None  # where the web pages are served (STUDYBOT_PUBLIC_URL), for the links handed out


@dataclass
class Context:
    invocation: Invocation
    spec: CommandSpec
    uow: UnitOfWork
    now: datetime
    member: Member  # the person: the account holding their data (bot.persons)
    tools: Toolkit = field(default_factory=Toolkit)
    account: Member | None = None  # the account the command came from, when it is not `member` (linked accounts)

    @property
    def caller(self) -> Member:
        """The account the command came from."""
        return self.account or self.member


_INTEGER = re.compile(r"^[-+]?\d[\d_]*$")
_TRUE = {"true", "yes", "y", "on", "1"}
_FALSE = {"false", "no", "n", "off", "0"}


class Args:
    """String arguments with typed, validated getters that fail with a message saying what to type."""

    def __init__(self, spec: CommandSpec, values: Mapping[str, str]) -> None:
        self.spec = spec
        self._values = {key: printable(value).strip() for key, value in values.items() if value is not None}

    def text(self, name: str) -> str | None:
        value = self._values.get(name)
        return value or None

    def has(self, name: str) -> bool:
        return bool(self._values.get(name))

    def integer(self, name: str, *, low: int, high: int, unit: str, code: str, default: int | None = None,
                suffix: str = "") -> int | None:
        raw = self._values.get(name)
        if not raw:
            return default
        cleaned = raw.lower().removesuffix(suffix) if suffix else raw
        if not _INTEGER.match(cleaned):
            raise CommandError(code, f"'{clip(raw)}' is not a whole number of {unit}. "
                                     f"Type a number from {low} to {high}, e.g. `{self.spec.words[0]} {low}`.")
        value = int(cleaned.replace("_", ""))
        if not low <= value <= high:
            raise CommandError(code, f"{unit.capitalize()} must be between {low} and {high}; you typed {clip(raw)}.",
                               low=low, high=high)
        return value

    def flag(self, name: str) -> bool:
        raw = self._values.get(name)
        if raw is None or raw == "":
            return False
        lowered = raw.lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        raise CommandError("bad_arguments", f"`{name}:` takes `true` or `false`, not '{clip(raw)}'.")


MAX_NAME = 80


def shown_name(invocation: Invocation) -> str:
    """The caller's display name as studybot keeps it: printable, trimmed, at most MAX_NAME characters."""
    return printable(invocation.display_name or invocation.user_id).strip()[:MAX_NAME] or invocation.user_id


def printable(text: str) -> str:
    """Text without control characters (newlines and tabs stay): a NUL byte cannot even be stored in Postgres."""
    if text.isprintable():  # the usual case, checked in C: no control character at all
        return text
    return "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch) != "Cc")


def clip(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
