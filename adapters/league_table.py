"""The `league` reply's division table as fixed-width lines, for the adapters that show it in a monospace block
(Discord's embed, Slack's Block Kit). Only the core's reply data is read: rank, name, points and zone per row,
in the core's order; the zones are marked with ▲ (moves up) and ▼ (moves down), never by colour alone."""

from __future__ import annotations

from typing import Any

MARKS = {"up": "▲", "stay": " ", "down": "▼"}
ZONE_WORDS = {"up": "▲ promotion zone", "stay": "safe", "down": "▼ demotion zone"}
NAME_WIDTH = 24


def is_league(data: dict[str, Any]) -> bool:
    """A `league` reply with a table to show (the member is placed this week)."""
    return bool(data.get("placed")) and isinstance(data.get("rows"), list) and bool(data.get("tier"))


def table_lines(data: dict[str, Any]) -> list[str]:
    """`▲  1  bo                      90  ← you`: one line a row. A name cannot close the block it sits in (its
    backticks become ʼ) and is cut to the column's width."""
    you = data.get("you") or {}
    lines = []
    for row in data.get("rows") or []:
        name = str(row.get("name", "")).replace("`", "ʼ").replace("\n", " ")
        if len(name) > NAME_WIDTH:
            name = name[:NAME_WIDTH - 1] + "…"
        mark = MARKS.get(str(row.get("zone")), " ")
        line = f"{mark} {row.get('rank', ''):>2}  {name:<{NAME_WIDTH}} {row.get('points', 0):>4}"
        if you and row.get("rank") == you.get("rank"):
            line += "  ← you"
        lines.append(line.rstrip())
    return lines


def zone_of(data: dict[str, Any]) -> str:
    """The member's own zone in words (`▲ promotion zone`)."""
    return ZONE_WORDS.get(str((data.get("you") or {}).get("zone")), "")
