"""Change feeds: every write records which entities it touched, in its own transaction.

A service's schema holds a `change_events` table: entity type, ids, operation, sequence number and the
time of the commit; never field values. `GET /v1/changes?after=SEQ` lists the events in commit order.

How events are written:
- ORM writes are collected automatically: `after_flush` notes every new, changed and deleted mapped
  object of the session; `record_changes` adds what a Core statement or a raw asyncpg bulk path wrote.
- Just before the commit (`before_commit`, after the last flush) the transaction takes the schema's
  change lock, inserts its events and sends a NOTIFY. The lock is held only from there to the commit
  and is released after the commit is visible, so sequence numbers are handed out in commit order: a
  reader that has seen event N will never later see an event below N appear. (A bigserial on its own
  is assigned at insert, and a transaction that inserted earlier may commit later.)
- A transaction that rolls back leaves no event; NOTIFY is delivered only on commit, which wakes the
  long-polls waiting in every process of the service.
Events older than RETENTION are purged by the writers, at most once per PURGE_EVERY per process.
"""

import asyncio
import contextlib
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Annotated, Any, cast

import asyncpg
from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field
from sqlalchemy import event, inspect, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from common.auth import OptionalPrincipal
from common.database import Database, asyncpg_dsn

log = logging.getLogger(__name__)

TABLE = "change_events"
RETENTION = timedelta(days=7)
PURGE_EVERY = 3600.0  # seconds
IDS_PER_EVENT = 1000
MAX_PAGE = 1000
MAX_WAIT_SECONDS = 30
PERSONAL_SCOPE = "contacts:read"
_PENDING = "change_feed.pending"


def create_change_events(op: Any, schema: str) -> None:
    """The table, for a service's alembic migration (`op`). Frozen as the migrations ran it: a change to
    the table is a new migration, never an edit here."""
    import sqlalchemy as sa
    from sqlalchemy.dialects import postgresql

    op.create_table(
        TABLE,
        sa.Column("seq", sa.BigInteger(), sa.Identity(always=True), primary_key=True),
        sa.Column("entity", sa.String(100), nullable=False),
        sa.Column("operation", sa.String(10), nullable=False),
        sa.Column("ids", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("committed_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("operation IN ('created', 'updated', 'deleted')", name=f"ck_{TABLE}_operation"),
        schema=schema,
    )
    op.create_index(f"ix_{TABLE}_committed_at", TABLE, ["committed_at"], schema=schema)


class Operation(StrEnum):
    created = "created"
    updated = "updated"
    deleted = "deleted"


def entity_of(mapped: Any) -> str | None:
    """The entity type a mapped object's events name: its table, or `__change_entity__`; None to skip."""
    cls = type(mapped)
    name = getattr(cls, "__change_entity__", None)
    if name is not None:
        return cast(str | None, name or None)
    return getattr(cls, "__tablename__", None)


def _pending(session: Session) -> dict[tuple[str, Operation], set[str]]:
    return cast(dict[tuple[str, Operation], set[str]], session.info.setdefault(_PENDING, {}))


def _identity(mapped: Any) -> str:
    # In after_flush a new object has its primary key but not yet its identity key.
    key = inspect(mapped).mapper.primary_key_from_instance(mapped)
    return ",".join(str(part) for part in key)


def record_changes(session: AsyncSession | Session, entity: str, ids: Iterable[Any],
                   operation: Operation | str) -> None:
    """Note that this transaction wrote `ids` of `entity`; the events are inserted at its commit.

    For Core statements (bulk UPDATE/DELETE) and raw asyncpg bulk paths (COPY and upserts), which
    the ORM does not see. Costs nothing in SQL until the commit.
    """
    sync = session.sync_session if isinstance(session, AsyncSession) else session
    noted = _pending(sync).setdefault((entity, Operation(operation)), set())
    noted.update(str(one) for one in ids)


async def record_changes_from(session: AsyncSession, entity: str, operation: Operation | str,
                              ids_sql: str, params: dict[str, Any] | None = None) -> int:
    """Set-based `record_changes`: the ids are what `ids_sql` selects (one column), aggregated in
    PostgreSQL in one round trip, e.g. the keys a staging table just upserted. Returns how many."""
    ids = await session.scalar(text(f"SELECT coalesce(array_agg(id::text), '{{}}') FROM ({ids_sql}) AS changed(id)"),
                               params or {})
    record_changes(session, entity, ids or [], operation)
    return len(ids or [])


def _after_flush(session: Session, _context: Any) -> None:
    pending = _pending(session)
    for objects, operation in ((session.new, Operation.created), (session.dirty, Operation.updated),
                               (session.deleted, Operation.deleted)):
        for mapped in objects:
            entity = entity_of(mapped)
            if entity is None:
                continue
            if operation is Operation.updated and not session.is_modified(mapped, include_collections=False):
                continue
            pending.setdefault((entity, operation), set()).add(_identity(mapped))


def _forget(session: Session, *_args: Any) -> None:
    session.info.pop(_PENDING, None)


@dataclass
class _Writer:
    schema: str
    last_purge: float | None = None

    @property
    def channel(self) -> str:
        return f"{self.schema}_changes"

    def before_commit(self, session: Session) -> None:
        session.flush()  # the last flush's objects are noted too, before anything is written
        pending = session.info.pop(_PENDING, None)
        if not pending:
            return
        created = {(entity, Operation.created): ids for (entity, op), ids in pending.items() if op is Operation.created}
        rows = []
        for (entity, operation), ids in sorted(pending.items()):
            if operation is Operation.updated:
                # An object made and then changed in one transaction was created, as far as anyone saw.
                ids = ids - created.get((entity, Operation.created), set())
            ordered = sorted(ids)
            for start in range(0, len(ordered), IDS_PER_EVENT):
                rows.append({"entity": entity, "operation": operation.value,
                             "ids": ordered[start:start + IDS_PER_EVENT]})
        if not rows:
            return
        # Held from here to the commit: the sequence numbers follow the commit order.
        session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:name))"), {"name": f"{self.schema}.{TABLE}"})
        session.execute(
            text(f'INSERT INTO "{self.schema}".{TABLE} (entity, operation, ids, committed_at) '
                 "VALUES (:entity, :operation, :ids, clock_timestamp())"),
            rows,
        )
        session.execute(text("SELECT pg_notify(:channel, '')"), {"channel": self.channel})
        now = time.monotonic()
        if self.last_purge is None or now - self.last_purge > PURGE_EVERY:
            self.last_purge = now
            session.execute(text(f'DELETE FROM "{self.schema}".{TABLE} '
                                 "WHERE committed_at < now() - CAST(:keep AS interval)"), {"keep": RETENTION})


