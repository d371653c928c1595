"""The statistics feed: `POST /v1/feeds/{source}/observations`, JSON or CSV, all or nothing.

A post is streamed: the body is read chunk by chunk, each row is checked in Python and copied
(asyncpg COPY) into a temporary staging table, so a million rows never sit in memory as
objects. Only when every row is good (codes known, period, value, no key twice) does one
set-based INSERT ... SELECT add a revision for each key whose value, status or missing reason
differs from the latest revision (or which a `D` row withdraws). Any error rolls the whole
transaction back: the staging table goes with it and nothing is written.
"""

import codecs
import csv
import hashlib
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import ijson
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from common.idempotency import IdempotencyKeys, fingerprint
from common.observability import count_batch
from common.problems import Problem, field_error
from services.metrics_api.models import Batch, Measure, Occupation, Region, idempotency_keys
from services.metrics_api.periods import InvalidPeriod, canonical_period

COLUMNS = ("measure", "region", "period", "occupation", "value", "status", "action", "missing_reason")
COLUMN_SET = frozenset(COLUMNS)
REQUIRED_COLUMNS = ("measure", "region", "period", "occupation", "value")
STATUSES = {"": "final", "final": "final", "a": "final", "provisional": "provisional", "p": "provisional"}
MISSING_REASONS = {"": None, "confidential": "confidential", "suppressed": "suppressed",
                   "not_available": "not_available"}
# SDMX-CSV 2.0 ACTION: I (information), A (append) and R (replace) write a figure; D withdraws it.
ACTIONS = {"": False, "i": False, "a": False, "r": False, "d": True}
PLAIN_ACTIONS = frozenset(["", "I", "A", "R", "i", "a", "r"])
MAX_LISTED_ERRORS = 1000
STAGING_COLUMNS = ["line", "measure", "region", "occupation", "period", "frequency", "value", "status",
                   "missing_reason", "withdraw"]
KEYS = IdempotencyKeys(idempotency_keys)


class FeedFormatError(Exception):
    """The body as a whole cannot be read (not the bad-row case): one problem, nothing written."""

    def __init__(self, reason: str, field_name: str = "body") -> None:
        super().__init__(reason)
        self.reason = reason
        self.field_name = field_name


def parse_number(raw: str) -> Decimal:
    """A number as feeds write it: `8740`, `0.439`, or with a decimal comma `0,439` / `1.234,5`."""
    cleaned = raw.strip()
    if "," in cleaned:
        cleaned = cleaned.replace(".", "").replace(",", ".")
    if "_" in cleaned:
        raise InvalidOperation
    number = Decimal(cleaned)
    if not number.is_finite():
        raise InvalidOperation
    return number


@dataclass
class Reference:
    """The codes a feed may use, loaded once per post (a few hundred rows)."""

    measures: dict[str, str]  # code -> value_type
    regions: frozenset[str]
    occupations: frozenset[str]

    @classmethod
    async def load(cls, session: AsyncSession) -> "Reference":
        measures = dict((await session.execute(select(Measure.code, Measure.value_type))).all())
        regions = frozenset(await session.scalars(select(Region.code)))
        occupations = frozenset(await session.scalars(select(Occupation.code)))
        return cls(measures, regions, occupations)


