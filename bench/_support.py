"""What the bench scripts share: the PostgreSQL server they use, a fresh database, the stack on it.

Imported after a script has put the repository on sys.path.
"""

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from cli.migrate import upgrade_all
from cli.processes import PROCESSES, Stack, free_port
from common.database import asyncpg_dsn
from common.postgres_server import drop_database, ensure_database, with_database


def database_server() -> str:
    """BENCH_DATABASE_URL, else TEST_DATABASE_URL, else the local server at 127.0.0.1:5432."""
    return (os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
            or "postgresql://postgres@127.0.0.1:5432/postgres")


@contextmanager
def fresh_database(name: str | None = None) -> Iterator[str]:
    """A new database on that server (`name`, else a random techniekpact_bench_ name), migrated; dropped after."""
    url = with_database(database_server(), name or f"techniekpact_bench_{uuid.uuid4().hex[:8]}")
    asyncio.run(drop_database(url))  # a run that was killed leaves its database behind
    asyncio.run(ensure_database(url))
    try:
        upgrade_all(url)
        yield url
    finally:
        asyncio.run(drop_database(url))


@contextmanager
def running_stack(database_url: str, names: tuple[str, ...] | None = None, *, ready_within: float = 60,
                  extra_env: dict[str, str] | None = None, log_dir: Path | None = None) -> Iterator[Stack]:
    """The processes (default: all four) on free ports, ready; stopped after."""
    stack = Stack(database_url, {name: free_port() for name in PROCESSES}, extra_env=extra_env, log_dir=log_dir)
    try:
        if names is None:
            stack.start()
        else:
            stack.start(names)
        stack.wait_ready(timeout=ready_within)
        yield stack
    finally:
        stack.stop()


@asynccontextmanager
async def connected(database_url: str, **options: Any) -> AsyncIterator[asyncpg.Connection]:
    """A plain asyncpg connection of its own to the database (`options` for asyncpg.connect); closed after."""
    connection = await asyncpg.connect(asyncpg_dsn(database_url), **options)
    try:
        yield connection
    finally:
        await connection.close()


async def fetch_value(database_url: str, query: str, *args: Any) -> Any:
    """The first value of one query's answer, on a connection of its own."""
    async with connected(database_url) as connection:
        return await connection.fetchval(query, *args)


def put_versioned(client: httpx.Client, path: str, body: dict[str, Any], headers: dict[str, str]) -> None:
    """Create or replace a reference row; a stored one (the migrations load CBS's registry) is replaced by
    naming its version in `If-Match`."""
    current = client.get(path)
    version = {"If-Match": f'"{current.json()["version"]}"'} if current.status_code == 200 else {}
    client.put(path, json=body, headers={**headers, **version}).raise_for_status()
