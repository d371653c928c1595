"""The municipal push's SQL: records COPYed into a staging table, compared, planned and applied set-based.

The steps and their order are the domain's (domain/push.py); every statement is here. They run
on the asyncpg connection under the request's session, in its one transaction. Each record is
staged with its JSON as the source record keeps it, so one read finds the records the source sent
before exactly so; only the others are planned and written.
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

import orjson
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from common.changes import Operation, record_changes
from common.collector import no_collection
from common.database import driver_connection
from services.partners_api.domain import IDENTIFIER_FIELDS, ORGANISATION_FIELDS
from services.partners_api.models import Organisation
from services.partners_api.repository import survivorship
from services.partners_api.schemas.push import PushRow

_COPY_COLUMNS = ("idx", "external_id", *ORGANISATION_FIELDS, "record")

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
    active boolean NOT NULL,
    record jsonb NOT NULL"""
# The tables are the transaction's own (dropped at its commit).
_CREATE_TABLES = f"""
CREATE TEMP TABLE push_records ({_RECORD_COLUMNS}) ON COMMIT DROP;
-- The records that are new or differ from what the source sent last, and what becomes of each.
CREATE TEMP TABLE push_plan ({_RECORD_COLUMNS},
    organisation_id uuid NOT NULL,
    source_record_id bigint,
    previous jsonb,
    withdrawn boolean NOT NULL,
    created boolean NOT NULL,
    linked boolean NOT NULL,
    identifier_changes text[] NOT NULL
) ON COMMIT DROP;
CREATE TEMP TABLE push_outcomes (
    idx integer NOT NULL,
    kept_fields text[] NOT NULL,
    outranked_fields text[] NOT NULL,
    disputed jsonb NOT NULL
) ON COMMIT DROP
"""

_COLUMNS = ", ".join(ORGANISATION_FIELDS)
_ORGANISATIONS = Organisation.__tablename__  # the change feed's entity


def _served_column(name: str) -> str:
    return f"o.{name}::text[]" if name == "sectors" else f"o.{name}"


def _has_value(name: str, record: str) -> str:
    return f"cardinality({record}.sectors) > 0" if name == "sectors" else f"{record}.{name} IS NOT NULL"


def _row(record: str) -> str:
    return "(" + ", ".join(f"{record}.{name}" for name in ORGANISATION_FIELDS) + ")"


_SERVED_ROW = "(" + ", ".join(_served_column(name) for name in ORGANISATION_FIELDS) + ")"


def _holds(condition: str, name: str, record: str) -> str:
    """`condition` (a template over `{name}`, `{served}`, `{sent}`, `{has_value}`) for one field."""
    return condition.format(name=name, served=_served_column(name), sent=f"{record}.{name}",
                            has_value=_has_value(name, record))


def _fields_where(condition: str, record: str) -> str:
    """The fields for which `condition` holds, in their order: plain expressions, no joins or sorts."""
    cases = ", ".join(f"CASE WHEN {_holds(condition, name, record)} THEN '{name}' END" for name in ORGANISATION_FIELDS)
    return f"array_remove(ARRAY[{cases}]::text[], NULL)"


# What a record was not served: fields a coordinator locked (kept), values a source of higher
# precedence outranked, and of those the ones sent anew (disagreements, kept with the served value).
_KEPT = "{served} IS DISTINCT FROM {sent} AND '{name}' = ANY(o.locked_fields)"
_OUTRANKED = "{served} IS DISTINCT FROM {sent} AND '{name}' <> ALL(o.locked_fields) AND {has_value}"
_DISPUTED = _OUTRANKED + " AND (p.previous IS NULL OR p.previous -> '{name}' IS DISTINCT FROM p.record -> '{name}')"
_DISPUTED_VALUES = "jsonb_strip_nulls(jsonb_build_object(" + ", ".join(
    f"'{name}', CASE WHEN {_holds(_DISPUTED, name, 'p')} THEN to_jsonb(o.{name}) END" for name in ORGANISATION_FIELDS
) + "))"

