"""The feed's SQL: a temporary staging table filled by COPY, checked and merged into observations set-wise."""

import uuid
from collections.abc import AsyncIterable
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from common.database import advisory_xact_lock, driver_connection
from common.idempotency import IdempotencyKeys
from services.metrics_api.models import Batch, Measure, Occupation, Region, idempotency_keys

KEYS = IdempotencyKeys(idempotency_keys)
# The order of the records the feed's Checker produces.
STAGING_COLUMNS = ["line", "measure", "region", "occupation", "period", "frequency", "value", "status",
                   "missing_reason", "withdraw"]
STAGING_TABLE = (
    "CREATE TEMP TABLE feed_rows (line integer NOT NULL, measure text, region text, occupation text, period text,"
    " frequency text, value text, status text, missing_reason text, withdraw boolean) ON COMMIT DROP"
)

CLASSIFY = """
    SELECT s.*, latest.revision AS previous_revision,
           CASE
             WHEN s.withdraw THEN
               CASE WHEN latest.revision IS NULL OR latest.withdrawn THEN 'unchanged' ELSE 'revised' END
             WHEN latest.revision IS NULL THEN 'inserted'
             WHEN latest.withdrawn OR latest.value IS DISTINCT FROM s.value OR latest.status <> s.status
                  OR latest.missing_reason IS DISTINCT FROM s.missing_reason THEN 'revised'
             ELSE 'unchanged'
           END AS outcome
    FROM (SELECT line, measure, region, occupation, period, frequency, value::numeric AS value, status,
                 missing_reason, withdraw FROM feed_rows) s
    LEFT JOIN LATERAL (
        SELECT o.revision, o.value, o.status, o.missing_reason, o.withdrawn
        FROM observations o
        WHERE o.measure = s.measure AND o.region = s.region AND o.occupation = s.occupation AND o.period = s.period
              AND o.source = $1
        ORDER BY o.revision DESC
        LIMIT 1
    ) latest ON true
"""

# The changes are settled in a temporary table before the insert starts, so the lookups never
# walk rows the insert adds (and a plain table feeds an INSERT faster than a materialized CTE).
CHANGES_TABLE = """
    CREATE TEMP TABLE feed_changes (measure text, region text, occupation text, period text, revision integer,
                                    frequency text, value numeric, status text, missing_reason text, withdraw boolean)
    ON COMMIT DROP
"""
CHANGES = f"""
    INSERT INTO feed_changes
    SELECT measure, region, occupation, period, coalesce(previous_revision, 0) + 1 AS revision, frequency, value,
           status, missing_reason, withdraw
    FROM ({CLASSIFY}) classified
    WHERE outcome <> 'unchanged'
"""

# Revision 1 is the source's new figure, a higher one its revision; the rest of the batch is unchanged.
MERGE = """
    INSERT INTO observations (measure, region, occupation, period, revision, frequency, value, status,
                              missing_reason, withdrawn, source, batch_id, recorded_at)
    SELECT measure, region, occupation, period, revision, frequency, value, status, missing_reason, withdraw,
           $1, $2, now()
    FROM feed_changes
"""

COUNT_CHANGES = """
    SELECT 'inserted', count(*) FILTER (WHERE revision = 1) FROM feed_changes
    UNION ALL
    SELECT 'revised', count(*) FILTER (WHERE revision > 1) FROM feed_changes
"""

DRY_RUN = f"SELECT outcome, count(*) FROM ({CLASSIFY}) classified GROUP BY outcome"

DUPLICATES = """
    SELECT line, first_line FROM (
        SELECT line, min(line) OVER (PARTITION BY measure, region, occupation, period) AS first_line FROM feed_rows
    ) keyed
    WHERE line <> first_line
    ORDER BY line
"""


