"""The one renderer for Slack: a core reply becomes Block Kit (a header for the title, the text as mrkdwn,
a context line with a few numbers, buttons on the DMs that invite an action). User text can never ping
anyone: it is escaped (see `text.escape`); the only pings are the digest's `mentions`, which the core
lists for members who allow them."""

from __future__ import annotations

import re
from typing import Any

from adapters.confirm import confirm_of, encode
from adapters.league_table import is_league, table_lines, zone_of
from adapters.slack.text import escape
from bot.grammar import COMMAND_WORDS
from bot.instants import Instant, plain, render
from bot.replies import Reply

OPEN_CHECKIN = "studybot_open_checkin"
START_SPRINT = "studybot_start_sprint"
JOIN_SPRINT = "studybot_join_sprint"
UNDO_CHECKIN = "studybot_undo_checkin"
CONFIRM = "studybot_confirm"  # a reply's confirm button (adapters/confirm.py); its value: command and args

_COMMAND = re.compile(r"`((?:" + "|".join(COMMAND_WORDS) + r")\b[^`]*)`")
_USER_ID = re.compile(r"[UW][A-Z0-9]+")
FIELDS = (("streak", "Streak"), ("longest", "Longest"), ("freezes", "Freezes"), ("minutes_today", "Today (min)"))
MAX_TEXT = 2900  # a section's text holds 3,000 characters
MAX_FALLBACK = 300
MAX_VALUE = 2000  # a button's value holds 2,000 characters
# The core's instant styles as Slack date formats (shown in each reader's zone and clock preference). A relative
# instant has no documented Slack token for the future ("in 25 minutes"): it is the core's fallback text.
DATE_FORMATS = {"time": "{time}", "datetime": "{date_short_pretty} at {time}", "date": "{date_short_pretty}"}


def slack_text(reply: Reply) -> str:
    """The reply's text as safe mrkdwn, with commands spelled the way Slack users type them."""
    text = render(_COMMAND.sub(lambda m: f"`/study {m.group(1)}`", escape(reply.text)), date)
    mentions = [user for user in reply.data.get("mentions") or [] if _USER_ID.fullmatch(str(user))]
    if mentions:
        text += "\n" + " ".join(f"<@{user}>" for user in mentions)
    return text[:MAX_TEXT]


def date(instant: Instant) -> str:
    """A core instant as Slack's `<!date^UNIX^FORMAT|fallback>` (the fallback: the core's text, in the zone of
    the reader it had in mind); a relative one as its plain text."""
    if instant.style not in DATE_FORMATS:
        return escape(instant.fallback)
    return f"<!date^{instant.unix}^{DATE_FORMATS[instant.style]}|{escape(instant.fallback)}>"


def blocks(reply: Reply, *, author: str | None = None, key: str | None = None) -> list[dict[str, Any]]:
    """`author`: who asked, when the reply answers their command in a channel (a check-in then offers them
    an Undo button); `key`: the command's idempotency key, which names the check-in it recorded."""
    out: list[dict[str, Any]] = []
    if reply.title:
        title = (":warning: " if reply.is_error else "") + plain(reply.title)
        out.append({"type": "header", "text": {"type": "plain_text", "text": title[:150], "emoji": True}})
    prefix = ":warning: " if reply.is_error and not reply.title else ""
    if not reply.is_error and is_league(reply.data):
        out += league_blocks(reply)
        return out
    out.append({"type": "section", "text": {"type": "mrkdwn", "text": prefix + slack_text(reply)}})
    numbers = [f"*{label}:* {reply.data[key]}" for key, label in FIELDS if _is_number(reply.data.get(key))]
    numbers += off_and_repair(reply)
    if numbers and not reply.is_error:
        out.append({"type": "context", "elements": [{"type": "mrkdwn", "text": "  ·  ".join(numbers)}]})
    out += _actions(reply, author, key)
    return out


def league_blocks(reply: Reply) -> list[dict[str, Any]]:
    """The `league` reply: its first line (tier, rank, points, when the week ends), the division as a monospace
    table with ▲/▼ zones, and a legend with the member's own zone."""
    head = Reply(text=reply.text.split("\n", 1)[0], data={"cohort": reply.data.get("cohort")})
    table = escape("\n".join(table_lines(reply.data)))[:MAX_TEXT - 10]
    legend = f"▲ moves up a tier  ·  ▼ moves down a tier  ·  *You:* {zone_of(reply.data)}"
    return [{"type": "section", "text": {"type": "mrkdwn", "text": slack_text(head)}},
            {"type": "section", "text": {"type": "mrkdwn", "text": f"```\n{table}\n```"}},
            {"type": "context", "elements": [{"type": "mrkdwn", "text": legend}]}]


