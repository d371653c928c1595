"""sign-up rate limits counted in the database, per visitor's address

The public sign-up form was limited per process, in memory: each replica let the full rate
through and a restart forgot it. One row per address now holds its current window and hits.

Revision ID: 9e4b6c2d1f7a
Revises: 4c1f0e7b9a2d
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "9e4b6c2d1f7a"
down_revision: str | None = "4c1f0e7b9a2d"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "partners"


def upgrade() -> None:
    op.create_table(
        "signup_rate_limits",
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_signup_rate_limits"),
        schema=SCHEMA,
    )
    op.create_index("ix_signup_rate_limits_window_start", "signup_rate_limits", ["window_start"], schema=SCHEMA)


def downgrade() -> None:
    op.drop_index("ix_signup_rate_limits_window_start", table_name="signup_rate_limits", schema=SCHEMA)
    op.drop_table("signup_rate_limits", schema=SCHEMA)
