import asyncio

import pytest

from common.testing import bearer, count_rows, service_client
from services.metrics_api.app import create_app
from services.metrics_api.settings import MetricsSettings
from services.metrics_api.tests.uwv import uwv_csv, uwv_observations

FEED = "/v1/feeds/uwv/observations"
CSV = {"Content-Type": "text/csv; charset=utf-8"}


@pytest.fixture
def writer(token):
    return bearer(token("metrics:write", sources=["uwv"], subject="uwv-feed"))


async def written(app) -> tuple[int, int]:
    return (await count_rows(app.state.database, "observations"), await count_rows(app.state.database, "batches"))


async def test_json_feed_inserts_then_an_identical_repost_changes_nothing(client, reference, writer, app):
    first = await client.post(FEED, json={"observations": uwv_observations()}, headers=writer)
    assert first.status_code == 200, first.text
    answer = first.json()
    assert {k: answer[k] for k in ("received", "inserted", "revised", "unchanged")} == \
        {"received": 12, "inserted": 12, "revised": 0, "unchanged": 0}

    again = (await client.post(FEED, json={"observations": uwv_observations()}, headers=writer)).json()
    assert (again["inserted"], again["revised"], again["unchanged"]) == (0, 0, 12)
    assert await written(app) == (12, 2)

    batch = (await client.get(f"/v1/batches/{answer['batch_id']}", headers=writer)).json()
    assert batch["source"] == "uwv" and batch["subject"] == "uwv-feed" and batch["content_type"] == "json"
    assert (batch["received"], batch["inserted"], batch["revised"], batch["unchanged"]) == (12, 12, 0, 0)
    assert batch["received_at"]
    assert (await client.get("/v1/batches/6f1e0c56-0000-4000-8000-000000000000", headers=writer)).status_code == 404


@pytest.mark.parametrize("variant", [
    {"delimiter": ";", "bom": True, "decimal_comma": False},
    {"delimiter": ";", "bom": False, "decimal_comma": True},
    {"delimiter": ",", "bom": True, "decimal_comma": True},
    {"delimiter": ",", "bom": False, "decimal_comma": False},
])
async def test_csv_variants_read_the_same_figures(client, reference, writer, app, variant):
    response = await client.post(FEED, content=uwv_csv(**variant), headers={**writer, **CSV})
    assert response.status_code == 200, response.text
    assert response.json()["inserted"] == 12
    # The JSON of the same table is then unchanged: the CSV was read exactly (CBS period codes included).
    again = (await client.post(FEED, json={"observations": uwv_observations()}, headers=writer)).json()
    assert again["unchanged"] == 12
    batch = (await client.get(f"/v1/batches/{response.json()['batch_id']}", headers=writer)).json()
    assert batch["content_type"] == "csv"


async def test_decimal_comma_with_thousands_dots_and_shares(client, reference, writer, app):
    body = (b"measure;region;period;occupation;value\n"
            b"technology_choice_share;NL01;2013;total;0,25\n"
            b"vacancies_open;NL01;2013-Q1;total;7.912\n")
    assert (await client.post(FEED, content=body, headers={**writer, **CSV})).status_code == 200
    items = (await client.get("/v1/observations", params={"region": "NL01"})).json()["items"]
    # 0,25 shows the file writes a decimal comma, so 7.912 is seven thousand nine hundred and twelve.
    assert {(i["measure"], i["period"], i["value"]) for i in items} == {
        ("technology_choice_share", "2013", 0.25), ("vacancies_open", "2013-Q1", 7912)}


async def test_a_new_value_is_a_revision_and_every_version_stays_readable(client, reference, writer, app):
    await client.post(FEED, json={"observations": uwv_observations(status="provisional")}, headers=writer)
    revised = uwv_observations()
    revised[3]["value"] = 8_800  # PV24 total
    answer = (await client.post(FEED, json={"observations": revised}, headers=writer)).json()
    # The status went from provisional to final for all twelve; one value changed too.
    assert (answer["inserted"], answer["revised"], answer["unchanged"]) == (0, 12, 0)
    history = (await client.get("/v1/observations", params={"region": "PV24", "occupation": "total",
                                                              "history": "true"})).json()["items"]
    assert [(h["revision"], h["value"], h["status"]) for h in history] == [(1, 8740, "provisional"), (2, 8800, "final")]
    latest = (await client.get("/v1/observations", params={"region": "PV24", "occupation": "total"})).json()["items"]
    assert [(h["revision"], h["value"]) for h in latest] == [(2, 8800)]


