"""regions: valid_from, valid_to and successor (municipal mergers); measures: forecasts_allowed

Revision ID: 627f4618768b
Revises: de84cff95963
Create Date: 2026-12-02 09:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '627f4618768b'
down_revision: str | None = 'de84cff95963'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('regions', sa.Column('valid_from', sa.Date(), nullable=True), schema='metrics')
    op.add_column('regions', sa.Column('valid_to', sa.Date(), nullable=True), schema='metrics')
    op.add_column('regions', sa.Column('successor', sa.String(length=40), nullable=True), schema='metrics')
    op.create_foreign_key(op.f('fk_regions_successor_regions'), 'regions', 'regions', ['successor'], ['code'],
                          source_schema='metrics', referent_schema='metrics')
    op.create_check_constraint(op.f('ck_regions_validity'), 'regions',
                               'valid_from IS NULL OR valid_to IS NULL OR valid_from < valid_to', schema='metrics')
    op.create_check_constraint(op.f('ck_regions_successor_of_ended'), 'regions',
                               'successor IS NULL OR valid_to IS NOT NULL', schema='metrics')
    op.add_column('measures', sa.Column('forecasts_allowed', sa.Boolean(), server_default=sa.false(), nullable=False),
                  schema='metrics')


def downgrade() -> None:
    op.drop_column('measures', 'forecasts_allowed', schema='metrics')
    op.drop_constraint(op.f('ck_regions_successor_of_ended'), 'regions', schema='metrics', type_='check')
    op.drop_constraint(op.f('ck_regions_validity'), 'regions', schema='metrics', type_='check')
    op.drop_constraint(op.f('fk_regions_successor_regions'), 'regions', schema='metrics', type_='foreignkey')
    op.drop_column('regions', 'successor', schema='metrics')
    op.drop_column('regions', 'valid_to', schema='metrics')
    op.drop_column('regions', 'valid_from', schema='metrics')
