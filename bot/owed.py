"""Building outbox rows: a message owed to someone under a unique key."""

from __future__ import annotations

from datetime import datetime

from bot.domain import Cohort, OutboxMessage
from bot.replies import Reply


def owed(key: str, kind: str, cohort: Cohort, destination_kind: str, target: str, reply: Reply,
         due: datetime, now: datetime, *, until: datetime | None = None) -> OutboxMessage:
    """`until`: the last instant the message still means something (e.g. before its day ends); the scheduler also
    caps it by the kind's catch-up window."""
    return OutboxMessage(key=key, kind=kind, platform=cohort.platform, workspace=cohort.workspace,
                         destination_kind=destination_kind, target=target, text=reply.text, title=reply.title,
                         data={**reply.data, "type": reply.data.get("type", kind)}, due_at=due, created_at=now,
                         next_attempt_at=now, expires_at=until)