async def test_missing_values_carry_a_reason_and_are_not_zero(client, reference, writer, app):
    rows = [{"measure": "vacancies_new", "region": "PV24", "period": "2013", "occupation": "ict",
             "missing_reason": "suppressed"},
            {"measure": "vacancies_new", "region": "PV26", "period": "2013", "occupation": "ict", "value": None,
             "missing_reason": "confidential"}]
    answer = (await client.post(FEED, json={"observations": rows}, headers=writer)).json()
    assert answer["inserted"] == 2
    items = (await client.get("/v1/observations", params={"from": "2013", "to": "2013"})).json()["items"]
    assert [(i["region"], i["value"], i["missing_reason"]) for i in items] == [
        ("PV24", None, "suppressed"), ("PV26", None, "confidential")]
    # Publishing the value later is a revision.
    rows[0].update(value=12, missing_reason=None)
    assert (await client.post(FEED, json={"observations": rows}, headers=writer)).json()["revised"] == 1


async def test_action_d_withdraws_a_figure_as_a_revision(client, reference, writer, app):
    await client.post(FEED, json={"observations": uwv_observations()}, headers=writer)
    body = b"measure,region,period,occupation,value,action\nvacancies_new,PV24,2012,ict,,D\n"
    answer = (await client.post(FEED, content=body, headers={**writer, **CSV})).json()
    assert (answer["revised"], answer["unchanged"]) == (1, 0)
    listed = (await client.get("/v1/observations", params={"region": "PV24", "occupation": "ict"})).json()["items"]
    assert listed == []
    history = (await client.get("/v1/observations", params={"region": "PV24", "occupation": "ict",
                                                              "history": "true"})).json()["items"]
    assert [(h["revision"], h["withdrawn"], h["value"]) for h in history] == [(1, False, 542), (2, True, None)]
    again = (await client.post(FEED, content=body, headers={**writer, **CSV})).json()
    assert again["unchanged"] == 1 and await count_rows(app.state.database, "observations") == 13
    republished = (await client.post(FEED, json={"observations": uwv_observations()}, headers=writer)).json()
    assert (republished["revised"], republished["unchanged"]) == (1, 11)


async def test_dry_run_answers_the_counts_and_writes_nothing(client, reference, writer, app):
    answer = await client.post(FEED, params={"dry_run": "true"}, json={"observations": uwv_observations()},
                               headers=writer)
    assert answer.status_code == 200
    assert answer.json() == {"batch_id": None, "received": 12, "inserted": 12, "revised": 0, "unchanged": 0,
                             "dry_run": True}
    assert await written(app) == (0, 0)


BAD_CSV = "\n".join([
    "measure;region;period;occupation;value;status;action;missing_reason",
    "vacancies_new;PV24;2012;total;8740;final;;",             # 2 good
    "vacancies_x;PV24;2012;total;1;final;;",                  # 3 unknown measure
    "vacancies_new;PV99;2012;total;1;final;;",                # 4 unknown region
    "vacancies_new;PV24;2012;welding;1;final;;",              # 5 unknown occupation
    "vacancies_new;PV24;2012-13;total;1;final;;",             # 6 malformed period
    "vacancies_new;PV24;2011;total;veel;final;;",             # 7 non-numeric
    "vacancies_new;PV24;2010;total;;final;;",                 # 8 missing value
    "vacancies_new;PV24;2009;total;-3;final;;",               # 9 negative count
    "technology_choice_share;PV24;2012;total;1,5;final;;",    # 10 share outside 0-1
    "vacancies_new;PV24;2012;total;8741;final;;",             # 11 same key as line 2
    "vacancies_new;PV24;2008;total;1;maybe;;",                # 12 bad status
    "vacancies_new;PV24;2007;total;1;final;X;",               # 13 bad action
    "vacancies_new;PV24;2006;total;1;final;;secret",          # 14 bad missing reason
    "vacancies_new;PV24;2005;total;1;final;;suppressed",      # 15 value and a missing reason
    "vacancies_new;PV24;2004;total",                          # 16 too few fields
]) + "\n"
EXPECTED_CSV_ERRORS = {
    (3, "measure"), (4, "region"), (5, "occupation"), (6, "period"), (7, "value"), (8, "value"), (9, "value"),
    (10, "value"), (11, "row"), (12, "status"), (13, "action"), (14, "missing_reason"), (15, "value"), (16, "row"),
}


