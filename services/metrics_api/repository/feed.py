"""The feed's SQL: figures compared chunk by chunk and copied straight into observations (`DirectWrite`), or,
for a dry run and a batch that may repeat a key, a temporary staging table filled by COPY, checked and merged
into observations set-wise."""

import asyncio
import csv
import io
import uuid
from collections.abc import AsyncIterable, AsyncIterator, Iterable
from itertools import repeat
from operator import add, itemgetter
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from common.changes import Operation, record_changes
from common.database import driver_connection
from common.idempotency import IdempotencyKeys
from services.metrics_api.models import Batch, Measure, idempotency_keys

KEYS = IdempotencyKeys(idempotency_keys)
# The change events of a feed name the series it changed: "{measure}/{region}/{occupation}".
SERIES_ENTITY = "series"
# The order of the records the feed's Checker produces.
STAGING_COLUMNS = ["line", "measure", "region", "occupation", "period", "frequency", "value", "status",
                   "missing_reason", "withdraw"]
STAGING_TABLE = (
    "CREATE TEMP TABLE feed_rows (line integer NOT NULL, measure text, region text, occupation text, period text,"
    " frequency text, value text, status text, missing_reason text, withdraw boolean) ON COMMIT DROP"
)

CLASSIFY_ROWS = """
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
                 missing_reason, withdraw FROM {rows}) s
    LEFT JOIN LATERAL (
        SELECT o.revision, o.value, o.status, o.missing_reason, o.withdrawn
        FROM observations o
        WHERE o.measure = s.measure AND o.region = s.region AND o.occupation = s.occupation AND o.period = s.period
              AND o.source = $1
        ORDER BY o.revision DESC
        LIMIT 1
    ) latest ON true
"""
# Each staged row with the source's latest revision of its key and what the row does to it.
CLASSIFY = CLASSIFY_ROWS.format(rows="feed_rows")
# The same for a few rows sent as arrays ($4 on, in the staging table's columns), without a table.
ARRAY_ROWS = ("unnest($4::integer[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[],"
              " $11::text[], $12::text[], $13::boolean[]) AS rows(" + ", ".join(STAGING_COLUMNS) + ")")

DRY_RUN = f"SELECT outcome, count(*) FROM ({CLASSIFY}) classified GROUP BY outcome"

DUPLICATES = """
    SELECT line, first_line FROM (
        SELECT line, min(line) OVER (PARTITION BY measure, region, occupation, period) AS first_line FROM feed_rows
    ) keyed
    WHERE line <> first_line
    ORDER BY line
"""


# The feed's settings for its transaction, the transaction's time and the codes it checks against, in one
# round trip (a one-row post is mostly round trips). Arrays in code order, so that columns pair up.
PREPARE = """
    SELECT -- Bulk work outlives the service's default timeout.
           set_config('statement_timeout', :timeout, true),
           -- The duplicate check and the merge sort and hash a whole batch: keep that in memory, not on disk.
           set_config('work_mem', '256MB', true),
           -- Each staged row looks up its key's latest revision through the primary key. Statistics taken
           -- when the table was small (or empty, before a first load) make a sequential scan per row look
           -- cheap, and that is quadratic; the index is right at every size.
           set_config('enable_seqscan', 'off', true),
           -- The batch-sized statements cost enough that the planner would JIT-compile each (10-30 ms a
           -- time, every chunk); their work is index probes and copies, which compiled code does not speed up.
           set_config('jit', 'off', true),
           now(),
           ARRAY(SELECT code FROM measures ORDER BY code), ARRAY(SELECT value_type FROM measures ORDER BY code),
           ARRAY(SELECT code FROM measures WHERE forecasts_allowed),
           ARRAY(SELECT code FROM regions WHERE valid_to IS NULL),
           ARRAY(SELECT code FROM regions WHERE valid_to IS NOT NULL ORDER BY code),
           ARRAY(SELECT valid_to FROM regions WHERE valid_to IS NOT NULL ORDER BY code),
           ARRAY(SELECT successor FROM regions WHERE valid_to IS NOT NULL ORDER BY code),
           ARRAY(SELECT code FROM occupations)
"""