@dataclass
class Checker:
    """Checks rows one at a time; keeps every error (the first MAX_LISTED_ERRORS listed)."""

    reference: Reference
    is_csv: bool
    errors: list[dict[str, Any]] = field(default_factory=list)
    error_count: int = 0
    bad_rows: int = 0
    rows: int = 0
    # Hashes of the keys seen: a repeat makes the batch suspect, and only then does SQL look
    # for duplicate keys exactly (the check is a sort of the whole batch; most batches skip it).
    _keys: set[int] = field(default_factory=set)
    suspect_duplicates: bool = False
    _periods: dict[str, tuple[str, str]] = field(default_factory=dict)

    def error(self, position: int, name: str, reason: str) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_LISTED_ERRORS:
            if self.is_csv:
                self.errors.append(field_error(name, reason, line=position))
            else:
                self.errors.append(field_error(f"observations.{position}.{name}", reason, index=position))

    def fast(self, position: int, measure: str, region: str, period: str, occupation: str, value: str,
             status: str, action: str, missing_reason: str) -> tuple | None:
        """The common CSV row in few steps: known codes, a plain number, nothing withdrawn or missing.

        None means "not sure": the row then goes through `check`, which names every problem. A
        million-row feed spends most of its Python time here, hence the flat shape.
        """
        value_type = self.reference.measures.get(measure)
        canonical = self._periods.get(period)
        status_code = STATUSES.get(status)
        if (value_type is None or canonical is None or status_code is None or missing_reason
                or region not in self.reference.regions or occupation not in self.reference.occupations
                or action not in PLAIN_ACTIONS or "_" in value or not value.isascii()):
            return None
        try:
            number = Decimal(value)
        except InvalidOperation:
            return None
        if not number.is_finite() or (value_type == "count" and number < 0) or (
                value_type == "share" and not 0 <= number <= 1):
            return None
        self.rows += 1
        self._remember(measure, region, occupation, canonical[0])
        return (position, measure, region, occupation, canonical[0], canonical[1], value, status_code, None, False)

    def _remember(self, measure: str, region: str, occupation: str, period: str) -> None:
        keys = self._keys
        before = len(keys)
        keys.add(hash((measure, region, occupation, period)))
        if len(keys) == before:
            self.suspect_duplicates = True

    def check(self, position: int, measure: Any, region: Any, period: Any, occupation: Any, value: Any,
              status: Any, action: Any, missing_reason: Any) -> tuple | None:
        """The staging record of a good row, else None (its errors recorded)."""
        self.rows += 1
        before = self.error_count
        value_type = self.reference.measures.get(measure) if isinstance(measure, str) else None
        if value_type is None:
            self.error(position, "measure", "Missing." if not measure else f"Unknown measure '{measure}'.")
        if not isinstance(region, str) or region not in self.reference.regions:
            self.error(position, "region", "Missing." if not region else f"Unknown region '{region}'.")
        if not isinstance(occupation, str) or occupation not in self.reference.occupations:
            self.error(position, "occupation",
                       "Missing." if not occupation else f"Unknown occupation class '{occupation}'.")
        canonical = self._periods.get(period) if isinstance(period, str) else None
        if canonical is None:
            try:
                if not isinstance(period, str):
                    raise InvalidPeriod("Missing." if period is None else "A period is text, e.g. \"2012\".")
                served, frequency = canonical_period(period)
                canonical = self._periods[period] = (served, frequency.value)
            except InvalidPeriod as exc:
                self.error(position, "period", "Missing." if not period else str(exc))
        withdraw = ACTIONS.get(action.lower()) if isinstance(action, str) else None
        if withdraw is None:
            self.error(position, "action", "One of I, A, R (write the figure) or D (withdraw it).")
        status_code = STATUSES.get(status.lower()) if isinstance(status, str) else None
        if status_code is None:
            self.error(position, "status", "One of provisional, final.")
        reason = MISSING_REASONS.get(missing_reason.lower(), "?") if isinstance(missing_reason, str) else "?"
        if reason == "?":
            self.error(position, "missing_reason", "One of confidential, suppressed, not_available.")
        number = None
        if not withdraw:
            number = self._value(position, value, reason, value_type)
        if self.error_count > before:
            self.bad_rows += 1
            return None
        self._remember(measure, region, occupation, canonical[0])
        return (position, measure, region, occupation, canonical[0], canonical[1],
                None if number is None else str(number), status_code, None if withdraw else reason, withdraw)

    def _value(self, position: int, value: Any, reason: str | None, value_type: str | None) -> Decimal | None:
        absent = value is None or (isinstance(value, str) and not value.strip())
        if reason not in (None, "?"):
            if not absent:
                self.error(position, "value", f"A figure that is {reason} has no value; leave it empty.")
            return None
        if absent:
            self.error(position, "value", "Missing: give a value, or a missing_reason when it is not published.")
            return None
        try:
            if isinstance(value, bool):
                raise InvalidOperation
            if isinstance(value, Decimal):
                number = value
            elif isinstance(value, (int, float)):
                number = Decimal(str(value))
            else:
                number = parse_number(value)
            if not number.is_finite():
                raise InvalidOperation
        except (InvalidOperation, ValueError, TypeError, AttributeError):
            self.error(position, "value", "Not a number.")
            return None
        if value_type == "count" and number < 0:
            self.error(position, "value", "A count cannot be negative.")
        elif value_type == "share" and not 0 <= number <= 1:
            self.error(position, "value", "A share lies between 0 and 1.")
        return number


