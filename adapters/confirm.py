"""The confirm button, for the adapters that show one (Discord, Slack): a reply whose data carries `confirm`
({command, args, label}; e.g. `link CODE` asks to confirm with `link CODE confirm:yes`) gets a button, and its
press runs that command with those args as the presser, exactly as if they had typed it.

What the button carries (Discord's custom id, Slack's value) is the command's name and its args and nothing
else: `<command>:<args as a query string>`, e.g. `link:code=ABCDEFGH23&confirm=yes`. Only the commands of
`CONFIRM_COMMANDS` are offered or run, so a crafted button runs nothing else; the core checks the rest again
on the press (the code is validated anew, the presser is who they are)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, quote, unquote, urlencode

from bot.grammar import CONFIRM_COMMANDS
from bot.replies import Reply

_NAME = re.compile(r"[a-z_]{1,32}")  # an argument's name
MAX_ARGS = 8
MAX_LABEL = 75  # Slack's button text holds 75 characters, Discord's label 80


@dataclass(frozen=True)
class Confirm:
    command: str
    args: dict[str, str]
    label: str = "Confirm"


def confirm_of(reply: Reply) -> Confirm | None:
    """The button the reply asks for, when it asks for one the adapters may offer."""
    wanted = reply.data.get("confirm")
    if reply.is_error or not isinstance(wanted, dict):
        return None
    command, args, label = wanted.get("command"), wanted.get("args") or {}, wanted.get("label") or "Confirm"
    if command not in CONFIRM_COMMANDS or not isinstance(args, dict) or not isinstance(label, str):
        return None
    if len(args) > MAX_ARGS or not all(isinstance(k, str) and _NAME.fullmatch(k) and isinstance(v, str)
                                       for k, v in args.items()):
        return None
    return Confirm(str(command), {str(k): str(v) for k, v in args.items()}, label[:MAX_LABEL])


def encode(confirm: Confirm) -> str:
    """What the button carries: `<command>:<args>` (printable ASCII, no spaces)."""
    return f"{quote(confirm.command)}:{urlencode(confirm.args)}"


def decode(carried: str) -> tuple[str, dict[str, str]] | None:
    """(command, args) from what a pressed button carried; None when it names no command meant for a button or
    its args are not a plain query string of known shape."""
    command, colon, query = carried.partition(":")
    command = unquote(command)
    if not colon or command not in CONFIRM_COMMANDS:
        return None
    try:
        pairs = parse_qsl(query, keep_blank_values=True, strict_parsing=bool(query), max_num_fields=MAX_ARGS)
    except ValueError:
        return None
    args = dict(pairs)
    if len(args) != len(pairs) or not all(_NAME.fullmatch(key) for key in args):
        return None
    return command, args

