"""The survivorship rule in SQL: an organisation's fields recomputed from its source records, set-based.

For each field: a field a coordinator locked keeps its value; otherwise the value of the holding
(not withdrawn) source record of highest precedence that has one (an empty sector list is no
value), else null. An organisation no source holds any more keeps its fields and becomes inactive,
unless `active` is locked; one that no source ever held is left as it is.

`resolve` works on any set of organisations named by a subquery (the push passes its plan, the
coordinator's edits an id array) and writes one history row per changed field. It runs on the
asyncpg connection under the session, in the request's one transaction.
"""

import json
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from common.changes import Operation, record_changes
from common.database import driver_connection
from services.partners_api.domain import ORGANISATION_FIELDS
from services.partners_api.models import Organisation

# Every field with its empty value, under what the sources hold.
_EMPTY = "'" + json.dumps({field: [] if field == "sectors" else None for field in ORGANISATION_FIELDS}) + "'::jsonb"
# Each holding record's values that are values (not null, not an empty list), merged so that the
# record of highest precedence comes last and wins (jsonb_merge is `||` as an aggregate: migrations).
_VALUES_OF_RECORD = "jsonb_strip_nulls(sr.record) - CASE WHEN sr.record -> 'sectors' = '[]' THEN 'sectors' ELSE '' END"
_SERVED = f"""{_EMPTY} || jsonb_merge({_VALUES_OF_RECORD} ORDER BY sr.precedence DESC, sr.id DESC)
                        FILTER (WHERE sr.withdrawn_at IS NULL)"""
_CURRENT = "jsonb_build_object(" + ", ".join(f"'{field}', o.{field}" for field in ORGANISATION_FIELDS) + ")"


def _current(field: str) -> str:
    return f"coalesce(to_jsonb(o.{field}), 'null'::jsonb)"


def _target(field: str) -> str:
    current = _current(field)
    unheld = "'false'::jsonb" if field == "active" else current
    return (f"CASE WHEN '{field}' = ANY(o.locked_fields) THEN {current} WHEN NOT c.held THEN {unheld} "
            f"ELSE c.served -> '{field}' END")


def _assign(field: str) -> str:
    new = f"r.new -> '{field}'"
    if field == "sectors":
        value = f"ARRAY(SELECT jsonb_array_elements_text({new}))"
    elif field == "active":
        value = f"({new})::boolean"
    else:
        value = f"{new} #>> '{{}}'"
    return f"{field} = CASE WHEN r.new ? '{field}' THEN {value} ELSE o.{field} END"


_FIELDS = ", ".join(f"('{field}', {index}, {_current(field)}, {_target(field)})"
                    for index, field in enumerate(ORGANISATION_FIELDS))

_PREPARE = """
CREATE TEMP TABLE IF NOT EXISTS resolved (
    organisation_id uuid PRIMARY KEY,
    old jsonb NOT NULL,
    new jsonb NOT NULL
) ON COMMIT DROP;
TRUNCATE resolved
"""


def _resolve(organisation_ids: str) -> str:
    """Fill `resolved` with each organisation's changed fields: old and new values."""
    return f"""
WITH candidates AS (
    SELECT t.organisation_id, c.held, c.served
      FROM (SELECT DISTINCT organisation_id FROM ({organisation_ids}) AS ids(organisation_id)) t
     -- One probe of the organisation's records each (a join would read every record of the table).
     CROSS JOIN LATERAL (SELECT bool_or(sr.withdrawn_at IS NULL) AS held, {_SERVED} AS served
                           FROM source_records sr WHERE sr.organisation_id = t.organisation_id OFFSET 0) c
     WHERE c.held IS NOT NULL
)
INSERT INTO resolved (organisation_id, old, new)
SELECT o.id, jsonb_object_agg(f.field, f.current), jsonb_object_agg(f.field, f.target)
  FROM candidates c
  JOIN organisations o ON o.id = c.organisation_id
 CROSS JOIN LATERAL (VALUES {_FIELDS}) AS f(field, position, current, target)
 -- An organisation that serves what its sources hold, with no lock, is passed over at once.
 WHERE (NOT c.held OR cardinality(o.locked_fields) > 0 OR c.served <> {_CURRENT})
   AND f.current IS DISTINCT FROM f.target
 GROUP BY o.id
"""


# A KvK number the merge would serve that another organisation serves already (not a duplicate
# merged into this one: that hands it over), or that two organisations would both serve: a
# coordinator must merge them first.
_KVK_TAKEN = """
SELECT r.organisation_id, r.new ->> 'kvk_number' AS kvk_number, other.id AS holder
  FROM resolved r
  JOIN organisations other ON other.kvk_number = r.new ->> 'kvk_number' AND other.id <> r.organisation_id
                          AND other.merged_into IS DISTINCT FROM r.organisation_id
 WHERE r.new ->> 'kvk_number' IS NOT NULL
UNION ALL
SELECT r.organisation_id, r.new ->> 'kvk_number', other.organisation_id
  FROM resolved r
  JOIN resolved other ON other.new ->> 'kvk_number' = r.new ->> 'kvk_number'
                     AND other.organisation_id <> r.organisation_id
"""
_HISTORY = f"""
INSERT INTO organisation_changes (organisation_id, changed_by, source, action, field, old_value, new_value)
SELECT r.organisation_id, $1::text, $2::text, $3::text, f.field, r.old -> f.field, r.new -> f.field
  FROM resolved r
 CROSS JOIN LATERAL unnest(ARRAY[{", ".join(f"'{field}'" for field in ORGANISATION_FIELDS)}])
       WITH ORDINALITY AS f(field, position)
 WHERE r.new ? f.field
 ORDER BY r.organisation_id, f.position
"""
_HAND_OVER_KVK = """
UPDATE organisations d SET kvk_number = NULL, version = d.version + 1, updated_at = now()
  FROM resolved r
 WHERE d.merged_into = r.organisation_id AND d.kvk_number = r.new ->> 'kvk_number'
RETURNING d.id
"""
_APPLY = f"""
UPDATE organisations o SET {", ".join(_assign(field) for field in ORGANISATION_FIELDS)},
       version = o.version + 1, updated_at = now()
  FROM resolved r
 WHERE o.id = r.organisation_id
RETURNING o.id
"""