# ---- reading the body ------------------------------------------------------------------------

class HashingStream:
    """The body's chunks, hashed as they pass (the Idempotency-Key fingerprint needs the digest)."""

    def __init__(self, chunks: AsyncIterator[bytes]) -> None:
        self.chunks = chunks
        self.digest = hashlib.sha256()
        self.size = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self.chunks:
            self.digest.update(chunk)
            self.size += len(chunk)
            yield chunk


async def text_lines(chunks: AsyncIterator[bytes]) -> AsyncIterator[list[str]]:
    """Complete CSV lines in batches, UTF-8 with an optional byte-order mark.

    A batch ends only where the quotes seen so far are balanced, so a quoted field that holds a
    newline is never cut in two.
    """
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    pending = ""
    try:
        async for chunk in chunks:
            pending += decoder.decode(chunk)
            cut = pending.rfind("\n")
            if cut < 0 or pending.count('"', 0, cut) % 2:
                continue
            complete, pending = pending[:cut + 1], pending[cut + 1:]
            yield complete.splitlines(keepends=True)
        pending += decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        raise FeedFormatError("The CSV is not UTF-8 text.") from None
    if pending:
        yield pending.splitlines(keepends=True)


async def csv_records(chunks: AsyncIterator[bytes], checker: Checker) -> AsyncIterator[tuple]:
    """Checked staging records of a CSV body; the separator is sniffed from the header line."""
    header: list[str] | None = None
    delimiter = ","
    line_offset = 0
    positions: list[int | None] = []
    async for lines in text_lines(chunks):
        if header is None:
            first = lines[0]
            delimiter = ";" if first.count(";") > first.count(",") else ","
            header = [name.strip().lower() for name in next(csv.reader([first], delimiter=delimiter))]
            positions = _column_positions(header)
            lines = lines[1:]
            line_offset = 1
        reader = csv.reader(lines, delimiter=delimiter)
        width = len(header)
        m, r, p, o, v, s, a, x = positions
        for fields in reader:
            line = line_offset + reader.line_num
            if len(fields) != width:
                if not fields or fields == [""]:
                    continue  # a blank line, as spreadsheets leave at the end
                checker.rows += 1
                checker.bad_rows += 1
                checker.error(line, "row", f"{len(fields)} fields where the header has {width}.")
                continue
            status = fields[s] if s is not None else ""
            action = fields[a] if a is not None else ""
            reason = fields[x] if x is not None else ""
            record = checker.fast(line, fields[m], fields[r], fields[p], fields[o], fields[v], status, action, reason)
            if record is None:
                record = checker.check(line, fields[m].strip(), fields[r].strip(), fields[p].strip(),
                                       fields[o].strip(), fields[v], status.strip(), action.strip(), reason.strip())
            if record is not None:
                yield record
        line_offset += reader.line_num
    if header is None:
        raise FeedFormatError("The CSV is empty: it needs a header row.")


def _column_positions(header: list[str]) -> list[int | None]:
    errors = [field_error(name or f"column {index + 1}", "Unknown column; the columns are " + ", ".join(COLUMNS) + ".",
                          **{"in": "header"})
              for index, name in enumerate(header) if name not in COLUMNS]
    errors += [field_error(name, "Duplicate column.", **{"in": "header"})
               for index, name in enumerate(header) if name in COLUMNS and name in header[:index]]
    errors += [field_error(name, "Missing column.", **{"in": "header"}) for name in REQUIRED_COLUMNS if name not in header]
    if errors:
        raise Problem(422, "Validation failed", "The CSV header is not right; nothing was written.",
                      type="validation", errors=errors)
    return [header.index(name) if name in header else None for name in COLUMNS]