def league_line(reply: Reply) -> str | None:
    """The App Home's league line from the core's `league` reply: tier, division, rank, points, zone (None when
    the member is not placed this week or the cohort has no leagues)."""
    if reply.is_error or not is_league(reply.data):
        return None
    you, data = reply.data.get("you") or {}, reply.data
    return (f"*League:* {escape(str(data['tier']))}, division {data.get('division')}  ·  "
            f"#{you.get('rank')} of {len(data.get('rows') or [])}  ·  {you.get('points', 0)} points  ·  "
            f"{zone_of(data)}")


def off_and_repair(reply: Reply) -> list[str]:
    """What the core says about off days and streak repair, for the context line beside the numbers."""
    found = []
    if reply.data.get("repaired") is True:
        found.append(":hammer_and_wrench: *Streak repaired*")
    repair = reply.data.get("repair")
    if isinstance(repair, dict) and repair.get("need_minutes"):
        found.append(f":hammer_and_wrench: *Repair:* {repair['need_minutes']} min on your next study day")
    off = reply.data.get("off_today")
    if isinstance(off, str) and off:
        found.append(f":palm_tree: *Off today:* {escape(off)}")
    return found


def offers_undo(reply: Reply) -> bool:
    """A check-in just recorded and shown in the channel: its author gets an Undo button under it (a check-in
    reply says whether it `repaired` a streak; a repeat of one already recorded offers nothing new)."""
    return not reply.is_error and not reply.private and "repaired" in reply.data and not reply.data.get("duplicate")


def recorded_key(reply: Reply, key: str | None) -> str | None:
    """The key the check-in in `reply` was recorded under (the core says: a sprint's is `sprint:<id>`), else the
    command's own `key`."""
    recorded = reply.data.get("checkin_key")
    return recorded if isinstance(recorded, str) else key


def undo_value(author: str, key: str | None) -> str:
    """An Undo button's value: `<author>:<key>` (user ids hold no colon), or the author alone without a key."""
    return f"{author}:{key}" if key and len(author) + 1 + len(key) <= MAX_VALUE else author


def read_undo_value(value: str) -> tuple[str, str | None]:
    """(author, check-in key or None) from an Undo button's value, old ones (`<author>`) included."""
    author, _, key = value.partition(":")
    return author, key or None


def fallback_text(reply: Reply) -> str:
    """The notification text (shown where blocks are not); escaped like the blocks."""
    head = (":warning: " if reply.is_error else "") + (f"{reply.title}: " if reply.title else "")
    return escape(plain(head + reply.text))[:MAX_FALLBACK]


def button(action_id: str, label: str, value: str, *, primary: bool = False) -> dict[str, Any]:
    element: dict[str, Any] = {"type": "button", "action_id": action_id, "value": value,
                               "text": {"type": "plain_text", "text": label}}
    if primary:
        element["style"] = "primary"
    return element


def _actions(reply: Reply, author: str | None = None, key: str | None = None) -> list[dict[str, Any]]:
    """Buttons for the DMs that ask for something: a reminder offers a sprint or a check-in; a finished
    sprint offers to add what you did to the check-in the timer recorded; a group sprint offers to join it;
    a check-in in the channel offers its author to take it back (the button's value names the author and the
    check-in); a reply that asks to confirm (`link CODE`) offers the command that confirms it."""
    kind = reply.data.get("type")
    if kind in ("reminder", "lastcall"):
        elements = [button(START_SPRINT, "Start a sprint", "dm", primary=True),
                    button(OPEN_CHECKIN, "Check in", "dm")]
    elif kind == "sprint_end":
        elements = [button(OPEN_CHECKIN, "Add a note", "sprint_end")]
    elif reply.data.get("group_id") and "minutes_left" not in reply.data and not reply.is_error:
        elements = [button(JOIN_SPRINT, "Join the sprint", str(reply.data["group_id"]), primary=True)]
    elif author and offers_undo(reply):
        elements = [button(UNDO_CHECKIN, "Undo", undo_value(author, recorded_key(reply, key)))]
    elif (confirm := confirm_of(reply)) is not None and len(encode(confirm)) <= MAX_VALUE:
        elements = [button(CONFIRM, confirm.label, encode(confirm), primary=True)]
    else:
        return []
    return [{"type": "actions", "elements": elements}]


def _is_number(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
