"""Series answers kept in process: every write through the service is seen by the next read, in any process."""

from sqlalchemy import text

from common.testing import service_client
from services.metrics_api.app import create_app
from services.metrics_api.domain.series import SeriesRequest, read_many, read_series
from services.metrics_api.domain.series_cache import SERIES_JSON
from services.metrics_api.schemas import SeriesList
from services.metrics_api.settings import MetricsSettings
from services.metrics_api.tests.uwv import NOORDVLEUGEL

FEED = "/v1/feeds/uwv/observations"
PV24 = {"measure": "vacancies_new", "region": "PV24", "occupation": "total"}
NOORD = {"measure": "vacancies_new", "region": "noordvleugel", "occupation": "technical_industry_ict"}


async def value(client, params: dict[str, str]) -> int:
    response = await client.get("/v1/series", params=params)
    assert response.status_code == 200, response.text
    return response.json()["points"][0]["value"]


async def queried(client, *specs: dict[str, str]) -> list[int]:
    response = await client.post("/v1/series/query", json={"series": list(specs)})
    assert response.status_code == 200, response.text
    return [one["points"][0]["value"] for one in response.json()["series"]]


async def beside_the_service(app, statement: str) -> None:
    async with app.state.database.engine.begin() as connection:
        await connection.execute(text(statement))


async def test_a_feed_post_is_seen_by_the_next_read(client, uwv, writer, app):
    assert await value(client, PV24) == 8_740
    assert await queried(client, PV24, NOORD) == [8_740, NOORDVLEUGEL["technical_industry_ict"]]
    # The answers are kept: a change made beside the service (no change event) is not seen yet.
    await beside_the_service(app, "UPDATE metrics.observations SET value = 1 WHERE region = 'PV24'")
    assert await value(client, PV24) == 8_740
    assert await queried(client, PV24) == [8_740]

    revised = {"measure": "vacancies_new", "region": "PV24", "period": "2012", "occupation": "total",
               "value": 9_000}
    response = await client.post(FEED, json={"observations": [revised]}, headers=writer)
    assert response.status_code == 200 and response.json()["revised"] == 1, response.text
    # The write moved the change feed's head: everything is read again, the figure changed beside it too.
    assert await value(client, PV24) == 9_000
    assert await queried(client, NOORD, PV24) == [NOORDVLEUGEL["technical_industry_ict"] - 3_429 - 542 + 2, 9_000]


async def test_a_reference_write_is_seen_by_the_next_read(client, uwv, admin):
    assert await value(client, NOORD) == NOORDVLEUGEL["technical_industry_ict"]
    shrunk = await client.put("/v1/regions/noordvleugel", headers={**admin, "If-Match": '"1"'},
                              json={"name": "Noordvleugel", "kind": "aggregate", "members": ["PV26", "PV27"]})
    assert shrunk.status_code == 200, shrunk.text
    assert await value(client, NOORD) == NOORDVLEUGEL["technical_industry_ict"] - 3_429 - 542


async def test_another_process_sees_the_write_at_its_next_read(client, uwv, writer, database_url):
    other = create_app(MetricsSettings(database_url=database_url, environment="test"))
    try:
        async with service_client(other) as reader:
            assert await value(reader, PV24) == 8_740
            assert await value(reader, PV24) == 8_740  # kept in the other process
            revised = {"measure": "vacancies_new", "region": "PV24", "period": "2012", "occupation": "total",
                       "value": 9_100}
            response = await client.post(FEED, json={"observations": [revised]}, headers=writer)
            assert response.status_code == 200, response.text
            assert await value(reader, PV24) == 9_100
            assert await queried(reader, PV24) == [9_100]
    finally:
        await other.state.database.dispose()


async def test_kept_answers_are_the_bytes_a_fresh_read_gives(client, uwv, app):
    requests = [SeriesRequest(**PV24), SeriesRequest(**NOORD, from_="2012", to="2013")]
    async with app.state.database.sessionmaker() as session:
        fresh = [await read_series(session, request) for request in requests]
        many = SeriesList(series=await read_many(session, requests)).model_dump_json().encode()
    for _ in range(2):  # computed, then kept
        for request, expected in zip(requests, fresh, strict=True):
            params = {"measure": request.measure, "region": request.region, "occupation": request.occupation}
            params |= {"from": request.from_, "to": request.to} if request.from_ else {}
            response = await client.get("/v1/series", params=params)
            assert response.content == SERIES_JSON.dump_json(expected)
            assert response.headers["content-type"] == "application/json"
        body = {"series": [PV24, {**NOORD, "from": "2012", "to": "2013"}]}
        assert (await client.post("/v1/series/query", json=body)).content == many


async def test_a_bad_spec_beside_kept_ones_is_named_by_its_place(client, uwv):
    assert await queried(client, PV24, NOORD) == [8_740, NOORDVLEUGEL["technical_industry_ict"]]
    response = await client.post("/v1/series/query", json={"series": [PV24, {**PV24, "region": "PV99"}, NOORD]})
    assert response.status_code == 422, response.text
    assert [error["field"] for error in response.json()["errors"]] == ["series.1.region"]


async def test_no_entries_kept_when_the_cache_is_off(reference, uwv, client, app):
    app.state.series_cache.max_entries = 0
    assert await value(client, PV24) == 8_740
    await beside_the_service(app, "UPDATE metrics.observations SET value = 1 WHERE region = 'PV24'")
    assert await value(client, PV24) == 1
