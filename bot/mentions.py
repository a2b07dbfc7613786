"""Member references as people type them: Discord `<@123>`, Slack `<@U123|ann>`, or `@ann` / `ann`."""

from __future__ import annotations

import re

from bot.commands.context import Context, clip
from bot.domain import Member
from bot.errors import CommandError

_MENTION = re.compile(r"^<@!?([A-Za-z0-9_.-]{1,64})(?:\|[^>]{0,100})?>$")
_PLAIN = re.compile(r"^@?([A-Za-z0-9_.-]{1,64})$")


def user_id_of(text: str) -> str | None:
    cleaned = text.strip()
    match = _MENTION.match(cleaned) or _PLAIN.match(cleaned)
    return match.group(1) if match else None


async def mentioned_member(ctx: Context, text: str | None, usage: str) -> Member:
    """The member `text` names in the caller's workspace, or a clear error saying how to name one."""
    user_id = user_id_of(text or "")
    if user_id is None:
        raise CommandError("bad_member", f"Name a member with @, e.g. `{usage}`.")
    inv = ctx.invocation
    member = await ctx.uow.members.find(inv.platform, inv.workspace, user_id)
    if member is None:
        raise CommandError("unknown_member", f"I don't know '{clip(text or '')}' here yet: they need to use "
                                             "studybot once (for example `cohort join`).")
    return member
