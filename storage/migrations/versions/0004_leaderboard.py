"""leaderboard figures kept on write: all-time minutes and the board streak per membership, minutes per
membership per week and per month

Revision ID: 0004_leaderboard
Revises: 0003_study_group
Create Date: 2026-11-23

The upgrade backfills the minutes from the check-ins already stored (set-based SQL). Board streaks start
unknown (NULL), which is what they are after any change the write path cannot follow: the leaderboard works
each one out from its history the first time it is asked, and stores it (bot/ranking.py).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_leaderboard"
down_revision: str | None = "0003_study_group"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of storage.models' types: a migration must not change when the models do.
ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

# Monday of a check-in's week and the 1st of its month, per dialect (frozen here on purpose).
PERIOD_START = {
    "sqlite": {"week": "date(local_date, 'weekday 0', '-6 days')", "month": "date(local_date, 'start of month')"},
    "postgresql": {"week": "CAST(date_trunc('week', local_date) AS DATE)",
                   "month": "CAST(date_trunc('month', local_date) AS DATE)"},
}


def upgrade() -> None:
    # Plain ALTER TABLE, not a batch: on SQLite a batch would rebuild `memberships`, and dropping the old table
    # with foreign keys on deletes every check-in (ON DELETE CASCADE). SQLite adds these columns in place.
    op.add_column("memberships", sa.Column("minutes_total", sa.Integer(), server_default=sa.text("0"),
                                           nullable=False))
    op.add_column("memberships", sa.Column("board_version", sa.Integer(), server_default=sa.text("0"),
                                           nullable=False))
    op.add_column("memberships", sa.Column("board_day", sa.Date(), nullable=True))
    op.add_column("memberships", sa.Column("board_streak", sa.Integer(), nullable=True))
    op.add_column("memberships", sa.Column("board_freezes", sa.Integer(), nullable=True))
    op.add_column("memberships", sa.Column("board_longest", sa.Integer(), nullable=True))
    op.add_column("memberships", sa.Column("board_alive_until", sa.Date(), nullable=True))
    op.create_index("ix_memberships_board_all", "memberships", ["cohort_id", "minutes_total", "active", "member_id"],
                    unique=False)
    op.create_index("ix_memberships_board_streak", "memberships",
                    ["cohort_id", "board_alive_until", "board_day", "board_streak", "board_longest", "active",
                     "member_id"], unique=False)
    op.create_index("ix_memberships_board_unknown", "memberships", ["cohort_id"], unique=False,
                    sqlite_where=sa.text("board_streak IS NULL"), postgresql_where=sa.text("board_streak IS NULL"))
    op.create_index("ix_members_hidden", "members", ["id"], unique=False, sqlite_where=sa.text("hidden = 1"),
                    postgresql_where=sa.text("hidden = true"))
    op.create_index("ix_members_zoned", "members", ["timezone"], unique=False,
                    sqlite_where=sa.text("timezone IS NOT NULL"), postgresql_where=sa.text("timezone IS NOT NULL"))

    op.create_table("leaderboard_totals",
    sa.Column("membership_id", ID, nullable=False),
    sa.Column("period", sa.String(length=8), nullable=False),
    sa.Column("starts_on", sa.Date(), nullable=False),
    sa.Column("cohort_id", ID, nullable=False),
    sa.Column("minutes", sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(["cohort_id"], ["cohorts.id"], name=op.f("fk_leaderboard_totals_cohort_id_cohorts"),
                            ondelete="CASCADE"),
    sa.ForeignKeyConstraint(["membership_id"], ["memberships.id"],
                            name=op.f("fk_leaderboard_totals_membership_id_memberships"), ondelete="CASCADE"),
    sa.PrimaryKeyConstraint("membership_id", "period", "starts_on", name=op.f("pk_leaderboard_totals")),
    sqlite_with_rowid=False,
    )
    op.create_index("ix_leaderboard_totals_board", "leaderboard_totals",
                    ["cohort_id", "period", "starts_on", "minutes"], unique=False)

    bind = op.get_bind()
    op.execute("UPDATE memberships SET minutes_total = COALESCE("
               "(SELECT SUM(minutes) FROM checkins WHERE checkins.membership_id = memberships.id), 0)")
    for period, start in PERIOD_START[bind.dialect.name].items():
        op.execute(f"INSERT INTO leaderboard_totals (membership_id, period, starts_on, cohort_id, minutes) "
                   f"SELECT membership_id, '{period}', {start}, MIN(cohort_id), SUM(minutes) FROM checkins "
                   f"GROUP BY membership_id, {start}")


def downgrade() -> None:
    op.drop_index("ix_leaderboard_totals_board", table_name="leaderboard_totals")
    op.drop_table("leaderboard_totals")
    op.drop_index("ix_members_zoned", table_name="members")
    op.drop_index("ix_members_hidden", table_name="members")
    op.drop_index("ix_memberships_board_unknown", table_name="memberships")
    op.drop_index("ix_memberships_board_streak", table_name="memberships")
    op.drop_index("ix_memberships_board_all", table_name="memberships")
    # Plain ALTER TABLE ... DROP COLUMN (SQLite >= 3.35), for the reason given in upgrade().
    for column in ("board_alive_until", "board_longest", "board_freezes", "board_streak", "board_day",
                   "board_version", "minutes_total"):
        op.drop_column("memberships", column)
