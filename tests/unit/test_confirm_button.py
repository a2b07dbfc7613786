"""The confirm button (adapters/confirm.py): what a reply's `confirm` becomes on a button, and what a pressed
button may run -- only commands meant for buttons, with plain args; Discord's custom id stays within 100
characters (else no button: the reply's text still says what to type)."""

from __future__ import annotations

from typing import Any

import pytest

from adapters.confirm import Confirm, confirm_of, decode, encode
from adapters.discord.interactions import CONFIRM, confirm_view
from adapters.slack.render import blocks
from bot.replies import Reply, error_reply


def _reply(confirm: Any, **data: Any) -> Reply:
    return Reply(text="Link these?", data={"confirm_needed": True, "confirm": confirm, **data}, private=True)


LINK = {"command": "link", "args": {"code": "ABCDEFGH23", "confirm": "yes"}, "label": "Link them"}


def test_a_link_confirm_round_trips() -> None:
    confirm = confirm_of(_reply(LINK))
    assert confirm == Confirm("link", {"code": "ABCDEFGH23", "confirm": "yes"}, "Link them")
    assert encode(confirm) == "link:code=ABCDEFGH23&confirm=yes"
    assert decode(encode(confirm)) == ("link", {"code": "ABCDEFGH23", "confirm": "yes"})


@pytest.mark.parametrize("confirm", [
    {**LINK, "command": "forget"},
    {**LINK, "command": "cohort remove"},
    {**LINK, "args": ["code"]},
    {**LINK, "args": {"code": 5}},
    {**LINK, "args": {"Bad Name": "x"}},
    {**LINK, "label": 7},
    "link",
])
def test_no_button_for_anything_but_an_allowed_command_with_plain_args(confirm: Any) -> None:
    reply = _reply(confirm)
    assert confirm_of(reply) is None
    assert confirm_view(reply) is None
    assert not [block for block in blocks(reply) if block["type"] == "actions"]


def test_no_button_on_an_error() -> None:
    reply = error_reply("bad_code", "no")
    reply.data["confirm"] = LINK
    assert confirm_of(reply) is None


@pytest.mark.parametrize("carried", [
    "forget:confirm=yes", "cohort%20remove:name=x", "undo:checkin=k", "link", "", ":code=x",
    "link:code=A&code=B", "link:Code=A", "link:code", "link:a=1&b=2&c=3&d=4&e=5&f=6&g=7&h=8&i=9",
])
def test_a_crafted_button_runs_nothing(carried: str) -> None:
    assert decode(carried) is None


def test_args_are_escaped_and_come_back_the_same() -> None:
    confirm = Confirm("link", {"code": "AB&C=D:E F"})
    assert decode(encode(confirm)) == ("link", {"code": "AB&C=D:E F"})


def test_the_discord_custom_id_fits_or_there_is_no_button() -> None:
    view = confirm_view(_reply(LINK))
    assert view is not None
    (button,) = view.children
    assert button.custom_id == f"{CONFIRM}link:code=ABCDEFGH23&confirm=yes"  # type: ignore[attr-defined]
    assert button.item.label == "Link them"  # type: ignore[attr-defined]
    too_long = _reply({**LINK, "args": {"code": "X" * 90}})
    assert confirm_view(too_long) is None


def test_the_slack_button() -> None:
    (actions,) = [block for block in blocks(_reply(LINK)) if block["type"] == "actions"]
    assert actions["elements"] == [{"type": "button", "action_id": "studybot_confirm", "style": "primary",
                                    "value": "link:code=ABCDEFGH23&confirm=yes",
                                    "text": {"type": "plain_text", "text": "Link them"}}]
