"""change_events: the change feed (entity type, ids, operation, sequence number in commit order; no values)

Revision ID: 7d2a4e6f8b13
Revises: 9e4b6c2d1f7a
Create Date: 2026-12-03
"""

from collections.abc import Sequence

from alembic import op

from common.changes import create_change_events

revision: str = "7d2a4e6f8b13"
down_revision: str | None = "9e4b6c2d1f7a"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_change_events(op, "partners")


def downgrade() -> None:
    op.drop_table("change_events", schema="partners")
