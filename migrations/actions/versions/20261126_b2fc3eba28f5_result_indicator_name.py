"""results: the indicator's own name (a result's description and what it measures differ)

Revision ID: b2fc3eba28f5
Revises: ca72ec2d1a91
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'b2fc3eba28f5'
down_revision: str | None = 'ca72ec2d1a91'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('results', sa.Column('indicator_name', sa.String(length=500), nullable=True), schema='actions')


def downgrade() -> None:
    op.drop_column('results', 'indicator_name', schema='actions')
