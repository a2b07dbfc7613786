"""the local date each scheduled occurrence belongs to, kept beside its instant; the instant after which an
owed message is too late to send

Revision ID: 0006_slot_days
Revises: 0005_ids_never_reused
Create Date: 2026-12-01

When a DST gap meets the rollover hour, a skipped wall time's first valid instant lies in the next local
date, so the date cannot be read back off the instant (bot.schedule.Slot). Rows scheduled before this
revision keep NULL and are read as before (bot.schedule.slot_day); their next occurrence stores its date.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_slot_days"
down_revision: str | None = "0005_ids_never_reused"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = {"memberships": ("next_reminder_day", "next_lastcall_day"), "cohorts": ("next_digest_day", "next_recap_day")}
WINDOW_MINUTES = {"reminder": 120, "digest": 120, "recap": 720, "sprint_end": 120, "lastcall": 30, "buddy": 360,
                  "group": 120}  # frozen copy of bot.scheduler.Windows


def upgrade() -> None:
    # Plain ADD COLUMN (nullable, no default): no table rebuild on SQLite.
    for table, names in COLUMNS.items():
        for name in names:
            op.add_column(table, sa.Column(name, sa.Date(), nullable=True))
    op.add_column("outbox", sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))
    sqlite = op.get_bind().dialect.name == "sqlite"
    for kind, minutes in WINDOW_MINUTES.items():
        # SQLite keeps instants as naive UTC text ('YYYY-MM-DD HH:MM:SS[.ffffff]'), which datetime() also writes.
        later = f"datetime(due_at, '+{minutes} minutes')" if sqlite else f"due_at + interval '{minutes} minutes'"
        op.execute(sa.text(f"UPDATE outbox SET expires_at = {later} WHERE status = 'pending' AND kind = :kind")
                   .bindparams(kind=kind))


def downgrade() -> None:
    # Plain DROP COLUMN (SQLite 3.35+): a batch rebuild would lose the tables' AUTOINCREMENT (0005).
    op.drop_column("outbox", "expires_at")
    for table, names in COLUMNS.items():
        for name in names:
            op.drop_column(table, name)
