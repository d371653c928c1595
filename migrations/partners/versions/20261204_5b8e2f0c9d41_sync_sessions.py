"""sync sessions: a full sync of any size, sent in as many pushes as it takes (issue 22)

`sync_sessions` holds each session (its source, who opened it, when it expires, when it closed, how
many external ids its pushes held and how many records closing it withdrew);
`sync_session_records` the external ids pushed into an open one, deleted when it closes or expires.

Revision ID: 5b8e2f0c9d41
Revises: 7d2a4e6f8b13
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5b8e2f0c9d41"
down_revision: str | None = "7d2a4e6f8b13"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "partners"


def upgrade() -> None:
    op.create_table(
        "sync_sessions",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("source", sa.String(100), nullable=False),
        sa.Column("opened_by", sa.String(200), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("pushes", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by", sa.String(200), nullable=True),
        sa.Column("records", sa.Integer(), nullable=True),
        sa.Column("withdrawn", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_sync_sessions"),
        schema=SCHEMA,
    )
    op.create_index("ix_sync_sessions_source_opened_at", "sync_sessions", ["source", "opened_at"], schema=SCHEMA)
    op.create_index("ix_sync_sessions_expires_at", "sync_sessions", ["expires_at"], schema=SCHEMA,
                    postgresql_where=sa.text("closed_at IS NULL"))
    op.create_table(
        "sync_session_records",
        sa.Column("session_id", sa.UUID(), nullable=False),
        sa.Column("external_id", sa.String(200), nullable=False),
        sa.ForeignKeyConstraint(["session_id"], [f"{SCHEMA}.sync_sessions.id"], ondelete="CASCADE",
                                name="fk_sync_session_records_session_id_sync_sessions"),
        sa.PrimaryKeyConstraint("session_id", "external_id", name="pk_sync_session_records"),
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.drop_table("sync_session_records", schema=SCHEMA)
    op.drop_index("ix_sync_sessions_expires_at", table_name="sync_sessions", schema=SCHEMA)
    op.drop_index("ix_sync_sessions_source_opened_at", table_name="sync_sessions", schema=SCHEMA)
    op.drop_table("sync_sessions", schema=SCHEMA)