async def prepare(session: AsyncSession, statement_timeout_ms: int) -> tuple[Any, dict[str, Any]]:
    """Set the feed's settings for its transaction; the transaction's time (the figures' `recorded_at`) and
    the Reference a feed checks against (a few hundred rows): measures with their value type and whether
    they take forecasts, regions valid throughout, merged-away ones with their end and successor,
    occupation classes."""
    row = (await session.execute(text(PREPARE), {"timeout": str(int(statement_timeout_ms))})).one()
    now, measures, value_types, forecasts, regions, ended, ends, successors, occupations = row[4:]
    return now, {
        "measures": dict(zip(measures, value_types, strict=True)),
        "forecasts": frozenset(forecasts),
        "regions": frozenset(regions),
        "ended": {code: (end, successor) for code, end, successor in zip(ended, ends, successors, strict=True)},
        "occupations": frozenset(occupations),
    }


def _csv_text(rows: Iterable[tuple]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue()


def copy_csv(rows: Iterable[tuple], shared: tuple = ()) -> memoryview:
    """Rows in the CSV form COPY reads, written by the C csv writer, each followed by the `shared` fields.

    A None is an empty field, which COPY reads as NULL (no record holds an empty string). Cheaper for
    the service than asyncpg's binary encoding of the same tuples, which was a third of a first post's
    CPU. The shared fields are written once and put at each line's end by one replace, not a tuple a
    row; a field with a line break in it (none passes the checks) would make that ambiguous, and the
    rows are then joined with them one by one. A memoryview: asyncpg's COPY takes bytes for a path.
    """
    rows = rows if isinstance(rows, list) else list(rows)
    text = _csv_text(rows)
    if shared:
        if text.count("\n") == len(rows):
            text = text.replace("\n", "," + _csv_text([shared]))
        else:
            text = _csv_text(map(add, rows, repeat(shared)))
    return memoryview(text.encode())


async def _staging_csv(batches: AsyncIterable[list[tuple]]) -> AsyncIterator[memoryview]:
    async for records in batches:
        yield copy_csv(records)


async def stage(session: AsyncSession, batches: AsyncIterable[list[tuple]]) -> None:
    """COPY the checked records into the staging table as they come (whatever the records raise comes through)."""
    driver = await driver_connection(session)
    await driver.execute(STAGING_TABLE)
    await driver.copy_to_table("feed_rows", source=_staging_csv(batches), columns=STAGING_COLUMNS, format="csv")


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


# The columns of an observation as the direct write copies it: a staging record's without its line, then
# what every figure of the post shares (`DirectWrite.figures`).
OBSERVATION_COLUMNS = ["measure", "region", "occupation", "period", "frequency", "value", "status", "missing_reason",
                       "withdrawn", "source", "revision", "batch_id", "recorded_at"]
WITHOUT_LINE = itemgetter(slice(1, None))
SERIES_KEY = itemgetter(1, 2, 3)

# The staged rows that change a figure the source holds, written with their revision; the counts and the
# series they changed.
MERGE_ROWS = """
    WITH written AS (
        INSERT INTO observations (measure, region, occupation, period, source, revision, frequency, value, status,
                                  missing_reason, withdrawn, batch_id, recorded_at)
        SELECT measure, region, occupation, period, $1, coalesce(previous_revision, 0) + 1, frequency, value, status,
               missing_reason, withdraw, $2, $3
        FROM ({classified}) classified
        WHERE outcome <> 'unchanged'
        RETURNING measure, region, occupation, revision
    )
    SELECT count(*) FILTER (WHERE revision = 1), count(*) FILTER (WHERE revision > 1),
           coalesce(array_agg(DISTINCT measure || '/' || region || '/' || occupation), '{{}}') FROM written
"""
MERGE_STAGED = MERGE_ROWS.format(classified=CLASSIFY)
MERGE_ARRAYS = MERGE_ROWS.format(classified=CLASSIFY_ROWS.format(rows=ARRAY_ROWS))
# Fewer held rows than this in a whole post are compared from arrays: a temporary table costs a few
# milliseconds of catalog writes, more than a small post's work.
STAGE_FROM_ROWS = 2_000
# New figures encoded for COPY between two turns of the event loop (about 4 ms of work).
ENCODED_PER_TURN = 2_000

# The latest period the source has a figure of, of each of these series it has any of: one backward probe
# of the primary key a series. A period later than the latest held is not held, whatever the frequencies:
# periods are stored canonical (2024, 2024-H1, 2024-Q1, 2024-01: digits, capitals and a hyphen),
# which every collation orders as Python orders their code points (test_feed_direct holds the server's
# order to it).
LATEST_PERIODS = """
    SELECT s.measure, s.region, s.occupation, latest.period
    FROM unnest($2::text[], $3::text[], $4::text[]) AS s(measure, region, occupation)
    CROSS JOIN LATERAL (
        SELECT o.period FROM observations o
        WHERE o.measure = s.measure AND o.region = s.region AND o.occupation = s.occupation AND o.source = $1
        ORDER BY o.period DESC
        LIMIT 1
    ) latest
"""


def _literal(value: str) -> str:
    """A SQL string literal (standard_conforming_strings is on, as it is by default since PostgreSQL 9.1)."""
    return "'" + value.replace("'", "''") + "'"


class DirectWrite:
    """A feed written straight into observations, chunk by chunk, inside the request's transaction.

    Rows of series the source holds no figure of, or of periods after the latest it holds, are new
    figures: copied straight in, chunk by chunk. The others are staged a chunk at a time and compared
    with the source's latest revisions in one statement that writes only those that differ, while the
    service reads the next chunk: a new figure costs one write, an unchanged one a read. All of it stays invisible
    until the request commits, and `undo` takes it back (a savepoint) when the body must be read
    again or checked as a whole.

    It keeps which series it changed: `record_changes` notes them for the transaction's change events
    once the post is sure to commit (a savepoint's undo would not take back what was noted).
    """

    def __init__(self, session: AsyncSession, source: str, batch_id: uuid.UUID) -> None:
        self.session = session
        self.source = source
        self.batch_id = batch_id
        self.recorded_at: Any = None
        self.staging = False  # whether the staging table exists
        self.whole = False  # whether it holds the whole body, not merged yet (`staged_whole`)
        self.held: list[tuple] = []  # staging records not compared yet
        self.merged = {"inserted": 0, "revised": 0}  # what the comparisons so far wrote
        self.new_series: set[tuple[str, str, str]] = set()  # (measure, region, occupation) copied in
        self.revised_series: set[str] = set()  # series ids the merge wrote

    async def start(self, now: Any) -> None:
        """Take the source's lock and set the savepoint `undo` returns to; `now` is the transaction's time."""
        driver = await driver_connection(self.session)
        # The figures are recorded at the transaction's time, as the batch is.
        self.recorded_at = now
        # One feed of a source at a time decides its revision numbers: two concurrent posts of the same
        # key would otherwise both write revision n+1 (other sources' feeds have other keys). Both
        # statements in one round trip (the simple protocol takes no parameters: the name is a literal).
        lock = "metrics.observations:" + self.source
        await driver.execute(f"SELECT pg_advisory_xact_lock(hashtext({_literal(lock)})); SAVEPOINT feed_direct")

    async def undo(self) -> None:
        driver = await driver_connection(self.session)
        await driver.execute("ROLLBACK TO SAVEPOINT feed_direct")
        self.staging = self.whole = False  # the staging table was made after the savepoint
        self.held = []
        self.merged = {"inserted": 0, "revised": 0}
        self.new_series = set()
        self.revised_series = set()

    async def put(self, staged: list[tuple], figures: memoryview | None) -> None:
        """One chunk's rows: those of held figures compared (`stage`), the new figures copied (`copy`)."""
        if staged:
            await self.stage(staged)
        if figures is not None:
            await self.copy(figures)

    async def stage(self, rows: list[tuple]) -> None:
        """Rows that may meet a figure the source holds (staging records): compared and merged once there are
        enough of them that a staging table is worth its catalog writes, else kept for `merge_staged`.

        A key comes once a post (else the whole post is undone and checked as one), so a chunk's
        comparison never meets what an earlier chunk of the post wrote.
        """
        self.held.extend(rows)
        if len(self.held) < STAGE_FROM_ROWS:
            return
        driver = await driver_connection(self.session)
        if not self.staging:
            await driver.execute(STAGING_TABLE)
            self.staging = True
        await self._merge_held(driver)

    async def _merge_held(self, driver: Any) -> None:
        await driver.copy_to_table("feed_rows", source=copy_csv(self.held), columns=STAGING_COLUMNS, format="csv")
        self.held = []
        await self._merge_table(driver)
        await driver.execute("TRUNCATE feed_rows")

    async def _merge_table(self, driver: Any) -> None:
        self._merged(*await driver.fetchrow(MERGE_STAGED, self.source, self.batch_id, self.recorded_at))

    def _merged(self, inserted: int, revised: int, series: list[str]) -> None:
        self.merged["inserted"] += inserted
        self.merged["revised"] += revised
        self.revised_series.update(series)

    def staged_whole(self) -> None:
        """The whole body is in the staging table (`stage` of this module): `merge_staged` merges it."""
        self.staging = self.whole = True
        self.held = []

    async def merge_staged(self) -> dict[str, int]:
        """Compare what is left of the staged rows with the source's latest revisions and write those that
        differ; the counts of inserted and revised figures of all comparisons. Only the source's own figures
        are compared, revised or withdrawn: another source's figure for the same cell is neither read nor
        touched."""
        driver = await driver_connection(self.session)
        if self.whole:
            await self._merge_table(driver)
            self.whole = False
        elif self.held and self.staging:
            await self._merge_held(driver)
        elif self.held:
            self._merged(*await driver.fetchrow(MERGE_ARRAYS, self.source, self.batch_id, self.recorded_at,
                                                *zip(*self.held, strict=True)))
        self.held = []
        return dict(self.merged)

    async def latest_periods(self, series: set[tuple[str, str, str]]) -> dict[tuple[str, str, str], str]:
        """The latest period of each (measure, region, occupation) of `series` that the source has figures of."""
        driver = await driver_connection(self.session)
        measures, regions, occupations = zip(*series, strict=True) if series else ((), (), ())
        rows = await driver.fetch(LATEST_PERIODS, self.source, measures, regions, occupations)
        return {(measure, region, occupation): period for measure, region, occupation, period in rows}

    async def figures(self, rows: list[tuple]) -> memoryview:
        """Staging records as first figures (revision 1) of this post, in the form `copy` sends; noted as
        changed series. Apart from `copy`, so that the next chunk is encoded while this one is copied,
        a piece a turn of the event loop: each step of that COPY waits for a turn."""
        self.new_series.update(map(SERIES_KEY, rows))
        shared = (self.source, 1, self.batch_id, self.recorded_at)
        pieces = []
        for start in range(0, len(rows), ENCODED_PER_TURN):
            pieces.append(copy_csv(list(map(WITHOUT_LINE, rows[start:start + ENCODED_PER_TURN])), shared))
            await asyncio.sleep(0)
        return memoryview(b"".join(pieces))

    async def copy(self, figures: memoryview) -> None:
        driver = await driver_connection(self.session)
        await driver.copy_to_table("observations", source=figures, columns=OBSERVATION_COLUMNS, format="csv")

    def record_changes(self) -> None:
        """Note a change event for each series the post wrote a figure of (none when all were unchanged)."""
        changed = self.revised_series | {f"{measure}/{region}/{occupation}"
                                         for measure, region, occupation in self.new_series}
        if changed:
            record_changes(self.session, SERIES_ENTITY, changed, Operation.updated)


async def claim_first_source(session: AsyncSession, source: str, measures: list[str]) -> None:
    """Record `source` as the first source of the measures no source posted figures of before."""
    driver = await driver_connection(session)
    # Rows locked in code order, so two first feeds of overlapping measures wait rather than deadlock.
    claimed = await driver.fetch("""
        UPDATE measures SET first_source = $1
        WHERE code IN (SELECT code FROM measures WHERE code = ANY($2::text[]) AND first_source IS NULL
                       ORDER BY code FOR UPDATE)
        RETURNING code
    """, source, measures)
    # A measure shows its first source: readers of the measure learn of the change as of any other write.
    record_changes(session, Measure.__tablename__, [code for code, in claimed], Operation.updated)


async def add_batch(session: AsyncSession, batch: Batch) -> None:
    session.add(batch)
    await session.flush()


async def find_batch(session: AsyncSession, batch_id: uuid.UUID) -> Batch | None:
    return await session.get(Batch, batch_id)
