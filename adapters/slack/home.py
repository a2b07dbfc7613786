"""The App Home tab: for each of the member's cohorts, the streak and today's progress (core `streak`),
the off days of the coming week (core `calendar`: holidays, non-study days, the member's rest and paused
days), twelve weeks as an emoji grid (the per-day minutes core `stats` returns) and the leaderboard (core
`leaderboard`), the team bar (core `team`) and the member's league line (core `league`); buttons to start a
sprint or open the check-in modal. Only what the core returned is shown."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from adapters.slack.render import OPEN_CHECKIN, START_SPRINT, blocks, button, league_line
from adapters.slack.text import escape
from bot.replies import Reply
from bot.service import Calendar

MAX_COHORTS = 5  # a home view holds 100 blocks; each cohort takes about nine
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
DONE, PARTIAL, NONE = ":large_green_square:", ":large_yellow_square:", ":white_large_square:"


@dataclass(frozen=True)
class CohortPanel:
    streak: Reply  # core `streak` for this cohort
    board: Reply | None = None  # core `leaderboard`
    stats: Reply | None = None  # core `stats`: data["days"] = [[iso date, minutes], ...] from a Monday, data["target"]
    calendar: Calendar | None = None  # core `calendar`: the off days from today on
    team: Reply | None = None  # core `team`: data["bar"], data["days_left"] (an error when there is no team goal)
    league: Reply | None = None  # core `league`: tier, division, rows, you (an error when the cohort has no leagues)


def home_view(panels: list[CohortPanel], problem: Reply | None = None) -> dict[str, Any]:
    """`problem`: the core's answer when there is nothing to show (not in a cohort yet, storage down)."""
    content: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": "Your study streak", "emoji": True}}]
    if problem is not None:
        content += blocks(problem)
    for panel in panels[:MAX_COHORTS]:
        content += _panel(panel)
    content.append({"type": "actions", "elements": [
        button(START_SPRINT, "Start a sprint", "home", primary=True),
        button(OPEN_CHECKIN, "Check in", "home")]})
    return {"type": "home", "blocks": content}


def _panel(panel: CohortPanel) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = [{"type": "divider"}]
    cohort = panel.streak.data.get("cohort")
    if cohort:
        out.append({"type": "section", "text": {"type": "mrkdwn", "text": f"*{escape(str(cohort))}*"}})
    out += [block for block in blocks(panel.streak) if block["type"] != "header"]
    if panel.calendar is not None and (panel.calendar.off or panel.calendar.holidays):
        out.append({"type": "section", "text": {"type": "mrkdwn", "text": off_days(panel.calendar)}})
    stats = panel.stats
    if stats is not None and not stats.is_error and stats.data.get("days"):
        target = stats.data.get("target") or 1
        heading = "*Last 12 weeks* (a column is a week, Monday on top)\n"
        out.append({"type": "section", "text": {"type": "mrkdwn", "text": heading + grid(stats.data["days"], target)}})
        out.append({"type": "context", "elements": [{"type": "mrkdwn",
                    "text": f"{DONE} day done  {PARTIAL} some minutes  {NONE} none"}]})
    if panel.team is not None and not panel.team.is_error and panel.team.data.get("bar"):
        team = panel.team.data
        text = f"*Team goal this week*\n`{escape(str(team['bar']))}` {team.get('days_left')} days left"
        out.append({"type": "section", "text": {"type": "mrkdwn", "text": text}})
    line = league_line(panel.league) if panel.league is not None else None
    if line:
        out.append({"type": "section", "text": {"type": "mrkdwn", "text": line}})
    if panel.board is not None and not panel.board.is_error:
        out += blocks(panel.board)
    return out


def grid(days: list[list[Any]], target: int) -> str:
    """Weeks as columns, Monday on top (the core's list starts on a Monday and ends today)."""
    rows = []
    for weekday in range(7):
        cells = [_cell(int(days[i][1]), target) for i in range(weekday, len(days), 7)]
        rows.append(f"`{WEEKDAYS[weekday]}` " + "".join(cells))
    return "\n".join(rows)


def _cell(minutes: int, target: int) -> str:
    return DONE if minutes >= target else PARTIAL if minutes > 0 else NONE


def off_days(calendar: Calendar) -> str:
    """The coming week's off days, one a line (`Sat 2026-03-07` not a study day), then the holidays after it."""
    lines = [f"`{WEEKDAYS[off.day.weekday()]} {off.day.isoformat()}` {escape(off.reason)}" for off in calendar.off]
    text = ":palm_tree: *Off days this week*\n" + ("\n".join(lines) if lines else "None: every day counts.")
    later = [holiday for holiday in calendar.holidays if holiday.start > calendar.until]
    if later:
        text += "\n*Holidays ahead:* " + "; ".join(escape(holiday.describe()) for holiday in later[:5])
    return text[:2900]
