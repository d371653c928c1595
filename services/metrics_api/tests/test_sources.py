"""Figures belong to their provider (issue 17): a source changes only its own figures; reads choose one."""

import pytest
from sqlalchemy import text

from common.testing import bearer
from services.metrics_api.tests.test_series import series
from services.metrics_api.tests.uwv import NOORDVLEUGEL, UWV_2012, uwv_observations

UWV_FEED, CBS_FEED = "/v1/feeds/uwv/observations", "/v1/feeds/cbs/observations"
PV24_TOTAL = {"measure": "vacancies_new", "region": "PV24", "period": "2012", "occupation": "total"}


@pytest.fixture
def uwv_writer(token):
    return bearer(token("metrics:write", sources=["uwv"], subject="uwv-feed"))


@pytest.fixture
def cbs_writer(token):
    return bearer(token("metrics:write", sources=["cbs"], subject="cbs-feed"))


@pytest.fixture
async def uwv(client, reference, uwv_writer):
    response = await client.post(UWV_FEED, json={"observations": uwv_observations()}, headers=uwv_writer)
    assert response.status_code == 200, response.text


async def rows_by_source(app) -> dict[str, int]:
    async with app.state.database.engine.connect() as connection:
        rows = await connection.execute(text("SELECT source, count(*) FROM metrics.observations GROUP BY source"))
        return dict(rows.all())


async def uwv_rows(app) -> list[tuple]:
    async with app.state.database.engine.connect() as connection:
        return (await connection.execute(text(
            "SELECT measure, region, occupation, period, revision, value, status, withdrawn, batch_id"
            " FROM metrics.observations WHERE source = 'uwv' ORDER BY 1, 2, 3, 4, 5"))).all()


async def test_a_cbs_withdrawal_of_a_uwv_figure_changes_nothing_of_uwv(client, uwv, cbs_writer, app):
    before = await uwv_rows(app)
    response = await client.post(CBS_FEED, json={"observations": [{**PV24_TOTAL, "value": None, "action": "D"}]},
                                 headers=cbs_writer)
    assert response.status_code == 200, response.text
    # cbs holds no such figure: there is nothing of its own to withdraw.
    assert {k: response.json()[k] for k in ("inserted", "revised", "unchanged")} == \
        {"inserted": 0, "revised": 0, "unchanged": 1}
    assert await uwv_rows(app) == before
    assert await rows_by_source(app) == {"uwv": 12}
    # Today's bug: the Noordvleugel's 81,024 turned into null.
    assert (await series(client, region="noordvleugel"))["points"][0]["value"] == NOORDVLEUGEL["total"] == 81_024


async def test_a_cbs_token_cannot_post_as_uwv(client, uwv, cbs_writer, app):
    before = await uwv_rows(app)
    response = await client.post(UWV_FEED, json={"observations": [{**PV24_TOTAL, "value": None, "action": "D"}]},
                                 headers=cbs_writer)
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("application/problem+json")
    assert await uwv_rows(app) == before and await rows_by_source(app) == {"uwv": 12}


async def test_a_cbs_figure_for_the_same_cell_is_kept_beside_uwvs(client, uwv, cbs_writer, app):
    before = await uwv_rows(app)
    response = await client.post(CBS_FEED, json={"observations": [{**PV24_TOTAL, "value": 9_000}]},
                                 headers=cbs_writer)
    assert (response.json()["inserted"], response.json()["revised"]) == (1, 0)
    assert await uwv_rows(app) == before
    assert await rows_by_source(app) == {"uwv": 12, "cbs": 1}

    served = await series(client, region="PV24")  # uwv posted first: the primary source
    assert served["source"] == "uwv" and served["points"][0]["value"] == UWV_2012["PV24"][0]
    chosen = await series(client, region="PV24", source="cbs")
    assert chosen["source"] == "cbs"
    assert [(p["period"], p["value"], p["revision"]) for p in chosen["points"]] == [("2012", 9_000, 1)]

    listed = (await client.get("/v1/observations", params={"region": "PV24", "occupation": "total"})).json()["items"]
    assert sorted((i["source"], i["value"]) for i in listed) == [("cbs", 9_000), ("uwv", UWV_2012["PV24"][0])]
    only_cbs = (await client.get("/v1/observations", params={"region": "PV24", "source": "cbs"})).json()["items"]
    assert [(i["source"], i["value"]) for i in only_cbs] == [("cbs", 9_000)]

    # cbs revising and then withdrawing its own figure leaves uwv's as it was.
    revised = await client.post(CBS_FEED, json={"observations": [{**PV24_TOTAL, "value": 9_100}]}, headers=cbs_writer)
    assert revised.json()["revised"] == 1
    withdrawn = await client.post(CBS_FEED, json={"observations": [{**PV24_TOTAL, "action": "D"}]},
                                  headers=cbs_writer)
    assert withdrawn.json()["revised"] == 1
    assert (await series(client, region="PV24", source="cbs"))["points"] == []
    assert await uwv_rows(app) == before
    history = (await client.get("/v1/observations", params={"region": "PV24", "source": "cbs", "history": "true"}))
    assert [(i["revision"], i["value"], i["withdrawn"]) for i in history.json()["items"]] == \
        [(1, 9_000, False), (2, 9_100, False), (3, None, True)]


async def test_a_dry_run_counts_against_the_sources_own_figures(client, uwv, cbs_writer, app):
    response = await client.post(CBS_FEED, params={"dry_run": "true"}, json={"observations": uwv_observations()},
                                 headers=cbs_writer)
    assert (response.json()["inserted"], response.json()["unchanged"]) == (12, 0)
    assert await rows_by_source(app) == {"uwv": 12}


