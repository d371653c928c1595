"""change_events: the change feed (entity type, ids, operation, sequence number in commit order; no values)

Revision ID: 7d2a4e6f8b13
Revises: 9e4b6c2d1f7a
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "7d2a4e6f8b13"
down_revision: str | None = "9e4b6c2d1f7a"
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
        schema="partners",
    )
    op.create_index("ix_change_events_committed_at", "change_events", ["committed_at"], schema="partners")


def downgrade() -> None:
    op.drop_table("change_events", schema="partners")
