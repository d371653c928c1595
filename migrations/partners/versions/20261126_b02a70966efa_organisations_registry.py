"""organisations, sources, history, contacts, memberships, signups

Name search uses a trigram index (pg_trgm, a trusted extension since PostgreSQL 13). The extension
goes into this schema unless the database already has it elsewhere; the index names its operator
class in whichever schema holds it.

Revision ID: b02a70966efa
Revises: 72671f93ebbb
Create Date: 2026-11-26 14:58:51.181784+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = 'b02a70966efa'
down_revision: str | None = '72671f93ebbb'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('organisations',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('sectors', postgresql.ARRAY(sa.String(length=50)), server_default=sa.text("'{}'"), nullable=False),
    sa.Column('kvk_number', sa.String(length=8), nullable=True),
    sa.Column('brin_code', sa.String(length=4), nullable=True),
    sa.Column('oin', sa.String(length=20), nullable=True),
    sa.Column('municipality_code', sa.String(length=6), nullable=True),
    sa.Column('website', sa.String(length=500), nullable=True),
    sa.Column('email', sa.String(length=320), nullable=True),
    sa.Column('active', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.Column('locked_fields', postgresql.ARRAY(sa.String(length=40)), server_default=sa.text("'{}'"), nullable=False),
    sa.Column('version', sa.Integer(), server_default=sa.text('1'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("kind IN ('company', 'primary_school', 'secondary_school', 'vmbo', 'mbo', 'hbo', 'university', 'municipality', 'province', 'economic_board', 'employer_organisation', 'sector_fund', 'intermediary', 'knowledge_institute', 'training_company', 'other')", name=op.f('ck_organisations_kind')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organisations')),
    schema='partners'
    )
    op.create_index('ix_organisations_active', 'organisations', ['active'], unique=False, schema='partners')
    op.create_index('ix_organisations_kind', 'organisations', ['kind'], unique=False, schema='partners')
    op.create_index('ix_organisations_municipality_code', 'organisations', ['municipality_code'], unique=False, schema='partners')
    op.create_index('ix_organisations_name_id', 'organisations', ['name', 'id'], unique=False, schema='partners')
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA partners")
    trgm_schema = op.get_bind().scalar(sa.text(
        "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm'"
    ))
    op.execute(f'CREATE INDEX ix_organisations_name_trgm ON partners.organisations USING gin (name "{trgm_schema}".gin_trgm_ops)')
    op.create_index('ix_organisations_sectors', 'organisations', ['sectors'], unique=False, schema='partners', postgresql_using='gin')
    op.create_index('uq_organisations_kvk_number', 'organisations', ['kvk_number'], unique=True, schema='partners', postgresql_where=sa.text('kvk_number IS NOT NULL'))
    op.create_table('contacts',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('organisation_id', sa.UUID(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('role', sa.String(length=200), nullable=True),
    sa.Column('email', sa.String(length=320), nullable=True),
    sa.Column('phone', sa.String(length=40), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['partners.organisations.id'], name=op.f('fk_contacts_organisation_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contacts')),
    schema='partners'
    )
    op.create_index('ix_contacts_organisation_id', 'contacts', ['organisation_id'], unique=False, schema='partners')
    op.create_table('memberships',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('organisation_id', sa.UUID(), nullable=False),
    sa.Column('pact', sa.String(length=100), nullable=False),
    sa.Column('joined_on', sa.Date(), nullable=False),
    sa.Column('left_on', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('left_on IS NULL OR left_on >= joined_on', name=op.f('ck_memberships_left_after_joined')),
    sa.ForeignKeyConstraint(['organisation_id'], ['partners.organisations.id'], name=op.f('fk_memberships_organisation_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_memberships')),
    schema='partners'
    )
    op.create_index('ix_memberships_organisation_id', 'memberships', ['organisation_id'], unique=False, schema='partners')
    op.create_index('ix_memberships_pact_joined_on_id', 'memberships', ['pact', 'joined_on', 'id'], unique=False, schema='partners')
    op.create_index('uq_memberships_current', 'memberships', ['organisation_id', 'pact'], unique=True, schema='partners', postgresql_where=sa.text('left_on IS NULL'))
    op.create_table('organisation_changes',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('organisation_id', sa.UUID(), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('changed_by', sa.String(length=200), nullable=False),
    sa.Column('source', sa.String(length=100), nullable=True),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('field', sa.String(length=40), nullable=True),
    sa.Column('old_value', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('new_value', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.ForeignKeyConstraint(['organisation_id'], ['partners.organisations.id'], name=op.f('fk_organisation_changes_organisation_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organisation_changes')),
    schema='partners'
    )
    op.create_index('ix_organisation_changes_organisation_id_id', 'organisation_changes', ['organisation_id', 'id'], unique=False, schema='partners')
    op.create_table('source_records',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('source', sa.String(length=100), nullable=False),
    sa.Column('external_id', sa.String(length=200), nullable=False),
    sa.Column('organisation_id', sa.UUID(), nullable=False),
    sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['partners.organisations.id'], name=op.f('fk_source_records_organisation_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_source_records')),
    schema='partners'
    )
    op.create_index('ix_source_records_organisation_id', 'source_records', ['organisation_id'], unique=False, schema='partners')
    op.create_index('uq_source_records_source_external_id', 'source_records', ['source', 'external_id'], unique=True, schema='partners')
    op.create_table('signups',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('pact', sa.String(length=100), nullable=False),
    sa.Column('organisation_name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('municipality_code', sa.String(length=6), nullable=False),
    sa.Column('kvk_number', sa.String(length=8), nullable=True),
    sa.Column('contact_name', sa.String(length=200), nullable=False),
    sa.Column('contact_email', sa.String(length=320), nullable=False),
    sa.Column('message', sa.Text(), nullable=True),
    sa.Column('status', sa.String(length=20), server_default=sa.text("'pending'"), nullable=False),
    sa.Column('organisation_id', sa.UUID(), nullable=True),
    sa.Column('membership_id', sa.UUID(), nullable=True),
    sa.Column('decided_by', sa.String(length=200), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("kind IN ('company', 'primary_school', 'secondary_school', 'vmbo', 'mbo', 'hbo', 'university', 'municipality', 'province', 'economic_board', 'employer_organisation', 'sector_fund', 'intermediary', 'knowledge_institute', 'training_company', 'other')", name=op.f('ck_signups_kind')),
    sa.CheckConstraint("status IN ('pending', 'approved', 'rejected')", name=op.f('ck_signups_status')),
    sa.ForeignKeyConstraint(['membership_id'], ['partners.memberships.id'], name=op.f('fk_signups_membership_id_memberships')),
    sa.ForeignKeyConstraint(['organisation_id'], ['partners.organisations.id'], name=op.f('fk_signups_organisation_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_signups')),
    schema='partners'
    )
    op.create_index('ix_signups_status_created_at_id', 'signups', ['status', 'created_at', 'id'], unique=False, schema='partners')


def downgrade() -> None:
    op.drop_index('ix_signups_status_created_at_id', table_name='signups', schema='partners')
    op.drop_table('signups', schema='partners')
    op.drop_index('uq_source_records_source_external_id', table_name='source_records', schema='partners')
    op.drop_index('ix_source_records_organisation_id', table_name='source_records', schema='partners')
    op.drop_table('source_records', schema='partners')
    op.drop_index('ix_organisation_changes_organisation_id_id', table_name='organisation_changes', schema='partners')
    op.drop_table('organisation_changes', schema='partners')
    op.drop_index('uq_memberships_current', table_name='memberships', schema='partners', postgresql_where=sa.text('left_on IS NULL'))
    op.drop_index('ix_memberships_pact_joined_on_id', table_name='memberships', schema='partners')
    op.drop_index('ix_memberships_organisation_id', table_name='memberships', schema='partners')
    op.drop_table('memberships', schema='partners')
    op.drop_index('ix_contacts_organisation_id', table_name='contacts', schema='partners')
    op.drop_table('contacts', schema='partners')
    op.drop_index('uq_organisations_kvk_number', table_name='organisations', schema='partners', postgresql_where=sa.text('kvk_number IS NOT NULL'))
    op.drop_index('ix_organisations_sectors', table_name='organisations', schema='partners', postgresql_using='gin')
    op.drop_index('ix_organisations_name_trgm', table_name='organisations', schema='partners')
    op.drop_index('ix_organisations_name_id', table_name='organisations', schema='partners')
    op.drop_index('ix_organisations_municipality_code', table_name='organisations', schema='partners')
    op.drop_index('ix_organisations_kind', table_name='organisations', schema='partners')
    op.drop_index('ix_organisations_active', table_name='organisations', schema='partners')
    op.drop_table('organisations', schema='partners')
    # Only an extension this history installed (in its own schema) is its to remove.
    op.execute("""DO $$ BEGIN
        IF EXISTS (SELECT 1 FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
                   WHERE e.extname = 'pg_trgm' AND n.nspname = 'partners') THEN DROP EXTENSION pg_trgm; END IF;
    END $$""")
