"""observations: an index by region, so a region's figures are listed without a scan of the table

`GET /v1/observations?region=` (and the gateway's reads of one region) walked the primary key,
which leads with the measure: every figure of the table. This index leads with the region and
then follows the list's order.

Revision ID: 8f3a61c0d2e5
Revises: 2e7b9c4d6a18
Create Date: 2026-12-02 01:20:00+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = '8f3a61c0d2e5'
down_revision: str | None = '2e7b9c4d6a18'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index('ix_observations_region', 'observations',
                    ['region', 'measure', 'occupation', 'period', 'source', 'revision'], schema='metrics')


def downgrade() -> None:
    op.drop_index('ix_observations_region', table_name='observations', schema='metrics')
