"""indicators measured in their own terms: a declared window, the series' scale, level or change targets

Existing data: every target becomes a level (what it was read as); a percentage indicator that points
at a series gets scale 100 (metrics_api serves shares as 0..1, so 0.28 is 28%); an indicator whose
words say "N% meer" (or "minder") and whose one target is N was a change stored as a level: it
becomes a relative change of +N (or -N) percent of the baseline, counted in its own unit (no longer %).

Revision ID: 5d7e1c9a04b3
Revises: e883fa477f4c
Create Date: 2026-12-02
"""

import json
import re
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from alembic import op

revision: str = "5d7e1c9a04b3"
down_revision: str | None = "e883fa477f4c"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "actions"
# The text column that says what each indicator table measures.
WORDS = {"goals": "name", "results": "description"}
CHANGE_WORDS = re.compile(r"(\d+(?:[.,]\d+)?)\s*%\s*(meer|minder)\b", re.IGNORECASE)


def _as_decimal(text: object) -> Decimal | None:
    try:
        return Decimal(str(text).replace(",", "."))
    except InvalidOperation:
        return None


def _migrated(words: str, measure_kind: str, unit: str | None,
              targets: list[dict]) -> tuple[list[dict], str, str | None]:
    targets = [{**target, "kind": target.get("kind", "level")} for target in targets]
    match = CHANGE_WORDS.search(words or "")
    if match and len(targets) == 1 and targets[0]["kind"] == "level":
        amount = _as_decimal(match.group(1))
        if amount is not None and _as_decimal(targets[0]["value"]) == amount:
            signed = amount if match.group(2).lower() == "meer" else -amount
            targets = [{**targets[0], "value": str(signed), "kind": "relative_change"}]
            if measure_kind == "percentage":
                measure_kind, unit = "number", None
    return targets, measure_kind, unit


def upgrade() -> None:
    for table in WORDS:
        op.add_column(table, sa.Column("series_scale", sa.Numeric(18, 6), nullable=False, server_default="1"),
                      schema=SCHEMA)
        op.add_column(table, sa.Column("window_start", sa.String(10)), schema=SCHEMA)
        op.add_column(table, sa.Column("window_end", sa.String(10)), schema=SCHEMA)
        op.execute(f"UPDATE {SCHEMA}.{table} SET series_scale = 100"
                   " WHERE measure_kind = 'percentage' AND series_measure IS NOT NULL")
    connection = op.get_bind()
    for table, words in WORDS.items():
        found = connection.execute(sa.text(
            f"SELECT id, {words} AS words, measure_kind, unit, targets FROM {SCHEMA}.{table}")).mappings().all()
        for row in found:
            targets, measure_kind, unit = _migrated(row["words"], row["measure_kind"], row["unit"], row["targets"])
            connection.execute(sa.text(
                f"UPDATE {SCHEMA}.{table} SET targets = CAST(:targets AS jsonb), measure_kind = :kind, unit = :unit"
                " WHERE id = :id"), {"targets": json.dumps(targets), "kind": measure_kind, "unit": unit,
                                     "id": row["id"]})


def downgrade() -> None:
    connection = op.get_bind()
    for table in WORDS:
        # Back to levels only: a change is written as the level it was stored as before.
        for row in connection.execute(sa.text(f"SELECT id, targets FROM {SCHEMA}.{table}")).mappings().all():
            targets = [{key: value for key, value in target.items() if key != "kind"} for target in row["targets"]]
            connection.execute(sa.text(f"UPDATE {SCHEMA}.{table} SET targets = CAST(:targets AS jsonb) WHERE id = :id"),
                               {"targets": json.dumps(targets), "id": row["id"]})
        op.drop_column(table, "window_end", schema=SCHEMA)
        op.drop_column(table, "window_start", schema=SCHEMA)
        op.drop_column(table, "series_scale", schema=SCHEMA)
