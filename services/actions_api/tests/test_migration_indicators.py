"""The migration to indicators in their own terms keeps existing data right: levels stay levels, a
percentage read from a share series gets scale 100, and "10% meer" stored as a level of 10 becomes +10%."""

import asyncio
import json
import uuid

import asyncpg
import pytest
from alembic import command

from cli.migrate import alembic_config
from common.database import asyncpg_dsn
from common.postgres_server import drop_database, ensure_database, with_database

BEFORE = "e883fa477f4c"
REVISION = "5d7e1c9a04b3"


@pytest.fixture
def actions_at_the_revision_before(database_server_url):
    url = with_database(database_server_url, f"techniekpact_indicators_{uuid.uuid4().hex[:8]}")
    asyncio.run(ensure_database(url))
    command.upgrade(alembic_config("actions", url), BEFORE)
    yield url
    asyncio.run(drop_database(url))


async def _sql(url: str, statement: str, *args) -> list[asyncpg.Record]:
    connection = await asyncpg.connect(asyncpg_dsn(url))
    try:
        return await connection.fetch(statement, *args)
    finally:
        await connection.close()


def test_existing_goals_and_results_are_migrated_in_their_own_terms(actions_at_the_revision_before):
    url = actions_at_the_revision_before
    pact, line, action = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    level = json.dumps([{"period": "2020", "value": "40"}])
    ten = json.dumps([{"period": "2016", "value": "10"}])
    statements = [
        ("INSERT INTO actions.pacts (id, slug, name, level, version) VALUES ($1, 'gv', 'G&V', 'subregional', 1)",
         pact),
        ("INSERT INTO actions.action_lines (id, pact_id, number, name, version) VALUES ($1, $2, 1, 'Kiezen', 1)",
         line, pact),
        ("INSERT INTO actions.actions (id, pact_id, line_id, number, title, status, progress, version)"
         " VALUES ($1, $2, $3, 2, 'Beroepskeuzeprogramma onderbouw VMBO', 'planned', 0, 1)", action, pact, line),
        ("INSERT INTO actions.goals (id, line_id, name, scope, unit, measure_kind, ascending, targets, aggregation,"
         " series_measure, series_region, series_occupation, version) VALUES ($1, $2, 'Van 25% naar 40%', 'national',"
         " '%', 'percentage', true, $3::jsonb, 'latest', 'pupils_choosing_technology', 'NL01', 'total', 1)",
         uuid.uuid4(), line, level),
        ("INSERT INTO actions.results (id, action_id, description, unit, measure_kind, ascending, targets,"
         " aggregation, version) VALUES ($1, $2, $3, '%', 'percentage', true, $4::jsonb, 'latest', 1)",
         uuid.uuid4(), action, "10% meer leerlingen kiezen in 2016 voor een opleiding binnen techniek en ICT", ten),
        ("INSERT INTO actions.results (id, action_id, description, unit, measure_kind, ascending, targets,"
         " aggregation, version) VALUES ($1, $2, $3, '%', 'percentage', true, $4::jsonb, 'latest', 1)",
         uuid.uuid4(), action, "In 2016 stroomt 80% van de MBO4 studenten door naar het HBO",
         json.dumps([{"period": "2016", "value": "80"}])),
    ]
    for statement, *args in statements:
        asyncio.run(_sql(url, statement, *args))

    command.upgrade(alembic_config("actions", url), REVISION)

    [goal] = asyncio.run(_sql(url, "SELECT targets, series_scale, measure_kind FROM actions.goals"))
    assert json.loads(goal["targets"]) == [{"period": "2020", "value": "40", "kind": "level"}]
    assert (goal["series_scale"], goal["measure_kind"]) == (100, "percentage")
    results = {row["description"][:8]: row for row in asyncio.run(_sql(
        url, "SELECT description, targets, unit, measure_kind, series_scale FROM actions.results"))}
    more = results["10% meer"]
    assert json.loads(more["targets"]) == [{"period": "2016", "value": "10", "kind": "relative_change"}]
    assert (more["measure_kind"], more["unit"], more["series_scale"]) == ("number", None, 1)
    flows = results["In 2016 "]   # "80% ... stroomt door" is a level
    assert json.loads(flows["targets"]) == [{"period": "2016", "value": "80", "kind": "level"}]
    assert (flows["measure_kind"], flows["unit"]) == ("percentage", "%")

    command.downgrade(alembic_config("actions", url), BEFORE)
    [goal] = asyncio.run(_sql(url, "SELECT targets FROM actions.goals"))
    assert json.loads(goal["targets"]) == [{"period": "2020", "value": "40"}]
