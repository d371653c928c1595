"""Series answers kept encoded in the process, served while the schema's change feed stands still.

Every write of metrics_api records change events in its own transaction (common.changes), so the
highest sequence number committed, the head, moves with every write that can change a series: a
feed post (its batch at least), a region, measure or occupation class. A read asks for the head
first (one indexed query), then computes, and keeps the answer under that head: it holds at least
every write up to the head. An entry is served only to a read that finds the same head, so each
process of the service checks against the stored head, and a write is seen by the next read in any
process once it has committed. Any write empties the cache. A change made beside the service (SQL by
hand) is not seen until the next write through it.
"""

from pydantic import TypeAdapter
from sqlalchemy.ext.asyncio import AsyncSession

from services.metrics_api.domain.series import SeriesRequest, read_many, read_series
from services.metrics_api.repository import series as repository
from services.metrics_api.schemas import Series

SERIES_JSON = TypeAdapter(Series)


class SeriesCache:
    """Encoded answers of one head; at most `max_entries` of them (0: nothing is kept)."""

    def __init__(self, max_entries: int) -> None:
        self.max_entries = max_entries
        self.head: int | None = None
        self.entries: dict[SeriesRequest, bytes] = {}

    def get(self, head: int, request: SeriesRequest) -> bytes | None:
        if head != self.head:
            # A read whose head is older than the last one seen is answered fresh too: never from
            # entries that hold writes it may not see as committed, nor stored for those that do.
            self.entries.clear()
            self.head = head
            return None
        return self.entries.get(request)

    def put(self, head: int, request: SeriesRequest, encoded: bytes) -> None:
        if head != self.head or self.max_entries <= 0:
            return  # computed under a head another read has moved on from
        if len(self.entries) >= self.max_entries:
            del self.entries[next(iter(self.entries))]  # the oldest entry
        self.entries[request] = encoded


async def encoded_series(session: AsyncSession, request: SeriesRequest, cache: SeriesCache) -> bytes:
    """The series as JSON: from the cache, else read and kept."""
    head = await repository.change_head(session)
    encoded = cache.get(head, request)
    if encoded is None:
        encoded = SERIES_JSON.dump_json(await read_series(session, request))
        cache.put(head, request, encoded)
    return encoded


async def encoded_many(session: AsyncSession, requests: list[SeriesRequest], cache: SeriesCache) -> bytes:
    """`{"series": [...]}` in the order asked: the cached ones as kept, the others read together."""
    head = await repository.change_head(session)
    answers = [cache.get(head, request) for request in requests]
    missing = [index for index, answer in enumerate(answers) if answer is None]
    if missing:
        read = await read_many(session, [requests[index] for index in missing], indices=missing)
        for index, series in zip(missing, read, strict=True):
            answers[index] = encoded = SERIES_JSON.dump_json(series)
            cache.put(head, requests[index], encoded)
    return b'{"series":[' + b",".join(answer for answer in answers if answer is not None) + b"]}"
