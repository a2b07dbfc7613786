"""Slack's text conventions, both ways. Slack escapes `&`, `<` and `>` in what members type and wraps
links, channels and mentions in `<…>`; in what the bot sends, those three characters are control
characters, so every user-derived string is escaped before it goes into mrkdwn."""

from __future__ import annotations

import re

_MARKUP = re.compile(r"<([^<>]*)>")
_ENTITY = re.compile(r"&(amp|lt|gt);")
_ENTITIES = {"amp": "&", "lt": "<", "gt": ">"}


def escape(text: str) -> str:
    """Shown as typed, never executed: `<!channel>` or `<@U123>` from a member pings nobody."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def decode(text: str) -> str:
    """A slash command's text as the member typed it.

    `<https://x.org|x.org>` → `https://x.org` (so `link:` gets a plain URL), `<#C1|general>` → `#general`,
    `<!here>` → `@here`, `<!subteam^S1|@team>` → `@team`; user mentions stay `<@U123>` for the shared parser
    (`buddy @member`, `nudge @member`); then `&lt;`, `&gt;` and `&amp;` become the characters again. The
    result is plain text for the core — the renderer escapes it again on the way out."""
    return _ENTITY.sub(lambda m: _ENTITIES[m.group(1)], _MARKUP.sub(_plain, text))


def _plain(match: re.Match[str]) -> str:
    target, _, label = match.group(1).partition("|")
    if target.startswith("@"):
        return f"<{target}>"
    if target.startswith("#"):
        return f"#{label}" if label else target
    if target.startswith("!"):
        return label if label else "@" + target[1:].split("^")[0]
    if target.startswith("mailto:"):
        return label or target.removeprefix("mailto:")
    return target
