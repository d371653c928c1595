"""The municipal push: `PUT /v1/sources/{source}/organisations`, set-based.

A push is validated whole before anything is written (every bad record is listed), then runs in
the request's one transaction:

1. the records are COPYed into a temporary staging table (asyncpg's fast path, not the ORM);
2. each is matched to its organisation: by (source, external_id), else by KvK number, which
   merges the same company pushed by two systems into one organisation with two source records;
3. per field, a record is compared with the organisation: fields a coordinator locked are kept
   (and reported), the rest that differ are written with one history row each; a record that
   differs in nothing writes nothing at all, not even its `updated_at`;
4. with `withdraw_missing`, the source's records absent from the body are withdrawn and their
   organisations made inactive when no other source still vouches for them.

Pushes take one transaction-scoped advisory lock, so two pushes never race for the same KvK
number; pushes are batch jobs, and waiting a few hundred milliseconds is cheaper than retrying.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import asyncpg
from pydantic import ValidationError
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from common.problems import field_error, invalid
from services.partners_api.models import ORGANISATION_FIELDS
from services.partners_api.schemas import PushBody, PushRecord

PUSH_LOCK = "partners:push"

_COPY_COLUMNS = ("idx", "external_id", *ORGANISATION_FIELDS)

_CREATE_STAGING = """
CREATE TEMP TABLE push_staging (
    idx integer PRIMARY KEY,
    external_id text NOT NULL UNIQUE,
    name text NOT NULL,
    kind text NOT NULL,
    sectors text[] NOT NULL,
    kvk_number text,
    brin_code text,
    oin text,
    municipality_code text,
    website text,
    email text,
    active boolean NOT NULL,
    organisation_id uuid,
    source_record_id bigint,
    withdrawn boolean NOT NULL DEFAULT false,
    linked boolean NOT NULL DEFAULT false,
    created boolean NOT NULL DEFAULT false,
    changed_fields text[] NOT NULL DEFAULT '{}',
    kept_fields text[] NOT NULL DEFAULT '{}'
) ON COMMIT DROP
"""


def _differs(field_name: str) -> str:
    if field_name == "sectors":
        return "o.sectors::text[] IS DISTINCT FROM s.sectors"
    return f"o.{field_name} IS DISTINCT FROM s.{field_name}"


_DIFFS = ", ".join(f"('{name}', {_differs(name)})" for name in ORGANISATION_FIELDS)
_OLD_NEW = ", ".join(f"('{name}', to_jsonb(o.{name}), to_jsonb(s.{name}))" for name in ORGANISATION_FIELDS)
_SNAPSHOT = ", ".join(f"'{name}', {name}" for name in ORGANISATION_FIELDS)
_ASSIGN = ", ".join(
    f"{name} = CASE WHEN '{name}' = ANY(s.changed_fields) THEN s.{name} ELSE o.{name} END" for name in ORGANISATION_FIELDS
)
_COLUMNS = ", ".join(ORGANISATION_FIELDS)

_MATCH_SOURCE_RECORDS = """
UPDATE push_staging s
   SET organisation_id = sr.organisation_id, source_record_id = sr.id, withdrawn = sr.withdrawn_at IS NOT NULL
  FROM source_records sr
 WHERE sr.source = $1::text AND sr.external_id = s.external_id
"""
# A record that moves its organisation to a KvK number another organisation holds would have to
# merge two organisations: that is a coordinator's decision, not a push's.
_KVK_TAKEN = """
SELECT s.idx, s.kvk_number, other.id AS holder
  FROM push_staging s
  JOIN organisations own ON own.id = s.organisation_id
  JOIN organisations other ON other.kvk_number = s.kvk_number AND other.id <> own.id
 WHERE 'kvk_number' <> ALL(own.locked_fields)
 ORDER BY s.idx
"""
_LINK_BY_KVK = """
UPDATE push_staging s SET organisation_id = o.id, linked = true
  FROM organisations o
 WHERE s.organisation_id IS NULL AND s.kvk_number IS NOT NULL AND o.kvk_number = s.kvk_number
"""
_SAME_ORGANISATION = """
SELECT array_agg(idx ORDER BY idx) AS positions
  FROM push_staging WHERE organisation_id IS NOT NULL
 GROUP BY organisation_id HAVING count(*) > 1
