"""`forget` and the outbox: nothing is sent to or about a forgotten member afterwards, and the record of what was
sent keeps no trace of them."""

from __future__ import annotations

import re

from bot.domain import Member, OutboxMessage, OutboxStatus
from bot.ports import UnitOfWork

FORMER_MEMBER = "a former member"
REMOVED = "(deleted at the member's request)"


async def forget_messages(uow: UnitOfWork, member: Member) -> None:
    """Owed to them, or owed to a buddy about them: dropped. Anything else naming them (a digest or recap still to
    be posted, and every message already sent or skipped): their name and user id taken out."""
    name, user_id = member.display_name, member.user_id
    for message in await uow.outbox.mentioning(member.platform, member.workspace, user_id, name):
        assert message.id is not None
        to_them = message.destination_kind == "dm" and message.target == user_id
        about_them = ((message.kind == "buddy" and message.data.get("buddy") == name)
                      or (message.kind == "buddy_request" and message.data.get("from") == name))
        if message.status is OutboxStatus.PENDING and (to_them or about_them):
            await uow.outbox.remove(message.id)
        elif to_them:
            _anonymise(message)
            await uow.outbox.save(message)
        elif _redact(message, name, user_id):
            # A dispatcher holding the old text loses its claim (its renewal before sending fails), so what
            # goes out is read again, redacted.
            message.claimed_by = message.claimed_until = None
            await uow.outbox.save(message)


def _anonymise(message: OutboxMessage) -> None:
    message.target, message.text, message.title = "", REMOVED, None
    message.data = {"type": message.data.get("type", message.kind)}


def _redact(message: OutboxMessage, name: str, user_id: str) -> bool:
    """Their name (as a whole word) becomes "a former member"; their user id goes. True when anything changed."""
    pattern = re.compile(rf"(?<!\w){re.escape(name)}(?!\w)") if name else None

    def scrub(value: object) -> object:
        if isinstance(value, str):
            if value == user_id:
                return ""
            return pattern.sub(FORMER_MEMBER, value) if pattern else value
        if isinstance(value, list):
            return [scrub(item) for item in value if item != user_id]
        if isinstance(value, dict):
            return {key: scrub(item) for key, item in value.items()}
        return value

    text, data = scrub(message.text), scrub(message.data)
    assert isinstance(text, str) and isinstance(data, dict)
    changed = (text, data) != (message.text, message.data)
    message.text, message.data = text, data
    return changed
