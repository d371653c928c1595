"""The municipal push's SQL: records COPYed into a staging table, planned and applied set-based.

The steps and their order are the domain's (domain/push.py); every statement is here. They run
on the asyncpg connection under the request's session, in its one transaction.
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from common.database import driver_connection
from services.partners_api.domain import ORGANISATION_FIELDS
from services.partners_api.schemas import PushRecord

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
    f"{name} = CASE WHEN '{name}' = ANY(s.changed_fields) THEN s.{name} ELSE o.{name} END"
    for name in ORGANISATION_FIELDS
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
SELECT organisation_id, $1::text, $2::text, 'created', jsonb_build_object({_SNAPSHOT})
  FROM push_plan WHERE created ORDER BY idx
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
SELECT organisation_id, $1::text, $2::text, 'linked', 'source_records',
       jsonb_build_object('source', $2::text, 'external_id', external_id)
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
SELECT organisation_id, $1::text, $2::text, 'withdrawn', 'source_records',
       jsonb_build_object('source', $2::text, 'external_id', external_id)
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


@dataclass(frozen=True)
class KvkTaken:
    index: int
    kvk_number: str
    holder: uuid.UUID


@dataclass(frozen=True)
class PlannedRecord:
    external_id: str
    organisation_id: uuid.UUID
    created: bool
    linked: bool
    withdrawn: bool
    changed_fields: list[str]
    kept_fields: list[str]


@dataclass(frozen=True)
class WithdrawnRecord:
    external_id: str
    organisation_id: uuid.UUID


async def stage_and_plan(session: AsyncSession, source: str, records: Sequence[PushRecord]) -> None:
    db = await driver_connection(session)
    await db.execute(_CREATE_TABLES)
    await db.copy_records_to_table(
        "push_records", columns=_COPY_COLUMNS,
        records=[(index, record.external_id, *(getattr(record, name) for name in ORGANISATION_FIELDS))
                 for index, record in enumerate(records)],
    )
    await db.execute(_PLAN, source)


async def kvk_numbers_taken(session: AsyncSession) -> list[KvkTaken]:
    db = await driver_connection(session)
    return [KvkTaken(row["idx"], row["kvk_number"], row["holder"]) for row in await db.fetch(_KVK_TAKEN)]


async def records_of_one_organisation(session: AsyncSession) -> list[list[int]]:
    """Groups of record positions that the plan put on the same existing organisation."""
    db = await driver_connection(session)
    return [list(row["positions"]) for row in await db.fetch(_SAME_ORGANISATION)]


async def apply_plan(session: AsyncSession, source: str, who: str) -> list[PlannedRecord]:
    """Write the plan (bulk SQL bypasses the ORM, so it raises `version` itself); each record's plan, in order."""
    db = await driver_connection(session)
    await db.execute(_INSERT_ORGANISATIONS)
    await db.execute(_HISTORY_CREATED, who, source)
    await db.execute(_HISTORY_UPDATED, who, source)
    await db.execute(_HISTORY_LINKED, who, source)
    await db.execute(_UPDATE_ORGANISATIONS)
    await db.execute(_INSERT_SOURCE_RECORDS, source)
    await db.execute(_TOUCH_SOURCE_RECORDS)
    return [PlannedRecord(row["external_id"], row["organisation_id"], row["created"], row["linked"], row["withdrawn"],
                          list(row["changed_fields"]), list(row["kept_fields"])) for row in await db.fetch(_OUTCOMES)]


async def withdraw_missing(session: AsyncSession, source: str, who: str) -> list[WithdrawnRecord]:
    """Withdraw the source's records this push did not hold; deactivate what no source vouches for any more."""
    db = await driver_connection(session)
    gone = [WithdrawnRecord(row["external_id"], row["organisation_id"])
            for row in await db.fetch(_WITHDRAW_MISSING, source)]
    if gone:
        ids = [record.organisation_id for record in gone]
        await db.execute(_HISTORY_WITHDRAWN_RECORDS, who, source, ids, [record.external_id for record in gone])
        await db.execute(_DEACTIVATE, who, source, list(set(ids)))
    return gone
