"""web pages: a cohort's public page slug, a membership's private page token, a member's name on pages

Revision ID: 0009_web_pages
Revises: 0008_off_days_repair_undo
Create Date: 2026-12-01

`cohorts.web_slug` (NULL: the page is off) and `memberships.web_token` (NULL: no page yet) are random and
unique; `members.web_name` is `privacy web:show` (off unless the member chooses it).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_web_pages"
down_revision: str | None = "0008_off_days_repair_undo"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("members", sa.Column("web_name", sa.Boolean(), server_default=sa.text("false"), nullable=False))
    op.add_column("cohorts", sa.Column("web_slug", sa.String(64), nullable=True))
    op.add_column("memberships", sa.Column("web_token", sa.String(64), nullable=True))
    op.create_index("uq_cohorts_web_slug", "cohorts", ["web_slug"], unique=True)
    op.create_index("uq_memberships_web_token", "memberships", ["web_token"], unique=True)


def downgrade() -> None:
    op.drop_index("uq_memberships_web_token", "memberships")
    op.drop_index("uq_cohorts_web_slug", "cohorts")
    # Plain drops (SQLite 3.35+): a batch rebuild would lose the tables' AUTOINCREMENT (0005).
    op.drop_column("memberships", "web_token")
    op.drop_column("cohorts", "web_slug")
    op.drop_column("members", "web_name")