async def test_every_bad_csv_row_is_listed_with_line_and_field_and_nothing_is_written(client, reference, writer, app):
    response = await client.post(FEED, content=BAD_CSV.encode(), headers={**writer, **CSV})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert {(e["line"], e["field"]) for e in problem["errors"]} == EXPECTED_CSV_ERRORS
    assert problem["invalid_rows"] == 14 and "nothing was written" in problem["detail"]
    duplicate = next(e for e in problem["errors"] if e["line"] == 11)
    assert "line 2" in duplicate["reason"]
    assert await written(app) == (0, 0)


async def test_every_bad_json_row_is_listed_with_index_and_field(client, reference, writer, app):
    good = uwv_observations()[0]
    rows = [good,
            {**good, "region": "XX01"},
            {**good, "period": "2012-Q5", "value": "abc"},
            {**good, "period": "2011", "value": -1},
            {**good, "period": "2010", "colour": "blue"},
            {**good},
            "not an object",
            {**good, "period": "2009", "value": True},
            {**good, "period": 2008, "region": ["PV24"], "measure": None, "occupation": 7},
            {**good, "period": "2007", "value": 12.5, "status": 1}]  # and 12.5 vacancies: a count is whole
    response = await client.post(FEED, json={"observations": rows}, headers=writer)
    assert response.status_code == 422
    errors = {(e["index"], e["field"]) for e in response.json()["errors"]}
    assert errors == {(1, "observations.1.region"), (2, "observations.2.period"), (2, "observations.2.value"),
                      (3, "observations.3.value"), (4, "observations.4.colour"), (5, "observations.5.row"),
                      (6, "observations.6.row"), (7, "observations.7.value"), (8, "observations.8.period"),
                      (8, "observations.8.region"), (8, "observations.8.measure"), (8, "observations.8.occupation"),
                      (9, "observations.9.status"), (9, "observations.9.value")}
    assert await written(app) == (0, 0)


@pytest.mark.parametrize(("body", "fields"), [
    (b"measure;region;period;value\nvacancies_new;PV24;2012;1\n", {"occupation"}),
    (b"measure;region;period;occupation;value;colour\nvacancies_new;PV24;2012;total;1;red\n", {"colour"}),
    (b"measure;region;region;period;occupation;value\n", {"region"}),
    (b"", {"body"}),
    (b"\xff\xfemeasure\n", {"body"}),
])
async def test_a_csv_with_missing_unknown_or_unreadable_columns_is_refused(client, reference, writer, app, body,
                                                                          fields):
    response = await client.post(FEED, content=body, headers={**writer, **CSV})
    assert response.status_code == 422, response.text
    assert {e["field"] for e in response.json()["errors"]} == fields
    assert await written(app) == (0, 0)


@pytest.mark.parametrize("body", [{"observations": []}, {"rows": []}, [], {"observations": "x"}])
async def test_json_that_is_not_a_list_of_observations_is_refused(client, reference, writer, app, body):
    response = await client.post(FEED, json=body, headers=writer)
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "observations"
    assert await written(app) == (0, 0)


@pytest.mark.parametrize("body", [b'{"observations": [{"measure": "vacancies_new"', b"\xff\xfe", b"not json"])
async def test_broken_json_is_refused_and_writes_nothing(client, reference, writer, app, body):
    response = await client.post(FEED, content=body, headers={**writer, "Content-Type": "application/json"})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "body"
    assert await written(app) == (0, 0)


async def test_json_decimals_are_kept_exactly(client, reference, writer, app):
    rows = [{"measure": "technology_choice_share", "region": "NL01", "period": "2013", "occupation": "total",
             "value": 0.1}]
    assert (await client.post(FEED, json={"observations": rows}, headers=writer)).json()["inserted"] == 1
    rows[0]["value"] = "0,1"
    assert (await client.post(FEED, json={"observations": rows}, headers=writer)).json()["unchanged"] == 1


async def test_other_media_types_get_415(client, reference, writer, app):
    response = await client.post(FEED, content=b"<xml/>", headers={**writer, "Content-Type": "application/xml"})
    assert response.status_code == 415 and response.headers["content-type"] == "application/problem+json"


