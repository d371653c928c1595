"""change_events: the change feed (entity type, ids, operation, sequence number in commit order; no values)

Revision ID: 2e7b9c4d6a18
Revises: 5c1d9e07b2a4
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "2e7b9c4d6a18"
down_revision: str | None = "5c1d9e07b2a4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "change_events",
        sa.Column("seq", sa.BigInteger(), sa.Identity(always=True), primary_key=True),
        sa.Column("entity", sa.String(100), nullable=False),
        sa.Column("operation", sa.String(10), nullable=False),
        sa.Column("ids", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("committed_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("operation IN ('created', 'updated', 'deleted')", name="ck_change_events_operation"),
        schema="metrics",
    )
    op.create_index("ix_change_events_committed_at", "change_events", ["committed_at"], schema="metrics")


def downgrade() -> None:
    op.drop_table("change_events", schema="metrics")
