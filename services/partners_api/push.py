"""The municipal push: `PUT /v1/sources/{source}/organisations`, set-based.

A push is validated whole before anything is written (every bad record is listed), then runs in
the request's one transaction:

1. the records are COPYed into a temporary table (asyncpg's fast path, not the ORM);
2. one INSERT..SELECT plans every record: its organisation, by (source, external_id), else by KvK
   number (the same company pushed by two systems is one organisation with two source records),
   else a new one; and, per field, what differs: fields a coordinator locked are kept (and
   reported), the rest are written with one history row each, set-based; a record that differs
   in nothing writes nothing at all, not even its `updated_at`;
3. with `withdraw_missing`, the source's records absent from the body are withdrawn and their
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

_RECORD_COLUMNS = """
    idx integer NOT NULL,
    external_id text NOT NULL,
    name text NOT NULL,
    kind text NOT NULL,
    sectors text[] NOT NULL,
    kvk_number text,
    brin_code text,
    oin text,
    municipality_code text,
    website text,
    email text,
    active boolean NOT NULL"""
_CREATE_TABLES = f"""
CREATE TEMP TABLE push_records ({_RECORD_COLUMNS}) ON COMMIT DROP;
CREATE TEMP TABLE push_plan ({_RECORD_COLUMNS},
    organisation_id uuid NOT NULL,
    source_record_id bigint,
    withdrawn boolean NOT NULL,
    linked boolean NOT NULL,
    created boolean NOT NULL,
    moves_kvk boolean NOT NULL,
    changed_fields text[] NOT NULL,
    kept_fields text[] NOT NULL
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

# One pass decides every record: its organisation (by this source's external_id, else by KvK
# number: the cross-source merge, else a new one), and which fields differ, split into those to
# write and those a coordinator locked.
_PLAN = f"""
INSERT INTO push_plan
SELECT s.*,
       coalesce(o.id, gen_random_uuid()),
       sr.id,
       coalesce(sr.withdrawn_at IS NOT NULL, false),
       sr.id IS NULL AND o.id IS NOT NULL,
       o.id IS NULL,
       o.id IS NOT NULL AND s.kvk_number IS NOT NULL AND o.kvk_number IS DISTINCT FROM s.kvk_number
           AND 'kvk_number' <> ALL(o.locked_fields),
       CASE WHEN o.id IS NULL THEN '{{}}'::text[] ELSE
           ARRAY(SELECT f.field FROM (VALUES {_DIFFS}) AS f(field, differs)
                 WHERE f.differs AND f.field <> ALL(o.locked_fields)) END,
       CASE WHEN o.id IS NULL THEN '{{}}'::text[] ELSE
           ARRAY(SELECT f.field FROM (VALUES {_DIFFS}) AS f(field, differs)
                 WHERE f.differs AND f.field = ANY(o.locked_fields)) END
  FROM push_records s
  LEFT JOIN source_records sr ON sr.source = $1::text AND sr.external_id = s.external_id
  LEFT JOIN organisations k ON sr.id IS NULL AND k.kvk_number = s.kvk_number
  LEFT JOIN organisations o ON o.id = coalesce(sr.organisation_id, k.id)
"""
# A record that moves its organisation to a KvK number another organisation holds would have to
# merge two organisations: that is a coordinator's decision, not a push's.
_KVK_TAKEN = """
SELECT p.idx, p.kvk_number, other.id AS holder
  FROM push_plan p
  JOIN organisations other ON other.kvk_number = p.kvk_number AND other.id <> p.organisation_id
 WHERE p.moves_kvk
 ORDER BY p.idx
"""
_SAME_ORGANISATION = """
SELECT array_agg(idx ORDER BY idx) AS positions
  FROM push_plan WHERE NOT created
 GROUP BY organisation_id HAVING count(*) > 1
"""
_INSERT_ORGANISATIONS = f"""
INSERT INTO organisations (id, {_COLUMNS})
SELECT organisation_id, {_COLUMNS} FROM push_plan WHERE created ORDER BY idx
"""
_HISTORY_CREATED = f"""
INSERT INTO organisation_changes (organisation_id, changed_by, source, action, new_value)
SELECT organisation_id, $1::text, $2::text, 'created', jsonb_build_object({_SNAPSHOT}) FROM push_plan WHERE created ORDER BY idx
"""
_HISTORY_UPDATED = f"""
INSERT INTO organisation_changes (organisation_id, changed_by, source, action, field, old_value, new_value)
SELECT o.id, $1::text, $2::text, 'updated', f.field, f.old, f.new
  FROM push_plan s
  JOIN organisations o ON o.id = s.organisation_id
 CROSS JOIN LATERAL (VALUES {_OLD_NEW}) AS f(field, old, new)
 WHERE cardinality(s.changed_fields) > 0 AND f.field = ANY(s.changed_fields)
 ORDER BY s.idx
"""
_HISTORY_LINKED = """
INSERT INTO organisation_changes (organisation_id, changed_by, source, action, field, new_value)
SELECT organisation_id, $1::text, $2::text, 'linked', 'source_records', jsonb_build_object('source', $2::text, 'external_id', external_id)
  FROM push_plan WHERE linked ORDER BY idx
"""
_UPDATE_ORGANISATIONS = f"""
UPDATE organisations o SET {_ASSIGN}, version = o.version + 1, updated_at = now()
  FROM push_plan s
 WHERE o.id = s.organisation_id AND cardinality(s.changed_fields) > 0
"""
_INSERT_SOURCE_RECORDS = """
INSERT INTO source_records (source, external_id, organisation_id)
SELECT $1::text, external_id, organisation_id FROM push_plan WHERE source_record_id IS NULL ORDER BY idx
"""
_TOUCH_SOURCE_RECORDS = """
UPDATE source_records sr SET withdrawn_at = NULL, updated_at = now()
  FROM push_plan s
 WHERE sr.id = s.source_record_id AND (s.withdrawn OR cardinality(s.changed_fields) > 0)
"""
_WITHDRAW_MISSING = """
UPDATE source_records sr SET withdrawn_at = now(), updated_at = now()
 WHERE sr.source = $1::text AND sr.withdrawn_at IS NULL
   AND NOT EXISTS (SELECT 1 FROM push_plan s WHERE s.external_id = sr.external_id)
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
  FROM push_plan ORDER BY idx
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

    await db.execute(_CREATE_TABLES)
    await db.copy_records_to_table(
        "push_records", columns=_COPY_COLUMNS,
        records=[(index, record.external_id, *(getattr(record, name) for name in ORGANISATION_FIELDS))
                 for index, record in enumerate(records)],
    )
    await db.execute(_PLAN, source)

    taken = await db.fetch(_KVK_TAKEN)
    if taken:
        raise invalid([_record_error(row["idx"], "kvk_number",
                                     f"KvK number {row['kvk_number']} belongs to another organisation ({row['holder']}); "
                                     "a coordinator must merge them first.") for row in taken],
                      "Some records are invalid; nothing was written.")
    same = await db.fetch(_SAME_ORGANISATION)
    if same:
        raise invalid([_record_error(position, "external_id",
                                     f"Records {', '.join(map(str, row['positions']))} describe the same organisation.")
                       for row in same for position in row["positions"][1:]],
                      "Some records are invalid; nothing was written.")

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

