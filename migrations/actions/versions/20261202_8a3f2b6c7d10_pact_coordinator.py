"""pacts: the coordinating organisation (a partners_api id), whom "Meedoen?" asks to contact

Revision ID: 8a3f2b6c7d10
Revises: 5d7e1c9a04b3
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "8a3f2b6c7d10"
down_revision: str | None = "5d7e1c9a04b3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("pacts", sa.Column("coordinator_id", sa.Uuid(), nullable=True), schema="actions")


def downgrade() -> None:
    op.drop_column("pacts", "coordinator_id", schema="actions")
