"""Transient database faults are the server's job; the rest are 503 or 422, never 500.

Each case runs against a real PostgreSQL: real deadlocks between two requests, real statement
timeouts, real refusals of input, through SQLAlchemy and through the raw asyncpg connection the
bulk paths use, in a probe app built by the same `create_service_app` as every service.
"""

import asyncio
import uuid

import asyncpg
import httpx
import pytest
import sqlalchemy
from fastapi import APIRouter, Request
from pydantic import BaseModel
from sqlalchemy.engine import make_url

from common.app import create_service_app
from common.database import SessionDep, asyncpg_dsn, driver_connection
from common.testing import service_client
from services.partners_api.settings import PartnersSettings

NOTES = "public.hostile_fault_notes"


class Note(BaseModel):
    text: str


class Probe:
    """A service app whose routes misbehave on purpose, counting how often each one ran."""

    def __init__(self, database_url: str, **settings) -> None:
        self.runs: dict[str, int] = {}
        self.bodies: list[bytes] = []
        self.both_hold_their_first_lock = asyncio.Event()
        self.holding = 0
        router = APIRouter(prefix="/v1")

        def ran(name: str) -> int:
            self.runs[name] = self.runs.get(name, 0) + 1
            return self.runs[name]

        async def write(session, text: str) -> None:
            await session.execute(sqlalchemy.text(f"INSERT INTO {NOTES} (text) VALUES (:t)"), {"t": text})

        @router.post("/deadlock-once")
        async def deadlock_once(note: Note, session: SessionDep) -> dict:
            await write(session, note.text)
            if ran("deadlock-once") == 1:
                await session.execute(sqlalchemy.text(
                    "DO $$ BEGIN RAISE EXCEPTION 'deadlock detected' USING ERRCODE = '40P01'; END $$"))
            return {"runs": self.runs["deadlock-once"], "text": note.text}

        @router.post("/always-serialization-failure")
        async def always_failing(request: Request, session: SessionDep) -> dict:
            ran("always")
            self.bodies.append(await request.body())
            await write(session, "never")
            await session.execute(sqlalchemy.text(
                "DO $$ BEGIN RAISE EXCEPTION 'could not serialize' USING ERRCODE = '40001'; END $$"))
            return {}

        @router.post("/raw-deadlock-once")
        async def raw_deadlock_once(request: Request, session: SessionDep) -> dict:
            chunks = [chunk async for chunk in request.stream()]
            self.bodies.append(b"".join(chunks))
            db = await driver_connection(session)
            await db.execute(f"INSERT INTO {NOTES} (text) VALUES ($1)", b"".join(chunks).decode())
            if ran("raw") == 1:
                await db.execute("DO $$ BEGIN RAISE EXCEPTION 'deadlock' USING ERRCODE = '40P01'; END $$")
            return {"runs": self.runs["raw"]}

        @router.post("/lock/{first}/{second}")
        async def lock_in_order(first: str, second: str, session: SessionDep) -> dict:
            ran(f"{first}{second}")
            lock = sqlalchemy.text(f"SELECT text FROM {NOTES} WHERE text = :t FOR UPDATE")
            await session.execute(lock, {"t": first})
            self.holding += 1
            if self.holding == 2:
                self.both_hold_their_first_lock.set()
            # On the first attempts both wait here until each holds its first row: then each wants
            # the other's, and PostgreSQL aborts one of them (40P01). Retries pass straight through.
            await asyncio.wait_for(self.both_hold_their_first_lock.wait(), timeout=30)
            await session.execute(lock, {"t": second})
            await session.execute(sqlalchemy.text(f"UPDATE {NOTES} SET touched = touched + 1 WHERE text = :t"),
                                  {"t": first})
            return {"locked": [first, second]}

        @router.get("/slow/{path}")
        async def slow(path: str, session: SessionDep) -> dict:
            if path == "raw":
                await session.execute(sqlalchemy.text("SELECT 1"))  # SQLAlchemy begins the transaction
                db = await driver_connection(session)
                await db.execute("SET LOCAL statement_timeout = 50")
                await db.execute("SELECT pg_sleep(2)")
            else:
                await session.execute(sqlalchemy.text("SET LOCAL statement_timeout = 50"))
                await session.execute(sqlalchemy.text("SELECT pg_sleep(2)"))
            return {}

        @router.get("/refused/{path}")
        async def refused_input(path: str, session: SessionDep) -> dict:
            db = await driver_connection(session)
            if path == "overflow":
                await db.fetch("SELECT $1::numeric(5, 2)", 1e10)
            elif path == "not-null":
                await db.execute(f"INSERT INTO {NOTES} (text) VALUES (NULL)")
            elif path == "text":
                await session.execute(sqlalchemy.text("SELECT CAST(:v AS integer)"), {"v": "zeven"})
            elif path == "argument":
                await db.fetch("SELECT $1::integer", 2**40)
            return {}

        @router.get("/notes")
        async def notes(session: SessionDep) -> dict:
            return {"count": await session.scalar(sqlalchemy.text(f"SELECT count(*) FROM {NOTES}"))}

        self.app = create_service_app(
            title="probe", description="probe", routers=[router],
            settings=PartnersSettings(database_url=database_url, environment="test", **settings))