"""
_NEW_ORGANISATIONS = "UPDATE push_staging SET organisation_id = gen_random_uuid(), created = true WHERE organisation_id IS NULL"
_COMPARE = f"""
UPDATE push_staging s SET
    changed_fields = ARRAY(SELECT f.field FROM (VALUES {_DIFFS}) AS f(field, differs)
                           WHERE f.differs AND f.field <> ALL(o.locked_fields)),
    kept_fields = ARRAY(SELECT f.field FROM (VALUES {_DIFFS}) AS f(field, differs)
                        WHERE f.differs AND f.field = ANY(o.locked_fields))
  FROM organisations o
 WHERE o.id = s.organisation_id AND NOT s.created
"""
_INSERT_ORGANISATIONS = f"""
INSERT INTO organisations (id, {_COLUMNS})
SELECT organisation_id, {_COLUMNS} FROM push_staging WHERE created ORDER BY idx
"""
_HISTORY_CREATED = f"""
INSERT INTO organisation_changes (organisation_id, changed_by, source, action, new_value)
SELECT organisation_id, $1::text, $2::text, 'created', jsonb_build_object({_SNAPSHOT}) FROM push_staging WHERE created ORDER BY idx
"""
_HISTORY_UPDATED = f"""
INSERT INTO organisation_changes (organisation_id, changed_by, source, action, field, old_value, new_value)
SELECT o.id, $1::text, $2::text, 'updated', f.field, f.old, f.new
  FROM push_staging s
  JOIN organisations o ON o.id = s.organisation_id
 CROSS JOIN LATERAL (VALUES {_OLD_NEW}) AS f(field, old, new)
 WHERE cardinality(s.changed_fields) > 0 AND f.field = ANY(s.changed_fields)
 ORDER BY s.idx
"""
_HISTORY_LINKED = """
INSERT INTO organisation_changes (organisation_id, changed_by, source, action, field, new_value)
SELECT organisation_id, $1::text, $2::text, 'linked', 'source_records', jsonb_build_object('source', $2::text, 'external_id', external_id)
  FROM push_staging WHERE linked ORDER BY idx
"""
_UPDATE_ORGANISATIONS = f"""
UPDATE organisations o SET {_ASSIGN}, version = o.version + 1, updated_at = now()
  FROM push_staging s
 WHERE o.id = s.organisation_id AND cardinality(s.changed_fields) > 0
"""
_INSERT_SOURCE_RECORDS = """
INSERT INTO source_records (source, external_id, organisation_id)
SELECT $1::text, external_id, organisation_id FROM push_staging WHERE source_record_id IS NULL ORDER BY idx
"""
_TOUCH_SOURCE_RECORDS = """
UPDATE source_records sr SET withdrawn_at = NULL, updated_at = now()
  FROM push_staging s
 WHERE sr.id = s.source_record_id AND (s.withdrawn OR cardinality(s.changed_fields) > 0)
"""
_WITHDRAW_MISSING = """
UPDATE source_records sr SET withdrawn_at = now(), updated_at = now()
 WHERE sr.source = $1::text AND sr.withdrawn_at IS NULL
   AND NOT EXISTS (SELECT 1 FROM push_staging s WHERE s.external_id = sr.external_id)
RETURNING sr.organisation_id, sr.external_id
"""
_HISTORY_WITHDRAWN_RECORDS = """
INSERT INTO organisation_changes (organisation_id, changed_by, source, action, field, old_value)
SELECT organisation_id, $1::text, $2::text, 'withdrawn', 'source_records', jsonb_build_object('source', $2::text, 'external_id', external_id)
  FROM unnest($3::uuid[], $4::text[]) AS gone(organisation_id, external_id)
"""
# Inactive only when no other source still holds the organisation and no coordinator locked `active`.
_DEACTIVATE = """
WITH deactivated AS (
    UPDATE organisations o SET active = false, version = o.version + 1, updated_at = now()
     WHERE o.id = ANY($3::uuid[]) AND o.active AND 'active' <> ALL(o.locked_fields)
       AND NOT EXISTS (SELECT 1 FROM source_records sr WHERE sr.organisation_id = o.id AND sr.withdrawn_at IS NULL)
    RETURNING o.id)
INSERT INTO organisation_changes (organisation_id, changed_by, source, action, field, old_value, new_value)
SELECT id, $1::text, $2::text, 'withdrawn', 'active', 'true'::jsonb, 'false'::jsonb FROM deactivated
"""
_OUTCOMES = """
SELECT external_id, organisation_id, created, linked, withdrawn, changed_fields, kept_fields
  FROM push_staging ORDER BY idx
