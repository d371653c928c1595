"""One feed post, start to end: the idempotency key first, then the spooled body's rows checked, staged and merged."""

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from common.idempotency import fingerprint
from common.observability import count_batch
from common.problems import Problem, field_error, not_found
from services.metrics_api.domain import DecimalSeparator
from services.metrics_api.domain.feed.body import SpooledBody
from services.metrics_api.domain.feed.checking import Checker, Reference
from services.metrics_api.domain.feed.numbers import NumberReader
from services.metrics_api.domain.feed.parsing import FeedFormatError, csv_records, json_records
from services.metrics_api.models import Batch
from services.metrics_api.repository import feed as repository
from services.metrics_api.schemas import BatchOut

# Rows compared and written per round trip: big enough that the query per chunk is cheap, small enough
# that a chunk's arrays stay a few MB.
DIRECT_CHUNK_ROWS = 20_000
# A staging record's series (measure, region, occupation), its period, and whether it withdraws the figure.
SERIES = itemgetter(1, 2, 3)
PERIOD = itemgetter(4)
WITHDRAW = itemgetter(9)


@dataclass(frozen=True)
class FeedRequest:
    source: str
    subject: str
    content_type: str  # "csv" or "json"
    dry_run: bool
    idempotency_key: str | None
    statement_timeout_ms: int
    decimal: DecimalSeparator | None  # as declared; None: the file's values decide
    max_row_chars: int


@dataclass(frozen=True)
class FeedResult:
    status_code: int
    body: dict[str, Any]
    replayed: bool = False


async def ingest(session: AsyncSession, feed: FeedRequest, body: SpooledBody) -> FeedResult:
    """The body was read whole before this: the transaction starts here, with all of it at hand."""
    now, codes = await repository.prepare(session, feed.statement_timeout_ms)
    scope = f"feed:{feed.source}"
    request_fingerprint = fingerprint(feed.source, feed.content_type, feed.decimal or "", body.digest.hexdigest())
    claim = None
    if feed.idempotency_key is not None and not feed.dry_run:
        claim = await repository.KEYS.claim(session, scope=scope, key=feed.idempotency_key)
        if claim.used_before:
            # A retry: answer as the first time (or 422 when the body differs).
            stored = claim.replay(request_fingerprint)
            assert stored is not None
            return FeedResult(stored.status_code, stored.body, replayed=True)
    reference = Reference(**codes)
    if feed.dry_run:
        checker = await _staged(session, feed, body, reference)
        return FeedResult(200, _answer(None, checker.rows, await repository.dry_run_counts(session, feed.source),
                                       dry_run=True))

    batch_id = uuid.uuid4()
    writer = repository.DirectWrite(session, feed.source, batch_id)
    await writer.start(now)
    checker, counts = await _write(feed, body, reference, NumberReader.for_file(feed.decimal), writer)
    numbers = checker.numbers
    if numbers.undecided and numbers.separator is not None and not checker.suspect_duplicates:
        # Values the file's start left ambiguous read as a later value decided: write it all again so.
        await writer.undo()
        decided = NumberReader(numbers.separator, declared=True, decided_by=numbers.decided_by)
        checker, counts = await _write(feed, body, reference, decided, writer)
    if checker.suspect_duplicates:
        # A key may come twice: only the whole batch, staged and sorted, says which lines (or that a hash
        # collided, and the batch is merged from the staging table after all).
        await writer.undo()
        checker = await _staged(session, feed, body, reference)
        writer.staged_whole()
        counts = await writer.merge_staged()
    _refuse_bad_rows(checker)
    writer.record_changes()
    if counts["inserted"]:
        await repository.claim_first_source(session, feed.source, sorted(checker.measures))
    counts["unchanged"] = checker.rows - counts["inserted"] - counts["revised"]
    answer = _answer(batch_id, checker.rows, counts)
    await repository.add_batch(session, Batch(
        id=batch_id, source=feed.source, subject=feed.subject, content_type=feed.content_type,
        idempotency_key=feed.idempotency_key, received=checker.rows, inserted=answer["inserted"],
        revised=answer["revised"], unchanged=answer["unchanged"]))
    if claim is not None:
        await claim.remember(session, request_fingerprint, 200, answer)
    count_batch("observations", feed.source, checker.rows)
    return FeedResult(200, answer)


