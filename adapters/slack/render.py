"""The one renderer for Slack: a core reply becomes Block Kit (a header for the title, the text as mrkdwn,
a context line with a few numbers, buttons on the DMs that invite an action). User text can never ping
anyone: it is escaped (see `text.escape`); the only pings are the digest's `mentions`, which the core
lists for members who allow them."""

from __future__ import annotations

import re
from typing import Any

from adapters.slack.text import escape
from bot.grammar import COMMAND_WORDS
from bot.replies import Reply

OPEN_CHECKIN = "studybot_open_checkin"
START_SPRINT = "studybot_start_sprint"
JOIN_SPRINT = "studybot_join_sprint"

_COMMAND = re.compile(r"`((?:" + "|".join(COMMAND_WORDS) + r")\b[^`]*)`")
_USER_ID = re.compile(r"[UW][A-Z0-9]+")
FIELDS = (("streak", "Streak"), ("longest", "Longest"), ("freezes", "Freezes"), ("minutes_today", "Today (min)"))
MAX_TEXT = 2900  # a section's text holds 3,000 characters
MAX_FALLBACK = 300


def slack_text(reply: Reply) -> str:
    """The reply's text as safe mrkdwn, with commands spelled the way Slack users type them."""
    text = _COMMAND.sub(lambda m: f"`/study {m.group(1)}`", escape(reply.text))
    mentions = [user for user in reply.data.get("mentions") or [] if _USER_ID.fullmatch(str(user))]
    if mentions:
        text += "\n" + " ".join(f"<@{user}>" for user in mentions)
    return text[:MAX_TEXT]


def blocks(reply: Reply) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    if reply.title:
        title = (":warning: " if reply.is_error else "") + reply.title
        out.append({"type": "header", "text": {"type": "plain_text", "text": title[:150], "emoji": True}})
    prefix = ":warning: " if reply.is_error and not reply.title else ""
    out.append({"type": "section", "text": {"type": "mrkdwn", "text": prefix + slack_text(reply)}})
    numbers = [f"*{label}:* {reply.data[key]}" for key, label in FIELDS if _is_number(reply.data.get(key))]
    if numbers and not reply.is_error:
        out.append({"type": "context", "elements": [{"type": "mrkdwn", "text": "  ·  ".join(numbers)}]})
    out += _actions(reply)
    return out


def fallback_text(reply: Reply) -> str:
    """The notification text (shown where blocks are not); escaped like the blocks."""
    head = (":warning: " if reply.is_error else "") + (f"{reply.title}: " if reply.title else "")
    return escape(head + reply.text)[:MAX_FALLBACK]


def button(action_id: str, label: str, value: str, *, primary: bool = False) -> dict[str, Any]:
    element: dict[str, Any] = {"type": "button", "action_id": action_id, "value": value,
                               "text": {"type": "plain_text", "text": label}}
    if primary:
        element["style"] = "primary"
    return element


def _actions(reply: Reply) -> list[dict[str, Any]]:
    """Buttons for the DMs that ask for something: a reminder offers a sprint or a check-in; a finished
    sprint offers to add what you did to the check-in the timer recorded."""
    kind = reply.data.get("type")
    if kind in ("reminder", "lastcall"):
        elements = [button(START_SPRINT, "Start a sprint", "dm", primary=True),
                    button(OPEN_CHECKIN, "Check in", "dm")]
    elif kind == "sprint_end":
        elements = [button(OPEN_CHECKIN, "Add a note", "sprint_end")]
    elif reply.data.get("group_id") and "minutes_left" not in reply.data and not reply.is_error:
        elements = [button(JOIN_SPRINT, "Join the sprint", str(reply.data["group_id"]), primary=True)]
    else:
        return []
    return [{"type": "actions", "elements": elements}]


def _is_number(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
