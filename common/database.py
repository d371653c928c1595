"""The async SQLAlchemy engine of one service, bound to its own PostgreSQL schema.

A request gets one session; it commits once when the endpoint returns and rolls back on any
error. Domain code only flushes (the unit of work belongs to the request, not to the service).
"""

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from enum import StrEnum
from typing import Annotated, Any, cast

import asyncpg
from fastapi import Depends, Request
from sqlalchemy import MetaData, event, text
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import InvalidatePoolError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session
from sqlalchemy.pool import ConnectionPoolEntry, PoolProxiedConnection

from common.faults import TransientFault, is_transient, sqlstate_of

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def one_of(column: str, vocabulary: Iterable[StrEnum]) -> str:
    """The SQL of a CHECK that a column holds one word of a vocabulary (the enum is the one definition)."""
    return f"{column} IN ({', '.join(repr(word.value) for word in vocabulary)})"


def schema_metadata(schema: str) -> MetaData:
    """Metadata for one service: every table in its schema, with stable constraint names."""
    return MetaData(schema=schema, naming_convention=NAMING_CONVENTION)


def _rename_query_key(parsed: URL, old: str, new: str) -> URL:
    if old not in parsed.query:
        return parsed
    return parsed.difference_update_query([old]).update_query_dict({new: parsed.query[old]})


def async_database_url(url: str) -> str:
    """Accept `postgresql://` or `postgres://` URLs as operators write them; use asyncpg.

    Managed PostgreSQL needs TLS, and operators write `?sslmode=require` as libpq taught them;
    SQLAlchemy hands query keys to asyncpg.connect(), which calls that one `ssl`.
    """
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres", "postgresql+psycopg2", "postgresql+psycopg"):
        parsed = parsed.set(drivername="postgresql+asyncpg")
    return _rename_query_key(parsed, "sslmode", "ssl").render_as_string(hide_password=False)


def asyncpg_dsn(url: str) -> str:
    """The same URL as plain asyncpg wants it (no SQLAlchemy driver suffix; TLS as `sslmode`)."""
    parsed = make_url(url).set(drivername="postgresql")
    return _rename_query_key(parsed, "ssl", "sslmode").render_as_string(hide_password=False)


class Database:
    def __init__(
        self,
        url: str,
        *,
        schema: str,
        pool_size: int = 10,
        max_overflow: int = 5,
        pool_timeout_seconds: float = 5.0,
        statement_timeout_ms: int = 30_000,
        application_name: str = "techniekpact",
        ping_after_idle_seconds: float = 10.0,
    ) -> None:
        self.schema = schema
        self.url = url
        self._closers: list[Callable[[], Awaitable[None]]] = []
        self.engine = create_async_engine(
            async_database_url(url),
            pool_size=pool_size,
            max_overflow=max_overflow,
            pool_timeout=pool_timeout_seconds,
            connect_args={
                "server_settings": {
                    "search_path": schema,
                    "statement_timeout": str(statement_timeout_ms),
                    "application_name": application_name,
                },
                "timeout": 10,
            },
        )
        self.sessionmaker = async_sessionmaker(self.engine, expire_on_commit=False)
        # Reads without BEGIN and COMMIT (see ReadSessionDep); the same pool.
        self.read_sessionmaker = async_sessionmaker(self.engine.execution_options(isolation_level="AUTOCOMMIT"),
                                                    sync_session_class=_ReadSession, expire_on_commit=False)
        _check_on_checkout(self.engine.sync_engine, ping_after_idle_seconds)

    async def ping(self, timeout_seconds: float = 2.0) -> bool:
        try:
            async with asyncio.timeout(timeout_seconds):
                async with self.engine.connect() as connection:
                    await connection.execute(text("SELECT 1"))
        except Exception:
            return False
        return True

    def on_dispose(self, closer: Callable[[], Awaitable[None]]) -> None:
        """Run `closer` when the database is disposed (a connection kept beside the pool, say)."""
        self._closers.append(closer)

    async def dispose(self) -> None:
        for closer in self._closers:
            await closer()
        await self.engine.dispose()