def track_changes(database: Database) -> None:
    """Record change events for every session `database.sessionmaker` makes."""
    writer = _Writer(database.schema)

    class ChangeTrackingSession(Session):
        pass

    event.listen(ChangeTrackingSession, "after_flush", _after_flush)
    event.listen(ChangeTrackingSession, "before_commit", writer.before_commit)
    event.listen(ChangeTrackingSession, "after_rollback", _forget)
    database.sessionmaker.configure(sync_session_class=ChangeTrackingSession)


class ChangeNotifier:
    """One LISTEN connection per process; long-polls wait on it for the next commit's NOTIFY.

    If the connection is lost, waiters still poll the table every POLL_SECONDS, and it reconnects.
    """

    POLL_SECONDS = 1.0

    def __init__(self, url: str, channel: str) -> None:
        self.url = url
        self.channel = channel
        self.generation = 0
        self._changed = asyncio.Event()
        self._connection: asyncpg.Connection | None = None
        self._connecting: asyncio.Lock | None = None

    def _notified(self, *_args: Any) -> None:
        self.generation += 1
        self._changed.set()
        self._changed = asyncio.Event()

    async def _ensure_listening(self) -> None:
        if self._connection is not None and not self._connection.is_closed():
            return
        if self._connecting is None:
            self._connecting = asyncio.Lock()
        async with self._connecting:
            if self._connection is not None and not self._connection.is_closed():
                return
            try:
                connection = await asyncpg.connect(asyncpg_dsn(self.url), timeout=5,
                                                   server_settings={"application_name": f"{self.channel} listener"})
                await connection.add_listener(self.channel, self._notified)
                connection.add_termination_listener(lambda _c: self._notified())
            except (TimeoutError, OSError, asyncpg.PostgresError) as exc:
                log.warning("change feed: cannot LISTEN (%s); polling instead", type(exc).__name__)
                return
            self._connection = connection

    async def wait(self, seen_generation: int, seconds: float) -> None:
        """Return when a NOTIFY came after `seen_generation`, or after `seconds` (at most POLL_SECONDS)."""
        await self._ensure_listening()
        if self.generation != seen_generation:
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._changed.wait(), min(seconds, self.POLL_SECONDS))

    async def close(self) -> None:
        if self._connection is not None:
            connection, self._connection = self._connection, None
            await connection.close(timeout=2)


