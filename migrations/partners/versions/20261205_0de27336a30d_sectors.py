"""sectors: one list of sector codes, extensible by partners:admin (issue 21)

`sectors` holds each code (what organisations, push records and sign-ups carry in `sectors`), its
name in Dutch and an optional description, seeded with the sectors in use when it was made
(`../data/sectors.csv`: those of seeds/organisations.yaml) and any other code stored organisations
or source records carry (named by its code). Its comment marks it as reference
data, which the tests' emptying of the schema keeps (common/testing.py). Sign-ups may name
sectors too (`signups.sectors`), which the approval gives the organisation.

Revision ID: 0de27336a30d
Revises: 5b8e2f0c9d41
Create Date: 2026-12-05
"""

import csv
from collections.abc import Sequence
from pathlib import Path

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0de27336a30d"
down_revision: str | None = "5b8e2f0c9d41"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "partners"
SECTORS = Path(__file__).resolve().parent.parent / "data" / "sectors.csv"


def upgrade() -> None:
    sectors = op.create_table(
        "sectors",
        sa.Column("code", sa.String(50), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("code", name="pk_sectors"),
        schema=SCHEMA,
        comment="reference data: the sector codes organisations carry",
    )
    with SECTORS.open(encoding="utf-8", newline="") as file:
        rows = [{"code": row["code"], "name": row["name"], "description": row["description"] or None, "version": 1}
                for row in csv.DictReader(file)]
    op.bulk_insert(sectors, rows)
    # A database in use keeps every code its organisations and source records carry, named by its code
    # until a coordinator names it (PUT /v1/sectors/{code}): nothing stored becomes invalid.
    op.execute(f"""
        INSERT INTO {SCHEMA}.sectors (code, name, version)
        SELECT DISTINCT code, code, 1 FROM (
            SELECT unnest(sectors) FROM {SCHEMA}.organisations
            UNION SELECT jsonb_array_elements_text(record -> 'sectors') FROM {SCHEMA}.source_records
             WHERE jsonb_typeof(record -> 'sectors') = 'array'
        ) AS used(code)
        ON CONFLICT (code) DO NOTHING""")
    op.add_column("signups", sa.Column("sectors", postgresql.ARRAY(sa.String(50)), server_default=sa.text("'{}'"),
                                       nullable=False), schema=SCHEMA)


def downgrade() -> None:
    op.drop_column("signups", "sectors", schema=SCHEMA)
    op.drop_table("sectors", schema=SCHEMA)
