"""The migration that puts the source into a figure's key keeps every row with the source that posted it."""

import asyncio
import uuid

import asyncpg
from alembic import command

from cli.migrate import alembic_config
from common.database import asyncpg_dsn
from tests.test_migrations import scratch_database  # noqa: F401 (the fixture: a database made and dropped)

BEFORE, SOURCES = "962a26fe1b0e", "5c1d9e07b2a4"
ROW = ("INSERT INTO metrics.observations (measure, region, occupation, period, revision, frequency, value, status,"
       " missing_reason, withdrawn, source, batch_id, recorded_at)"
       " VALUES ('vacancies_new', 'PV24', 'total', '2012', $1::integer, 'Y', $2, 'final', NULL, $3, $4, $5,"
       " now() + make_interval(secs => $1::integer))")


async def _run(url: str, *statements: tuple) -> list[list[asyncpg.Record]]:
    connection = await asyncpg.connect(asyncpg_dsn(url))
    try:
        return [await connection.fetch(statement, *args) for statement, *args in statements]
    finally:
        await connection.close()


def test_rows_keep_their_source_and_a_foreign_withdrawal_no_longer_hides_uwvs_figure(scratch_database):  # noqa: F811
    config = alembic_config("metrics", scratch_database)
    command.upgrade(config, BEFORE)
    batch = uuid.uuid4()
    # Before: one history per cell, whoever posted. uwv's figure, then cbs "withdrew" it (revision 2).
    asyncio.run(_run(
        scratch_database,
        ("INSERT INTO metrics.measures (code, name, unit, unit_multiplier, kind, value_type, version)"
         " VALUES ('vacancies_new', 'Ontstane vacatures', 'vacancies', 0, 'flow', 'count', 1)",),
        (ROW, 1, 8_740, False, "uwv", batch), (ROW, 2, None, True, "cbs", batch), (ROW, 3, 8_800, False, "uwv", batch),
    ))

    command.upgrade(config, SOURCES)
    rows, measures, key = asyncio.run(_run(
        scratch_database,
        ("SELECT source, revision, value, withdrawn FROM metrics.observations ORDER BY revision",),
        ("SELECT primary_source, first_source FROM metrics.measures",),
        ("SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)"
         " WHERE i.indrelid = 'metrics.observations'::regclass AND i.indisprimary ORDER BY array_position(i.indkey,"
         " a.attnum)",),
    ))
    assert [tuple(row) for row in rows] == [("uwv", 1, 8_740, False), ("cbs", 2, None, True), ("uwv", 3, 8_800, False)]
    assert [tuple(row) for row in measures] == [(None, "uwv")]
    assert [row["attname"] for row in key] == ["measure", "region", "occupation", "period", "source", "revision"]

    # Down again: one history per cell, numbered in the order recorded; nothing lost.
    command.downgrade(config, BEFORE)
    rows, = asyncio.run(_run(scratch_database, (
        "SELECT source, revision, value FROM metrics.observations ORDER BY revision",)))
    assert [tuple(row) for row in rows] == [("uwv", 1, 8_740), ("cbs", 2, None), ("uwv", 3, 8_800)]