def _records(feed: FeedRequest, body: SpooledBody, checker: Checker) -> AsyncIterator[list[tuple]]:
    file = body.rewound()
    return (csv_records(file, checker, feed.max_row_chars) if feed.content_type == "csv"
            else json_records(file, checker))


def _format_refused(exc: FeedFormatError) -> Problem:
    where = {"line": exc.line} if exc.line is not None else {}
    return Problem(422, "Validation failed", exc.reason + " Nothing was written.", type="validation",
                   errors=[field_error(exc.field_name, exc.reason, **where)])


async def _write(feed: FeedRequest, body: SpooledBody, reference: Reference, numbers: NumberReader,
                 writer: repository.DirectWrite) -> tuple[Checker, dict[str, int]]:
    """Check the body's rows and write the figures that change, a chunk at a time; the checker holds the rest.

    Once a row is bad, or a key may repeat, nothing more is written: the post ends in a 422 or is
    checked whole from a staging table, and the writes are undone either way.
    """
    checker = Checker(reference, is_csv=feed.content_type == "csv", numbers=numbers)
    counts = {"inserted": 0, "revised": 0}
    chunk: list[tuple] = []
    # The latest period of each series the source held figures of when the post began (`asked`: the series
    # looked up). A row of a series it did not hold, or of a later period than the latest (a feed adding
    # this month's figures), is a new figure without a look each: a key comes once a post, and the
    # source's lock keeps other posts out.
    asked: set[tuple[str, str, str]] = set()
    latest: dict[tuple[str, str, str], str] = {}

    # The COPY (or comparison) of one chunk runs while the next chunk is read, checked and encoded: the
    # database works while Python parses. Only one statement at a time uses the connection: each flush
    # waits for the last, asks for the latest periods of its series not seen yet, and only then sends the
    # chunk before (`ready`), whose figures were encoded meanwhile, so the database waits for neither.
    copying: list[asyncio.Task[None]] = []
    ready: list[tuple[list[tuple], memoryview | None]] = []

    async def settle() -> None:
        while copying:
            await copying.pop()

    def send_ready() -> None:
        if ready:
            copying.append(asyncio.create_task(writer.put(*ready.pop())))

    async def flush(rows: list[tuple], last: bool = False) -> None:
        await settle()
        if checker.error_count or checker.suspect_duplicates:
            ready.clear()
            return
        if last and not asked and len(rows) < repository.STAGE_FROM_ROWS:
            # A small post, in one chunk: all of it compared from arrays in one statement, new figures too,
            # without a round trip first to ask which series the source holds.
            await writer.stage(rows)
            return
        series = set(map(SERIES, rows))
        if unseen := series - asked:
            latest.update(await writer.latest_periods(unseen))
            asked.update(unseen)
        held = series & latest.keys()
        # Whole chunks of one kind (a first post, a re-post) are split without a look at each row.
        if not held:
            staged_rows, figures = [], rows
        elif len(held) == len(series) and max(map(PERIOD, rows)) <= min(latest[one] for one in held):
            staged_rows, figures = rows, []
        else:
            staged_rows, figures = [], []
            for row in rows:
                (figures if PERIOD(row) > latest.get(SERIES(row), "") else staged_rows).append(row)
        if any(map(WITHDRAW, figures)):  # withdrawing a figure the source never posted changes nothing
            figures = [row for row in figures if not WITHDRAW(row)]
        counts["inserted"] += len(figures)
        send_ready()
        if staged_rows or figures:
            ready.append((staged_rows, await writer.figures(figures) if figures else None))
        if last:
            await settle()
            send_ready()

    try:
        async for records in _records(feed, body, checker):
            chunk.extend(records)
            while len(chunk) >= DIRECT_CHUNK_ROWS:
                await flush(chunk[:DIRECT_CHUNK_ROWS])
                del chunk[:DIRECT_CHUNK_ROWS]
        await flush(chunk, last=True)
    except FeedFormatError as exc:
        raise _format_refused(exc) from None
    finally:
        await settle()
    if not checker.error_count and not checker.suspect_duplicates:
        merged = await writer.merge_staged()
        counts = {name: counts[name] + merged[name] for name in counts}
    return checker, counts