# The identifiers this record changes: what differs from the source's own last record and from
# what the organisation serves (taking up the value everyone else sent is no change).
_IDENTIFIER_CHANGES = "ARRAY(SELECT i.field FROM (VALUES " + ", ".join(
    f"('{name}', s.{name}, o.{name}, sr.record ->> '{name}')" for name in IDENTIFIER_FIELDS
) + ") AS i(field, sent, served, before) WHERE i.sent IS DISTINCT FROM i.before AND i.sent IS DISTINCT FROM i.served)"

# The records the source sent before exactly so, still holding: they write nothing. Each is one
# probe of the source's records and one of its organisation, to say what it is not served (what a
# coordinator locked or a higher source holds otherwise). `OFFSET 0` keeps the planner from turning
# the probes into joins that read every record of the source (the temporary table has no statistics).
_UNCHANGED = f"""
SELECT s.idx, o.id::text AS organisation_id,
       CASE WHEN {_SERVED_ROW} IS DISTINCT FROM {_row("s")} THEN {_fields_where(_KEPT, "s")} END AS kept_fields,
       CASE WHEN {_SERVED_ROW} IS DISTINCT FROM {_row("s")} THEN {_fields_where(_OUTRANKED, "s")} END
           AS outranked_fields
  FROM push_records s
 CROSS JOIN LATERAL (SELECT x.organisation_id FROM source_records x
                      WHERE x.source = $1::text AND x.external_id = s.external_id AND x.withdrawn_at IS NULL
                        AND x.record = s.record OFFSET 0) sr
 CROSS JOIN LATERAL (SELECT * FROM organisations o WHERE o.id = sr.organisation_id OFFSET 0) o
"""
# The other records are planned: matched by this source's external_id, else by the KvK number an
# organisation serves (a merged duplicate's leads to its survivor), else a new organisation. Each
# lookup is a probe of an index, made only where the one before found nothing. The plan answers
# where the records that found an organisation went (two on one are refused), and whether the
# source held a record there already (`known`: updated, else linked).
_PLAN = f"""
WITH planned AS (
    INSERT INTO push_plan
    SELECT s.*,
           coalesce(o.id, gen_random_uuid()),
           sr.id,
           sr.record,
           coalesce(sr.withdrawn_at IS NOT NULL, false),
           o.id IS NULL,
           sr.id IS NULL AND o.id IS NOT NULL,
           CASE WHEN sr.id IS NULL OR sr.record = s.record THEN '{{}}'::text[] ELSE {_IDENTIFIER_CHANGES} END
      FROM push_records s
      LEFT JOIN LATERAL (SELECT * FROM source_records x
                          WHERE x.source = $1::text AND x.external_id = s.external_id OFFSET 0) sr ON true
      LEFT JOIN LATERAL (SELECT coalesce(k.merged_into, k.id) AS organisation_id FROM organisations k
                          WHERE sr.id IS NULL AND k.kvk_number = s.kvk_number OFFSET 0) known ON true
      LEFT JOIN LATERAL (SELECT * FROM organisations o
                          WHERE o.id = coalesce(sr.organisation_id, known.organisation_id) OFFSET 0) o ON true
     WHERE sr.id IS NULL OR sr.withdrawn_at IS NOT NULL OR sr.record <> s.record
    RETURNING idx, organisation_id, created, source_record_id IS NOT NULL AS known
)
SELECT idx, organisation_id::text AS organisation_id, known FROM planned WHERE NOT created
"""
# Identifiers of an organisation other sources hold are not one source's to change.
_SHARED_IDENTIFIERS_CHANGED = """
SELECT p.idx, p.identifier_changes, holders.sources
  FROM push_plan p
 CROSS JOIN LATERAL (
     SELECT array_agg(DISTINCT h.source ORDER BY h.source) AS sources FROM source_records h
      WHERE h.organisation_id = p.organisation_id AND h.source <> $1::text AND h.withdrawn_at IS NULL) holders
 WHERE cardinality(p.identifier_changes) > 0 AND holders.sources IS NOT NULL
 ORDER BY p.idx
"""
# What a full sync holds: the records of this push, or those pushed into a sync session ($2).
_IN_PUSH = "SELECT 1 FROM push_records s WHERE s.external_id = sr.external_id"
_IN_SYNC_SESSION = ("SELECT 1 FROM sync_session_records s "
                    "WHERE s.session_id = $2::uuid AND s.external_id = sr.external_id")
