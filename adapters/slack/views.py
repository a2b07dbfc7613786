"""Slack views: the check-in modal and the App Home tab."""

from __future__ import annotations

import json
from typing import Any

from adapters.slack.render import blocks
from bot.replies import Reply

CHECKIN_CALLBACK = "studybot_checkin"
OPEN_CHECKIN = "studybot_open_checkin"
START_SPRINT = "studybot_start_sprint"


def checkin_modal(channel_id: str | None, minutes: int = 30) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": CHECKIN_CALLBACK,
        "private_metadata": json.dumps({"channel": channel_id}),
        "title": {"type": "plain_text", "text": "Check in"},
        "submit": {"type": "plain_text", "text": "Record"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            {"type": "input", "block_id": "minutes", "label": {"type": "plain_text", "text": "Minutes"},
             "element": {"type": "number_input", "action_id": "value", "is_decimal_allowed": False,
                         "min_value": "1", "max_value": "600", "initial_value": str(minutes)}},
            {"type": "input", "block_id": "note", "optional": True,
             "label": {"type": "plain_text", "text": "What did you do?"},
             "element": {"type": "plain_text_input", "action_id": "value", "multiline": True, "max_length": 500}},
            {"type": "input", "block_id": "link", "optional": True,
             "label": {"type": "plain_text", "text": "Link (repo, notes, paper)"},
             "element": {"type": "url_text_input", "action_id": "value"}},
        ],
    }


def submitted(view: dict[str, Any]) -> tuple[dict[str, str], str | None]:
    """The modal's values as core arguments, and the channel it was opened from."""
    values = view.get("state", {}).get("values", {})
    args = {name: str(values.get(name, {}).get("value", {}).get("value") or "")
            for name in ("minutes", "note", "link")}
    try:
        channel = json.loads(view.get("private_metadata") or "{}").get("channel")
    except ValueError:
        channel = None
    return {key: value for key, value in args.items() if value}, channel


FIELD_OF_ERROR = {"bad_minutes": "minutes", "too_many_minutes": "minutes", "note_too_long": "note",
                  "bad_link": "link"}


def home(streak: Reply, board: Reply | None, days: list[list[Any]] | None) -> dict[str, Any]:
    content: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": "Your study streak"}},
        *blocks(streak)[1:],
    ]
    if days:
        content.append({"type": "section", "text": {"type": "mrkdwn", "text": "*Last 12 weeks*\n" + grid(days)}})
    if board is not None and not board.is_error:
        content += [{"type": "divider"}, *blocks(board)]
    content += [{"type": "actions", "elements": [
        {"type": "button", "action_id": START_SPRINT, "style": "primary",
         "text": {"type": "plain_text", "text": "Start a sprint"}},
        {"type": "button", "action_id": OPEN_CHECKIN, "text": {"type": "plain_text", "text": "Check in"}}]}]
    return {"type": "home", "blocks": content}


def grid(days: list[list[Any]]) -> str:
    """Weeks as columns, Monday on top: a filled square for a day with minutes, an empty one without."""
    rows = []
    for weekday in range(7):
        cells = [days[i][1] for i in range(weekday, len(days), 7)]
        rows.append("".join(":large_green_square:" if minutes else ":white_large_square:" for minutes in cells))
    return "\n".join(rows)
