"""focus rooms: voice channels whose study time counts, their sessions, live status messages (issue 17)

Revision ID: 0013_focus_rooms
Revises: 0012_leagues
Create Date: 2026-12-02

`focus_rooms` (a cohort's voice channels; one cohort per channel), `focus_sessions` (a member's time in one, kept
while it runs; one running session per member, a partial unique index), `focus_status` (a cohort's live "who is
studying now" message), and an index on a member's sprints by start (the sprints a focus session overlaps). Surrogate ids are never reused (AUTOINCREMENT on SQLite), as 0005 made the rule.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013_focus_rooms"
down_revision: str | None = "0012_leagues"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
OPEN = sa.text("ended_at IS NULL")


def _fk(owner: str, column: str, table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{table}.id"], name=f"fk_{owner}_{column}_{table}", ondelete="CASCADE")


def upgrade() -> None:
    op.create_table(
        "focus_rooms",
        sa.Column("id", ID, nullable=False),
        sa.Column("cohort_id", ID, nullable=False),
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("workspace", sa.String(64), nullable=False),
        sa.Column("channel_id", sa.String(64), nullable=False),
        sa.Column("video_required", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        _fk("focus_rooms", "cohort_id", "cohorts"),
        sa.PrimaryKeyConstraint("id", name="pk_focus_rooms"),
        sa.UniqueConstraint("platform", "workspace", "channel_id", name="uq_focus_rooms_platform_workspace_channel_id"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_focus_rooms_cohort_id", "focus_rooms", ["cohort_id"])
    op.create_table(
        "focus_sessions",
        sa.Column("id", ID, nullable=False),
        sa.Column("member_id", ID, nullable=False),
        sa.Column("membership_id", ID, nullable=False),
        sa.Column("room_id", ID, nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("asked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("end_reason", sa.String(16), nullable=True),
        sa.Column("minutes", sa.Integer(), nullable=True),
        _fk("focus_sessions", "member_id", "members"), _fk("focus_sessions", "membership_id", "memberships"),
        _fk("focus_sessions", "room_id", "focus_rooms"),
        sa.PrimaryKeyConstraint("id", name="pk_focus_sessions"),
        sqlite_autoincrement=True,
    )
    op.create_index("uq_focus_sessions_one_open_per_member", "focus_sessions", ["member_id"], unique=True,
                    sqlite_where=OPEN, postgresql_where=OPEN)
    op.create_index("ix_focus_sessions_open_room", "focus_sessions", ["room_id"], sqlite_where=OPEN,
                    postgresql_where=OPEN)
    op.create_index("ix_focus_sessions_open_due", "focus_sessions", ["due_at"], sqlite_where=OPEN,
                    postgresql_where=OPEN)
    op.create_index("ix_focus_sessions_membership_id", "focus_sessions", ["membership_id"])
    op.create_index("ix_sprints_member_started", "sprints", ["member_id", "started_at"])
    op.create_table(
        "focus_status",
        sa.Column("cohort_id", ID, nullable=False),
        sa.Column("message_id", sa.String(64), nullable=True),
        sa.Column("shown", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        _fk("focus_status", "cohort_id", "cohorts"),
        sa.PrimaryKeyConstraint("cohort_id", name="pk_focus_status"),
    )


def downgrade() -> None:
    op.drop_table("focus_status")
    op.drop_index("ix_sprints_member_started", table_name="sprints")
    op.drop_index("ix_focus_sessions_membership_id", table_name="focus_sessions")
    op.drop_index("ix_focus_sessions_open_due", table_name="focus_sessions")
    op.drop_index("ix_focus_sessions_open_room", table_name="focus_sessions")
    op.drop_index("uq_focus_sessions_one_open_per_member", table_name="focus_sessions")
    op.drop_table("focus_sessions")
    op.drop_index("ix_focus_rooms_cohort_id", table_name="focus_rooms")
    op.drop_table("focus_rooms")
