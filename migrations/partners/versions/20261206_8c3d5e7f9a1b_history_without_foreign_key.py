"""history without its foreign key: organisations are never deleted, which the database now refuses (issue 22)

Every history row (`organisation_changes`) names its organisation. The foreign key checked that
for each row written: a push of 5,000 new organisations writes 5,000 `created` rows, and a second
source linking them 5,000 `linked` and 5,000 `disagreed` rows, each with a lookup and a row lock on
its organisation. What the key guarded against is an organisation deleted while its history
remains, and nothing deletes one: a merged duplicate stays as a redirect, an archived one is
inactive, a withdrawn source record only ends a claim (models.py). So the key goes, and a trigger
refuses any DELETE of an organisation, the one way an orphan could arise (TRUNCATE, which the tests
use to empty the schema, takes every table at once). History rows are written only for
organisations of the same transaction, under the push's lock or the coordinator's row lock.

No data changes: every history row has its organisation today (the key held), and it keeps it.

Revision ID: 8c3d5e7f9a1b
Revises: 0de27336a30d
Create Date: 2026-12-06
"""

from collections.abc import Sequence

from alembic import op

revision: str = "8c3d5e7f9a1b"
down_revision: str | None = "0de27336a30d"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "partners"
FOREIGN_KEY = "fk_organisation_changes_organisation_id_organisations"


def upgrade() -> None:
    op.execute(f"""
        CREATE FUNCTION {SCHEMA}.refuse_organisation_delete() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'organisation % is never deleted: its history refers to it (merge or archive it)', OLD.id
                USING ERRCODE = 'restrict_violation';
        END
        $$""")
    op.execute(f"""
        CREATE TRIGGER organisations_never_deleted BEFORE DELETE ON {SCHEMA}.organisations
        FOR EACH ROW EXECUTE FUNCTION {SCHEMA}.refuse_organisation_delete()""")
    op.drop_constraint(FOREIGN_KEY, "organisation_changes", schema=SCHEMA, type_="foreignkey")


def downgrade() -> None:
    op.create_foreign_key(FOREIGN_KEY, "organisation_changes", "organisations", ["organisation_id"], ["id"],
                          source_schema=SCHEMA, referent_schema=SCHEMA)
    op.execute(f"DROP TRIGGER organisations_never_deleted ON {SCHEMA}.organisations")
    op.execute(f"DROP FUNCTION {SCHEMA}.refuse_organisation_delete()")
