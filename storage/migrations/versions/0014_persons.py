"""one person across platforms: linked accounts, cohorts with several homes, one-time codes (issue 21)

Revision ID: 0014_persons
Revises: 0013_focus_rooms
Create Date: 2026-12-02

A person is the account holding their data: `members.person_id` points the other accounts of a linked person at
it (NULL: a person of one account, which every existing member becomes, with nothing to copy); `linked` marks
holders of more than one account; `remind_via` and `dm_*` say where their DMs go. `checkins.account_id` keeps which
linked account recorded a check-in (for `unlink`). `cohort_homes` (a cohort's channels on other platforms or
workspaces), `link_codes` (one-time codes as SHA-256 hashes) and `code_failures` (wrong codes, five an hour).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014_persons"
down_revision: str | None = "0013_focus_rooms"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
INSTANT = sa.DateTime(timezone=True)


def _fk(owner: str, column: str, table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{table}.id"], name=f"fk_{owner}_{column}_{table}", ondelete="CASCADE")


def upgrade() -> None:
    with op.batch_alter_table("members", recreate="never") as table:  # ADD COLUMN keeps AUTOINCREMENT
        table.add_column(sa.Column("person_id", ID, nullable=True))
        table.add_column(sa.Column("linked", sa.Boolean(), server_default=sa.text("false"), nullable=False))
        table.add_column(sa.Column("remind_via", sa.String(32), nullable=True))
        table.add_column(sa.Column("dm_platform", sa.String(32), nullable=True))
        table.add_column(sa.Column("dm_workspace", sa.String(64), nullable=True))
        table.add_column(sa.Column("dm_user_id", sa.String(64), nullable=True))
    op.create_index("ix_members_person_id", "members", ["person_id"])
    with op.batch_alter_table("checkins", recreate="never") as table:
        table.add_column(sa.Column("account_id", ID, nullable=True))
    op.create_table(
        "cohort_homes",
        sa.Column("id", ID, nullable=False),
        sa.Column("cohort_id", ID, nullable=False),
        sa.Column("platform", sa.String(32), nullable=False),
        sa.Column("workspace", sa.String(64), nullable=False),
        sa.Column("channel_id", sa.String(64), nullable=False),
        sa.Column("created_at", INSTANT, nullable=False),
        _fk("cohort_homes", "cohort_id", "cohorts"),
        sa.PrimaryKeyConstraint("id", name="pk_cohort_homes"),
        sa.UniqueConstraint("platform", "workspace", "channel_id", name="uq_cohort_homes_platform_workspace_channel_id"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_cohort_homes_cohort_id", "cohort_homes", ["cohort_id"])
    op.create_table(
        "link_codes",
        sa.Column("code_hash", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("member_id", ID, nullable=False),
        sa.Column("cohort_id", ID, nullable=True),
        sa.Column("created_at", INSTANT, nullable=False),
        sa.Column("expires_at", INSTANT, nullable=False),
        _fk("link_codes", "member_id", "members"), _fk("link_codes", "cohort_id", "cohorts"),
        sa.PrimaryKeyConstraint("code_hash", name="pk_link_codes"),
    )
    op.create_index("ix_link_codes_member_id", "link_codes", ["member_id"])
    op.create_table(
        "code_failures",
        sa.Column("id", ID, nullable=False),
        sa.Column("member_id", ID, nullable=False),
        sa.Column("at", INSTANT, nullable=False),
        _fk("code_failures", "member_id", "members"),
        sa.PrimaryKeyConstraint("id", name="pk_code_failures"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_code_failures_member_at", "code_failures", ["member_id", "at"])


def downgrade() -> None:
    op.drop_index("ix_code_failures_member_at", table_name="code_failures")
    op.drop_table("code_failures")
    op.drop_index("ix_link_codes_member_id", table_name="link_codes")
    op.drop_table("link_codes")
    op.drop_index("ix_cohort_homes_cohort_id", table_name="cohort_homes")
    op.drop_table("cohort_homes")
    with op.batch_alter_table("checkins", recreate="never") as table:  # DROP COLUMN keeps the ids' sequence
        table.drop_column("account_id")
    op.drop_index("ix_members_person_id", table_name="members")
    with op.batch_alter_table("members", recreate="never") as table:
        for column in ("dm_user_id", "dm_workspace", "dm_platform", "remind_via", "linked", "person_id"):
            table.drop_column(column)
