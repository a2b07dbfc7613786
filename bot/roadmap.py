"""Learning roadmaps: ordered steps with durations, checked against a schema, and where a cohort is
on one given its start date. Parsing YAML is the adapters' job; this module validates plain data."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

MAX_STEPS = 50
MAX_WEEKS = 104
_ID = re.compile(r"^[a-z0-9][a-z0-9-]{1,39}$")


@dataclass(frozen=True)
class RoadmapStep:
    number: int  # counted from 1
    title: str
    weeks: int | None  # None: no fixed length; the step stays current once reached
    ongoing: bool
    topics: tuple[str, ...]
    project: str


@dataclass(frozen=True)
class Roadmap:
    id: str
    title: str
    summary: str
    steps: tuple[RoadmapStep, ...]


@dataclass(frozen=True)
class Position:
    step: RoadmapStep
    week_in_step: int  # 1-based; 0 before the start date
    started: bool

    def next_step(self, roadmap: Roadmap) -> RoadmapStep | None:
        return roadmap.steps[self.step.number] if self.step.number < len(roadmap.steps) else None


class RoadmapInvalid(Exception):
    """Every problem found, each as (path, message); `path` is a tuple like ("steps", 2, "weeks")."""

    def __init__(self, problems: list[tuple[tuple[str | int, ...], str]]) -> None:
        super().__init__("; ".join(f"{_dotted(path)}: {message}" for path, message in problems))
        self.problems = problems


def position(roadmap: Roadmap, start: date, today: date) -> Position:
    if today < start:
        return Position(roadmap.steps[0], 0, started=False)
    elapsed = (today - start).days // 7
    for step in roadmap.steps:
        if step.weeks is None or elapsed < step.weeks:
            return Position(step, elapsed + 1, started=True)
        elapsed -= step.weeks
    last = roadmap.steps[-1]
    return Position(last, (last.weeks or 0) + elapsed + 1, started=True)


@dataclass(frozen=True)
class StepSpan:
    step: RoadmapStep
    first: date
    last: date | None  # None: an ongoing step, current from `first` on


def spans(roadmap: Roadmap, start: date) -> list[StepSpan]:
    """When each step runs, walking the steps' weeks from `start` (the steps after an ongoing one never come)."""
    found: list[StepSpan] = []
    first = start
    for step in roadmap.steps:
        if step.weeks is None:
            found.append(StepSpan(step, first, None))
            break
        last = first + timedelta(weeks=step.weeks) - timedelta(days=1)
        found.append(StepSpan(step, first, last))
        first = last + timedelta(days=1)
    return found


def validate(raw: Any) -> Roadmap:
    problems: list[tuple[tuple[str | int, ...], str]] = []
    if not isinstance(raw, Mapping):
        raise RoadmapInvalid([((), "a roadmap is a mapping with id, title and steps")])
    roadmap_id = _text(raw, "id", problems, required=True, limit=40)
    if roadmap_id and not _ID.match(roadmap_id):
        problems.append((("id",), "use 2-40 lower-case letters, digits or '-', e.g. my-roadmap"))
    title = _text(raw, "title", problems, required=True, limit=100)
    summary = _text(raw, "summary", problems, required=False, limit=1000)
    steps_raw = raw.get("steps")
    steps: list[RoadmapStep] = []
    if not isinstance(steps_raw, Sequence) or isinstance(steps_raw, str) or not steps_raw:
        problems.append((("steps",), "a list of at least one step is required"))
    elif len(steps_raw) > MAX_STEPS:
        problems.append((("steps",), f"at most {MAX_STEPS} steps"))
    else:
        for index, step in enumerate(steps_raw):
            parsed = _step(step, index, problems)
            if parsed is not None:
                steps.append(parsed)
    for key in raw:
        if key not in ("id", "title", "summary", "steps"):
            problems.append(((str(key),), "unknown field; use id, title, summary and steps"))
    if problems:
        raise RoadmapInvalid(problems)
    return Roadmap(id=roadmap_id or "", title=title or "", summary=summary or "", steps=tuple(steps))


def _step(raw: Any, index: int, problems: list[tuple[tuple[str | int, ...], str]]) -> RoadmapStep | None:
    path: tuple[str | int, ...] = ("steps", index)
    if not isinstance(raw, Mapping):
        problems.append((path, "each step is a mapping with title, weeks, topics and project"))
        return None
    before = len(problems)
    title = _text(raw, "title", problems, required=True, limit=100, path=path)
    weeks = raw.get("weeks")
    ongoing = raw.get("ongoing", False)
    if weeks is not None and (isinstance(weeks, bool) or not isinstance(weeks, int) or not 1 <= weeks <= MAX_WEEKS):
        problems.append(((*path, "weeks"), f"a whole number of weeks from 1 to {MAX_WEEKS}"))
    if not isinstance(ongoing, bool):
        problems.append(((*path, "ongoing"), "true or false"))
    if weeks is None and not ongoing:
        problems.append(((*path, "weeks"), "required (or mark the step `ongoing: true`)"))
    topics = raw.get("topics", [])
    if not isinstance(topics, Sequence) or isinstance(topics, str) or not all(
            isinstance(t, str | int | float) and not isinstance(t, bool) for t in topics):
        problems.append(((*path, "topics"), "a list of short texts, e.g. [embeddings, attention]"))
        topics = []
    project = _text(raw, "project", problems, required=False, limit=500, path=path)
    for key in raw:
        if key not in ("title", "weeks", "ongoing", "topics", "project"):
            problems.append(((*path, str(key)), "unknown field; use title, weeks, ongoing, topics and project"))
    if len(problems) > before:
        return None
    return RoadmapStep(number=index + 1, title=title or "", weeks=weeks, ongoing=bool(ongoing),
                       topics=tuple(str(t) for t in topics), project=project or "")


def _text(raw: Mapping[str, Any], key: str, problems: list[tuple[tuple[str | int, ...], str]], *,
          required: bool, limit: int, path: tuple[str | int, ...] = ()) -> str | None:
    value = raw.get(key)
    if value is None:
        if required:
            problems.append(((*path, key), "required"))
        return None
    if not isinstance(value, str) or not value.strip():
        problems.append(((*path, key), "a non-empty text"))
        return None
    if len(value) > limit:
        problems.append(((*path, key), f"at most {limit} characters"))
        return None
    return value.strip()


def _dotted(path: tuple[str | int, ...]) -> str:
    return ".".join(str(p + 1) if isinstance(p, int) else p for p in path) or "roadmap"
