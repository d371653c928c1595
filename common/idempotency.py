"""Idempotency keys for machine clients (Stripe's semantics, IETF httpapi-idempotency-key).

The key, the request's fingerprint and the first answer are stored in the same transaction as
the effect, so a batch and its key commit or vanish together. While the first request runs it
holds a transaction-scoped advisory lock on the key: a second request with the same key gets
409 at once instead of waiting; once the first has committed, a retry gets the stored answer.
A crash rolls back both the effect and the key, so the retry simply runs again.
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, delete, func, select, text
from sqlalchemy.dialects.postgresql import JSONB, insert
from sqlalchemy.ext.asyncio import AsyncSession

from common.problems import Problem, field_error, invalid

KEY_RETENTION = timedelta(hours=48)
MAX_KEY_LENGTH = 255


def idempotency_table(metadata: MetaData) -> Table:
    return Table(
        "idempotency_keys",
        metadata,
        Column("scope", String(200), primary_key=True),
        Column("key", String(MAX_KEY_LENGTH), primary_key=True),
        Column("fingerprint", String(64), nullable=False),
        Column("status_code", Integer, nullable=False),
        Column("response", JSONB, nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now(), index=True),
    )


def fingerprint(*parts: bytes | str) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode() if isinstance(part, str) else part)
        digest.update(b"\x00")
    return digest.hexdigest()


@dataclass(frozen=True)
class StoredAnswer:
    status_code: int
    body: Any


def validate_key(key: str | None) -> str | None:
    if key is None:
        return None
    if not key.strip() or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise invalid([field_error("Idempotency-Key", f"1 to {MAX_KEY_LENGTH} printable characters.", **{"in": "header"})])
    return key


class IdempotencyKeys:
    def __init__(self, table: Table) -> None:
        self.table = table

    async def claim(self, session: AsyncSession, *, scope: str, key: str, fingerprint: str) -> StoredAnswer | None:
        """Lock the key for this transaction; return the stored answer if it was used before."""
        locked = await session.scalar(
            text("SELECT pg_try_advisory_xact_lock(hashtext(:namespace), hashtext(:key))"),
            {"namespace": f"{self.table.schema}:{scope}", "key": key},
        )
        if not locked:
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
            return None
        if row.fingerprint != fingerprint:
            raise Problem(422, "Idempotency key reused",
                          "This Idempotency-Key was used with a different request body.",
                          type="idempotency-key-reused")
        return StoredAnswer(row.status_code, row.response)

    async def remember(self, session: AsyncSession, *, scope: str, key: str, fingerprint: str,
                       status_code: int, body: Any) -> None:
        stored_body = json.loads(json.dumps(body, default=str))
        statement = insert(self.table).values(
            scope=scope, key=key, fingerprint=fingerprint, status_code=status_code, response=stored_body,
        )
        # An expired key of the same name is replaced, not kept beside the new one.
        await session.execute(statement.on_conflict_do_update(
            index_elements=[self.table.c.scope, self.table.c.key],
            set_={"fingerprint": statement.excluded.fingerprint, "status_code": statement.excluded.status_code,
                  "response": statement.excluded.response, "created_at": func.now()},
        ))

    async def purge_expired(self, session: AsyncSession) -> int:
        result = await session.execute(delete(self.table).where(self.table.c.created_at < func.now() - KEY_RETENTION))
        return result.rowcount or 0