class ChunkReader:
    """The body's chunks as the async file object ijson reads (`read(n)` gives at most n bytes)."""

    def __init__(self, chunks: AsyncIterator[bytes]) -> None:
        self._chunks = chunks
        self._buffer = b""

    async def read(self, size: int = -1) -> bytes:
        while size < 0 or len(self._buffer) < size:
            try:
                self._buffer += await anext(self._chunks)
            except StopAsyncIteration:
                break
        if size < 0:
            size = len(self._buffer)
        piece, self._buffer = self._buffer[:size], self._buffer[size:]
        return piece


async def json_records(chunks: AsyncIterator[bytes], checker: Checker) -> AsyncIterator[tuple]:
    """Checked staging records of `{"observations": [...]}`, parsed as the body streams in (ijson)."""
    index = -1
    try:
        async for row in ijson.items(ChunkReader(chunks), "observations.item", use_float=False):
            index += 1
            if not isinstance(row, dict):
                checker.rows += 1
                checker.bad_rows += 1
                checker.error(index, "row", "An observation is an object.")
                continue
            unknown = row.keys() - COLUMN_SET
            for name in sorted(unknown):
                checker.error(index, name, "Unknown field.")
            record = checker.check(
                index, row.get("measure"), row.get("region"), row.get("period"), row.get("occupation"),
                row.get("value"), _text(row.get("status")), _text(row.get("action")), _text(row.get("missing_reason")),
            )
            if record is None:
                continue
            if unknown:
                checker.bad_rows += 1
                continue
            yield record
    except ijson.JSONError:
        raise FeedFormatError(f"The body is not valid JSON (after observation {index + 1}).") from None


def _text(value: Any) -> Any:
    return "" if value is None else value


# ---- writing ---------------------------------------------------------------------------------

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
        ORDER BY o.revision DESC
        LIMIT 1
    ) latest ON true
"""

# The changes are settled in a temporary table before the insert starts, so the lookups never
# walk rows the insert adds (and a plain table feeds an INSERT faster than a materialized CTE).
CHANGES = f"""
    CREATE TEMP TABLE feed_changes ON COMMIT DROP AS
    SELECT measure, region, occupation, period, coalesce(previous_revision, 0) + 1 AS revision, frequency, value,
           status, missing_reason, withdraw
    FROM ({CLASSIFY}) classified
    WHERE outcome <> 'unchanged'