async def test_a_body_over_the_limit_gets_413_and_writes_nothing(database_url, token):
    app = create_app(MetricsSettings(database_url=database_url, environment="test", max_body_bytes=2_000))
    headers = {**bearer(token("metrics:write", sources=["uwv"])), **CSV}
    async with service_client(app) as client:
        big = uwv_csv() * 20
        declared = await client.post(FEED, content=big, headers=headers)
        assert declared.status_code == 413 and declared.headers["content-type"] == "application/problem+json"

        async def chunks():  # no Content-Length: the limit is enforced while streaming
            for start in range(0, len(big), 500):
                yield big[start:start + 500]

        streamed = await client.post(FEED, content=chunks(), headers=headers)
        assert streamed.status_code == 413
        assert await written(app) == (0, 0)


async def test_authorization_per_scope_and_source(client, reference, token, app):
    body = {"observations": uwv_observations()}
    assert (await client.post(FEED, json=body)).status_code == 401
    for headers in (bearer(token("metrics:admin", sources=["uwv"])),       # wrong scope
                    bearer(token("metrics:write", sources=["cbs"])),       # other source
                    bearer(token("metrics:write"))):                       # no sources at all
        response = await client.post(FEED, json=body, headers=headers)
        assert response.status_code == 403 and response.headers["content-type"] == "application/problem+json"
    assert await written(app) == (0, 0)
    allowed = bearer(token("metrics:write", sources=["cbs", "uwv"]))
    assert (await client.post(FEED, json=body, headers=allowed)).status_code == 200


async def test_an_idempotent_retry_has_its_effect_once(client, reference, writer, app):
    headers = {**writer, "Idempotency-Key": "uwv-2012-1"}
    first = await client.post(FEED, json={"observations": uwv_observations()}, headers=headers)
    replay = await client.post(FEED, json={"observations": uwv_observations()}, headers=headers)
    assert replay.status_code == 200 and replay.json() == first.json()
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert await written(app) == (12, 1)

    other = uwv_observations()
    other[0]["value"] = 1
    reused = await client.post(FEED, json={"observations": other}, headers=headers)
    assert reused.status_code == 422 and reused.json()["type"].endswith("idempotency-key-reused")
    assert await written(app) == (12, 1)
    bad_key = await client.post(FEED, json={"observations": other}, headers={**writer, "Idempotency-Key": " "})
    assert bad_key.status_code == 422 and bad_key.json()["errors"][0]["field"] == "Idempotency-Key"


async def test_concurrent_duplicates_have_their_effect_once(client, reference, writer, app):
    headers = {**writer, "Idempotency-Key": "uwv-concurrent", **CSV}
    body = uwv_csv()
    responses = await asyncio.gather(*[client.post(FEED, content=body, headers=headers) for _ in range(4)])
    statuses = sorted(r.status_code for r in responses)
    assert statuses.count(200) >= 1 and set(statuses) <= {200, 409}
    batch_ids = {r.json()["batch_id"] for r in responses if r.status_code == 200}
    assert len(batch_ids) == 1
    assert await written(app) == (12, 1)


async def test_concurrent_feeds_without_keys_serialise_revisions(client, reference, writer, app):
    bodies = []
    for value in (1, 2, 3):
        rows = uwv_observations()
        rows[0]["value"] = value
        bodies.append({"observations": rows})
    responses = await asyncio.gather(*[client.post(FEED, json=b, headers=writer) for b in bodies])
    assert [r.status_code for r in responses] == [200, 200, 200]
    history = (await client.get("/v1/observations", params={"region": "NL01", "occupation": "total",
                                                              "history": "true"})).json()["items"]
    assert [h["revision"] for h in history] == [1, 2, 3]


async def test_a_malformed_source_is_refused(client, reference, token, app):
    headers = bearer(token("metrics:write", sources=["UWV Feed"]))
    response = await client.post("/v1/feeds/UWV Feed/observations", json={"observations": uwv_observations()},
                                 headers=headers)
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "source"
    assert await written(app) == (0, 0)


async def test_observations_page_with_a_cursor(client, reference, writer, app):
    await client.post(FEED, json={"observations": uwv_observations()}, headers=writer)
    seen, cursor = [], None
    while True:
        params = {"limit": 5, **({"cursor": cursor} if cursor else {})}
        page = (await client.get("/v1/observations", params=params)).json()
        seen += [(i["region"], i["occupation"]) for i in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == 12 and len(set(seen)) == 12 and seen == sorted(seen)
