"""The check-in modal: minutes, what you did, a link (and a cohort, when the workspace has several).
Opened after a sprint, whose minutes the timer already recorded, it asks only for what you did and a link,
and adds them to that check-in (`note`). The channel it was opened from and where it came from travel in
`private_metadata`."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from bot.instants import plain
from bot.replies import Reply

CALLBACK = "studybot_checkin"
MAX_COHORT_OPTIONS = 100  # a static_select holds at most 100 options
MAX_ERROR = 150

# The core's error codes, by the input they are about; anything else is shown on the minutes.
FIELD_OF_ERROR = {"bad_minutes": "minutes", "too_many_minutes": "minutes", "note_too_long": "note",
                  "empty_note": "note", "no_checkin_today": "note", "bad_link": "link", "unknown_cohort": "cohort",
                  "which_cohort": "cohort", "not_member": "cohort"}


@dataclass(frozen=True)
class Submission:
    args: dict[str, str]  # what `bot.execute(invocation, "checkin", args)` takes
    channel: str | None  # where the modal was opened (None from App Home)
    source: str  # "command", "home", "dm" or "sprint_end"

    @property
    def command(self) -> str:
        return "note" if self.source == "sprint_end" else "checkin"


def checkin_modal(channel_id: str | None, *, source: str = "command", cohorts: list[str] | None = None
                  ) -> dict[str, Any]:
    """Empty minutes mean one sprint of the cohort (as `checkin` with no number does). After a sprint, whose
    minutes are already recorded, there are no minutes to give: what you did goes on that check-in."""
    after_sprint = source == "sprint_end"
    content: list[dict[str, Any]] = []
    if after_sprint:
        content.append({"type": "context", "elements": [{"type": "mrkdwn", "text":
                        "Your sprint's minutes are already recorded; say what you did and it goes with them."}]})
    else:
        content.append({"type": "input", "block_id": "minutes", "optional": True,
                        "label": {"type": "plain_text", "text": "Minutes"},
                        "element": {"type": "number_input", "action_id": "value", "is_decimal_allowed": False,
                                    "min_value": "1", "max_value": "600",
                                    "placeholder": {"type": "plain_text", "text": "one sprint"}}})
    content += [
        {"type": "input", "block_id": "note", "optional": not after_sprint,
         "label": {"type": "plain_text", "text": "What did you do?"},
         "element": {"type": "plain_text_input", "action_id": "value", "multiline": True, "max_length": 500}},
        {"type": "input", "block_id": "link", "optional": True,
         "label": {"type": "plain_text", "text": "Link (repo, notes, paper)"},
         "element": {"type": "url_text_input", "action_id": "value"}},
    ]
    if cohorts and len(cohorts) > 1:
        content.append(_cohort_input(cohorts))
    return {
        "type": "modal",
        "callback_id": CALLBACK,
        "private_metadata": json.dumps({"channel": channel_id, "source": source}),
        "title": {"type": "plain_text", "text": "Add a note" if after_sprint else "Check in"},
        "submit": {"type": "plain_text", "text": "Save" if after_sprint else "Record"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": content,
    }


def _cohort_input(cohorts: list[str]) -> dict[str, Any]:
    label = {"type": "plain_text", "text": "Cohort"}
    hint = {"type": "plain_text", "text": "Leave empty for this channel's cohort, or your only one."}
    if len(cohorts) <= MAX_COHORT_OPTIONS:
        element: dict[str, Any] = {
            "type": "static_select", "action_id": "value",
            "options": [{"text": {"type": "plain_text", "text": name[:75]}, "value": name[:150]} for name in cohorts]}
    else:
        element = {"type": "plain_text_input", "action_id": "value", "max_length": 150}
    return {"type": "input", "block_id": "cohort", "optional": True, "label": label, "hint": hint,
            "element": element}


def submitted(view: dict[str, Any]) -> Submission:
    """The modal's values as core arguments (empty inputs left out), and where it came from."""
    values = view.get("state", {}).get("values", {})
    args: dict[str, str] = {}
    for name in ("minutes", "note", "link", "cohort"):
        state = values.get(name, {}).get("value", {})
        value = state.get("value") or (state.get("selected_option") or {}).get("value")
        if value:
            args[name] = str(value)
    try:
        meta = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        meta = {}
    if not isinstance(meta, dict):
        meta = {}
    return Submission(args, meta.get("channel") or None, str(meta.get("source") or "command"))


def errors(reply: Reply, view: dict[str, Any]) -> dict[str, str]:
    """`response_action: errors` for a refused check-in: the core's message on the input it is about."""
    present = {block.get("block_id") for block in view.get("blocks", [])}
    field = FIELD_OF_ERROR.get(str(reply.data.get("error")), "minutes")
    fallback = "minutes" if "minutes" in present else "note"
    return {field if field in present else fallback: plain(reply.text)[:MAX_ERROR]}