async def driver_connection(session: AsyncSession) -> asyncpg.Connection:
    """The asyncpg connection under the session's transaction, for COPY and other bulk paths."""
    raw = await (await session.connection()).get_raw_connection()
    return cast(asyncpg.Connection, raw.driver_connection)


async def advisory_xact_lock(session: AsyncSession, name: str) -> None:
    """Wait for the transaction-scoped lock `name`; it is released at commit or rollback."""
    await session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:name))"), {"name": name})


async def try_advisory_xact_lock(session: AsyncSession, namespace: str, key: str) -> bool:
    """Take the transaction-scoped lock (namespace, key) if it is free; False if another holds it."""
    return bool(await session.scalar(
        text("SELECT pg_try_advisory_xact_lock(hashtext(:namespace), hashtext(:key))"),
        {"namespace": namespace, "key": key},
    ))


def _check_on_checkout(engine: Engine, ping_after_idle_seconds: float) -> None:
    """What `pool_pre_ping` guarded against (a connection the server closed, a restart), for less.

    pre_ping asks the server at every checkout (BEGIN, `;`, ROLLBACK: three round trips before each
    request's own BEGIN). A connection the server closed (a restart,
    pg_terminate_backend, idle_session_timeout) is one asyncpg has seen close, which costs nothing to
    ask; only one that sat idle longer than `ping_after_idle_seconds` (a firewall may have dropped it
    without a word) is pinged. Either way a dead one makes the pool drop every connection older than it
    and hand out a new one, as pre_ping did.
    """

    @event.listens_for(engine, "checkin")
    def _checked_in(dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
        record.info["checked_in"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_connection: Any, record: ConnectionPoolEntry, proxy: PoolProxiedConnection) -> None:
        if dbapi_connection.driver_connection.is_closed():
            raise InvalidatePoolError("the server closed the connection")
        checked_in = record.info.pop("checked_in", None)  # None: a new connection (or one made again)
        if checked_in is not None and time.monotonic() - checked_in > ping_after_idle_seconds:
            try:
                alive = engine.dialect.do_ping(dbapi_connection)
            except Exception as exc:
                raise InvalidatePoolError(f"ping failed: {exc!r}") from exc
            if not alive:
                raise InvalidatePoolError("ping failed")


class _ReadSession(Session):
    """A session of a request that only reads: each statement commits on its own, so it must not write."""


@event.listens_for(_ReadSession, "before_flush")
def _refuse_writes(session: Session, flush_context: Any, instances: Any) -> None:
    if session.new or session.dirty or session.deleted:
        raise RuntimeError("a read-only session (ReadSessionDep) was asked to write")


def get_database(request: Request) -> Database:
    return request.app.state.database


async def _request_session(request: Request) -> AsyncIterator[AsyncSession]:
    """The request's unit of work. It connects at its first statement (a route that reads its body
    first holds no connection meanwhile) and commits once; a deadlock or serialization failure,
    rolled back, becomes TransientFault, which common.retry answers by running the request again."""
    async with get_database(request).sessionmaker() as session:
        try:
            yield session
        except BaseException as exc:
            await session.rollback()
            if is_transient(exc):
                raise TransientFault(sqlstate_of(exc)) from exc
            raise
        else:
            try:
                await session.commit()
            except Exception as exc:
                if is_transient(exc):
                    await session.rollback()
                    raise TransientFault(sqlstate_of(exc)) from exc
                raise


async def _read_session(request: Request) -> AsyncIterator[AsyncSession]:
    """A read's session, in autocommit: no BEGIN before its first statement and no COMMIT after.

    Under READ COMMITTED (PostgreSQL's default, and ours) every statement sees a snapshot of its
    own, inside a transaction or not, so a read of several statements sees the same rows either
    way, and the transaction only cost two round trips more. For routes that write nothing, take
    no advisory lock and set nothing with SET LOCAL (each would end with its statement); an ORM
    write is refused.
    """
    async with get_database(request).read_sessionmaker() as session:
        yield session


# scope="function": the commit happens when the endpoint returns, before the response is sent,
# so a client never sees a 2xx for a write that then fails to commit.
SessionDep = Annotated[AsyncSession, Depends(_request_session, scope="function")]
ReadSessionDep = Annotated[AsyncSession, Depends(_read_session, scope="function")]
