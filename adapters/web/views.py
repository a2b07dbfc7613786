"""What the templates draw, worked out in Python: the heatmaps' cells (where, which level, which mark, what
their `<title>` says), the week bars, the dates in words. Templates only loop over these; every rule about
what a page may show stays in the core (bot/pages.py), which hands over plain data already made private."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta

from bot.pages import CohortPage, DayView, MemberPage, RoadmapView

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
BOARDS = (("streak", "Streak"), ("week", "This week"), ("month", "This month"), ("all", "All time"))
BOARD_CAPTIONS = {"streak": "current streak, in days", "week": "minutes this week (Monday to Sunday)",
                  "month": "minutes this month", "all": "minutes since joining"}
STATE_WORDS = {"done": "done", "today": "today, not done yet", "paused": "paused", "off": "day off",
               "frozen": "missed, a freeze kept the streak", "repaired": "missed, repaired the day after",
               "missed": "missed", "": ""}
# How much of a cell its inner square fills at each level: the level reads from the size, not colour alone.
LEVEL_SIZE = (0.0, 0.42, 0.62, 0.82, 1.0)


@dataclass(frozen=True)
class Cell:
    x: float
    y: float
    size: float
    level: int  # 0 (nothing) to 4
    inner: float  # the inner square's side
    inset: float  # (size - inner) / 2
    mark: str  # "", today, paused, off, frozen, repaired, missed
    title: str


@dataclass(frozen=True)
class Label:
    x: float
    y: float
    text: str


@dataclass(frozen=True)
class Grid:
    width: float
    height: float
    cells: tuple[Cell, ...]
    months: tuple[Label, ...]
    weekdays: tuple[Label, ...]


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str  # under the bar
    value: str  # over it
    title: str


@dataclass(frozen=True)
class Bars:
    width: float
    height: float
    bars: tuple[Bar, ...]
    baseline: float


def day_words(day: date) -> str:
    return f"{WEEKDAYS[day.weekday()]} {day.day} {MONTHS[day.month - 1]} {day.year}"


def long_date(day: date) -> str:
    return f"{day.strftime('%A')} {day.day} {MONTHS[day.month - 1]} {day.year}"


def short_date(day: date) -> str:
    return f"{day.day} {MONTHS[day.month - 1]}"


def number(value: int) -> str:
    return f"{value:,}"


def cohort_level(done: int, members: int) -> int:
    """0 when nobody was done, else 1-4 by the share of members done (under a quarter, half, three quarters)."""
    if done <= 0 or members <= 0:
        return 0
    share = done / members
    return 1 if share < 0.25 else 2 if share < 0.5 else 3 if share < 0.75 else 4


def minutes_level(minutes: int, target: int) -> int:
    """0 no minutes, 1 under the daily target, 2 target, 3 twice it, 4 four times it."""
    if minutes <= 0:
        return 0
    target = max(target, 1)
    return 1 if minutes < target else 2 if minutes < 2 * target else 3 if minutes < 4 * target else 4


def _grid(days: list[tuple[date, int, str, str]], *, weeks: int, cell: float, gap: float, left: float,
          top: float, weekday_rows: tuple[int, ...]) -> Grid:
    """Weeks as columns from the first day's Monday, Monday on top. `days`: (day, level, mark, title)."""
    if not days:
        return Grid(left, top, (), (), ())
    monday = days[0][0] - timedelta(days=days[0][0].weekday())
    step = cell + gap
    cells = []
    for day, level, mark, title in days:
        column, row = divmod((day - monday).days, 7)
        inner = round(cell * LEVEL_SIZE[level], 2)
        cells.append(Cell(x=left + column * step, y=top + row * step, size=cell, level=level, inner=inner,
                          inset=round((cell - inner) / 2, 2), mark=mark, title=title))
    months = []
    for column in range(weeks):
        sunday = monday + timedelta(weeks=column, days=6)
        if sunday.day <= 7 or (column == 0 and sunday.day <= 24):  # a month starts this week (or early enough)
            months.append(Label(left + column * step, top - 4, MONTHS[sunday.month - 1]))
    weekday_labels = tuple(Label(0, top + row * step + cell * 0.8, WEEKDAYS[row]) for row in weekday_rows)
    return Grid(width=left + weeks * step - gap, height=top + 7 * step - gap, cells=tuple(cells),
                months=tuple(months), weekdays=weekday_labels)


def cohort_heatmap(page: CohortPage) -> Grid:
    """The cohort's last 12 weeks: how many members were done each day; today framed."""
    days = []
    for day, done in page.days:
        level = cohort_level(done, page.members)
        who = "member" if done == 1 else "members"
        title = f"{day_words(day)}: {done} {who} done" + (" (today)" if day == page.today else "")
        days.append((day, level, "today" if day == page.today else "", title))
    weeks = math.ceil(len(page.days) / 7) if page.days else 0
    return _grid(days, weeks=max(weeks, 1), cell=14, gap=3, left=30, top=16, weekday_rows=(0, 2, 4, 6))


def member_calendar(page: MemberPage) -> Grid:
    """The member's year: minutes as the level, a day's state as a mark (shapes, see the legend)."""
    days = []
    for view in page.days:
        if view.day > page.today:
            continue
        days.append((view.day, minutes_level(view.minutes, page.target), _mark(view), _day_title(view)))
    return _grid(days, weeks=len(page.days) // 7, cell=10, gap=2, left=28, top=14, weekday_rows=(0, 2, 4, 6))


def _mark(view: DayView) -> str:
    return "" if view.state == "done" else view.state


def _day_title(view: DayView) -> str:
    words = STATE_WORDS.get(view.state, view.state)
    minutes = f"{view.minutes} min" if view.minutes else "no minutes"
    return f"{day_words(view.day)}: {minutes}" + (f", {words}" if words else "")


def week_bars(page: MemberPage) -> Bars:
    """Minutes per week, the last 12 weeks, as bars (the numbers over them, the weeks' Mondays under them)."""
    bar, gap, top, chart = 36.0, 12.0, 22.0, 120.0
    most = max((minutes for _, minutes in page.weeks), default=0) or 1
    bars = []
    for index, (monday, minutes) in enumerate(page.weeks):
        height = round(chart * minutes / most, 1) if minutes else 0.0
        x = index * (bar + gap)
        bars.append(Bar(x=x, y=top + chart - height, width=bar, height=height, label=short_date(monday),
                        value=number(minutes),
                        title=f"Week of {day_words(monday)}: {number(minutes)} min"))
    width = len(bars) * (bar + gap) - gap if bars else bar
    return Bars(width=width, height=top + chart + 22, bars=tuple(bars), baseline=top + chart)


@dataclass(frozen=True)
class StepLine:
    number: int
    title: str
    when: str
    current: bool


def roadmap_steps(roadmap: RoadmapView | None) -> tuple[StepLine, ...]:
    if roadmap is None:
        return ()
    lines = []
    for span in roadmap.spans:
        when = f"{short_date(span.first)} – {short_date(span.last)} {span.last.year}" if span.last else (
            f"from {short_date(span.first)} {span.first.year}")
        lines.append(StepLine(number=span.step.number, title=span.step.title, when=when,
                              current=roadmap.started and span.step.number == roadmap.step))
    return tuple(lines)