async def test_sums_and_shares_stay_within_one_source(client, uwv, cbs_writer, app):
    # cbs posts Flevoland only: its Noordvleugel misses two members, it is never cbs + uwv.
    await client.post(CBS_FEED, json={"observations": [
        {**PV24_TOTAL, "value": 9_000}, {**PV24_TOTAL, "occupation": "ict", "value": 900}]}, headers=cbs_writer)
    aggregate = (await series(client, region="noordvleugel", source="cbs"))["points"]
    assert [(p["value"], p["derived"], p["missing_reason"]) for p in aggregate] == [(None, True, "not_available")]
    share = (await series(client, region="PV24", occupation="ict", source="cbs"))["points"][0]
    assert share["share"] == 0.1  # cbs's 900 of cbs's 9,000, not of uwv's 8,740
    uwv_share = (await series(client, region="PV24", occupation="ict"))["points"][0]
    assert uwv_share["share"] == UWV_2012["PV24"][2] / UWV_2012["PV24"][0]


async def test_the_primary_source_is_the_first_until_an_admin_sets_another(client, uwv, cbs_writer, admin, token,
                                                                           app):
    await client.post(CBS_FEED, json={"observations": [{**PV24_TOTAL, "value": 9_000}]}, headers=cbs_writer)
    measure = (await client.get("/v1/measures/vacancies_new")).json()
    assert (measure["primary_source"], measure["first_source"], measure["serving_source"]) == (None, "uwv", "uwv")
    body = {"name": "Ontstane vacatures", "unit": "vacancies", "kind": "flow", "primary_source": "cbs"}
    etag = {"If-Match": f'"{measure["version"]}"'}

    for scopes, sources in ((["metrics:write"], ["cbs"]), (["metrics:write"], ["uwv"]), ([], None)):
        refused = await client.put("/v1/measures/vacancies_new", json=body,
                                   headers={**bearer(token(*scopes, sources=sources)), **etag})
        assert refused.status_code == 403, refused.text
        assert refused.headers["content-type"].startswith("application/problem+json")
    assert (await client.get("/v1/measures/vacancies_new")).json() == measure

    changed = await client.put("/v1/measures/vacancies_new", json=body, headers={**admin, **etag})
    assert changed.status_code == 200, changed.text
    assert (changed.json()["primary_source"], changed.json()["serving_source"]) == ("cbs", "cbs")
    served = await series(client, region="PV24")
    assert served["source"] == "cbs" and served["points"][0]["value"] == 9_000
    assert (await series(client, region="PV24", source="uwv"))["points"][0]["value"] == UWV_2012["PV24"][0]
    many = (await client.post("/v1/series/query", json={"series": [
        {"measure": "vacancies_new", "region": "PV24"}, {"measure": "vacancies_new", "region": "PV24",
                                                         "source": "uwv"}]})).json()["series"]
    assert [(s["source"], s["points"][0]["value"]) for s in many] == [("cbs", 9_000), ("uwv", UWV_2012["PV24"][0])]


async def test_an_unknown_source_is_refused_naming_source(client, uwv, admin, app):
    for path, params in (("/v1/series", {"measure": "vacancies_new", "region": "PV24", "source": "cbs"}),
                         ("/v1/observations", {"source": "cbs"})):
        response = await client.get(path, params=params)
        assert response.status_code == 422, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        assert [e["field"] for e in response.json()["errors"]] == ["source"]
        assert "cbs" in response.json()["errors"][0]["reason"]
    malformed = await client.get("/v1/series", params={"measure": "vacancies_new", "region": "PV24", "source": "C B"})
    assert malformed.status_code == 422 and "source" in malformed.text

    many = await client.post("/v1/series/query", json={"series": [
        {"measure": "vacancies_new", "region": "PV24"}, {"measure": "vacancies_new", "region": "PV24",
                                                         "source": "cbs"}]})
    assert many.status_code == 422
    assert [e["field"] for e in many.json()["errors"]] == ["series.1.source"]

    measure = (await client.get("/v1/measures/vacancies_new")).json()
    refused = await client.put("/v1/measures/vacancies_new", headers={**admin, "If-Match": f'"{measure["version"]}"'},
                               json={"name": "Ontstane vacatures", "unit": "vacancies", "kind": "flow",
                                     "primary_source": "cbs"})
    assert refused.status_code == 422
    assert [e["field"] for e in refused.json()["errors"]] == ["primary_source"]
    assert (await client.get("/v1/measures/vacancies_new")).json() == measure
    assert await rows_by_source(app) == {"uwv": 12}


async def test_a_batch_is_read_by_its_own_sources_feed_or_an_admin(client, reference, uwv_writer, cbs_writer, admin,
                                                                   token):
    answer = await client.post(UWV_FEED, json={"observations": uwv_observations()}, headers=uwv_writer)
    path = f"/v1/batches/{answer.json()['batch_id']}"
    assert (await client.get(path, headers=uwv_writer)).json()["subject"] == "uwv-feed"
    assert (await client.get(path, headers=admin)).json()["source"] == "uwv"
    # Another source's feed learns nothing of it, not even that it exists.
    other = await client.get(path, headers=cbs_writer)
    assert other.status_code == 404
    assert other.json()["type"].endswith("/not-found") and "source" not in other.json()
    for headers in ({}, bearer(token("actions:write")), bearer(token("partners:write", sources=["uwv"]))):
        refused = await client.get(path, headers=headers)
        assert refused.status_code in (401, 403), refused.text
        assert refused.headers["content-type"].startswith("application/problem+json")