_WITHDRAWAL_SHARE = """
SELECT count(*) AS holding, count(*) FILTER (WHERE NOT EXISTS ({held})) AS missing
  FROM source_records sr
 WHERE sr.source = $1::text AND sr.withdrawn_at IS NULL
"""
_INSERT_ORGANISATIONS = f"""
INSERT INTO organisations (id, {_COLUMNS})
SELECT organisation_id, {_COLUMNS} FROM push_plan WHERE created ORDER BY idx
"""
_HISTORY_CREATED = """
INSERT INTO organisation_changes (organisation_id, changed_by, source, action, new_value)
SELECT organisation_id, $1::text, $2::text, 'created', record FROM push_plan WHERE created ORDER BY idx
"""
_HISTORY_LINKED = """
INSERT INTO organisation_changes (organisation_id, changed_by, source, action, field, new_value)
SELECT organisation_id, $1::text, $2::text, 'linked', 'source_records',
       jsonb_build_object('source', $2::text, 'external_id', external_id)
  FROM push_plan WHERE linked ORDER BY idx
"""
# A source that links an organisation comes after those that hold it already.
_INSERT_SOURCE_RECORDS = """
INSERT INTO source_records (source, external_id, organisation_id, record, precedence)
SELECT $1::text, p.external_id, p.organisation_id, p.record,
       CASE WHEN p.created THEN 1 ELSE 1 + coalesce(
           (SELECT max(x.precedence) FROM source_records x WHERE x.organisation_id = p.organisation_id), 0) END
  FROM push_plan p WHERE p.source_record_id IS NULL ORDER BY p.idx
"""
_UPDATE_SOURCE_RECORDS = """
UPDATE source_records sr SET record = p.record, withdrawn_at = NULL, updated_at = now()
  FROM push_plan p
 WHERE sr.id = p.source_record_id
"""
_CHANGED_ORGANISATIONS = "SELECT organisation_id FROM push_plan WHERE NOT created"

# After the merge, what each changed record was not served, and its disagreements (unchanged
# records had theirs from the plan). One probe of the organisation each.
_OUTCOMES_OF_FIELDS = f"""
INSERT INTO push_outcomes
SELECT p.idx, {_fields_where(_KEPT, "p")}, {_fields_where(_OUTRANKED, "p")}, {_DISPUTED_VALUES}
  FROM push_plan p
 CROSS JOIN LATERAL (SELECT * FROM organisations o WHERE o.id = p.organisation_id OFFSET 0) o
 WHERE NOT p.created AND {_SERVED_ROW} IS DISTINCT FROM {_row("p")}
"""
_HISTORY_DISAGREED = f"""
INSERT INTO organisation_changes (organisation_id, changed_by, source, action, field, old_value, new_value)
SELECT p.organisation_id, $1::text, $2::text, 'disagreed', f.key, f.value, p.record -> f.key
  FROM push_outcomes d
  JOIN push_plan p ON p.idx = d.idx
 CROSS JOIN LATERAL jsonb_each(d.disputed) AS f
 ORDER BY p.idx, array_position(ARRAY[{", ".join(f"'{name}'" for name in ORGANISATION_FIELDS)}], f.key)
"""
_OUTCOMES = """
SELECT p.idx, p.organisation_id::text AS organisation_id, p.created, d.kept_fields, d.outranked_fields
  FROM push_plan p LEFT JOIN push_outcomes d ON d.idx = p.idx
"""
_WITHDRAW_MISSING = """
UPDATE source_records sr SET withdrawn_at = now(), updated_at = now()
 WHERE sr.source = $1::text AND sr.withdrawn_at IS NULL
   AND NOT EXISTS ({held})
RETURNING sr.organisation_id, sr.external_id
"""
_HISTORY_WITHDRAWN_RECORDS = """
INSERT INTO organisation_changes (organisation_id, changed_by, source, action, field, old_value)
SELECT organisation_id, $1::text, $2::text, 'withdrawn', 'source_records',
       jsonb_build_object('source', $2::text, 'external_id', external_id)
  FROM unnest($3::uuid[], $4::text[]) AS gone(organisation_id, external_id)
"""


