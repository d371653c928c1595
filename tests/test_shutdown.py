"""Graceful shutdown of a real process: SIGTERM in the middle of a statistics feed post.

Kubernetes (and `docker stop`, and `techniekpact run` on Ctrl-C) ends a process with SIGTERM. The
process must then stop taking new connections, let the requests in flight finish within
SHUTDOWN_TIMEOUT_SECONDS, close its database pool and exit. A feed post caught by it either
completes (all its rows written, the client gets the answer) or, past the deadline, has no effect.

The post's body is sent from a generator that pauses after its first chunk: SIGTERM then arrives
while the request is certainly in flight, without guessing at timings.
"""

import asyncio
import signal
import threading
import time
import uuid
from collections.abc import Iterator

import asyncpg
import httpx
import pytest

from cli.migrate import upgrade_all
from cli.processes import PROCESSES, Stack, free_port
from common.database import asyncpg_dsn
from common.postgres_server import drop_database, ensure_database, with_database
from services.metrics_api.tests.conftest import MEASURES, OCCUPATIONS, REGIONS

pytestmark = pytest.mark.e2e

REGION_CODES = ("NL01", "PV24", "PV26", "PV27")
OCCUPATION_CODES = ("total", "technical_industry", "ict")


def feed_csv() -> tuple[bytes, int]:
    """Monthly new vacancies 2001-2020 for four regions and three occupation classes."""
    lines = ["measure;region;period;occupation;value;status"]
    for year in range(2001, 2021):
        for month in range(1, 13):
            for region in REGION_CODES:
                for number, occupation in enumerate(OCCUPATION_CODES):
                    lines.append(f"vacancies_new;{region};{year}-{month:02d};{occupation};{1000 + year + month + number};final")
    return ("\n".join(lines) + "\n").encode(), len(lines) - 1


