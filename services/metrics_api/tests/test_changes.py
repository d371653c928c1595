"""metrics_api's change feed: a feed post names the series it changed, in its own transaction; reference writes too."""

import httpx
import pytest

from services.metrics_api.repository import feed as feed_repository

FEED = "/v1/feeds/uwv/observations"
CSV = {"Content-Type": "text/csv"}
HEADER = "measure;region;period;occupation;value;action"


@pytest.fixture(params=["staged", "arrays"])
def held_rows(monkeypatch, request):
    """Rows of figures the source holds compared from the staging table, or from arrays."""
    monkeypatch.setattr(feed_repository, "STAGE_FROM_ROWS", 1 if request.param == "staged" else 10_000)


def body(*rows: str) -> bytes:
    return ("\n".join([HEADER, *rows]) + "\n").encode()


async def head(client: httpx.AsyncClient) -> int:
    return (await client.get("/v1/changes", params={"after": 0, "limit": 1000})).json()["head"]


async def events_after(client: httpx.AsyncClient, after: int) -> list[tuple[str, str, list[str]]]:
    response = await client.get("/v1/changes", params={"after": after, "limit": 1000})
    assert response.status_code == 200, response.text
    return [(e["entity"], e["operation"], e["ids"]) for e in response.json()["items"]]


async def series_events(client: httpx.AsyncClient, after: int) -> list[tuple[str, list[str]]]:
    return [(operation, ids) for entity, operation, ids in await events_after(client, after) if entity == "series"]


async def post(client: httpx.AsyncClient, writer: dict[str, str], *rows: str, **params: str) -> httpx.Response:
    return await client.post(FEED, content=body(*rows), headers={**writer, **CSV}, params=params)


FIRST = ["vacancies_new;PV24;2012;total;100;", "vacancies_new;PV24;2013;total;110;",
         "vacancies_new;PV26;2012;ict;20;", "vacancies_new;PV26;2013;ict;22;"]


async def test_a_post_names_each_series_it_changed_once(client, reference, writer, held_rows):
    seen = await head(client)
    first = await post(client, writer, *FIRST)
    assert first.json()["inserted"] == 4, first.text
    assert await series_events(client, seen) == [("updated", ["vacancies_new/PV24/total", "vacancies_new/PV26/ict"])]
    # The batch and the measure's first source are recorded beside them.
    entities = {(entity, operation, tuple(ids)) for entity, operation, ids in await events_after(client, seen)}
    assert ("batches", "created", (first.json()["batch_id"],)) in entities
    assert ("measures", "updated", ("vacancies_new",)) in entities

    # A revision of one series, a withdrawal in another, a new figure of a third, and an unchanged row:
    # the unchanged series PV26/ict is not named.
    seen = await head(client)
    again = await post(client, writer, "vacancies_new;PV24;2012;total;105;", "vacancies_new;PV26;2013;ict;22;",
                       "vacancies_new;PV27;2012;total;300;", "vacancies_new;PV24;2013;technical_industry;;D")
    assert (again.json()["inserted"], again.json()["revised"], again.json()["unchanged"]) == (1, 1, 2), again.text
    assert await series_events(client, seen) == [("updated", ["vacancies_new/PV24/total", "vacancies_new/PV27/total"])]
    # The measure had its first source already: no measure event this time.
    assert not [e for e in await events_after(client, seen) if e[0] == "measures"]

    seen = await head(client)
    withdrawn = await post(client, writer, "vacancies_new;PV26;2012;ict;;D")
    assert withdrawn.json()["revised"] == 1, withdrawn.text
    assert await series_events(client, seen) == [("updated", ["vacancies_new/PV26/ict"])]


async def test_an_identical_repost_names_no_series(client, reference, writer, held_rows):
    assert (await post(client, writer, *FIRST)).status_code == 200
    seen = await head(client)
    again = await post(client, writer, *FIRST)
    assert again.json()["unchanged"] == 4, again.text
    assert [entity for entity, _, _ in await events_after(client, seen)] == ["batches"]


async def test_a_refused_post_or_a_dry_run_records_no_event(client, reference, writer, held_rows):
    assert (await post(client, writer, *FIRST)).status_code == 200
    seen = await head(client)
    # A bad row after good ones (new and revised figures): nothing written, no event at all.
    refused = await post(client, writer, "vacancies_new;PV24;2012;total;101;", "vacancies_new;PV27;2012;total;5;",
                         "vacancies_new;PV99;2012;total;7;")
    assert refused.status_code == 422, refused.text
    repeated = await post(client, writer, "vacancies_new;PV27;2012;total;5;", "vacancies_new;PV27;2012;total;6;")
    assert repeated.status_code == 422, repeated.text
    dry = await post(client, writer, "vacancies_new;PV24;2012;total;101;", dry_run="true")
    assert dry.status_code == 200 and dry.json()["revised"] == 1, dry.text
    assert await events_after(client, seen) == []


async def test_a_retried_post_records_its_events_once(client, reference, writer):
    seen = await head(client)
    keyed = {**writer, **CSV, "Idempotency-Key": "feed-2012"}
    for _ in range(2):
        response = await client.post(FEED, content=body(*FIRST), headers=keyed)
        assert response.status_code == 200, response.text
    assert len(await series_events(client, seen)) == 1


async def test_member_links_removed_from_an_aggregate_are_recorded(client, reference, admin):
    seen = await head(client)
    shrunk = await client.put("/v1/regions/noordvleugel", headers={**admin, "If-Match": '"1"'},
                              json={"name": "Noordvleugel", "kind": "aggregate", "members": ["PV24", "PV27", "NL01"]})
    assert shrunk.status_code == 200, shrunk.text
    assert await events_after(client, seen) == [
        ("region_members", "created", ["noordvleugel,NL01"]),
        ("region_members", "deleted", ["noordvleugel,PV26"]),
        ("regions", "updated", ["noordvleugel"]),
    ]

    seen = await head(client)
    narrowed = await client.put("/v1/occupations/technical_industry_ict", headers={**admin, "If-Match": '"1"'},
                                json={"name": "Techniek en ICT", "parent": "total", "members": ["ict"]})
    assert narrowed.status_code == 200, narrowed.text
    assert await events_after(client, seen) == [
        ("occupation_members", "deleted", ["technical_industry_ict,technical_industry"]),
        ("occupations", "updated", ["technical_industry_ict"]),
    ]