"""


def parse(body: bytes) -> list[PushRecord]:
    """The records, or 422 listing every bad one (index, field, reason) and nothing written."""
    try:
        records = PushBody.model_validate_json(body).records
    except ValidationError as exc:
        raise invalid(_errors(exc), "Some records are invalid; nothing was written.") from None
    errors = []
    first_with: dict[tuple[str, str], int] = {}
    for index, record in enumerate(records):
        for key in ("external_id", "kvk_number"):
            value = getattr(record, key)
            if value is None:
                continue
            earlier = first_with.setdefault((key, value), index)
            if earlier != index:
                errors.append(_record_error(index, key, f"The same {key} as record {earlier}: one push holds each once."))
    if errors:
        raise invalid(errors, "Some records are invalid; nothing was written.")
    return records


def _record_error(index: int, name: str, reason: str) -> dict[str, Any]:
    return field_error(f"records.{index}.{name}", reason, index=index)


def _errors(exc: ValidationError) -> list[dict[str, Any]]:
    errors = []
    for error in exc.errors(include_url=False):
        location = error.get("loc", ())
        reason = error.get("msg", "invalid").removeprefix("Value error, ")
        if len(location) >= 2 and location[0] == "records" and isinstance(location[1], int):
            name = ".".join(str(part) for part in location[2:]) or "record"
            errors.append(_record_error(location[1], name, reason))
        else:
            errors.append(field_error(".".join(str(part) for part in location) or "body", reason))
    return errors


@dataclass
class PushOutcome:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    withdrawn: int = 0
    results: list[dict[str, Any]] = field(default_factory=list)

    def answer(self) -> dict[str, Any]:
        return {"created": self.created, "updated": self.updated, "unchanged": self.unchanged,
                "withdrawn": self.withdrawn, "results": self.results}


async def push(session: AsyncSession, *, source: str, records: Sequence[PushRecord], who: str,
               withdraw_missing: bool) -> PushOutcome:
    await session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:lock))"), {"lock": PUSH_LOCK})
    connection = await (await session.connection()).get_raw_connection()
    db: asyncpg.Connection = connection.driver_connection  # type: ignore[assignment]

    await db.execute(_CREATE_STAGING)
    await db.copy_records_to_table(
        "push_staging", columns=_COPY_COLUMNS,
        records=[(index, record.external_id, *(getattr(record, name) for name in ORGANISATION_FIELDS))
                 for index, record in enumerate(records)],
    )
    await db.execute("ANALYZE push_staging")

    await db.execute(_MATCH_SOURCE_RECORDS, source)
    taken = await db.fetch(_KVK_TAKEN)
    if taken:
        raise invalid([_record_error(row["idx"], "kvk_number",
                                     f"KvK number {row['kvk_number']} belongs to another organisation ({row['holder']}); "
                                     "a coordinator must merge them first.") for row in taken],
                      "Some records are invalid; nothing was written.")
    await db.execute(_LINK_BY_KVK)
    same = await db.fetch(_SAME_ORGANISATION)
    if same:
        raise invalid([_record_error(position, "external_id",
                                     f"Records {', '.join(map(str, row['positions']))} describe the same organisation.")
                       for row in same for position in row["positions"][1:]],
                      "Some records are invalid; nothing was written.")
    await db.execute(_NEW_ORGANISATIONS)
    await db.execute(_COMPARE)

    await db.execute(_INSERT_ORGANISATIONS)
    await db.execute(_HISTORY_CREATED, who, source)
    await db.execute(_HISTORY_UPDATED, who, source)
    await db.execute(_HISTORY_LINKED, who, source)
    await db.execute(_UPDATE_ORGANISATIONS)
    await db.execute(_INSERT_SOURCE_RECORDS, source)
    await db.execute(_TOUCH_SOURCE_RECORDS)

    outcome = PushOutcome()
    for row in await db.fetch(_OUTCOMES):
        if row["created"]:
            kind = "created"
        elif row["linked"] or row["withdrawn"] or row["changed_fields"]:
            kind = "updated"
        else:
            kind = "unchanged"
        setattr(outcome, kind, getattr(outcome, kind) + 1)
        outcome.results.append({"external_id": row["external_id"], "id": str(row["organisation_id"]),
                                "outcome": kind, "kept_fields": list(row["kept_fields"])})

    if withdraw_missing:
        gone = await db.fetch(_WITHDRAW_MISSING, source)
        if gone:
            ids = [row["organisation_id"] for row in gone]
            external_ids = [row["external_id"] for row in gone]
            await db.execute(_HISTORY_WITHDRAWN_RECORDS, who, source, ids, external_ids)
            await db.execute(_DEACTIVATE, who, source, list(set(ids)))
            outcome.withdrawn = len(gone)
            outcome.results.extend({"external_id": row["external_id"], "id": str(row["organisation_id"]),
                                    "outcome": "withdrawn", "kept_fields": []}
                                   for row in sorted(gone, key=lambda row: row["external_id"]))
    return outcome

