"""`forget` and the outbox: nothing is sent to or about a forgotten member afterwards, and the record of what was
sent keeps no trace of them."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from bot import notices
from bot.domain import Member, OutboxStatus
from bot.ports import UnitOfWork

REMOVED = "(deleted at a member's request)"
# Messages about one member, and the field of their data that names that member.
ABOUT_ONE = {"buddy": "buddy", "buddy_request": "from", "nudge": "from"}
# Messages about many, written again from their data once the member is taken out of it.
TEXT_OF: dict[str, Callable[[Mapping[str, Any]], str]] = {
    "digest": notices.digest_text, "recap": notices.recap_text, "group": notices.group_text}


async def forget_messages(uow: UnitOfWork, member: Member) -> None:
    """Owed to them, or about them alone (a buddy notice, their request or nudge): dropped. Owed to others and
    naming them among others (a digest, recap or group summary still to be posted): written again without them.
    Already sent, failed or skipped and naming them: kept as a record, with neither their name nor their id.

    Whether a message names them is read from its data (names and ids as whole values), never from its text,
    where a name like "Al" or "sprint" is also an ordinary word."""
    name, user_id = member.display_name, member.user_id
    for message in await uow.outbox.mentioning(member.platform, member.workspace, user_id, name):
        assert message.id is not None
        to_them = message.destination_kind == "dm" and message.target == user_id
        field = ABOUT_ONE.get(message.kind)
        about_them = field is not None and message.data.get(field) == name
        if not (to_them or about_them or _names(message.data, {name, user_id})):
            continue  # their name is only a word in its text
        if message.status is OutboxStatus.PENDING:
            if to_them or about_them or message.kind not in TEXT_OF:
                await uow.outbox.remove(message.id)
                continue
            message.data = _without(message.data, {name, user_id})
            message.text = TEXT_OF[message.kind](message.data)
            # A dispatcher holding the old text loses its claim (its renewal before sending fails).
            message.claimed_by = message.claimed_until = None
        else:
            message.text, message.title = REMOVED, None
            message.data = {"type": message.data.get("type", message.kind)}
            if to_them:
                message.target = ""
        await uow.outbox.save(message)


def _names(value: object, them: set[str]) -> bool:
    if isinstance(value, str):
        return value in them
    if isinstance(value, list):
        return any(_names(item, them) for item in value)
    if isinstance(value, dict):
        return any(_names(item, them) for item in value.values())
    return False


def _without(data: Mapping[str, Any], them: set[str]) -> dict[str, Any]:
    """The data with every list entry that is them (a name or id, or a row whose `name` is theirs) left out."""
    def keep(item: object) -> bool:
        return not (item in them or (isinstance(item, dict) and item.get("name") in them))

    return {key: [item for item in value if keep(item)] if isinstance(value, list) else value
            for key, value in data.items()}
