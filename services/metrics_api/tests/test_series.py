from typing import Any

from sqlalchemy import event, text

from services.metrics_api.tests.uwv import NOORDVLEUGEL, UWV_2012, uwv_observations

FEED = "/v1/feeds/uwv/observations"


async def series(client, **params) -> dict:
    if "from_" in params:
        params["from"] = params.pop("from_")
    response = await client.get("/v1/series", params={"measure": "vacancies_new", **params})
    assert response.status_code == 200, response.text
    return response.json()


async def test_noordvleugel_is_summed_from_its_provinces(client, uwv):
    total = await series(client, region="noordvleugel", occupation="total")
    assert total["derived"] is True and total["unit"] == "vacancies" and total["kind"] == "flow"
    assert total["points"] == [{"period": "2012", "value": 81_024, "status": "final", "revision": None,
                                "derived": True, "share": None, "change": None, "missing_reason": None}]

    technical = await series(client, region="noordvleugel", occupation="technical_industry_ict")
    point = technical["points"][0]
    assert point["value"] == NOORDVLEUGEL["technical_industry_ict"] == 35_587
    assert round(point["share"], 3) == 0.439
    for occupation in ("technical_industry", "ict"):
        assert (await series(client, region="noordvleugel", occupation=occupation))["points"][0]["value"] == \
            NOORDVLEUGEL[occupation]


async def test_direct_figures_are_served_as_posted_with_shares_per_region(client, uwv):
    # The document's percentages: Nederland 49%, Flevoland 45%, Utrecht 45%, Noord-Holland 43%.
    for region, percent in (("NL01", 0.49), ("PV24", 0.45), ("PV26", 0.45), ("PV27", 0.43)):
        result = await series(client, region=region, occupation="technical_industry_ict")
        assert round(result["points"][0]["share"], 2) == percent
    direct = await series(client, region="NL01", occupation="total")
    assert direct["derived"] is False
    assert direct["points"][0] | {} == {"period": "2012", "value": UWV_2012["NL01"][0], "status": "final",
                                         "revision": 1, "derived": False, "share": None, "change": None,
                                         "missing_reason": None}


async def test_a_missing_member_makes_the_aggregate_missing_not_too_low(client, uwv, writer):
    rows = [{"measure": "vacancies_new", "region": region, "period": "2013", "occupation": "total", "value": value}
            for region, value in (("PV26", 24_000), ("PV27", 45_000))]
    rows.append({"measure": "vacancies_new", "region": "PV24", "period": "2013", "occupation": "total",
                 "missing_reason": "suppressed"})
    await client.post(FEED, json={"observations": rows}, headers=writer)
    points = (await series(client, region="noordvleugel", from_="2012", to="2014"))["points"]
    assert [(p["period"], p["value"], p["missing_reason"]) for p in points] == [
        ("2012", 81_024, None), ("2013", None, "suppressed")]

    # Without any figure for Flevoland in 2014, 2014 is missing too (not 69,000).
    await client.post(FEED, json={"observations": [{**rows[0], "period": "2014"}, {**rows[1], "period": "2014"}]},
                      headers=writer)
    points = (await series(client, region="noordvleugel", occupation="total"))["points"]
    assert [(p["period"], p["value"], p["missing_reason"]) for p in points] == [
        ("2012", 81_024, None), ("2013", None, "suppressed"), ("2014", None, "not_available")]


async def test_a_posted_aggregate_figure_wins_over_the_sum(client, uwv, writer):
    row = {"measure": "vacancies_new", "region": "noordvleugel", "period": "2012", "occupation": "total",
           "value": 81_000, "status": "provisional"}
    await client.post(FEED, json={"observations": [row]}, headers=writer)
    point = (await series(client, region="noordvleugel"))["points"][0]
    assert (point["value"], point["derived"], point["revision"], point["status"]) == (81_000, False, 1, "provisional")


async def test_change_against_the_previous_period(client, reference, writer):
    rows = [{"measure": "vacancies_open", "region": "PV27", "period": period, "occupation": "total", "value": value}
            for period, value in (("2012-11", 100), ("2012-12", 130), ("2013-01", 90), ("2013-03", 95))]
    await client.post(FEED, json={"observations": rows}, headers=writer)
    result = (await client.get("/v1/series", params={"measure": "vacancies_open", "region": "PV27",
                                                     "from": "2012MM12", "to": "2013-03"})).json()
    assert [(p["period"], p["value"], p["change"]) for p in result["points"]] == [
        ("2012-12", 130, 30), ("2013-01", 90, -40), ("2013-03", 95, None)]


