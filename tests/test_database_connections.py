"""The pool's connections: a dead one is never handed to a request, and a live one is not asked first.

common.database checks a connection at checkout instead of pre-pinging every time: one the server
closed is replaced, one idle for a while is pinged, one just used goes straight to work.
"""

import asyncio
import uuid

import pytest
from sqlalchemy import Integer, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from common.database import Database


class _Base(DeclarativeBase):
    pass


class _Note(_Base):
    __tablename__ = "read_session_test_note"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)


async def _driver(connection) -> object:
    return (await connection.get_raw_connection()).driver_connection


@pytest.fixture
async def database(database_url):
    # Its own application name, so that a test can end this pool's connections and no one else's.
    made = Database(database_url, schema="public", application_name=f"pool-test-{uuid.uuid4().hex[:8]}",
                    ping_after_idle_seconds=60)
    yield made
    await made.dispose()


async def _backend_of(database: Database) -> int:
    async with database.engine.connect() as connection:
        return await connection.scalar(text("SELECT pg_backend_pid()"))


async def test_a_connection_the_server_ended_is_replaced_before_a_request_gets_it(database, database_url):
    first = await _backend_of(database)
    async with database.engine.connect() as connection:
        driver = await _driver(connection)
    killer = Database(database_url, schema="public")
    try:
        async with killer.engine.connect() as connection:
            assert await connection.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
    finally:
        await killer.dispose()
    for _ in range(200):  # the server's goodbye reaches the idle connection at the loop's next turn
        if driver.is_closed():
            break
        await asyncio.sleep(0.01)
    assert driver.is_closed()

    # Without the check at checkout, this statement would go to the dead connection and fail.
    second = await _backend_of(database)
    assert second != first


async def _transactions_of_one_checkout(database: Database) -> int:
    """The transactions the server saw for one checkout of a pooled connection and one statement on it
    (asyncpg logs the text it sends: BEGIN and ROLLBACK, not the prepared statements), the ping's included."""
    async with database.engine.connect() as connection:
        driver = await _driver(connection)
    sent: list[str] = []

    def log(record) -> None:
        sent.append(record.query)

    driver.add_query_logger(log)
    try:
        async with database.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    finally:
        driver.remove_query_logger(log)
    return sent.count("BEGIN;")


async def test_a_connection_just_used_is_not_pinged_and_one_idle_for_long_is(database_url):
    recent = Database(database_url, schema="public", ping_after_idle_seconds=60)
    idle = Database(database_url, schema="public", ping_after_idle_seconds=0)
    try:
        assert await _transactions_of_one_checkout(recent) == 1
        assert await _transactions_of_one_checkout(idle) == 2  # the ping is BEGIN, `;`, ROLLBACK
    finally:
        await recent.dispose()
        await idle.dispose()


async def test_a_read_session_sends_no_begin_nor_commit_and_refuses_to_write(database):
    sent: list[str] = []

    def log(record) -> None:
        sent.append(record.query)

    async with database.read_sessionmaker() as session:
        driver = await _driver(await session.connection())
        driver.add_query_logger(log)
        try:
            assert await session.scalar(text("SELECT 1")) == 1
            assert await session.scalar(text("SELECT 2")) == 2
        finally:
            driver.remove_query_logger(log)
        assert "BEGIN;" not in sent and "COMMIT;" not in sent

        session.add(_Note(id=1))  # its table does not exist: the flush must refuse before any SQL
        with pytest.raises(Exception, match="read-only session"):
            await session.flush()
