"""initial schema

Revision ID: 0001_initial
Revises:
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0001_initial'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of storage.models' types: a migration must not change when the models do.
ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
INSTANT = sa.DateTime(timezone=True)  # UTCDateTime in the models
ACTIVE_ONLY = sa.text("status = 'active'")


def upgrade() -> None:
    op.create_table('members',
    sa.Column('id', ID, nullable=False),
    sa.Column('platform', sa.String(length=32), nullable=False),
    sa.Column('workspace', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.String(length=64), nullable=False),
    sa.Column('display_name', sa.String(length=200), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=True),
    sa.Column('allow_mentions', sa.Boolean(), nullable=False),
    sa.Column('hidden', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_members')),
    sa.UniqueConstraint('platform', 'workspace', 'user_id', name=op.f('uq_members_platform_workspace_user_id'))
    )
    op.create_table('cohorts',
    sa.Column('id', ID, nullable=False),
    sa.Column('platform', sa.String(length=32), nullable=False),
    sa.Column('workspace', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('name_key', sa.String(length=100), nullable=False),
    sa.Column('channel_id', sa.String(length=64), nullable=False),
    sa.Column('created_by', ID, nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('sprint_minutes', sa.Integer(), nullable=False),
    sa.Column('daily_goal', sa.Integer(), nullable=False),
    sa.Column('rollover_hour', sa.Integer(), nullable=False),
    sa.Column('digest_time', sa.Time(), nullable=False),
    sa.Column('recap_weekday', sa.Integer(), nullable=False),
    sa.Column('recap_time', sa.Time(), nullable=False),
    sa.Column('created_at', INSTANT, nullable=True),
    sa.Column('next_digest_at', INSTANT, nullable=True),
    sa.Column('next_recap_at', INSTANT, nullable=True),
    sa.ForeignKeyConstraint(['created_by'], ['members.id'], name=op.f('fk_cohorts_created_by_members')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cohorts')),
    sa.UniqueConstraint('platform', 'workspace', 'name_key', name=op.f('uq_cohorts_platform_workspace_name_key'))
    )
    op.create_index('ix_cohorts_channel', 'cohorts', ['platform', 'workspace', 'channel_id'], unique=False)
    op.create_index(op.f('ix_cohorts_next_digest_at'), 'cohorts', ['next_digest_at'], unique=False)
    op.create_index(op.f('ix_cohorts_next_recap_at'), 'cohorts', ['next_recap_at'], unique=False)
    op.create_table('pauses',
    sa.Column('id', ID, nullable=False),
    sa.Column('member_id', ID, nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_pauses_member_id_members'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pauses'))
    )
    op.create_index(op.f('ix_pauses_member_id'), 'pauses', ['member_id'], unique=False)
    op.create_table('memberships',
    sa.Column('id', ID, nullable=False),
    sa.Column('cohort_id', ID, nullable=False),
    sa.Column('member_id', ID, nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('reminder_time', sa.Time(), nullable=True),
    sa.Column('joined_at', INSTANT, nullable=True),
    sa.Column('streak_streak', sa.Integer(), nullable=True),
    sa.Column('streak_freezes', sa.Integer(), nullable=True),
    sa.Column('streak_longest', sa.Integer(), nullable=True),
    sa.Column('streak_through', sa.Date(), nullable=True),
    sa.Column('next_reminder_at', INSTANT, nullable=True),
    sa.ForeignKeyConstraint(['cohort_id'], ['cohorts.id'], name=op.f('fk_memberships_cohort_id_cohorts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_memberships_member_id_members'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_memberships')),
    sa.UniqueConstraint('cohort_id', 'member_id', name=op.f('uq_memberships_cohort_id_member_id'))
    )
    op.create_index(op.f('ix_memberships_member_id'), 'memberships', ['member_id'], unique=False)
    op.create_index(op.f('ix_memberships_next_reminder_at'), 'memberships', ['next_reminder_at'], unique=False)
    op.create_table('checkins',
    sa.Column('id', ID, nullable=False),
    sa.Column('membership_id', ID, nullable=False),
    sa.Column('member_id', ID, nullable=False),
    sa.Column('cohort_id', ID, nullable=False),
    sa.Column('local_date', sa.Date(), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('link', sa.Text(), nullable=True),
    sa.Column('created_at', INSTANT, nullable=False),
    sa.Column('idempotency_key', sa.String(length=200), nullable=False),
    sa.Column('source', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['cohort_id'], ['cohorts.id'], name=op.f('fk_checkins_cohort_id_cohorts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_checkins_member_id_members'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['membership_id'], ['memberships.id'], name=op.f('fk_checkins_membership_id_memberships'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_checkins')),
    sa.UniqueConstraint('member_id', 'idempotency_key', name=op.f('uq_checkins_member_id_idempotency_key'))
    )
    op.create_index('ix_checkins_cohort_day', 'checkins', ['cohort_id', 'local_date'], unique=False)
    op.create_index('ix_checkins_membership_day', 'checkins', ['membership_id', 'local_date'], unique=False)
    op.create_table('sprints',
    sa.Column('id', ID, nullable=False),
    sa.Column('member_id', ID, nullable=False),
    sa.Column('membership_id', ID, nullable=False),
    sa.Column('started_at', INSTANT, nullable=False),
    sa.Column('ends_at', INSTANT, nullable=False),
    sa.Column('goal', sa.Text(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_sprints_member_id_members'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['membership_id'], ['memberships.id'], name=op.f('fk_sprints_membership_id_memberships'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sprints'))
    )
    op.create_index('ix_sprints_status_ends_at', 'sprints', ['status', 'ends_at'], unique=False)
    op.create_index('uq_sprints_one_active_per_member', 'sprints', ['member_id'], unique=True, sqlite_where=ACTIVE_ONLY, postgresql_where=ACTIVE_ONLY)

    op.create_table('outbox',
    sa.Column('id', ID, nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('platform', sa.String(length=32), nullable=False),
    sa.Column('workspace', sa.String(length=64), nullable=False),
    sa.Column('destination_kind', sa.String(length=16), nullable=False),
    sa.Column('target', sa.String(length=64), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('due_at', INSTANT, nullable=False),
    sa.Column('created_at', INSTANT, nullable=False),
    sa.Column('title', sa.Text(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', INSTANT, nullable=True),
    sa.Column('claimed_until', INSTANT, nullable=True),
    sa.Column('claimed_by', sa.String(length=100), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('sent_at', INSTANT, nullable=True),
    sa.Column('platform_message_id', sa.String(length=100), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox')),
    sa.UniqueConstraint('key', name=op.f('uq_outbox_key'))
    )
    op.create_index('ix_outbox_status_next_attempt_at', 'outbox', ['status', 'next_attempt_at'], unique=False)

def downgrade() -> None:
    # Dropping a table drops its indexes; children go before their parents.
    for table in ("outbox", "sprints", "checkins", "memberships", "pauses", "cohorts", "members"):
        op.drop_table(table)
