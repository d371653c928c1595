"""change_events: the change feed (entity type, ids, operation, sequence number in commit order; no values)

Revision ID: 3c5e9f1a2b77
Revises: 8a3f2b6c7d10
Create Date: 2026-12-02
"""

from collections.abc import Sequence

from alembic import op

from common.changes import create_change_events

revision: str = "3c5e9f1a2b77"
down_revision: str | None = "8a3f2b6c7d10"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_change_events(op, "actions")


def downgrade() -> None:
    op.drop_table("change_events", schema="actions")