@pytest.fixture
async def notes_table(database_url):
    connection = await asyncpg.connect(asyncpg_dsn(database_url))
    await connection.execute(f"CREATE TABLE {NOTES} (text text NOT NULL, touched integer NOT NULL DEFAULT 0)")
    yield connection
    await connection.execute(f"DROP TABLE {NOTES}")
    await connection.close()


async def _count(connection) -> int:
    return await connection.fetchval(f"SELECT count(*) FROM {NOTES}")


@pytest.fixture
def probe(database_url, notes_table):
    return Probe(database_url)


@pytest.fixture
async def client(probe):
    transport = httpx.ASGITransport(app=probe.app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client
    await probe.app.state.database.dispose()


async def test_a_deadlock_is_retried_with_the_same_body_and_written_once(client, probe, notes_table):
    response = await client.post("/v1/deadlock-once", json={"text": "Techniekmiddag"})
    assert response.status_code == 200, response.text
    assert response.json() == {"runs": 2, "text": "Techniekmiddag"}
    assert await _count(notes_table) == 1  # the first attempt's insert was rolled back


async def test_a_streamed_body_is_replayed_to_the_raw_driver_path(client, probe, notes_table):
    async def chunks():
        for part in (b"Bedrijven ", b"in de ", b"klas"):
            yield part

    response = await client.post("/v1/raw-deadlock-once", content=chunks())
    assert response.status_code == 200, response.text
    assert response.json() == {"runs": 2}
    assert probe.bodies == [b"Bedrijven in de klas"] * 2
    assert await notes_table.fetchval(f"SELECT text FROM {NOTES}") == "Bedrijven in de klas"


async def test_retries_are_bounded_and_then_a_clean_409(client, probe, notes_table):
    response = await client.post("/v1/always-serialization-failure", content=b'{"same": "body"}',
                                 headers={"content-type": "application/json"})
    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"].endswith("/concurrent-change")
    assert int(response.headers["retry-after"]) >= 1
    assert probe.runs["always"] == 3 and probe.bodies == [b'{"same": "body"}'] * 3
    assert await _count(notes_table) == 0
    assert (await client.get("/healthz")).status_code == 200


async def test_a_body_too_large_to_keep_is_not_replayed(database_url, notes_table):
    probe = Probe(database_url, transient_fault_replay_max_bytes=10)
    async with service_client(probe.app) as client:
        response = await client.post("/v1/always-serialization-failure", content=b"x" * 100)
    assert response.status_code == 409 and response.headers["retry-after"]
    assert probe.runs["always"] == 1


async def test_a_real_deadlock_between_two_requests_ends_with_both_done(client, probe, notes_table):
    await notes_table.execute(f"INSERT INTO {NOTES} (text) VALUES ('a'), ('b')")
    first, second = await asyncio.gather(client.post("/v1/lock/a/b"), client.post("/v1/lock/b/a"))
    assert (first.status_code, second.status_code) == (200, 200), (first.text, second.text)
    # One of the two was aborted by PostgreSQL's deadlock detector and ran again.
    assert sorted(probe.runs.values()) == [1, 2]
    assert await notes_table.fetchval(f"SELECT sum(touched) FROM {NOTES}") == 2


@pytest.mark.parametrize("path", ["sqlalchemy", "raw"])
async def test_a_statement_timeout_is_503_with_retry_after(client, path):
    response = await client.get(f"/v1/slow/{path}")
    assert response.status_code == 503, response.text
    assert response.json()["type"].endswith("/database-unavailable")
    assert int(response.headers["retry-after"]) >= 1


@pytest.mark.parametrize(("path", "field"), [("overflow", None), ("not-null", "text"), ("text", None),
                                             ("argument", None)])
async def test_input_the_database_refuses_is_422_naming_the_column_it_names(client, path, field, notes_table):
    response = await client.get(f"/v1/refused/{path}")
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["type"].endswith("/validation")
    if field is None:
        assert "errors" not in problem
    else:
        assert [error["field"] for error in problem["errors"]] == [field]
    assert await _count(notes_table) == 0


@pytest.fixture
async def role_without_connections(database_url):
    """A role PostgreSQL refuses at connect time: 53300, too many connections for it."""
    role = f"hostile_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(asyncpg_dsn(database_url))
    await admin.execute(f"CREATE ROLE {role} LOGIN CONNECTION LIMIT 0")
    yield role
    await admin.execute(f"DROP ROLE {role}")
    await admin.close()


async def test_connections_refused_by_postgresql_are_503_with_retry_after(database_url, role_without_connections):
    # Only the user changes: the embedded server's URL names a socket, not a host.
    url = make_url(database_url).set(username=role_without_connections).render_as_string(hide_password=False)
    probe = Probe(url)
    transport = httpx.ASGITransport(app=probe.app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.get("/v1/notes")
        health = await client.get("/healthz")
    await probe.app.state.database.dispose()
    assert response.status_code == 503, response.text
    assert response.json()["type"].endswith("/database-unavailable")
    assert int(response.headers["retry-after"]) >= 1
    assert health.status_code == 200
