"""Each service's alembic history goes down to base and up again, its version table in its own schema."""

import asyncio
import uuid

import asyncpg
import pytest

from cli.migrate import SCHEMAS, downgrade, upgrade_all
from common.database import asyncpg_dsn
from common.postgres_server import drop_database, ensure_database, with_database


@pytest.fixture
def scratch_database(database_server_url):
    url = with_database(database_server_url, f"techniekpact_migrations_{uuid.uuid4().hex[:8]}")
    asyncio.run(ensure_database(url))
    yield url
    asyncio.run(drop_database(url))


async def _tables(url: str, schema: str) -> set[str]:
    connection = await asyncpg.connect(asyncpg_dsn(url))
    try:
        rows = await connection.fetch("SELECT tablename FROM pg_tables WHERE schemaname = $1", schema)
    finally:
        await connection.close()
    return {row["tablename"] for row in rows}


@pytest.mark.parametrize("schema", SCHEMAS)
def test_history_downgrades_to_base_and_upgrades_again(scratch_database, schema):
    upgrade_all(scratch_database)
    at_head = asyncio.run(_tables(scratch_database, schema))
    assert "alembic_version" in at_head and len(at_head) > 1
    assert "alembic_version" not in asyncio.run(_tables(scratch_database, "public"))

    downgrade(schema, scratch_database, "base")
    assert asyncio.run(_tables(scratch_database, schema)) == {"alembic_version"}

    upgrade_all(scratch_database)
    assert asyncio.run(_tables(scratch_database, schema)) == at_head
