"""Test mechanism shared by the services' test suites."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI
from sqlalchemy import text

from common.database import Database


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


# A table whose comment starts so holds reference data its migration seeds (partners' sectors): kept.
REFERENCE_DATA_COMMENT = "reference data"


async def truncate_schema(database: Database) -> None:
    """Empty every table of a service's schema except its alembic version and its reference data."""
    async with database.engine.begin() as connection:
        tables = (await connection.execute(
            text("SELECT tablename FROM pg_tables WHERE schemaname = :schema AND tablename <> 'alembic_version' "
                 "AND coalesce(obj_description(format('%I.%I', schemaname, tablename)::regclass, 'pg_class'), '') "
                 "NOT LIKE :reference"),
            {"schema": database.schema, "reference": f"{REFERENCE_DATA_COMMENT}%"},
        )).scalars().all()
        if tables:
            names = ", ".join(f'"{database.schema}"."{name}"' for name in tables)
            await connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@asynccontextmanager
async def service_client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client on the app in-process; the schema is emptied afterwards, so tests stay independent."""
    try:
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client
    finally:
        await truncate_schema(app.state.database)
        await app.state.database.dispose()


async def count_rows(database: Database, table: str) -> int:
    async with database.engine.connect() as connection:
        return (await connection.execute(text(f'SELECT count(*) FROM "{database.schema}"."{table}"'))).scalar_one()
