"""One feed post, start to end: the idempotency key first, then the rows streamed, checked and merged."""

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from common.idempotency import fingerprint
from common.observability import count_batch
from common.problems import Problem, field_error, not_found
from services.metrics_api.domain.feed.checking import Checker, Reference
from services.metrics_api.domain.feed.parsing import FeedFormatError, HashingStream, csv_records, json_records
from services.metrics_api.models import Batch
from services.metrics_api.repository import feed as repository
from services.metrics_api.schemas import BatchOut


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
    await repository.prepare(session, feed.statement_timeout_ms)
    scope = f"feed:{feed.source}"
    claim = None
    if feed.idempotency_key is not None and not feed.dry_run:
        claim = await repository.KEYS.claim(session, scope=scope, key=feed.idempotency_key)
        if claim.used_before:
            # A retry: hash the body without parsing it, and answer as the first time (or 422).
            drained = HashingStream(body)
            async for _ in drained:
                pass
            stored = claim.replay(fingerprint(feed.source, feed.content_type, drained.digest.hexdigest()))
            assert stored is not None
            return FeedResult(stored.status_code, stored.body, replayed=True)
    checker = Checker(Reference(*await repository.reference_codes(session)), is_csv=feed.content_type == "csv")
    stream = HashingStream(body)
    reader = csv_records if feed.content_type == "csv" else json_records
    try:
        await repository.stage(session, reader(stream.__aiter__(), checker))
    except FeedFormatError as exc:
        raise Problem(422, "Validation failed", exc.reason + " Nothing was written.", type="validation",
                      errors=[field_error(exc.field_name, exc.reason)]) from None
    if checker.suspect_duplicates:
        await _check_duplicates(session, checker)
    _refuse_bad_rows(checker)

    if feed.dry_run:
        return FeedResult(200, _answer(None, checker.rows, await repository.dry_run_counts(session), dry_run=True))

    batch_id = uuid.uuid4()
    counts = await repository.merge(session, feed.source, batch_id)
    counts["unchanged"] = checker.rows - counts["inserted"] - counts["revised"]
    answer = _answer(batch_id, checker.rows, counts)
    await repository.add_batch(session, Batch(
        id=batch_id, source=feed.source, subject=feed.subject, content_type=feed.content_type,
        idempotency_key=feed.idempotency_key, received=checker.rows, inserted=answer["inserted"],
        revised=answer["revised"], unchanged=answer["unchanged"]))
    if claim is not None:
        request_fingerprint = fingerprint(feed.source, feed.content_type, stream.digest.hexdigest())
        await claim.remember(session, request_fingerprint, 200, answer)
    count_batch("observations", feed.source, checker.rows)
    return FeedResult(200, answer)


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


async def get_batch(session: AsyncSession, batch_id: uuid.UUID) -> BatchOut:
    batch = await repository.find_batch(session, batch_id)
    if batch is None:
        raise not_found("batch", batch_id)
    return BatchOut.model_validate(batch, from_attributes=True)
