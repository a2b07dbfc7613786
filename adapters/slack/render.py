"""The one renderer for Slack: a core reply becomes Block Kit. User text can never ping anyone: `&`, `<`
and `>` are escaped, so `<!channel>` or `<@U123>` typed by a member is shown, not executed."""

from __future__ import annotations

import re
from typing import Any

from bot.replies import Reply

COMMAND_WORDS = ("help", "cohort", "checkin", "sprint", "streak", "leaderboard", "remind", "timezone", "pause",
                 "roadmap", "buddy", "nudge", "stats", "privacy", "export", "forget")
_COMMAND = re.compile(r"`((?:" + "|".join(COMMAND_WORDS) + r")\b[^`]*)`")
FIELDS = (("streak", "Streak"), ("longest", "Longest"), ("freezes", "Freezes"), ("minutes_today", "Today (min)"))
MAX_TEXT = 2900  # a section's text may hold 3,000 characters


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_text(reply: Reply) -> str:
    """The reply's text as safe mrkdwn, with commands spelled the way Slack users type them."""
    text = _COMMAND.sub(lambda m: f"`/study {m.group(1)}`", escape(reply.text))
    mentions = reply.data.get("mentions") or []
    if mentions:  # the only pings: the digest's pending members who allow mentions
        text += "\n" + " ".join(f"<@{user_id}>" for user_id in mentions if re.fullmatch(r"[UW][A-Z0-9]+", user_id))
    return text[:MAX_TEXT]


def blocks(reply: Reply) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    if reply.title:
        out.append({"type": "header", "text": {"type": "plain_text", "text": reply.title[:150], "emoji": True}})
    prefix = ":warning: " if reply.is_error else ""
    out.append({"type": "section", "text": {"type": "mrkdwn", "text": prefix + slack_text(reply)}})
    numbers = [f"*{label}:* {reply.data[key]}" for key, label in FIELDS
               if isinstance(reply.data.get(key), int) and not isinstance(reply.data.get(key), bool)]
    if numbers and not reply.is_error:
        out.append({"type": "context", "elements": [{"type": "mrkdwn", "text": "  ·  ".join(numbers)}]})
    return out


def fallback_text(reply: Reply) -> str:
    """The notification text (shown where blocks are not)."""
    return (f"{reply.title}: " if reply.title else "") + escape(reply.text)[:300]
