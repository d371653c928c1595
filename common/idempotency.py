"""Idempotency keys for machine clients (Stripe's semantics, IETF httpapi-idempotency-key).

One sequence in every service, in the request's transaction:

1. `claim` the key before any work: a transaction-scoped advisory lock on it (a second request
   with the same key while the first runs gets 409 at once) and the answer stored for it, if any;
2. `replay`: with a stored answer, the same request gets it again and another body gets 422;
3. run the work, then `remember` the answer, which also purges expired keys (at most once per
   `PURGE_INTERVAL_SECONDS` in a process: a purge on every post would scan the index for nothing).

The answer is stored as the bytes first sent (bytea, compressed with lz4 where the server has it):
a replay sends exactly those bytes, and PostgreSQL neither parses nor re-encodes a push's answer of
10,000 results under the push's lock (as JSONB it cost 15-20 ms of 5,000 results, measured).

The key and the effect commit or vanish together: a crash rolls back both, so the retry runs again.
"""

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Any

import orjson
from fastapi import Header
from sqlalchemy import (
    Column,
    DateTime,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    delete,
    func,
    select,
    tuple_,
)
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from common.database import try_advisory_xact_lock
from common.problems import Problem, field_error, invalid

KEY_RETENTION = timedelta(hours=48)
MAX_KEY_LENGTH = 255
# Expired keys are purged a bounded number at a time, so no single request pays for a backlog.
PURGE_BATCH = 1000
PURGE_INTERVAL_SECONDS = 60.0

IdempotencyKeyHeader = Annotated[str | None, Header(
    alias="Idempotency-Key", description="Makes a retry safe: the same key and body have their effect once")]


def idempotency_table(metadata: MetaData) -> Table:
    return Table(
        "idempotency_keys",
        metadata,
        Column("scope", String(200), primary_key=True),
        Column("key", String(MAX_KEY_LENGTH), primary_key=True),
        Column("fingerprint", String(64), nullable=False),
        Column("status_code", Integer, nullable=False),
        Column("response", LargeBinary, nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now(), index=True),
    )


def fingerprint(*parts: bytes | str) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode() if isinstance(part, str) else part)
        digest.update(b"\x00")
    return digest.hexdigest()


def validate_key(key: str | None) -> str | None:
    if key is None:
        return None
    if not key.strip() or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise invalid([field_error("Idempotency-Key", f"1 to {MAX_KEY_LENGTH} printable characters.",
                                   **{"in": "header"})])
    return key


@dataclass(frozen=True)
class StoredAnswer:
    status_code: int
    content: bytes  # the answer's JSON as it was first sent

    @property
    def body(self) -> Any:
        return orjson.loads(self.content)


@dataclass
class Claim:
    """A key held by this transaction, with what was stored for it before (if anything)."""

    keys: "IdempotencyKeys"
    scope: str
    key: str
    stored_fingerprint: str | None
    stored: StoredAnswer | None

    @property
    def used_before(self) -> bool:
        return self.stored is not None

    def replay(self, request_fingerprint: str) -> StoredAnswer | None:
        """The first answer when this is the same request again; 422 for another body."""
        if self.stored is None:
            return None
        if self.stored_fingerprint != request_fingerprint:
            raise Problem(422, "Idempotency key reused",
                          "This Idempotency-Key was used with a different request body.",
                          type="idempotency-key-reused")
        return self.stored

    async def remember(self, session: AsyncSession, request_fingerprint: str, status_code: int,
                       body: bytes | Any) -> None:
        await self.keys.remember(session, scope=self.scope, key=self.key, fingerprint=request_fingerprint,
                                 status_code=status_code, body=body)
        await self.keys.purge_expired(session)


class IdempotencyKeys:
    def __init__(self, table: Table, clock: Callable[[], float] = time.monotonic) -> None:
        self.table = table
        self.clock = clock
        self._purged_at: float | None = None

    async def claim(self, session: AsyncSession, *, scope: str, key: str) -> Claim:
        """Lock the key for this transaction (409 while another request holds it); read what it stored."""
        if not await try_advisory_xact_lock(session, f"{self.table.schema}:{scope}", key):
            raise Problem(409, "Request in progress",
                          "A request with this Idempotency-Key is still being processed; retry later.",
                          type="idempotency-in-progress", headers={"Retry-After": "1"})
        row = (await session.execute(
            select(self.table.c.fingerprint, self.table.c.status_code, self.table.c.response).where(
                self.table.c.scope == scope, self.table.c.key == key,
                self.table.c.created_at > func.now() - KEY_RETENTION,
            )
        )).one_or_none()
        if row is None:
            return Claim(self, scope, key, None, None)
        return Claim(self, scope, key, row.fingerprint, StoredAnswer(row.status_code, bytes(row.response)))

    async def remember(self, session: AsyncSession, *, scope: str, key: str, fingerprint: str,
                       status_code: int, body: bytes | Any) -> None:
        """Store the answer: `body` as the JSON bytes sent (kept as they are), or a value encoded by orjson
        (dates and anything else that is not JSON as their str())."""
        content = body if isinstance(body, bytes) else orjson.dumps(
            body, default=str, option=orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
            | orjson.OPT_NON_STR_KEYS)
        statement = insert(self.table).values(
            scope=scope, key=key, fingerprint=fingerprint, status_code=status_code, response=content,
        )
        # An expired key of the same name is replaced, not kept beside the new one.
        await session.execute(statement.on_conflict_do_update(
            index_elements=[self.table.c.scope, self.table.c.key],
            set_={"fingerprint": statement.excluded.fingerprint, "status_code": statement.excluded.status_code,
                  "response": statement.excluded.response, "created_at": func.now()},
        ))

    async def purge_expired(self, session: AsyncSession) -> int:
        """Delete up to PURGE_BATCH expired keys, unless this process purged less than PURGE_INTERVAL_SECONDS
        ago (a stale key is never replayed: `claim` reads only keys younger than KEY_RETENTION)."""
        now = self.clock()
        if self._purged_at is not None and now - self._purged_at < PURGE_INTERVAL_SECONDS:
            return 0
        self._purged_at = now
        expired = (select(self.table.c.scope, self.table.c.key)
                   .where(self.table.c.created_at < func.now() - KEY_RETENTION)
                   .limit(PURGE_BATCH).with_for_update(skip_locked=True))
        result = await session.execute(
            delete(self.table).where(tuple_(self.table.c.scope, self.table.c.key).in_(expired)))
        return int(getattr(result, "rowcount", 0) or 0)