class PausedBody:
    """A request body that sends its first part, then waits until `resume` is set."""

    def __init__(self, content: bytes) -> None:
        self.head, self.tail = content[: len(content) // 3], content[len(content) // 3:]
        self.head_sent = threading.Event()
        self.resume = threading.Event()

    def __iter__(self) -> Iterator[bytes]:
        yield self.head
        self.head_sent.set()
        self.resume.wait(60)
        yield self.tail


class Post(threading.Thread):
    """The feed post, from a thread of its own (its body blocks until the test resumes it)."""

    def __init__(self, url: str, headers: dict[str, str], body: PausedBody) -> None:
        super().__init__(daemon=True)
        self.url, self.headers, self.body = url, headers, body
        self.response: httpx.Response | None = None
        self.error: Exception | None = None

    def run(self) -> None:
        try:
            self.response = httpx.post(self.url, content=iter(self.body), headers=self.headers, timeout=60)
        except httpx.HTTPError as exc:
            self.error = exc


async def _scalar(url: str, query: str):
    connection = await asyncpg.connect(asyncpg_dsn(url))
    try:
        return await connection.fetchval(query)
    finally:
        await connection.close()


def scalar(url: str, query: str):
    return asyncio.run(_scalar(url, query))


@pytest.fixture
def own_database(database_server_url) -> Iterator[str]:
    """A database of this test's own, so that its connection count is this process's alone."""
    url = with_database(database_server_url, f"techniekpact_shutdown_{uuid.uuid4().hex[:8]}")
    asyncio.run(ensure_database(url))
    upgrade_all(url)
    yield url
    asyncio.run(drop_database(url))


@pytest.fixture
def metrics_api(own_database, token, tmp_path):
    """metrics_api as a real process with its reference data; the test decides when it stops."""

    def start(shutdown_timeout_seconds: int) -> Stack:
        stack = Stack(own_database, {name: free_port() for name in PROCESSES}, log_dir=tmp_path,
                      extra_env={"ENVIRONMENT": "test", "SHUTDOWN_TIMEOUT_SECONDS": str(shutdown_timeout_seconds)})
        stack.start(("metrics_api",))
        stacks.append(stack)
        stack.wait_ready(timeout=60)
        admin = {"Authorization": f"Bearer {token('metrics:admin')}"}
        for path, items in (("regions", REGIONS), ("measures", MEASURES), ("occupations", OCCUPATIONS)):
            for code, body in items:
                response = httpx.put(f"{stack.url('metrics_api')}/v1/{path}/{code}", json=body, headers=admin)
                # The CBS registry the migrations load may hold the region already.
                assert response.status_code in (200, 201), response.text
        return stack

    stacks: list[Stack] = []
    yield start
    for stack in stacks:
        stack.stop()


def begin_post(stack: Stack, token, content: bytes) -> Post:
    headers = {"Authorization": f"Bearer {token('metrics:write', sources=['uwv'])}",
               "Content-Type": "text/csv", "Idempotency-Key": str(uuid.uuid4())}
    post = Post(f"{stack.url('metrics_api')}/v1/feeds/uwv/observations", headers, PausedBody(content))
    post.start()
    assert post.body.head_sent.wait(30), "the post did not start"
    # The client having sent its first chunk does not mean the server has read the headers: until
    # it has, the connection is idle to uvicorn and SIGTERM closes it. Wait until the process itself
    # counts the post in flight (beside the /metrics request asking).
    assert in_flight(stack) == 2, "the server never took the post"
    return post


def in_flight(stack: Stack, wanted: int = 2, timeout: float = 30) -> int:
    deadline = time.monotonic() + timeout
    while True:
        metrics = httpx.get(f"{stack.url('metrics_api')}/metrics", timeout=5).text
        count = next(int(float(line.rsplit(" ", 1)[1])) for line in metrics.splitlines()
                     if line.startswith("http_requests_in_progress{"))
        if count >= wanted or time.monotonic() > deadline:
            return count
        time.sleep(0.05)


def exits_after_draining(process, timeout: float = 30) -> bool:
    """uvicorn drains, shuts the app down, then raises SIGTERM again on itself: the exit status
    says what ended the process, as for any program that SIGTERM ends."""
    return process.wait(timeout) in (0, -signal.SIGTERM)


def refuses_connections(url: str) -> bool:
    for _ in range(100):
        try:
            httpx.get(url, timeout=2)
        except httpx.ConnectError:
            return True
        time.sleep(0.05)
    return False


def connections_left(url: str, timeout: float = 5) -> int:
    """The process's connections on the server; a backend takes a moment to go after its client says goodbye."""
    deadline = time.monotonic() + timeout
    while True:
        left = scalar(url, "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                           "AND application_name = 'metrics_api'")
        if left == 0 or time.monotonic() > deadline:
            return left
        time.sleep(0.1)


def log_of(stack: Stack) -> str:
    return (stack.log_dir / "metrics_api.log").read_text()


def test_sigterm_during_a_feed_post_lets_it_complete_then_closes_the_pool(metrics_api, own_database, token):
    stack = metrics_api(shutdown_timeout_seconds=30)
    process = stack.children["metrics_api"]
    content, rows = feed_csv()
    post = begin_post(stack, token, content)

    process.send_signal(signal.SIGTERM)
    # Draining: the listening socket is closed, so a new request is refused ...
    assert refuses_connections(f"{stack.url('metrics_api')}/healthz")
    # ... while the post in flight is still being served.
    assert process.poll() is None
    post.body.resume.set()
    post.join(60)

    assert post.error is None, post.error
    assert post.response.status_code == 200, post.response.text
    assert post.response.json()["inserted"] == rows
    assert exits_after_draining(process)
    assert scalar(own_database, "SELECT count(*) FROM metrics.observations") == rows
    assert scalar(own_database, "SELECT count(*) FROM metrics.batches") == 1
    # The pool was closed on the way out: no connection of the process is left on the server.
    assert connections_left(own_database) == 0
    log = log_of(stack)
    # Not asserted: uvicorn's "Waiting for connections to close", which it logs only if the post is
    # still running 0.1 s after SIGTERM; the post may finish sooner once resumed.
    assert "Application shutdown complete" in log


def test_a_post_still_running_at_the_deadline_has_no_effect(metrics_api, own_database, token):
    stack = metrics_api(shutdown_timeout_seconds=1)
    process = stack.children["metrics_api"]
    content, _ = feed_csv()
    post = begin_post(stack, token, content)

    process.send_signal(signal.SIGTERM)
    # The body never resumes before the deadline: the process gives up on the request and exits.
    assert exits_after_draining(process)
    post.body.resume.set()
    post.join(60)

    assert post.response is None or post.response.status_code >= 500
    assert scalar(own_database, "SELECT count(*) FROM metrics.observations") == 0
    assert scalar(own_database, "SELECT count(*) FROM metrics.batches") == 0
    assert connections_left(own_database) == 0
    assert "timeout graceful shutdown exceeded" in log_of(stack)