"""

# Revision 1 is a new figure, a higher one a revision; the rest of the batch is unchanged.
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


@dataclass(frozen=True)
class FeedRequest:
    source: str
    subject: str
    content_type: str  # "csv" or "json"
    dry_run: bool
    idempotency_key: str | None
    statement_timeout_ms: int


@dataclass(frozen=True)
class FeedResult:
    status_code: int
    body: dict[str, Any]
    replayed: bool = False


async def ingest(session: AsyncSession, feed: FeedRequest, body: AsyncIterator[bytes]) -> FeedResult:
    # Bulk work outlives the service's default statement timeout; the feed has its own.
    await session.execute(text(f"SET LOCAL statement_timeout = {int(feed.statement_timeout_ms)}"))
    # The duplicate check and the merge sort and hash a whole batch: keep that in memory, not on disk.
    await session.execute(text("SET LOCAL work_mem = '256MB'"))
    # Each staged row looks up its key's latest revision through the primary key. Statistics taken
    # when the table was small (or empty, before a first load) make a sequential scan per row look
    # cheap, and that is quadratic; the index is right at every size.
    await session.execute(text("SET LOCAL enable_seqscan = off"))
    scope = f"feed:{feed.source}"
    claim = None
    if feed.idempotency_key is not None and not feed.dry_run:
        claim = await KEYS.claim(session, scope=scope, key=feed.idempotency_key)
        if claim.used_before:
            # A retry: hash the body without parsing it, and answer as the first time (or 422).
            drained = HashingStream(body)
            async for _ in drained:
                pass
            stored = claim.replay(fingerprint(feed.source, feed.content_type, drained.digest.hexdigest()))
            assert stored is not None
            return FeedResult(stored.status_code, stored.body, replayed=True)
    reference = await Reference.load(session)
    checker = Checker(reference, is_csv=feed.content_type == "csv")
    driver = (await (await session.connection()).get_raw_connection()).driver_connection
    await driver.execute(
        "CREATE TEMP TABLE feed_rows (line integer NOT NULL, measure text, region text, occupation text, period text,"
        " frequency text, value text, status text, missing_reason text, withdraw boolean) ON COMMIT DROP"
    )

    stream = HashingStream(body)
    reader = csv_records if feed.content_type == "csv" else json_records
    records = reader(stream.__aiter__(), checker)
    try:
        await driver.copy_records_to_table("feed_rows", records=records, columns=STAGING_COLUMNS)
    except FeedFormatError as exc:
        raise Problem(422, "Validation failed", exc.reason + " Nothing was written.", type="validation",
                      errors=[field_error(exc.field_name, exc.reason)]) from None

    if checker.suspect_duplicates:
        await _check_duplicates(driver, checker)
    if checker.error_count:
        extra = {"errors_truncated": True} if checker.error_count > len(checker.errors) else {}
        raise Problem(422, "Validation failed",
                      f"{checker.bad_rows} of {checker.rows} rows are invalid ({checker.error_count} errors); "
                      "nothing was written.", type="validation", errors=checker.errors,
                      error_count=checker.error_count, invalid_rows=checker.bad_rows, **extra)
    if checker.rows == 0:
        raise Problem(422, "Validation failed", "The feed has no observations; nothing was written.", type="validation",
                      errors=[field_error("observations", 'At least one observation: {"observations": [...]}.')])

    if feed.dry_run:
        counts = dict((await driver.fetch(DRY_RUN)))
        return FeedResult(200, _answer(None, checker.rows, counts, dry_run=True))

    key_fingerprint = fingerprint(feed.source, feed.content_type, stream.digest.hexdigest())

    # One feed at a time decides revision numbers: two concurrent posts of the same key would
    # otherwise both write revision n+1.
    await driver.execute("SELECT pg_advisory_xact_lock(hashtext('metrics.observations'))")
    batch_id = uuid.uuid4()
    await driver.execute(CHANGES)
    await driver.execute(MERGE, feed.source, batch_id)
    counts = dict(await driver.fetch(COUNT_CHANGES))
    counts["unchanged"] = checker.rows - counts["inserted"] - counts["revised"]
    answer = _answer(batch_id, checker.rows, counts)
    session.add(Batch(id=batch_id, source=feed.source, subject=feed.subject, content_type=feed.content_type,
                      idempotency_key=feed.idempotency_key, received=checker.rows, inserted=answer["inserted"],
                      revised=answer["revised"], unchanged=answer["unchanged"]))
    await session.flush()
    if claim is not None:
        await claim.remember(session, key_fingerprint, 200, answer)
    count_batch("observations", feed.source, checker.rows)
    return FeedResult(200, answer)


async def _check_duplicates(driver: Any, checker: Checker) -> None:
    for line, first_line in await driver.fetch(DUPLICATES):
        checker.bad_rows += 1
        where = f"line {first_line}" if checker.is_csv else f"index {first_line}"
        checker.error(line, "row", f"The same measure, region, occupation and period as {where}.")


def _answer(batch_id: uuid.UUID | None, received: int, counts: dict[str, int], dry_run: bool = False) -> dict[str, Any]:
    return {"batch_id": str(batch_id) if batch_id else None, "received": received,
            "inserted": counts.get("inserted", 0), "revised": counts.get("revised", 0),
            "unchanged": counts.get("unchanged", 0), "dry_run": dry_run}


