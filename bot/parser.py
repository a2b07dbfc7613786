"""Turns a typed line (`checkin 30 read the LoRA paper link:https://…`) into a command name and
string arguments. Discord builds the same pair from its typed options; validation is the core's."""

from __future__ import annotations

import difflib
import itertools
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


@dataclass(frozen=True)
class _Token:
    text: str
    start: int
    end: int


def parse(line: str) -> ParsedCommand:
    tokens = [_Token(m.group(), m.start(), m.end()) for m in re.finditer(r"\S+", line)]
    if tokens and tokens[0].text.startswith("/"):
        tokens[0] = _Token(tokens[0].text[1:], tokens[0].start + 1, tokens[0].end)
    if not tokens or not tokens[0].text:
        raise CommandError("empty_command", "Type a command, for example `checkin 30` or `help`.")
    spec, rest = _find_spec([t.text.lower() for t in tokens[:2]], tokens)
    return ParsedCommand(spec.name, _bind(spec, rest, line))


def _find_spec(heads: list[str], tokens: list[_Token]) -> tuple[CommandSpec, list[_Token]]:
    first = heads[0]
    if first in GROUPS:
        if len(heads) > 1 and f"{first} {heads[1]}" in BY_NAME:
            return BY_NAME[f"{first} {heads[1]}"], tokens[2:]
        with_words, alone = GROUPS[first]
        return BY_NAME[with_words if len(tokens) > 1 else alone], tokens[1:]
    if first in BY_NAME:
        return BY_NAME[first], tokens[1:]
    known = sorted({name.split()[0] for name in BY_NAME})
    close = difflib.get_close_matches(first, known, n=1)
    hint = f" Did you mean `{close[0]}`?" if close else ""
    shown = first if len(first) <= 30 else first[:29] + "…"
    raise CommandError("unknown_command", f"I don't know the command `{shown}`.{hint} Type `help` for the list.")


def _bind(spec: CommandSpec, tokens: list[_Token], line: str) -> dict[str, str]:
    args: dict[str, str] = {}
    loose: list[_Token] = []
    for token in tokens:
        match = _OPTION.match(token.text)
        key = match.group(1).lower() if match else None
        if match and key in spec.options and key not in args and not token.text.startswith(("http:", "https:")):
            args[key] = match.group(2)
        else:
            loose.append(token)
    positionals = list(spec.positionals)
    if spec.numeric_first and positionals and loose and not _NUMBER.match(loose[0].text):
        positionals.pop(0)
    for name in positionals:
        if not loose:
            break
        args[name] = loose.pop(0).text
    if loose:
        if spec.rest is None:
            raise CommandError(
                "bad_arguments",
                f"`{spec.name}` does not take `{_clip(' '.join(t.text for t in loose))}`. Usage: `{spec.usage}`.",
            )
        args[spec.rest] = _free_text(loose, line)
    return args


def _free_text(loose: list[_Token], line: str) -> str:
    """The loose tokens with the line's own spacing between neighbours (a pasted YAML keeps its lines)."""
    parts = [loose[0].text]
    for before, token in itertools.pairwise(loose):
        gap = line[before.end:token.start]
        parts.append(gap if gap.strip() == "" else " ")
        parts.append(token.text)
    return "".join(parts)


def _clip(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
