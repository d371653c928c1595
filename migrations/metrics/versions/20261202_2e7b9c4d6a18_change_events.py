"""change_events: the change feed (entity type, ids, operation, sequence number in commit order; no values)

Revision ID: 2e7b9c4d6a18
Revises: 5c1d9e07b2a4
Create Date: 2026-12-02
"""

from collections.abc import Sequence

from alembic import op

from common.changes import create_change_events

revision: str = "2e7b9c4d6a18"
down_revision: str | None = "5c1d9e07b2a4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_change_events(op, "metrics")


def downgrade() -> None:
    op.drop_table("change_events", schema="metrics")
