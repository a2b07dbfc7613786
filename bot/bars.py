"""Progress at a glance: the day's minutes against the daily target, the week's against the weekly goal, as a
bar of ten cells (`▓▓▓▓▓▓░░░░ 20/30 min`). One function draws it for every reply that shows progress (check-in,
`streak`, the reminder, App Home through `streak`), so they all read the same.

The bar is text: plain characters every platform shows, with the numbers beside it (a screen reader reads
"20/30 min"). Its cells round down, so a full bar always means the goal is met; any minutes at all fill one
cell, so a day that has started never looks untouched. Over the goal the bar stays full and gets a tick
(`▓▓▓▓▓▓▓▓▓▓ 45/30 min ✓`)."""

from __future__ import annotations

FILLED = "▓"
EMPTY = "░"
DONE = "✓"
WIDTH = 10


def filled_cells(done: int, goal: int, width: int = WIDTH) -> int:
    """How many of `width` cells `done` of `goal` fills: all of them only when the goal is met, at least one
    for any progress, else the share rounded down."""
    if done >= goal:
        return width if done > 0 or goal <= 0 else 0
    if done <= 0:
        return 0
    return min(width - 1, max(1, done * width // goal))


def bar(done: int, goal: int, width: int = WIDTH) -> str:
    cells = filled_cells(done, goal, width)
    return FILLED * cells + EMPTY * (width - cells)


def progress(done: int, goal: int, unit: str = "min", width: int = WIDTH) -> str:
    """`▓▓▓▓▓▓░░░░ 20/30 min`, and `▓▓▓▓▓▓▓▓▓▓ 45/30 min ✓` once the goal is met."""
    text = f"{bar(done, goal, width)} {done}/{goal} {unit}"
    return f"{text} {DONE}" if done >= goal > 0 else text


def week_line(minutes: int | None, goal: int | None) -> str | None:
    """`This week ▓▓▓▓░░░░░░ 60/150 min`, when the cohort has a weekly goal (None otherwise)."""
    if not goal or minutes is None:
        return None
    return f"This week {progress(minutes, goal)}"
