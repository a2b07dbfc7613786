"""Building outbox rows: a message owed to someone under a unique key."""

from __future__ import annotations

from datetime import datetime

from bot.domain import Cohort, CohortHome, Member, OutboxMessage
from bot.replies import Reply


def owed(key: str, kind: str, cohort: Cohort, destination_kind: str, target: str, reply: Reply,
         due: datetime, now: datetime, *, until: datetime | None = None, home: CohortHome | None = None,
         ) -> OutboxMessage:
    """`until`: the last instant the message still means something (e.g. before its day ends); the scheduler also
    caps it by the kind's catch-up window. `home`: a bridged home of the cohort, on its platform and workspace."""
    platform, workspace = (home.platform, home.workspace) if home else (cohort.platform, cohort.workspace)
    return _message(key, kind, platform, workspace, destination_kind, target, reply, due, now, until)


def dm(key: str, kind: str, to: Member, reply: Reply, due: datetime, now: datetime, *,
       until: datetime | None = None) -> OutboxMessage:
    """A DM to a person, where their DMs go (`Member.dm_route`: a linked account may have chosen another
    platform)."""
    platform, workspace, user_id = to.dm_route
    return _message(key, kind, platform, workspace, "dm", user_id, reply, due, now, until)


def _message(key: str, kind: str, platform: str, workspace: str, destination_kind: str, target: str, reply: Reply,
             due: datetime, now: datetime, until: datetime | None) -> OutboxMessage:
    return OutboxMessage(key=key, kind=kind, platform=platform, workspace=workspace,
                         destination_kind=destination_kind, target=target, text=reply.text, title=reply.title,
                         data={**reply.data, "type": reply.data.get("type", kind)}, due_at=due, created_at=now,
                         next_attempt_at=now, expires_at=until)
