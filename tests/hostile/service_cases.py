"""What the services' hostile cases share: tokens, row counts of every schema, a health probe."""

import asyncpg
import httpx

from cli.processes import Stack
from common.auth import issue_token
from common.database import asyncpg_dsn
from common.settings import DEVELOPMENT_JWT_SECRET

ALL_SCOPES = ["actions:write", "actions:approve", "partners:write", "partners:admin", "metrics:write", "metrics:admin",
              "contacts:read"]
SOURCES = ["hilversum", "uwv"]


def bearer(scopes: list[str] | None = None) -> dict[str, str]:
    token = issue_token(DEVELOPMENT_JWT_SECRET, subject="hostile", scopes=scopes or ALL_SCOPES, sources=SOURCES)
    return {"Authorization": f"Bearer {token}"}


_TABLES = """
SELECT schemaname, tablename FROM pg_tables
 WHERE schemaname IN ('actions', 'partners', 'metrics') AND tablename NOT IN ('alembic_version', 'signup_rate_limits')
"""


async def row_counts(database_url: str) -> dict[str, int]:
    """Rows of every table of the three services' schemas (the sign-up counter counts attempts, by design).

    One count per table: the embedded PostgreSQL has no libxml, so query_to_xml is not available."""
    connection = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        counts = {}
        for schema, table in await connection.fetch(_TABLES):
            counts[f"{schema}.{table}"] = await connection.fetchval(f'SELECT count(*) FROM "{schema}"."{table}"')
        return counts
    finally:
        await connection.close()


async def assert_answering(stack: Stack, *names: str) -> None:
    """Each process still answers its liveness probe."""
    async with httpx.AsyncClient(timeout=10) as client:
        for name in names:
            response = await client.get(f"{stack.url(name)}/healthz")
            assert response.status_code == 200, (name, response.text)
