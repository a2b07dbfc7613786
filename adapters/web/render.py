"""The Jinja2 environment (templates shipped in adapters/web/templates, autoescape on) and what each template is
given. The HTTP handlers (adapters/web/app.py) render through aiohttp-jinja2 with this environment; the bench
renders the same templates with the same context, without a request."""

from __future__ import annotations

import functools
import hashlib
from importlib import resources
from typing import Any

import jinja2

from adapters.web import views
from bot.pages import CohortPage, MemberPage

STYLESHEET_PATH = "/assets/studybot.css"
PACKAGE = "adapters.web"


def environment_options() -> dict[str, Any]:
    """What `jinja2.Environment` (or aiohttp_jinja2.setup) is built with: the package's templates, every
    template autoescaped (they are all HTML), whitespace between tags trimmed."""
    return {"loader": jinja2.PackageLoader(PACKAGE, "templates"), "autoescape": True, "trim_blocks": True,
            "lstrip_blocks": True, "undefined": jinja2.StrictUndefined}


@functools.cache
def environment() -> jinja2.Environment:
    return jinja2.Environment(**environment_options())


@functools.cache
def stylesheet() -> bytes:
    return (resources.files(PACKAGE) / "static" / "studybot.css").read_bytes()


@functools.cache
def stylesheet_version() -> str:
    return hashlib.sha256(stylesheet()).hexdigest()[:12]


def base_context() -> dict[str, Any]:
    return {"stylesheet": f"{STYLESHEET_PATH}?v={stylesheet_version()}"}


def cohort_context(page: CohortPage, *, page_url: str, card_url: str, calendar_url: str) -> dict[str, Any]:
    done = f"{page.done_today} of {page.members} done today"
    board_title = dict(views.BOARDS)[page.board]
    return base_context() | {
        "page": page,
        "title": page.cohort,
        "description": f"{page.cohort} on studybot: {done}. {board_title} board.",
        "page_url": page_url,
        "card_url": card_url,
        "calendar_url": calendar_url,
        "boards": [(kind, label, kind == page.board) for kind, label in views.BOARDS],
        "board_title": board_title,
        "caption": views.BOARD_CAPTIONS[page.board],
        "unit_header": "Days" if page.unit == "days" else "Minutes",
        "rows": [(row.rank, row.name, views.number(row.value)) for row in page.rows],
        "today": views.long_date(page.today),
        "heatmap": views.cohort_heatmap(page),
        "steps": views.roadmap_steps(page.roadmap),
        "holidays": [(views.short_date(h.start) + ("" if h.end == h.start else f" – {views.short_date(h.end)}"),
                      h.name) for h in page.holidays],
        "levels": ("nobody", "under a quarter", "a quarter or more", "half or more", "three quarters or more"),
    }


def member_context(page: MemberPage, *, calendar_url: str) -> dict[str, Any]:
    return base_context() | {
        "page": page,
        "title": f"{page.member} · {page.cohort}",
        "calendar_url": calendar_url,
        "today": views.long_date(page.today),
        "calendar": views.member_calendar(page),
        "bars": views.week_bars(page),
        "steps": views.roadmap_steps(page.roadmap),
        "total": views.number(page.total_minutes),
        "levels": ("no minutes", f"under {page.target} min", f"{page.target}+ min", f"{2 * page.target}+ min",
                   f"{4 * page.target}+ min"),
        "marks": (("today", "today, not done yet"), ("missed", "missed"),
                  ("frozen", "frozen (a freeze kept the streak)"), ("repaired", "repaired"), ("paused", "paused"),
                  ("off", "day off")),
    }


def error_context(status: int, heading: str, message: str) -> dict[str, Any]:
    return base_context() | {"title": heading, "status": status, "heading": heading, "message": message}


def render(template: str, context: dict[str, Any]) -> str:
    """Outside a request (the bench, tests): the same template with the same context."""
    return environment().get_template(template).render(context)
