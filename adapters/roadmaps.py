"""Roadmaps from YAML: the built-in templates shipped in bot/roadmap_templates, and organizers' own files.

YAML is parsed here (the core takes plain data); errors name the line and the field."""

from __future__ import annotations

from importlib import resources

import yaml

from bot.roadmap import Roadmap, RoadmapInvalid, validate

MAX_YAML_BYTES = 64 * 1024


class RoadmapFileError(ValueError):
    """A roadmap file that cannot be used; the message names the line and field, one problem a line."""


def load_builtin() -> dict[str, Roadmap]:
    roadmaps = {}
    for entry in sorted(resources.files("bot.roadmap_templates").iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".yaml"):
            roadmap = parse_roadmap(entry.read_text(encoding="utf-8"), source=entry.name)
            roadmaps[roadmap.id] = roadmap
    return roadmaps


def parse_roadmap(text: str, source: str = "roadmap") -> Roadmap:
    if len(text.encode("utf-8")) > MAX_YAML_BYTES:
        raise RoadmapFileError(f"{source}: the file is larger than {MAX_YAML_BYTES // 1024} KB")
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "somewhere"
        problem = getattr(error, "problem", None) or "not valid YAML"
        raise RoadmapFileError(f"{source}, {where}: {problem}") from None
    try:
        return validate(data)
    except RoadmapInvalid as invalid:
        lines = [f"{source}, line {_line_of(node, path)}: {_field(path)}: {message}"
                 for path, message in invalid.problems]
        raise RoadmapFileError("\n".join(lines)) from None


def _line_of(node: yaml.Node | None, path: tuple[str | int, ...]) -> int:
    """The line of the deepest node along `path` that exists (1-based)."""
    line = node.start_mark.line + 1 if node is not None else 1
    for part in path:
        child = None
        if isinstance(node, yaml.MappingNode) and isinstance(part, str):
            child = next((value for key, value in node.value if key.value == part), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            child = node.value[part]
        if child is None:
            break
        node, line = child, child.start_mark.line + 1
    return line


def _field(path: tuple[str | int, ...]) -> str:
    """("steps", 1, "weeks") reads as "step 2, `weeks`"."""
    parts = [f"step {p + 1}" if isinstance(p, int) else f"`{p}`" for p in path if p != "steps" or path[-1] == p]
    return ", ".join(parts) or "the roadmap"
