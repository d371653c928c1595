"""observations: the source is part of a figure's key; measures: primary_source and first_source

Until now a figure's key was (measure, region, occupation, period) whatever source posted it, so a
second provider's post revised (or withdrew) the first one's figure. From here each source has its
own figures: the key is (measure, region, occupation, period, source) and revisions are numbered
per source. Existing rows keep the source that posted them; their revision numbers stay (unique
per key, so unique per key and source too, with gaps where another source revised in between).

A measure's `first_source` is the source of its earliest figure; `primary_source` (the one a
metrics:admin chose) starts empty.

Revision ID: 5c1d9e07b2a4
Revises: 962a26fe1b0e
Create Date: 2026-12-02 00:45:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '5c1d9e07b2a4'
down_revision: str | None = '962a26fe1b0e'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KEY = ['measure', 'region', 'occupation', 'period']


def upgrade() -> None:
    op.add_column('measures', sa.Column('primary_source', sa.String(length=100), nullable=True), schema='metrics')
    op.add_column('measures', sa.Column('first_source', sa.String(length=100), nullable=True), schema='metrics')
    op.execute("""
        UPDATE metrics.measures m SET first_source = (
            SELECT o.source FROM metrics.observations o WHERE o.measure = m.code
            ORDER BY o.recorded_at, o.revision LIMIT 1)
    """)
    op.drop_constraint('pk_observations', 'observations', schema='metrics', type_='primary')
    op.create_primary_key('pk_observations', 'observations', [*KEY, 'source', 'revision'], schema='metrics')


def downgrade() -> None:
    # One history per key again: the sources' revisions interleaved in the order they were recorded.
    op.drop_constraint('pk_observations', 'observations', schema='metrics', type_='primary')
    op.execute("""
        UPDATE metrics.observations o SET revision = numbered.revision
        FROM (SELECT ctid AS row_id, row_number() OVER (PARTITION BY measure, region, occupation, period
                                                        ORDER BY recorded_at, source, revision) AS revision
              FROM metrics.observations) numbered
        WHERE o.ctid = numbered.row_id
    """)
    op.create_primary_key('pk_observations', 'observations', [*KEY, 'revision'], schema='metrics')
    op.drop_column('measures', 'first_source', schema='metrics')
    op.drop_column('measures', 'primary_source', schema='metrics')
