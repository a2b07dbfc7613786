"""send budgets shared by every process of a bot (one Discord rate limit across processes)

Revision ID: 0007_rate_budgets
Revises: 0006_slot_days
Create Date: 2026-12-01

One row per platform and bot: the instant of the budget's next free sending slot (bot.delivery.RateLimiter,
storage.rate_budgets). Keyed by name, no surrogate id, so nothing to keep from being reused.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_rate_budgets"
down_revision: str | None = "0006_slot_days"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rate_budgets",
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("next_free_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_rate_budgets"),
    )


def downgrade() -> None:
    op.drop_table("rate_budgets")