async def prepare(session: AsyncSession, statement_timeout_ms: int) -> None:
    # Bulk work outlives the service's default statement timeout; the feed has its own.
    await session.execute(text(f"SET LOCAL statement_timeout = {int(statement_timeout_ms)}"))
    # The duplicate check and the merge sort and hash a whole batch: keep that in memory, not on disk.
    await session.execute(text("SET LOCAL work_mem = '256MB'"))
    # Each staged row looks up its key's latest revision through the primary key. Statistics taken
    # when the table was small (or empty, before a first load) make a sequential scan per row look
    # cheap, and that is quadratic; the index is right at every size.
    await session.execute(text("SET LOCAL enable_seqscan = off"))


async def reference_codes(session: AsyncSession) -> dict[str, Any]:
    """The Reference a feed checks against (a few hundred rows): measures with their value type and
    whether they take forecasts, regions valid throughout, merged-away ones with their end and successor,
    occupation classes."""
    measures = (await session.execute(select(Measure.code, Measure.value_type, Measure.forecasts_allowed))).all()
    regions = (await session.execute(select(Region.code, Region.valid_to, Region.successor))).all()
    return {
        "measures": {code: value_type for code, value_type, _ in measures},
        "forecasts": frozenset(code for code, _, forecasts in measures if forecasts),
        "regions": frozenset(code for code, valid_to, _ in regions if valid_to is None),
        "ended": {code: (valid_to, successor) for code, valid_to, successor in regions if valid_to is not None},
        "occupations": frozenset(await session.scalars(select(Occupation.code))),
    }


async def stage(session: AsyncSession, records: AsyncIterable[tuple]) -> None:
    """COPY the checked records into the staging table as they come (whatever the records raise comes through)."""
    driver = await driver_connection(session)
    await driver.execute(STAGING_TABLE)
    await driver.copy_records_to_table("feed_rows", records=records, columns=STAGING_COLUMNS)


async def discard_staged(session: AsyncSession) -> None:
    """Drop what `stage` copied, so that the body can be staged again (read with what its end decided)."""
    driver = await driver_connection(session)
    await driver.execute("DROP TABLE feed_rows")


async def duplicate_lines(session: AsyncSession) -> list[tuple[int, int]]:
    """(line, first line) of every staged row whose key an earlier row has."""
    driver = await driver_connection(session)
    return [(line, first_line) for line, first_line in await driver.fetch(DUPLICATES)]


async def dry_run_counts(session: AsyncSession, source: str) -> dict[str, int]:
    driver = await driver_connection(session)
    return dict(await driver.fetch(DRY_RUN, source))


async def merge(session: AsyncSession, source: str, batch_id: uuid.UUID) -> dict[str, int]:
    """Write a revision of every staged figure of `source` that changes; the counts of inserted and revised ones.

    Only the source's own figures are compared, revised or withdrawn: another source's figure for
    the same cell is neither read nor touched.
    """
    # One feed of a source at a time decides its revision numbers: two concurrent posts of the same
    # key would otherwise both write revision n+1. Other sources' feeds have other keys.
    await advisory_xact_lock(session, f"metrics.observations:{source}")
    driver = await driver_connection(session)
    await driver.execute(CHANGES_TABLE)
    await driver.execute(CHANGES, source)
    await driver.execute(MERGE, source, batch_id)
    return dict(await driver.fetch(COUNT_CHANGES))


async def claim_first_source(session: AsyncSession, source: str, measures: list[str]) -> None:
    """Record `source` as the first source of the measures no source posted figures of before."""
    driver = await driver_connection(session)
    # Rows locked in code order, so two first feeds of overlapping measures wait rather than deadlock.
    await driver.execute("""
        UPDATE measures SET first_source = $1
        WHERE code IN (SELECT code FROM measures WHERE code = ANY($2::text[]) AND first_source IS NULL
                       ORDER BY code FOR UPDATE)
    """, source, measures)


async def add_batch(session: AsyncSession, batch: Batch) -> None:
    session.add(batch)
    await session.flush()


async def find_batch(session: AsyncSession, batch_id: uuid.UUID) -> Batch | None:
    return await session.get(Batch, batch_id)
