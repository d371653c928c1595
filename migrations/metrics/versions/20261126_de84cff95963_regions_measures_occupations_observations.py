"""regions, measures, occupation classes, observations (every revision) and feed batches

Revision ID: de84cff95963
Revises: a3b50327ab27
Create Date: 2026-11-26 14:59:41.863655+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'de84cff95963'
down_revision: str | None = 'a3b50327ab27'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('batches',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('source', sa.String(length=100), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('content_type', sa.String(length=20), nullable=False),
    sa.Column('idempotency_key', sa.String(length=255), nullable=True),
    sa.Column('received', sa.Integer(), nullable=False),
    sa.Column('inserted', sa.Integer(), nullable=False),
    sa.Column('revised', sa.Integer(), nullable=False),
    sa.Column('unchanged', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_batches')),
    schema='metrics'
    )
    op.create_index(op.f('ix_batches_source'), 'batches', ['source'], unique=False, schema='metrics')
    op.create_table('measures',
    sa.Column('code', sa.String(length=60), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('unit', sa.String(length=60), nullable=False),
    sa.Column('unit_multiplier', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('value_type', sa.String(length=10), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("kind IN ('flow', 'stock')", name=op.f('ck_measures_kind')),
    sa.CheckConstraint("value_type IN ('count', 'amount', 'share')", name=op.f('ck_measures_value_type')),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_measures')),
    schema='metrics'
    )
    op.create_table('observations',
    sa.Column('measure', sa.String(length=60), nullable=False),
    sa.Column('region', sa.String(length=40), nullable=False),
    sa.Column('occupation', sa.String(length=60), nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('frequency', sa.String(length=1), nullable=False),
    sa.Column('value', sa.Numeric(), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('missing_reason', sa.String(length=20), nullable=True),
    sa.Column('withdrawn', sa.Boolean(), nullable=False),
    sa.Column('source', sa.String(length=100), nullable=False),
    sa.Column('batch_id', sa.Uuid(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("missing_reason IS NULL OR missing_reason IN ('confidential', 'suppressed', 'not_available')", name=op.f('ck_observations_missing_reason')),
    sa.CheckConstraint("status IN ('provisional', 'final')", name=op.f('ck_observations_status')),
    sa.CheckConstraint('withdrawn OR (value IS NULL) <> (missing_reason IS NULL)', name=op.f('ck_observations_value_or_reason')),
    sa.PrimaryKeyConstraint('measure', 'region', 'occupation', 'period', 'revision', name=op.f('pk_observations')),
    schema='metrics'
    )
    op.create_table('occupations',
    sa.Column('code', sa.String(length=60), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('parent', sa.String(length=60), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['parent'], ['metrics.occupations.code'], name=op.f('fk_occupations_parent_occupations')),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_occupations')),
    schema='metrics'
    )
    op.create_index(op.f('ix_occupations_parent'), 'occupations', ['parent'], unique=False, schema='metrics')
    op.create_table('regions',
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('parent', sa.String(length=40), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("kind IN ('country', 'province', 'labour_market_region', 'municipality', 'aggregate')", name=op.f('ck_regions_kind')),
    sa.ForeignKeyConstraint(['parent'], ['metrics.regions.code'], name=op.f('fk_regions_parent_regions')),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_regions')),
    schema='metrics'
    )
    op.create_index(op.f('ix_regions_kind'), 'regions', ['kind'], unique=False, schema='metrics')
    op.create_index(op.f('ix_regions_parent'), 'regions', ['parent'], unique=False, schema='metrics')
    op.create_table('occupation_members',
    sa.Column('occupation', sa.String(length=60), nullable=False),
    sa.Column('member', sa.String(length=60), nullable=False),
    sa.ForeignKeyConstraint(['member'], ['metrics.occupations.code'], name=op.f('fk_occupation_members_member_occupations')),
    sa.ForeignKeyConstraint(['occupation'], ['metrics.occupations.code'], name=op.f('fk_occupation_members_occupation_occupations')),
    sa.PrimaryKeyConstraint('occupation', 'member', name=op.f('pk_occupation_members')),
    schema='metrics'
    )
    op.create_index(op.f('ix_occupation_members_member'), 'occupation_members', ['member'], unique=False, schema='metrics')
    op.create_table('region_members',
    sa.Column('region', sa.String(length=40), nullable=False),
    sa.Column('member', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['member'], ['metrics.regions.code'], name=op.f('fk_region_members_member_regions')),
    sa.ForeignKeyConstraint(['region'], ['metrics.regions.code'], name=op.f('fk_region_members_region_regions')),
    sa.PrimaryKeyConstraint('region', 'member', name=op.f('pk_region_members')),
    schema='metrics'
    )
    op.create_index(op.f('ix_region_members_member'), 'region_members', ['member'], unique=False, schema='metrics')


def downgrade() -> None:
    op.drop_index(op.f('ix_region_members_member'), table_name='region_members', schema='metrics')
    op.drop_table('region_members', schema='metrics')
    op.drop_index(op.f('ix_occupation_members_member'), table_name='occupation_members', schema='metrics')
    op.drop_table('occupation_members', schema='metrics')
    op.drop_index(op.f('ix_regions_parent'), table_name='regions', schema='metrics')
    op.drop_index(op.f('ix_regions_kind'), table_name='regions', schema='metrics')
    op.drop_table('regions', schema='metrics')
    op.drop_index(op.f('ix_occupations_parent'), table_name='occupations', schema='metrics')
    op.drop_table('occupations', schema='metrics')
    op.drop_table('observations', schema='metrics')
    op.drop_table('measures', schema='metrics')
    op.drop_index(op.f('ix_batches_source'), table_name='batches', schema='metrics')
    op.drop_table('batches', schema='metrics')