async def test_as_of_returns_what_was_served_then(client, reference, writer):
    first = (await client.post(FEED, json={"observations": uwv_observations()}, headers=writer)).json()
    revised = uwv_observations()
    revised[3]["value"] = 9_000  # PV24 total
    second = (await client.post(FEED, json={"observations": revised}, headers=writer)).json()
    first_at = (await client.get(f"/v1/batches/{first['batch_id']}", headers=writer)).json()["received_at"]
    second_at = (await client.get(f"/v1/batches/{second['batch_id']}", headers=writer)).json()["received_at"]
    assert first_at < second_at

    assert (await series(client, region="noordvleugel"))["points"][0]["value"] == 81_024 - 8_740 + 9_000
    assert (await series(client, region="noordvleugel", as_of=first_at))["points"][0]["value"] == 81_024
    assert (await series(client, region="PV24", as_of=first_at))["points"][0]["revision"] == 1
    assert (await series(client, region="PV24", as_of="2000-01-01T00:00:00Z"))["points"] == []
    listed = (await client.get("/v1/observations", params={"region": "PV24", "occupation": "total",
                                                           "as_of": first_at})).json()["items"]
    assert [(i["revision"], i["value"]) for i in listed] == [(1, 8_740)]


async def test_a_withdrawn_member_figure_leaves_the_aggregate_missing(client, uwv, writer):
    body = b"measure;region;period;occupation;value;action\nvacancies_new;PV26;2012;total;;D\n"
    await client.post(FEED, content=body, headers={**writer, "Content-Type": "text/csv"})
    point = (await series(client, region="noordvleugel"))["points"][0]
    assert (point["value"], point["missing_reason"]) == (None, "not_available")
    assert (await series(client, region="PV26"))["points"] == []


async def test_shares_are_never_summed_over_regions(client, reference, writer):
    rows = [{"measure": "technology_choice_share", "region": region, "period": "2013", "occupation": "total",
             "value": 0.3} for region in ("PV24", "PV26", "PV27")]
    await client.post(FEED, json={"observations": rows}, headers=writer)
    result = (await client.get("/v1/series", params={"measure": "technology_choice_share",
                                                     "region": "noordvleugel"})).json()
    assert result["points"] == []


async def test_many_series_in_one_call(client, uwv):
    specs = [{"measure": "vacancies_new", "region": region, "occupation": occupation, "from": "2012", "to": "2012"}
             for region in ("NL01", "noordvleugel") for occupation in ("total", "technical_industry_ict")]
    response = await client.post("/v1/series/query", json={"series": specs})
    assert response.status_code == 200
    answered = response.json()["series"]
    assert [(s["region"], s["occupation"], s["points"][0]["value"]) for s in answered] == [
        ("NL01", "total", 341_490), ("NL01", "technical_industry_ict", 166_618),
        ("noordvleugel", "total", 81_024), ("noordvleugel", "technical_industry_ict", 35_587)]


async def test_bad_series_requests_name_the_field(client, uwv):
    cases = [
        ({"measure": "jobs", "region": "PV24"}, "measure"),
        ({"measure": "vacancies_new", "region": "PV99"}, "region"),
        ({"measure": "vacancies_new", "region": "PV24", "occupation": "welding"}, "occupation"),
        ({"measure": "vacancies_new", "region": "PV24", "from": "2012-13"}, "from"),
        ({"measure": "vacancies_new", "region": "PV24", "from": "2012", "to": "2013-01"}, "to"),
        ({"measure": "vacancies_new", "region": "PV24", "from": "2013", "to": "2012"}, "to"),
        ({"region": "PV24"}, "measure"),
    ]
    for params, field in cases:
        response = await client.get("/v1/series", params=params)
        assert response.status_code == 422, params
        assert field in [e["field"] for e in response.json()["errors"]], response.json()
    bad = await client.post("/v1/series/query", json={"series": [
        {"measure": "vacancies_new", "region": "PV24"}, {"measure": "vacancies_new", "region": "nowhere"}]})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "series.1.region"
    assert (await client.post("/v1/series/query", json={"series": [{}] * 501})).status_code == 422


async def test_as_of_must_be_a_timestamp_string_not_a_number(client, uwv):
    # Pydantic's lax mode would read 0.5 as half a second after 1970; the schema says a date-time string.
    response = await client.post("/v1/series/query", json={"series": [
        {"measure": "vacancies_new", "region": "PV24", "as_of": 0.5}]})
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["series.0.as_of"]


async def test_as_of_in_the_query_must_be_a_timestamp_not_a_number(client, uwv):
    response = await client.get("/v1/observations", params={"as_of": "0.5"})
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["as_of"]
    assert (await client.get("/v1/observations", params={"as_of": "2026-01-01T00:00:00Z"})).status_code == 200


def observation(region: str, period: str, value, occupation: str = "total") -> dict:
    return {"measure": "vacancies_new", "region": region, "period": period, "occupation": occupation, "value": value}


