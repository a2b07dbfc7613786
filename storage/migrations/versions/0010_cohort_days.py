"""cohort_days: a cohort's members done per local date, kept on write (the web page's heatmap)

Revision ID: 0010_cohort_days
Revises: 0009_web_pages
Create Date: 2026-12-01

Counted once here from the check-ins (set-based), then kept by the check-in write path (storage/done_days.py).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_cohort_days"
down_revision: str | None = "0009_web_pages"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BACKFILL = (
    "INSERT INTO cohort_days (cohort_id, local_date, done) "
    "SELECT cohort_id, local_date, COUNT(*) FROM ("
    " SELECT k.cohort_id, k.local_date FROM checkins k JOIN cohorts c ON c.id = k.cohort_id"
    " GROUP BY k.cohort_id, k.membership_id, k.local_date, c.sprint_minutes, c.daily_goal"
    " HAVING SUM(k.minutes) >= c.sprint_minutes * c.daily_goal) AS done_days "
    "GROUP BY cohort_id, local_date")


def upgrade() -> None:
    op.create_table(
        "cohort_days",
        sa.Column("cohort_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["cohort_id"], ["cohorts.id"], name="fk_cohort_days_cohort_id_cohorts",
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("cohort_id", "local_date", name="pk_cohort_days"),
        sqlite_with_rowid=False,
    )
    op.execute(BACKFILL)


def downgrade() -> None:
    op.drop_table("cohort_days")
