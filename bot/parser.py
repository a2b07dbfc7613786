"""Turns a typed line (`checkin 30 read the LoRA paper link:https://…`) into a command name and
string arguments. Discord builds the same pair from its typed options; validation is the core's."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from bot.errors import CommandError
from bot.grammar import BY_NAME, GROUPS, CommandSpec

_NUMBER = re.compile(r"^[-+]?\d[\d_]*(\.\d+)?m?$")
_OPTION = re.compile(r"^([A-Za-z_]+):(.*)$", re.DOTALL)


@dataclass(frozen=True)
class ParsedCommand:
    name: str
    args: dict[str, str]


def parse(line: str) -> ParsedCommand:
    tokens = line.strip().split()
    if tokens and tokens[0].startswith("/"):
        tokens[0] = tokens[0][1:]
    if not tokens or not tokens[0]:
        raise CommandError("empty_command", "Type a command, for example `checkin 30` or `help`.")
    spec, rest = _find_spec([t.lower() for t in tokens[:2]], tokens)
    return ParsedCommand(spec.name, _bind(spec, rest))


def _find_spec(heads: list[str], tokens: list[str]) -> tuple[CommandSpec, list[str]]:
    first = heads[0]
    if first in GROUPS:
        if len(heads) > 1 and f"{first} {heads[1]}" in BY_NAME:
            return BY_NAME[f"{first} {heads[1]}"], tokens[2:]
        fallback = GROUPS[first]
        if fallback is None:
            fallback = f"{first} set" if len(tokens) > 1 else f"{first} show"
        return BY_NAME[fallback], tokens[1:]
    if first in BY_NAME:
        return BY_NAME[first], tokens[1:]
    known = sorted({name.split()[0] for name in BY_NAME})
    close = difflib.get_close_matches(first, known, n=1)
    hint = f" Did you mean `{close[0]}`?" if close else ""
    shown = first if len(first) <= 30 else first[:29] + "…"
    raise CommandError("unknown_command", f"I don't know the command `{shown}`.{hint} Type `help` for the list.")


def _bind(spec: CommandSpec, tokens: list[str]) -> dict[str, str]:
    args: dict[str, str] = {}
    loose: list[str] = []
    for token in tokens:
        match = _OPTION.match(token)
        key = match.group(1).lower() if match else None
        if match and key in spec.options and key not in args and not token.startswith(("http:", "https:")):
            args[key] = match.group(2)
        else:
            loose.append(token)
    positionals = list(spec.positionals)
    if spec.numeric_first and positionals and loose and not _NUMBER.match(loose[0]):
        positionals.pop(0)
    for name in positionals:
        if not loose:
            break
        args[name] = loose.pop(0)
    if loose:
        if spec.rest is None:
            raise CommandError(
                "bad_arguments",
                f"`{spec.name}` does not take `{_clip(' '.join(loose))}`. Usage: `{spec.usage}`.",
            )
        args[spec.rest] = " ".join(loose)
    return args


def _clip(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