@dataclass(frozen=True)
class KvkTaken:
    organisation_id: uuid.UUID
    kvk_number: str
    holder: uuid.UUID


async def resolve(session: AsyncSession, organisation_ids: str, *params: Any) -> list[KvkTaken]:
    """Compute what changes for these organisations (a subquery over `$1...`); KvK clashes, if any."""
    db = await driver_connection(session)
    await db.execute(_PREPARE)
    await db.execute(_resolve(organisation_ids), *params)
    return [KvkTaken(row["organisation_id"], row["kvk_number"], row["holder"]) for row in await db.fetch(_KVK_TAKEN)]


async def resolve_organisations(session: AsyncSession, organisation_ids: list[uuid.UUID]) -> list[KvkTaken]:
    return await resolve(session, "SELECT unnest($1::uuid[])", organisation_ids)


async def apply(session: AsyncSession, who: str, source: str | None, action: str) -> None:
    """Write what `resolve` computed (bulk SQL bypasses the ORM, so it raises `version` itself)."""
    db = await driver_connection(session)
    await db.execute(_HISTORY, who, source, action)
    changed = [row["id"] for row in await db.fetch(_HAND_OVER_KVK)] + [row["id"] for row in await db.fetch(_APPLY)]
    # The change feed (common/changes.py) sees no raw SQL.
    record_changes(session, Organisation.__tablename__, changed, Operation.updated)


# --- precedence and conflicts --------------------------------------------------------------------

_RANK = """
UPDATE source_records sr SET precedence = ranked.precedence
  FROM (SELECT id, row_number() OVER (ORDER BY array_position($2::text[], source::text), precedence, id) AS precedence
          FROM source_records WHERE organisation_id = $1) AS ranked
 WHERE sr.id = ranked.id AND sr.precedence <> ranked.precedence
"""
# Per organisation held by two or more sources: the fields on which their values differ (an empty
# value is none), each source's value in order of precedence, and what the organisation serves.
_CONFLICTS = f"""
WITH shared AS (
    SELECT organisation_id FROM source_records
     WHERE withdrawn_at IS NULL AND ($1::uuid IS NULL OR organisation_id = $1)
       AND ($2::uuid IS NULL OR organisation_id > $2)
     GROUP BY organisation_id HAVING count(*) > 1
     ORDER BY organisation_id
), sent AS (
    SELECT sr.organisation_id, f.key AS field, f.value, sr.source, sr.external_id, sr.precedence
      FROM shared s
      JOIN source_records sr ON sr.organisation_id = s.organisation_id AND sr.withdrawn_at IS NULL
     CROSS JOIN LATERAL jsonb_each(sr.record) AS f
     WHERE f.value NOT IN ('null'::jsonb, '[]'::jsonb)
), disputed AS (
    SELECT organisation_id, field,
           jsonb_agg(jsonb_build_object('source', source, 'external_id', external_id, 'precedence', precedence,
                                        'value', value) ORDER BY precedence) AS sources
      FROM sent GROUP BY organisation_id, field HAVING count(DISTINCT value) > 1
)
SELECT d.organisation_id, o.name,
       jsonb_agg(jsonb_build_object('field', d.field, 'served', jsonb_build_object(
                     {", ".join(f"'{field}', o.{field}" for field in ORGANISATION_FIELDS)}) -> d.field,
                     'locked', d.field = ANY(o.locked_fields), 'sources', d.sources)
                 ORDER BY array_position(ARRAY[{", ".join(f"'{field}'" for field in ORGANISATION_FIELDS)}], d.field))
           AS fields
  FROM disputed d JOIN organisations o ON o.id = d.organisation_id
 GROUP BY d.organisation_id, o.name
 ORDER BY d.organisation_id
 LIMIT $3
"""


@dataclass(frozen=True)
class Conflict:
    organisation_id: uuid.UUID
    name: str
    fields: list[dict[str, Any]]


async def rank_sources(session: AsyncSession, organisation_id: uuid.UUID, sources: list[str]) -> None:
    """Precedence in the order of `sources`; a source's own records keep their order among themselves."""
    await (await driver_connection(session)).execute(_RANK, organisation_id, sources)


async def conflicts(session: AsyncSession, *, organisation_id: uuid.UUID | None, after: uuid.UUID | None,
                    limit: int) -> list[Conflict]:
    """Up to `limit` organisations whose sources disagree, by id after `after`."""
    rows = await (await driver_connection(session)).fetch(_CONFLICTS, organisation_id, after, limit)
    return [Conflict(row["organisation_id"], row["name"], list(row["fields"])) for row in rows]
