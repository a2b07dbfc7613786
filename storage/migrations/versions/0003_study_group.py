"""roadmaps, buddies, group sprints, weekly goals and check-in topics

Revision ID: 0003_study_group
Revises: 0002_lastcall_digest
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_study_group"
down_revision: str | None = "0002_lastcall_digest"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of storage.models' types: a migration must not change when the models do.
ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
INSTANT = sa.DateTime(timezone=True)  # UTCDateTime in the models


def upgrade() -> None:
    op.create_table('roadmaps',
    sa.Column('id', ID, nullable=False),
    sa.Column('platform', sa.String(length=32), nullable=False),
    sa.Column('workspace', sa.String(length=64), nullable=False),
    sa.Column('key', sa.String(length=40), nullable=False),
    sa.Column('definition', sa.JSON(), nullable=False),
    sa.Column('created_at', INSTANT, nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_roadmaps')),
    sa.UniqueConstraint('platform', 'workspace', 'key', name=op.f('uq_roadmaps_platform_workspace_key'))
    )
    op.create_table('buddies',
    sa.Column('id', ID, nullable=False),
    sa.Column('cohort_id', ID, nullable=False),
    sa.Column('requester_id', ID, nullable=False),
    sa.Column('partner_id', ID, nullable=False),
    sa.Column('created_at', INSTANT, nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.ForeignKeyConstraint(['cohort_id'], ['cohorts.id'], name=op.f('fk_buddies_cohort_id_cohorts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['partner_id'], ['members.id'], name=op.f('fk_buddies_partner_id_members'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['requester_id'], ['members.id'], name=op.f('fk_buddies_requester_id_members'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_buddies'))
    )
    with op.batch_alter_table('buddies', schema=None) as batch_op:
        batch_op.create_index('ix_buddies_cohort_members', ['cohort_id', 'requester_id', 'partner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_buddies_partner_id'), ['partner_id'], unique=False)

    op.create_table('group_sprints',
    sa.Column('id', ID, nullable=False),
    sa.Column('cohort_id', ID, nullable=False),
    sa.Column('channel_id', sa.String(length=64), nullable=False),
    sa.Column('started_by', ID, nullable=True),
    sa.Column('started_at', INSTANT, nullable=False),
    sa.Column('ends_at', INSTANT, nullable=False),
    sa.Column('goal', sa.Text(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.ForeignKeyConstraint(['cohort_id'], ['cohorts.id'], name=op.f('fk_group_sprints_cohort_id_cohorts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['started_by'], ['members.id'], name=op.f('fk_group_sprints_started_by_members'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_group_sprints'))
    )
    with op.batch_alter_table('group_sprints', schema=None) as batch_op:
        batch_op.create_index('ix_group_sprints_status_ends_at', ['status', 'ends_at'], unique=False)

    op.create_table('roadmap_progress',
    sa.Column('id', ID, nullable=False),
    sa.Column('membership_id', ID, nullable=False),
    sa.Column('step', sa.Integer(), nullable=False),
    sa.Column('done_at', INSTANT, nullable=False),
    sa.ForeignKeyConstraint(['membership_id'], ['memberships.id'], name=op.f('fk_roadmap_progress_membership_id_memberships'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_roadmap_progress')),
    sa.UniqueConstraint('membership_id', 'step', name=op.f('uq_roadmap_progress_membership_id_step'))
    )
    with op.batch_alter_table('checkins', schema=None) as batch_op:
        batch_op.add_column(sa.Column('topic', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('step', sa.Integer(), nullable=True))

    with op.batch_alter_table('cohorts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('roadmap_id', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('roadmap_start', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('weekly_goal', sa.Integer(), nullable=True))

    with op.batch_alter_table('memberships', schema=None) as batch_op:
        batch_op.add_column(sa.Column('next_dayend_at', INSTANT, nullable=True))
        batch_op.create_index(batch_op.f('ix_memberships_next_dayend_at'), ['next_dayend_at'], unique=False)

    with op.batch_alter_table('sprints', schema=None) as batch_op:
        batch_op.add_column(sa.Column('group_id', ID, nullable=True))
        batch_op.create_index(batch_op.f('ix_sprints_group_id'), ['group_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_sprints_group_id_group_sprints'), 'group_sprints', ['group_id'], ['id'], ondelete='SET NULL')



def downgrade() -> None:
    with op.batch_alter_table('sprints', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_sprints_group_id_group_sprints'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_sprints_group_id'))
        batch_op.drop_column('group_id')

    with op.batch_alter_table('memberships', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_memberships_next_dayend_at'))
        batch_op.drop_column('next_dayend_at')

    with op.batch_alter_table('cohorts', schema=None) as batch_op:
        batch_op.drop_column('weekly_goal')
        batch_op.drop_column('roadmap_start')
        batch_op.drop_column('roadmap_id')

    with op.batch_alter_table('checkins', schema=None) as batch_op:
        batch_op.drop_column('step')
        batch_op.drop_column('topic')

    op.drop_table('roadmap_progress')
    with op.batch_alter_table('group_sprints', schema=None) as batch_op:
        batch_op.drop_index('ix_group_sprints_status_ends_at')

    op.drop_table('group_sprints')
    with op.batch_alter_table('buddies', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_buddies_partner_id'))
        batch_op.drop_index('ix_buddies_cohort_members')

    op.drop_table('buddies')
    op.drop_table('roadmaps')
