"""leagues: weekly divisions within seven tiers for big cohorts (issue 16 item 1)

Revision ID: 0012_leagues
Revises: 0011_team_goal
Create Date: 2026-12-01

`cohorts.leagues` (off by default), `cohorts.next_league_at`/`next_league_day` (the next Monday rollover, indexed:
the tick's due column); `league_entries` (a membership's tier and division in one week, and its result),
`league_standings` (each membership's current tier) and `league_optouts` (`privacy leagues:off`). No surrogate ids.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012_leagues"
down_revision: str | None = "0011_team_goal"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _fk(owner: str, column: str, table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{table}.id"], name=f"fk_{owner}_{column}_{table}", ondelete="CASCADE")


def upgrade() -> None:
    op.add_column("cohorts", sa.Column("leagues", sa.Boolean(), server_default=sa.text("false"), nullable=False))
    op.add_column("cohorts", sa.Column("next_league_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("cohorts", sa.Column("next_league_day", sa.Date(), nullable=True))
    op.create_index("ix_cohorts_next_league_at", "cohorts", ["next_league_at"])
    op.create_table(
        "league_entries",
        sa.Column("cohort_id", ID, nullable=False),
        sa.Column("week", sa.Date(), nullable=False),
        sa.Column("membership_id", ID, nullable=False),
        sa.Column("tier", sa.Integer(), nullable=False),
        sa.Column("division", sa.Integer(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=True),
        sa.Column("rank", sa.Integer(), nullable=True),
        sa.Column("zone", sa.String(8), nullable=True),
        sa.Column("new_tier", sa.Integer(), nullable=True),
        _fk("league_entries", "cohort_id", "cohorts"), _fk("league_entries", "membership_id", "memberships"),
        sa.PrimaryKeyConstraint("cohort_id", "week", "membership_id", name="pk_league_entries"),
    )
    op.create_index("ix_league_entries_division", "league_entries", ["cohort_id", "week", "tier", "division"])
    op.create_index("ix_league_entries_membership", "league_entries", ["membership_id"])
    op.create_table(
        "league_standings",
        sa.Column("membership_id", ID, nullable=False),
        sa.Column("cohort_id", ID, nullable=False),
        sa.Column("tier", sa.Integer(), nullable=False),
        _fk("league_standings", "membership_id", "memberships"), _fk("league_standings", "cohort_id", "cohorts"),
        sa.PrimaryKeyConstraint("membership_id", name="pk_league_standings"),
    )
    op.create_index("ix_league_standings_cohort", "league_standings", ["cohort_id"])
    op.create_table(
        "league_optouts",
        sa.Column("member_id", ID, nullable=False),
        _fk("league_optouts", "member_id", "members"),
        sa.PrimaryKeyConstraint("member_id", name="pk_league_optouts"),
    )


def downgrade() -> None:
    # Plain drops (SQLite 3.35+): a batch rebuild would lose the cohorts table's AUTOINCREMENT (0005).
    op.drop_table("league_optouts")
    op.drop_table("league_standings")
    op.drop_index("ix_league_entries_membership", table_name="league_entries")
    op.drop_index("ix_league_entries_division", table_name="league_entries")
    op.drop_table("league_entries")
    op.drop_index("ix_cohorts_next_league_at", table_name="cohorts")
    op.drop_column("cohorts", "next_league_day")
    op.drop_column("cohorts", "next_league_at")
    op.drop_column("cohorts", "leagues")