@dataclass(frozen=True)
class SharedIdentifierChanged:
    index: int
    fields: list[str]
    holders: list[str]


class RecordOutcome(NamedTuple):
    """What became of the record at `position`: its organisation, whether it changed or was created, and
    what it was not served (fields a coordinator locked; values a source of higher precedence holds).
    A tuple: a push makes one per record, and a frozen dataclass costs several times as much to make."""

    position: int
    organisation_id: str
    created: bool
    changed: bool
    kept_fields: list[str]
    outranked_fields: list[str]


@dataclass(frozen=True)
class WithdrawnRecord:
    external_id: str
    organisation_id: uuid.UUID


@dataclass
class Staged:
    """The records that differ in nothing from what the source holds (by position), where each
    planned record that found an existing organisation goes, and how many of those the source held
    already: the steps only some records need are skipped when there are none (a first push, an
    unchanged one, a second source linking what the first created)."""

    unchanged: dict[int, RecordOutcome]
    existing: dict[int, str]
    known: int
    created: int

    @property
    def changed(self) -> int:
        return len(self.existing)

    @property
    def linked(self) -> int:
        return len(self.existing) - self.known


@dataclass(frozen=True)
class WithdrawalShare:
    holding: int
    missing: int


def _fields(value: list[str] | None) -> list[str]:
    return list(value) if value else []


async def stage(session: AsyncSession, rows: Sequence[PushRow]) -> None:
    """The records into the transaction's own staging table. It reads nothing that other pushes write,
    so it runs before the push takes its lock: two pushes in flight overlap this with each other's work."""
    # The temporary tables have no statistics, so the planner overestimates and would JIT-compile
    # queries that run in milliseconds (hundreds of milliseconds of compiling per statement, measured).
    # Set through the session, which begins its transaction: on the driver's connection alone the
    # tables (ON COMMIT DROP) would be made in autocommit, and gone at once.
    await session.execute(text("SET LOCAL jit = off"))
    db = await driver_connection(session)
    await db.execute(_CREATE_TABLES)
    with no_collection():
        records = [(index, *row, orjson.dumps(dict(zip(ORGANISATION_FIELDS, row[1:], strict=True))).decode())
                   for index, row in enumerate(rows)]
    await db.copy_records_to_table("push_records", columns=_COPY_COLUMNS, records=records)


async def plan(session: AsyncSession, source: str, records: int) -> Staged:
    """The staged records compared with what the source holds, and the others planned (under the push's lock)."""
    db = await driver_connection(session)
    found = await db.fetch(_UNCHANGED, source)
    with no_collection():
        unchanged = {row["idx"]: RecordOutcome(row["idx"], row["organisation_id"], False, False,
                                               _fields(row["kept_fields"]), _fields(row["outranked_fields"]))
                     for row in found}
    existing: dict[int, str] = {}
    known = 0
    if len(unchanged) < records:
        for row in await db.fetch(_PLAN, source):
            existing[row["idx"]] = row["organisation_id"]
            known += row["known"]
    return Staged(unchanged, existing, known, records - len(unchanged) - len(existing))


def _held(sync_session: uuid.UUID | None) -> tuple[str, tuple[uuid.UUID, ...]]:
    return (_IN_PUSH, ()) if sync_session is None else (_IN_SYNC_SESSION, (sync_session,))


