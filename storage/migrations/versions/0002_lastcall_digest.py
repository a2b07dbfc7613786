"""last-call reminders and digest etiquette

Revision ID: 0002_lastcall_digest
Revises: 0001_initial
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_lastcall_digest"
down_revision: str | None = "0001_initial"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INSTANT = sa.DateTime(timezone=True)  # UTCDateTime in the models


def upgrade() -> None:
    with op.batch_alter_table("memberships") as table:
        table.add_column(sa.Column("lastcall_minutes", sa.Integer(), nullable=True))
        table.add_column(sa.Column("next_lastcall_at", INSTANT, nullable=True))
        table.create_index(op.f("ix_memberships_next_lastcall_at"), ["next_lastcall_at"], unique=False)
    with op.batch_alter_table("cohorts") as table:
        table.add_column(sa.Column("digest_mentions", sa.Boolean(), server_default=sa.text("true"), nullable=False))
        table.add_column(sa.Column("digest_thread", sa.Boolean(), server_default=sa.text("false"), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("cohorts") as table:
        table.drop_column("digest_thread")
        table.drop_column("digest_mentions")
    with op.batch_alter_table("memberships") as table:
        table.drop_index(op.f("ix_memberships_next_lastcall_at"))
        table.drop_column("next_lastcall_at")
        table.drop_column("lastcall_minutes")
