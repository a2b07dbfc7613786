"""off days, streak repair and undo (DESIGN.md "Off days, repair and undo")

Revision ID: 0008_off_days_repair_undo
Revises: 0007_rate_budgets
Create Date: 2026-12-01

Cohorts gain their study days and holidays, members their rest days (JSON text; NULL: the default, every day a
study day and no rest day). Saved walks and board streaks gain the repair rule's state; since that rule reads
the whole history again (a doubled day after a break now mends it), every saved walk and board streak is
forgotten and worked out afresh when next needed. `undone_checkins` keeps the keys of check-ins taken back with
`undo` (keyed by member and key, no surrogate id).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_off_days_repair_undo"
down_revision: str | None = "0007_rate_budgets"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MEMBERSHIP_COLUMNS = (("streak_offer", sa.Integer()), ("streak_offer_day", sa.Date()),
                      ("streak_last_repair", sa.Date()), ("board_last_repair", sa.Date()),
                      ("board_mendable", sa.Integer()))


def upgrade() -> None:
    op.add_column("members", sa.Column("rest_days", sa.Text(), nullable=True))
    op.add_column("cohorts", sa.Column("study_days", sa.Text(), nullable=True))
    op.add_column("cohorts", sa.Column("holidays", sa.Text(), nullable=True))
    for name, kind in MEMBERSHIP_COLUMNS:
        op.add_column("memberships", sa.Column(name, kind, nullable=True))
    op.execute("UPDATE memberships SET streak_streak = NULL, streak_freezes = NULL, streak_longest = NULL, "
               "streak_through = NULL, board_day = NULL, board_streak = NULL, board_freezes = NULL, "
               "board_longest = NULL, board_alive_until = NULL, board_version = board_version + 1")
    op.create_table(
        "undone_checkins",
        sa.Column("member_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("idempotency_key", sa.String(200), nullable=False),
        sa.Column("undone_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name="fk_undone_checkins_member_id_members",
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("member_id", "idempotency_key", name="pk_undone_checkins"),
    )


def downgrade() -> None:
    op.drop_table("undone_checkins")
    # Plain drops (SQLite 3.35+): a batch rebuild would lose the tables' AUTOINCREMENT (0005).
    for name, _ in reversed(MEMBERSHIP_COLUMNS):
        op.drop_column("memberships", name)
    op.drop_column("cohorts", "holidays")
    op.drop_column("cohorts", "study_days")
    op.drop_column("members", "rest_days")
