"""team goal: a cohort's shared minutes a week (issue 16 item 2)

Revision ID: 0011_team_goal
Revises: 0010_cohort_days
Create Date: 2026-12-01

`cohorts.team_goal` (NULL: off) is the minutes the whole cohort aims for each Monday-Sunday week. The
celebration when a week reaches it is an outbox message with a unique key, so it needs no table here.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_team_goal"
down_revision: str | None = "0010_cohort_days"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("cohorts", sa.Column("team_goal", sa.Integer(), nullable=True))


def downgrade() -> None:
    # Plain drop (SQLite 3.35+): a batch rebuild would lose the table's AUTOINCREMENT (0005).
    op.drop_column("cohorts", "team_goal")