async def test_a_series_keeps_one_frequency_the_finest_with_figures_or_the_one_asked_for(client, reference, writer):
    rows = [observation("PV24", "2013", 9000), observation("PV24", "2014", 9100),
            observation("PV24", "2013-Q4", 2300), observation("PV24", "2014-Q1", 2250),
            observation("PV24", "2014-01", 700), observation("PV24", "2014-02", 760)]
    assert (await client.post(FEED, json={"observations": rows}, headers=writer)).status_code == 200

    finest = await series(client, region="PV24")
    assert finest["frequency"] == "month" and [p["period"] for p in finest["points"]] == ["2014-01", "2014-02"]
    for frequency, periods in (("year", ["2013", "2014"]), ("quarter", ["2013-Q4", "2014-Q1"]),
                               ("month", ["2014-01", "2014-02"])):
        asked = await series(client, region="PV24", frequency=frequency)
        assert asked["frequency"] == frequency and [p["period"] for p in asked["points"]] == periods
    bounded = await series(client, region="PV24", from_="2013", to="2014")
    assert bounded["frequency"] == "year" and [p["change"] for p in bounded["points"]] == [None, 100]
    # An aggregate: its months are missing (PV26 and PV27 sent none), its years are figures.
    provinces = [observation(region, year, 1000) for region in ("PV26", "PV27") for year in ("2013", "2014")]
    assert (await client.post(FEED, json={"observations": provinces}, headers=writer)).status_code == 200
    summed = await series(client, region="noordvleugel")
    assert summed["frequency"] == "year" and [p["value"] for p in summed["points"]] == [11_000, 11_100]

    mixed = await client.get("/v1/series", params={"measure": "vacancies_new", "region": "PV24", "frequency": "month",
                                                   "from": "2013", "to": "2014"})
    assert mixed.status_code == 422 and mixed.json()["errors"][0]["field"] == "frequency"
    unknown = await client.get("/v1/series", params={"measure": "vacancies_new", "region": "PV24",
                                                     "frequency": "week"})
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "frequency"
    many = (await client.post("/v1/series/query", json={"series": [
        {"measure": "vacancies_new", "region": "PV24", "frequency": "quarter"},
        {"measure": "vacancies_new", "region": "PV24"}]})).json()["series"]
    assert [s["frequency"] for s in many] == ["quarter", "month"]


async def test_an_empty_series_has_no_frequency(client, reference):
    assert (await series(client, region="PV24")) | {} == {
        "measure": "vacancies_new", "region": "PV24", "occupation": "total", "unit": "vacancies", "unit_multiplier": 0,
        "kind": "flow", "frequency": None, "derived": False, "points": [], "source": None}


async def test_a_share_above_one_is_never_computed_or_shown(client, reference, writer):
    # Inconsistent figures: more ICT vacancies than vacancies in total.
    rows = [observation("PV24", "2013", 100), observation("PV24", "2013", 150, occupation="ict"),
            observation("PV26", "2013", 100), observation("PV26", "2013", 40, occupation="ict")]
    assert (await client.post(FEED, json={"observations": rows}, headers=writer)).status_code == 200
    assert (await series(client, region="PV24", occupation="ict"))["points"][0]["share"] is None
    assert (await series(client, region="PV26", occupation="ict"))["points"][0]["share"] == 0.4


async def test_observations_of_one_region_are_read_through_an_index_not_a_scan(client, reference, writer, app, admin):
    # 60 municipalities x 10 years x 3 classes: a region is under 2% of the table.
    codes = [f"GM{number:04d}" for number in range(1, 61)]
    for code in codes:
        current = await client.get(f"/v1/regions/{code}")
        version = {"If-Match": f'"{current.json()["version"]}"'} if current.status_code == 200 else {}
        await client.put(f"/v1/regions/{code}", json={"name": code, "kind": "municipality"},
                         headers={**admin, **version})
    rows = [{"measure": "vacancies_new", "region": code, "period": str(year), "occupation": occupation, "value": 1}
            for code in codes for year in range(2010, 2020) for occupation in ("total", "ict", "technical_industry")]
    assert (await client.post(FEED, json={"observations": rows}, headers=writer)).status_code == 200
    engine = app.state.database.engine
    async with engine.connect() as connection:
        await connection.execute(text("ANALYZE metrics.observations"))
    statements: list[tuple[str, Any]] = []

    def capture(conn, cursor, statement, parameters, context, executemany) -> None:
        if "FROM metrics.observations" in statement:
            statements.append((statement, parameters))

    event.listen(engine.sync_engine, "before_cursor_execute", capture)
    try:
        listed = await client.get("/v1/observations", params={"region": "GM0007"})
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", capture)
    assert len(listed.json()["items"]) == 30
    assert len(statements) == 1
    statement, parameters = statements[0]
    async with engine.connect() as connection:
        driver = (await connection.get_raw_connection()).driver_connection
        plan = "\n".join(row[0] for row in await driver.fetch("EXPLAIN " + statement, *parameters))
    assert "ix_observations_region" in plan, plan
    assert "Seq Scan on observations" not in plan, plan
