"""A slow upload is cut off with 408, and while it trickles in it holds no pooled connection.

Before, 15 stalled feed uploads held 15 connections in open transactions with no time limit, and
every public metrics read answered 503. Here each service runs with a pool of two connections and
a body deadline of a few seconds; three uploads per route stall half-sent at once. While they
stall, the pools hold nothing (the services' own gauge and PostgreSQL's pg_stat_activity say so)
and reads answer; then each upload gets 408 problem+json and its connection is closed.
"""

import asyncio
import json
import re
import uuid
from collections.abc import Iterator

import asyncpg
import httpx
import pytest

from cli.processes import PROCESSES, Stack, free_port
from common.database import asyncpg_dsn
from tests.hostile.service_cases import assert_answering, bearer, row_counts

pytestmark = pytest.mark.e2e

SERVICES = ("actions_api", "partners_api", "metrics_api")
DEADLINE_SECONDS = 6
STALLS_PER_ROUTE = 3  # more than the pool holds
# Routes that read their body before their first statement; (service, method, path, extra headers).
STALLED_ROUTES = [
    ("actions_api", "POST", "/v1/pacts", {}),
    ("partners_api", "PUT", "/v1/sources/hilversum/organisations", {"Idempotency-Key": "slow-{n}"}),
    ("partners_api", "POST", "/v1/organisations", {}),
    ("metrics_api", "POST", "/v1/series/query", {}),
]


@pytest.fixture(scope="module")
def slow_stack(database_url, tmp_path_factory) -> Iterator[Stack]:
    running = Stack(database_url, {name: free_port() for name in PROCESSES}, log_dir=tmp_path_factory.mktemp("slow"),
                    extra_env={"ENVIRONMENT": "test", "BODY_READ_TIMEOUT_SECONDS": str(DEADLINE_SECONDS),
                               "DB_POOL_SIZE": "2", "DB_MAX_OVERFLOW": "0", "DB_POOL_TIMEOUT_SECONDS": "2"})
    running.start(SERVICES)
    try:
        running.wait_ready(timeout=60)
        yield running
    finally:
        running.stop()


async def _stall(stack: Stack, service: str, method: str, path: str, headers: dict[str, str]):
    """Send the headers and 20 bytes of a 2,000-byte JSON body, then nothing."""
    reader, writer = await asyncio.open_connection("127.0.0.1", stack.ports[service])
    lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{stack.ports[service]}",
             "Content-Type: application/json", "Content-Length: 2000",
             *(f"{name}: {value}" for name, value in headers.items())]
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + b'{"records": [{"name"')
    await writer.drain()
    return reader, writer


async def _gauge(client: httpx.AsyncClient, name: str, **labels: str) -> float:
    text = (await client.get("/metrics")).text
    selector = ",".join(f'{key}="{value}"' for key, value in labels.items())
    match = re.search(rf"^{name}{{[^}}]*{re.escape(selector)}[^}}]*}} (\S+)$", text, re.MULTILINE)
    assert match, f"{name} {labels} not in /metrics"
    return float(match.group(1))


async def _in_flight(client: httpx.AsyncClient, service: str) -> float:
    return await _gauge(client, "http_requests_in_progress", process=service)


async def _open_transactions(database_url: str) -> int:
    connection = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        return await connection.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND application_name = ANY($1::text[]) AND state LIKE 'idle in transaction%'", list(SERVICES))
    finally:
        await connection.close()


async def _answer(reader: asyncio.StreamReader) -> tuple[int, dict[str, str], dict]:
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout=60)
    status_line, *header_lines = head.decode().split("\r\n")
    headers = {k.lower(): v.strip() for k, v in (line.split(":", 1) for line in header_lines if ":" in line)}
    body = await asyncio.wait_for(reader.readexactly(int(headers["content-length"])), timeout=60)
    return int(status_line.split()[1]), headers, json.loads(body)


async def test_stalled_uploads_hold_no_connection_and_get_408(slow_stack, database_url):
    before = await row_counts(database_url)
    token = bearer()
    stalled = [await _stall(slow_stack, service, method, path,
                            {**token, **{k: v.format(n=uuid.uuid4().hex) for k, v in extra.items()}})
               for service, method, path, extra in STALLED_ROUTES for _ in range(STALLS_PER_ROUTE)]
    per_service = {service: sum(STALLS_PER_ROUTE for s, *_ in STALLED_ROUTES if s == service) for service in SERVICES}
    clients = {name: httpx.AsyncClient(base_url=slow_stack.url(name), timeout=30) for name in SERVICES}
    try:
        for service, count in per_service.items():
            # Wait until every stalled request is inside the app (the /metrics request itself counts one).
            for _ in range(1200):
                if await _in_flight(clients[service], service) >= count + 1:
                    break
                await asyncio.sleep(0.05)

        for service in SERVICES:
            assert await _gauge(clients[service], "db_pool_connections", process=service, state="in_use") == 0
        assert await _open_transactions(database_url) == 0
        # With the pools free, reads answer at once instead of waiting for a connection and giving 503.
        assert (await clients["actions_api"].get("/v1/pacts")).status_code == 200
        assert (await clients["partners_api"].get("/v1/organisations")).status_code == 200
        assert (await clients["metrics_api"].get("/v1/regions")).status_code == 200
        for service, count in per_service.items():
            assert await _in_flight(clients[service], service) == count + 1, "an upload was answered too early"

        for reader, writer in stalled:
            status, headers, problem = await _answer(reader)
            assert status == 408, problem
            assert headers["content-type"] == "application/problem+json"
            assert headers["connection"] == "close"
            assert problem["type"] == "https://techniekpact.nl/problems/body-too-slow"
            assert await reader.read() == b""  # the server closed the connection
            writer.close()
    finally:
        for client in clients.values():
            await client.aclose()
    assert await row_counts(database_url) == before
    await assert_answering(slow_stack, *SERVICES)


async def test_a_stalled_feed_is_cut_off_at_the_deadline(slow_stack, database_url):
    """The feed streams its body into COPY, so it reads inside its transaction: the deadline bounds that."""
    before = await row_counts(database_url)
    reader, writer = await _stall(slow_stack, "metrics_api", "POST", "/v1/feeds/uwv/observations", bearer())
    status, _, problem = await _answer(reader)
    writer.close()
    assert (status, problem["type"]) == (408, "https://techniekpact.nl/problems/body-too-slow")
    assert await _open_transactions(database_url) == 0
    assert await row_counts(database_url) == before
    await assert_answering(slow_stack, "metrics_api")