async def _staged(session: AsyncSession, feed: FeedRequest, body: SpooledBody, reference: Reference) -> Checker:
    """The body checked and copied whole into the staging table, duplicate keys found exactly; 422 for bad rows."""
    checker = await _stage(session, feed, body, reference, NumberReader.for_file(feed.decimal))
    numbers = checker.numbers
    if numbers.undecided and numbers.separator is not None:
        # Values the file's start left ambiguous read as a later value decided: stage it all again so.
        await repository.discard_staged(session)
        decided = NumberReader(numbers.separator, declared=True, decided_by=numbers.decided_by)
        checker = await _stage(session, feed, body, reference, decided)
    if checker.suspect_duplicates:
        await _check_duplicates(session, checker)
    _refuse_bad_rows(checker)
    return checker


async def _stage(session: AsyncSession, feed: FeedRequest, body: SpooledBody, reference: Reference,
                 numbers: NumberReader) -> Checker:
    """Check the body's rows and copy the good ones into the staging table; the checker holds the rest."""
    checker = Checker(reference, is_csv=feed.content_type == "csv", numbers=numbers)
    try:
        await repository.stage(session, _records(feed, body, checker))
    except FeedFormatError as exc:
        raise _format_refused(exc) from None
    return checker


def _refuse_bad_rows(checker: Checker) -> None:
    if checker.error_count:
        extra: dict[str, Any] = {"errors_truncated": True} if checker.error_count > len(checker.errors) else {}
        raise Problem(422, "Validation failed",
                      f"{checker.bad_rows} of {checker.rows} rows are invalid ({checker.error_count} errors); "
                      "nothing was written.", type="validation", errors=checker.errors,
                      error_count=checker.error_count, invalid_rows=checker.bad_rows, **extra)
    if checker.rows == 0:
        raise Problem(422, "Validation failed", "The feed has no observations; nothing was written.", type="validation",
                      errors=[field_error("observations", 'At least one observation: {"observations": [...]}.')])


async def _check_duplicates(session: AsyncSession, checker: Checker) -> None:
    for line, first_line in await repository.duplicate_lines(session):
        checker.bad_rows += 1
        where = f"line {first_line}" if checker.is_csv else f"index {first_line}"
        checker.error(line, "row", f"The same measure, region, occupation and period as {where}.")


def _answer(batch_id: uuid.UUID | None, received: int, counts: dict[str, int], dry_run: bool = False) -> dict[str, Any]:
    return {"batch_id": str(batch_id) if batch_id else None, "received": received,
            "inserted": counts.get("inserted", 0), "revised": counts.get("revised", 0),
            "unchanged": counts.get("unchanged", 0), "dry_run": dry_run}


async def get_batch(session: AsyncSession, batch_id: uuid.UUID, *, sources: frozenset[str] | None) -> BatchOut:
    """The batch, if it is of one of `sources` (None: of any source); else 404, as for no batch."""
    batch = await repository.find_batch(session, batch_id)
    if batch is None or (sources is not None and batch.source not in sources):
        raise not_found("batch", batch_id)
    return BatchOut.model_validate(batch, from_attributes=True)