async def withdrawal_share(session: AsyncSession, source: str,
                           sync_session: uuid.UUID | None = None) -> WithdrawalShare:
    """How many records the source holds, and how many of them a full sync would withdraw: of the
    staged body, or of the records pushed into `sync_session`."""
    held, params = _held(sync_session)
    row = await (await driver_connection(session)).fetchrow(_WITHDRAWAL_SHARE.format(held=held), source, *params)
    return WithdrawalShare(row["holding"], row["missing"])


async def shared_identifiers_changed(session: AsyncSession, source: str) -> list[SharedIdentifierChanged]:
    rows = await (await driver_connection(session)).fetch(_SHARED_IDENTIFIERS_CHANGED, source)
    return [SharedIdentifierChanged(row["idx"], list(row["identifier_changes"]), list(row["sources"])) for row in rows]


async def store_records(session: AsyncSession, source: str, who: str, staged: Staged) -> None:
    """New organisations, and each source record as the source sent it, with their history. A statement
    with no rows to write is not sent: the planner, without statistics of the plan table, would join
    it with every source record even so (an update of no rows took 48 ms of 5,000-record pushes)."""
    db = await driver_connection(session)
    if staged.created:
        await db.execute(_INSERT_ORGANISATIONS)
        await db.execute(_HISTORY_CREATED, who, source)
    if staged.linked:
        await db.execute(_HISTORY_LINKED, who, source)
    if staged.created or staged.linked:
        await db.execute(_INSERT_SOURCE_RECORDS, source)
    if staged.known:
        await db.execute(_UPDATE_SOURCE_RECORDS)


async def resolve_changed(session: AsyncSession) -> list[survivorship.KvkTaken]:
    """Merge again the organisations whose records this push changed; KvK clashes, if any."""
    return await survivorship.resolve(session, _CHANGED_ORGANISATIONS)


async def record_indexes(session: AsyncSession, organisation_ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    """The position of the record that put each of these organisations in the plan."""
    rows = await (await driver_connection(session)).fetch(
        "SELECT organisation_id, min(idx) AS idx FROM push_plan WHERE organisation_id = ANY($1::uuid[]) GROUP BY 1",
        organisation_ids)
    return {row["organisation_id"]: row["idx"] for row in rows}


async def planned_outcomes(session: AsyncSession, source: str, who: str, staged: Staged) -> list[RecordOutcome]:
    """What became of each planned record, with what it was not served; disagreements go into the history."""
    db = await driver_connection(session)
    if staged.changed:
        await db.execute(_OUTCOMES_OF_FIELDS)
        await db.execute(_HISTORY_DISAGREED, who, source)
    found = await db.fetch(_OUTCOMES)
    with no_collection():
        planned = [RecordOutcome(row["idx"], row["organisation_id"], row["created"], True,
                                 _fields(row["kept_fields"]), _fields(row["outranked_fields"])) for row in found]
    # The change feed (common/changes.py) sees no raw SQL: new organisations, and those whose source records changed.
    record_changes(session, _ORGANISATIONS, [record.organisation_id for record in planned if record.created],
                   Operation.created)
    record_changes(session, _ORGANISATIONS, [record.organisation_id for record in planned if not record.created],
                   Operation.updated)
    return planned
async def withdraw_missing(session: AsyncSession, source: str, who: str,
                           sync_session: uuid.UUID | None = None) -> list[WithdrawnRecord]:
    """Withdraw the source's records this push (or the pushes into `sync_session`) did not hold, with their history."""
    db = await driver_connection(session)
    held, params = _held(sync_session)
    gone = [WithdrawnRecord(row["external_id"], row["organisation_id"])
            for row in await db.fetch(_WITHDRAW_MISSING.format(held=held), source, *params)]
    if gone:
        await db.execute(_HISTORY_WITHDRAWN_RECORDS, who, source, [record.organisation_id for record in gone],
                         [record.external_id for record in gone])
        record_changes(session, _ORGANISATIONS, [record.organisation_id for record in gone], Operation.updated)
    return gone
