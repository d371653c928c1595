"""idempotency keys keep the answer as the bytes first sent (bytea), not as JSONB (issue 22)

PostgreSQL parsed and compressed a push's answer of 5,000 results as JSONB under the push's lock
(18 ms, against 3 ms as bytea with lz4, measured), and a replay sent JSONB's re-encoding (keys in
another order) instead of the first answer's bytes. Old answers keep their JSON (as JSONB renders
it). Compressed with lz4 where the server was built with it (a 5,000-result answer: 3 ms to store,
against 11 ms with pglz), else stored uncompressed.

Revision ID: 1b7e3d5f9a20
Revises: 9d4e6f8a0b2c
Create Date: 2026-12-07
"""

from collections.abc import Sequence

from alembic import op

revision: str = "1b7e3d5f9a20"
down_revision: str | None = "9d4e6f8a0b2c"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "partners.idempotency_keys"


def upgrade() -> None:
    op.execute(f"ALTER TABLE {TABLE} ALTER COLUMN response TYPE bytea USING convert_to(response::text, 'UTF8')")
    op.execute(f"""DO $$ BEGIN
        ALTER TABLE {TABLE} ALTER COLUMN response SET COMPRESSION lz4;
    EXCEPTION WHEN feature_not_supported THEN
        ALTER TABLE {TABLE} ALTER COLUMN response SET STORAGE EXTERNAL;
    END $$""")


def downgrade() -> None:
    op.execute(f"ALTER TABLE {TABLE} ALTER COLUMN response SET STORAGE EXTENDED")
    op.execute(f"ALTER TABLE {TABLE} ALTER COLUMN response SET COMPRESSION default")
    op.execute(f"ALTER TABLE {TABLE} ALTER COLUMN response TYPE jsonb USING convert_from(response, 'UTF8')::jsonb")
