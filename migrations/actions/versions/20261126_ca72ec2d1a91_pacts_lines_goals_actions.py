"""pacts, action lines, goals, actions, participations, milestones, results, progress reports, agenda

Revision ID: ca72ec2d1a91
Revises: c2101a634920
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = 'ca72ec2d1a91'
down_revision: str | None = 'c2101a634920'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('pacts',
    sa.Column('slug', sa.String(length=100), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('level', sa.String(length=20), nullable=False),
    sa.Column('parent_id', sa.Uuid(), nullable=True),
    sa.Column('region', sa.String(length=50), nullable=True),
    sa.Column('period_start', sa.Date(), nullable=True),
    sa.Column('period_end', sa.Date(), nullable=True),
    sa.Column('signed_on', sa.Date(), nullable=True),
    sa.Column('source_document', sa.String(length=500), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("level IN ('national', 'regional', 'subregional')", name=op.f('ck_pacts_level')),
    sa.ForeignKeyConstraint(['parent_id'], ['actions.pacts.id'], name=op.f('fk_pacts_parent_id_pacts'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pacts')),
    sa.UniqueConstraint('slug', name=op.f('uq_pacts_slug')),
    schema='actions'
    )
    op.create_index(op.f('ix_pacts_parent_id'), 'pacts', ['parent_id'], unique=False, schema='actions')
    op.create_table('action_lines',
    sa.Column('pact_id', sa.Uuid(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('aim', sa.Text(), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['pact_id'], ['actions.pacts.id'], name=op.f('fk_action_lines_pact_id_pacts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_action_lines')),
    sa.UniqueConstraint('pact_id', 'number', name=op.f('uq_action_lines_pact_id_number')),
    schema='actions'
    )
    op.create_table('agenda_items',
    sa.Column('pact_id', sa.Uuid(), nullable=False),
    sa.Column('on', sa.Date(), nullable=False),
    sa.Column('when', sa.String(length=200), nullable=True),
    sa.Column('label', sa.Text(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['pact_id'], ['actions.pacts.id'], name=op.f('fk_agenda_items_pact_id_pacts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agenda_items')),
    schema='actions'
    )
    op.create_index(op.f('ix_agenda_items_pact_id_on'), 'agenda_items', ['pact_id', 'on'], unique=False, schema='actions')
    op.create_table('actions',
    sa.Column('pact_id', sa.Uuid(), nullable=False),
    sa.Column('line_id', sa.Uuid(), nullable=True),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=500), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('aim', sa.Text(), nullable=True),
    sa.Column('ambition', sa.Text(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('progress', sa.Numeric(precision=5, scale=4), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['line_id'], ['actions.action_lines.id'], name=op.f('fk_actions_line_id_action_lines'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['pact_id'], ['actions.pacts.id'], name=op.f('fk_actions_pact_id_pacts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_actions')),
    sa.UniqueConstraint('pact_id', 'number', name=op.f('uq_actions_pact_id_number')),
    schema='actions'
    )
    op.create_index(op.f('ix_actions_line_id'), 'actions', ['line_id'], unique=False, schema='actions')
    op.create_index(op.f('ix_actions_status_pact_id_number'), 'actions', ['status', 'pact_id', 'number'], unique=False, schema='actions')
    op.create_table('goals',
    sa.Column('line_id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('scope', sa.String(length=20), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('unit', sa.String(length=50), nullable=True),
    sa.Column('measure_kind', sa.String(length=20), nullable=False),
    sa.Column('ascending', sa.Boolean(), nullable=False),
    sa.Column('baseline_value', sa.Numeric(precision=18, scale=4), nullable=True),
    sa.Column('baseline_year', sa.Integer(), nullable=True),
    sa.Column('targets', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('aggregation', sa.String(length=10), nullable=False),
    sa.Column('series_measure', sa.String(length=100), nullable=True),
    sa.Column('series_region', sa.String(length=50), nullable=True),
    sa.Column('series_occupation', sa.String(length=100), nullable=True),
    sa.ForeignKeyConstraint(['line_id'], ['actions.action_lines.id'], name=op.f('fk_goals_line_id_action_lines'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_goals')),
    schema='actions'
    )
    op.create_index(op.f('ix_goals_line_id'), 'goals', ['line_id'], unique=False, schema='actions')
    op.create_index('ix_goals_series', 'goals', ['series_measure', 'series_region', 'series_occupation'], unique=False, schema='actions')
    op.create_table('milestones',
    sa.Column('action_id', sa.Uuid(), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('due_kind', sa.String(length=10), nullable=False),
    sa.Column('due_value', sa.String(length=10), nullable=False),
    sa.Column('due_label', sa.String(length=200), nullable=True),
    sa.Column('due_by', sa.Date(), nullable=False),
    sa.Column('target_count', sa.Integer(), nullable=True),
    sa.Column('reached_count', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('met_on', sa.Date(), nullable=True),
    sa.Column('weight', sa.Numeric(precision=8, scale=3), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("due_kind IN ('date', 'month', 'quarter', 'half', 'year')", name=op.f('ck_milestones_due_kind')),
    sa.CheckConstraint("status IN ('open', 'met', 'dropped')", name=op.f('ck_milestones_status')),
    sa.CheckConstraint('weight >= 0', name=op.f('ck_milestones_weight')),
    sa.ForeignKeyConstraint(['action_id'], ['actions.actions.id'], name=op.f('fk_milestones_action_id_actions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_milestones')),
    schema='actions'
    )
    op.create_index(op.f('ix_milestones_action_id_due_by'), 'milestones', ['action_id', 'due_by'], unique=False, schema='actions')
    op.create_index('ix_milestones_open_due_by', 'milestones', ['due_by', 'action_id'], unique=False, schema='actions', postgresql_where=sa.text("status = 'open'"))
    op.create_table('participations',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('action_id', sa.Uuid(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('organisation_id', sa.Uuid(), nullable=True),
    sa.Column('organisation_kind', sa.String(length=200), nullable=True),
    sa.Column('label', sa.String(length=300), nullable=True),
    sa.CheckConstraint("role IN ('lead', 'participant', 'coordination')", name=op.f('ck_participations_role')),
    sa.CheckConstraint('organisation_id IS NOT NULL OR organisation_kind IS NOT NULL', name=op.f('ck_participations_who')),
    sa.ForeignKeyConstraint(['action_id'], ['actions.actions.id'], name=op.f('fk_participations_action_id_actions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_participations')),
    schema='actions'
    )
    op.create_index(op.f('ix_participations_action_id_position'), 'participations', ['action_id', 'position'], unique=False, schema='actions')
    op.create_index(op.f('ix_participations_organisation_id_role'), 'participations', ['organisation_id', 'role'], unique=False, schema='actions')
    op.create_table('progress_reports',
    sa.Column('action_id', sa.Uuid(), nullable=True),
    sa.Column('subject', sa.String(length=20), nullable=False),
    sa.Column('subject_id', sa.Uuid(), nullable=False),
    sa.Column('reported_on', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('values', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('author', sa.String(length=200), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reviewed_by', sa.String(length=200), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('review_note', sa.Text(), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("state IN ('draft', 'submitted', 'approved', 'returned')", name=op.f('ck_progress_reports_state')),
    sa.CheckConstraint("subject IN ('action', 'milestone', 'result', 'goal')", name=op.f('ck_progress_reports_subject')),
    sa.ForeignKeyConstraint(['action_id'], ['actions.actions.id'], name=op.f('fk_progress_reports_action_id_actions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_progress_reports')),
    schema='actions'
    )
    op.create_index(op.f('ix_progress_reports_action_id_reported_on'), 'progress_reports', ['action_id', 'reported_on'], unique=False, schema='actions')
    op.create_index(op.f('ix_progress_reports_subject_id_state'), 'progress_reports', ['subject_id', 'state'], unique=False, schema='actions')
    op.create_table('results',
    sa.Column('action_id', sa.Uuid(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('unit', sa.String(length=50), nullable=True),
    sa.Column('measure_kind', sa.String(length=20), nullable=False),
    sa.Column('ascending', sa.Boolean(), nullable=False),
    sa.Column('baseline_value', sa.Numeric(precision=18, scale=4), nullable=True),
    sa.Column('baseline_year', sa.Integer(), nullable=True),
    sa.Column('targets', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('aggregation', sa.String(length=10), nullable=False),
    sa.Column('series_measure', sa.String(length=100), nullable=True),
    sa.Column('series_region', sa.String(length=50), nullable=True),
    sa.Column('series_occupation', sa.String(length=100), nullable=True),
    sa.ForeignKeyConstraint(['action_id'], ['actions.actions.id'], name=op.f('fk_results_action_id_actions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_results')),
    schema='actions'
    )
    op.create_index(op.f('ix_results_action_id'), 'results', ['action_id'], unique=False, schema='actions')


def downgrade() -> None:
    op.drop_index(op.f('ix_results_action_id'), table_name='results', schema='actions')
    op.drop_table('results', schema='actions')
    op.drop_index(op.f('ix_progress_reports_subject_id_state'), table_name='progress_reports', schema='actions')
    op.drop_index(op.f('ix_progress_reports_action_id_reported_on'), table_name='progress_reports', schema='actions')
    op.drop_table('progress_reports', schema='actions')
    op.drop_index(op.f('ix_participations_organisation_id_role'), table_name='participations', schema='actions')
    op.drop_index(op.f('ix_participations_action_id_position'), table_name='participations', schema='actions')
    op.drop_table('participations', schema='actions')
    op.drop_index('ix_milestones_open_due_by', table_name='milestones', schema='actions', postgresql_where=sa.text("status = 'open'"))
    op.drop_index(op.f('ix_milestones_action_id_due_by'), table_name='milestones', schema='actions')
    op.drop_table('milestones', schema='actions')
    op.drop_index('ix_goals_series', table_name='goals', schema='actions')
    op.drop_index(op.f('ix_goals_line_id'), table_name='goals', schema='actions')
    op.drop_table('goals', schema='actions')
    op.drop_index(op.f('ix_actions_status_pact_id_number'), table_name='actions', schema='actions')
    op.drop_index(op.f('ix_actions_line_id'), table_name='actions', schema='actions')
    op.drop_table('actions', schema='actions')
    op.drop_index(op.f('ix_agenda_items_pact_id_on'), table_name='agenda_items', schema='actions')
    op.drop_table('agenda_items', schema='actions')
    op.drop_table('action_lines', schema='actions')
    op.drop_index(op.f('ix_pacts_parent_id'), table_name='pacts', schema='actions')
    op.drop_table('pacts', schema='actions')