class ChangeOut(BaseModel):
    seq: int
    entity: str
    operation: Operation
    ids: list[str]
    committed_at: datetime


class ChangesPage(BaseModel):
    items: list[ChangeOut]
    next_after: int = Field(description="Pass as `after` for the next page (the last seq listed, or `after`).")
    has_more: bool = Field(description="More events follow at once; otherwise wait for new ones.")
    head: int = Field(description="The highest seq committed: a new consumer starts from it after a full read.")


@dataclass
class ChangeFeed:
    """A service's change feed: writes recorded in its transactions, listed at `GET /v1/changes`.

    `personal` names the entity types about personal data: listed only for `contacts:read`.
    """

    personal: frozenset[str] = frozenset()
    notifier: ChangeNotifier | None = None

    def install(self, database: Database) -> None:
        track_changes(database)
        self.notifier = ChangeNotifier(database.url, f"{database.schema}_changes")
        database.on_dispose(self.notifier.close)

    async def page(self, database: Database, after: int, limit: int, personal: bool) -> ChangesPage:
        hidden = [] if personal else sorted(self.personal)
        async with database.engine.connect() as connection:
            rows = (await connection.execute(
                text(f'SELECT seq, entity, operation, ids, committed_at FROM "{database.schema}".{TABLE} '
                     "WHERE seq > :after AND entity <> ALL(CAST(:hidden AS text[])) ORDER BY seq LIMIT :limit"),
                {"after": after, "hidden": hidden, "limit": limit + 1},
            )).all()
            head = (await connection.execute(text(f'SELECT coalesce(max(seq), 0) FROM "{database.schema}".{TABLE}'))
                    ).scalar_one()
        items = [ChangeOut(seq=r.seq, entity=r.entity, operation=r.operation, ids=r.ids,
                           committed_at=r.committed_at) for r in rows[:limit]]
        return ChangesPage(items=items, next_after=items[-1].seq if items else after, has_more=len(rows) > limit,
                           head=head)

    async def wait_page(self, database: Database, after: int, limit: int, personal: bool,
                        wait: float) -> ChangesPage:
        """The next page; when there is none yet, wait up to `wait` seconds for one."""
        deadline = time.monotonic() + wait
        while True:
            seen = self.notifier.generation if self.notifier else 0
            page = await self.page(database, after, limit, personal)
            remaining = deadline - time.monotonic()
            if page.items or remaining <= 0 or self.notifier is None:
                return page
            await self.notifier.wait(seen, remaining)


def changes_router(feed: ChangeFeed) -> APIRouter:
    router = APIRouter(prefix="/v1", tags=["changes"])

    @router.get("/changes", response_model=ChangesPage, summary="Change events, in commit order")
    async def list_changes(
        request: Request,
        principal: OptionalPrincipal,
        after: Annotated[int, Query(ge=0, le=2**63 - 1, description="The last seq already seen; 0 from the start")] = 0,
        limit: Annotated[int, Query(ge=1, le=MAX_PAGE, description="Events per page")] = 100,
        wait: Annotated[float, Query(ge=0, le=MAX_WAIT_SECONDS,
                                     description="Seconds to wait for an event when none follows `after`")] = 0,
    ) -> ChangesPage:
        """What changed after `after`: entity type, ids and operation, never field values; kept 7 days.

        Keep a copy in sync by reading the entities an event names again, then asking with `after` set to
        `next_after`; with `wait` the answer comes as soon as the next write commits. Events about personal
        data are listed only for `contacts:read`.
        """
        personal = principal is not None and principal.has(PERSONAL_SCOPE)
        return await feed.wait_page(request.app.state.database, after, limit, personal, wait)

    return router

