"""idempotency keys keep the answer as the bytes first sent (bytea), not as JSONB (issue 22)

PostgreSQL parsed and compressed a push's answer of 5,000 results as JSONB under the push's lock
(18 ms, against 3 ms as bytea with lz4, measured), and a replay sent JSONB's re-encoding (keys in
another order) instead of the first answer's bytes. `common.idempotency.store_answers_as_bytes`.

Revision ID: 6a2c4e8b0d13
Revises: 8f3a61c0d2e5
Create Date: 2026-12-07
"""

from collections.abc import Sequence

from alembic import op

from common.idempotency import store_answers_as_bytes, store_answers_as_json

revision: str = "6a2c4e8b0d13"
down_revision: str | None = "8f3a61c0d2e5"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "metrics"


def upgrade() -> None:
    store_answers_as_bytes(op, SCHEMA)


def downgrade() -> None:
    store_answers_as_json(op, SCHEMA)
