"""idempotency keys keep the answer as the bytes first sent (bytea), not as JSONB (issue 22)

PostgreSQL parsed and compressed a push's answer of 5,000 results as JSONB under the push's lock
(18 ms, against 3 ms as bytea with lz4, measured), and a replay sent JSONB's re-encoding (keys in
another order) instead of the first answer's bytes. `common.idempotency.store_answers_as_bytes`.

Revision ID: 1b7e3d5f9a20
Revises: 9d4e6f8a0b2c
Create Date: 2026-12-07
"""

from collections.abc import Sequence

from alembic import op

from common.idempotency import store_answers_as_bytes, store_answers_as_json

revision: str = "1b7e3d5f9a20"
down_revision: str | None = "9d4e6f8a0b2c"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "partners"


def upgrade() -> None:
    store_answers_as_bytes(op, SCHEMA)


def downgrade() -> None:
    store_answers_as_json(op, SCHEMA)
