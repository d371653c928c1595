"""source records hold each source's record whole, with a precedence; merged organisations redirect

Every existing source link becomes a source record holding its organisation's current values, its
precedence the order in which the sources linked the organisation (first linked, highest).

`jsonb_merge` is the aggregate of `||`: fed records from the lowest precedence to the highest, the
higher one's keys win, so an organisation's records merge in one pass (repository/survivorship.py).

Revision ID: 4c1f0e7b9a2d
Revises: b02a70966efa
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "4c1f0e7b9a2d"
down_revision: str | None = "b02a70966efa"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "partners"

_CURRENT_VALUES = """
UPDATE partners.source_records sr
   SET record = jsonb_build_object(
           'name', o.name, 'kind', o.kind, 'sectors', to_jsonb(o.sectors), 'kvk_number', o.kvk_number,
           'brin_code', o.brin_code, 'oin', o.oin, 'municipality_code', o.municipality_code,
           'website', o.website, 'email', o.email, 'active', o.active),
       precedence = ranked.precedence,
       first_linked_at = sr.created_at
  FROM partners.organisations o,
       (SELECT id, row_number() OVER (PARTITION BY organisation_id ORDER BY created_at, id) AS precedence
          FROM partners.source_records) AS ranked
 WHERE o.id = sr.organisation_id AND ranked.id = sr.id
"""


def upgrade() -> None:
    op.execute("CREATE AGGREGATE partners.jsonb_merge(jsonb) (SFUNC = jsonb_concat, STYPE = jsonb, INITCOND = '{}')")
    op.add_column("organisations", sa.Column("merged_into", sa.UUID(), nullable=True), schema=SCHEMA)
    op.create_foreign_key(op.f("fk_organisations_merged_into_organisations"), "organisations", "organisations",
                          ["merged_into"], ["id"], source_schema=SCHEMA, referent_schema=SCHEMA)
    op.create_index("ix_organisations_merged_into", "organisations", ["merged_into"], schema=SCHEMA,
                    postgresql_where=sa.text("merged_into IS NOT NULL"))

    op.add_column("source_records", sa.Column("record", postgresql.JSONB(), nullable=True), schema=SCHEMA)
    op.add_column("source_records", sa.Column("precedence", sa.Integer(), nullable=True), schema=SCHEMA)
    op.add_column("source_records", sa.Column("first_linked_at", sa.DateTime(timezone=True),
                                              server_default=sa.text("now()"), nullable=False), schema=SCHEMA)
    op.add_column("source_records", sa.Column("active", sa.Boolean(), sa.Computed("withdrawn_at IS NULL", persisted=True),
                                              nullable=False), schema=SCHEMA)
    op.execute(_CURRENT_VALUES)
    op.alter_column("source_records", "record", nullable=False, schema=SCHEMA)
    op.alter_column("source_records", "precedence", nullable=False, schema=SCHEMA)
    op.create_check_constraint(op.f("ck_source_records_precedence"), "source_records", "precedence >= 1",
                               schema=SCHEMA)
    op.drop_index("ix_source_records_organisation_id", table_name="source_records", schema=SCHEMA)
    op.create_index("ix_source_records_organisation_id_precedence", "source_records",
                    ["organisation_id", "precedence"], schema=SCHEMA)


def downgrade() -> None:
    op.execute("DROP AGGREGATE partners.jsonb_merge(jsonb)")
    op.drop_index("ix_source_records_organisation_id_precedence", table_name="source_records", schema=SCHEMA)
    op.create_index("ix_source_records_organisation_id", "source_records", ["organisation_id"], schema=SCHEMA)
    op.drop_constraint(op.f("ck_source_records_precedence"), "source_records", schema=SCHEMA)
    for column in ("active", "first_linked_at", "precedence", "record"):
        op.drop_column("source_records", column, schema=SCHEMA)
    op.drop_index("ix_organisations_merged_into", table_name="organisations", schema=SCHEMA)
    op.drop_constraint(op.f("fk_organisations_merged_into_organisations"), "organisations", schema=SCHEMA)
    op.drop_column("organisations", "merged_into", schema=SCHEMA)
