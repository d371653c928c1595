"""Feed values as Dutch and English files write them, in their measure's kind, for periods and regions that
exist: each wrong input is refused with its line (or index) and field, and nothing is written."""

from datetime import date

import pytest

from common.testing import bearer, count_rows
from services.metrics_api.tests.test_feed import CSV, FEED, written

NEXT_YEAR = date.today().year + 1
HEADER = "measure;region;period;occupation;value\n"


@pytest.fixture
def writer(token):
    return bearer(token("metrics:write", sources=["uwv"], subject="uwv-feed"))


@pytest.fixture
async def amounts(client, reference, admin):
    body = {"name": "Loonsom", "unit": "euro", "kind": "flow", "value_type": "amount"}
    assert (await client.put("/v1/measures/wages", json=body, headers=admin)).status_code == 201


async def post_csv(client, writer, rows: list[str], **params):
    return await client.post(FEED, params=params, content=(HEADER + "".join(row + "\n" for row in rows)).encode(),
                             headers={**writer, **CSV})


async def values(client, measure: str) -> dict[str, float]:
    items = (await client.get("/v1/observations", params={"measure": measure, "limit": 500})).json()["items"]
    return {f"{i['region']} {i['period']}": i["value"] for i in items}


def refused(response, *expected: tuple[int, str]) -> list[dict]:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    errors = response.json()["errors"]
    assert {(e.get("line", e.get("index")), e["field"]) for e in errors} == set(expected), errors
    return errors


async def test_a_decimal_comma_file_reads_dots_as_thousands(client, amounts, writer, app):
    answer = await post_csv(client, writer, ["vacancies_new;PV24;2012;total;7.912",
                                             "wages;PV24;2012;total;1.234,56",
                                             "wages;PV26;2012;total;-1.234.567,5",
                                             "technology_choice_share;PV24;2012;total;0,25"], decimal="comma")
    assert answer.status_code == 200, answer.text
    assert await values(client, "vacancies_new") == {"PV24 2012": 7912}
    assert await values(client, "wages") == {"PV24 2012": 1234.56, "PV26 2012": -1234567.5}
    assert await values(client, "technology_choice_share") == {"PV24 2012": 0.25}


async def test_a_decimal_point_file_reads_commas_as_thousands(client, amounts, writer, app):
    answer = await post_csv(client, writer, ["wages;PV24;2012;total;1,234.5", "wages;PV26;2012;total;7.912"],
                            decimal="point")
    assert answer.status_code == 200, answer.text
    assert await values(client, "wages") == {"PV24 2012": 1234.5, "PV26 2012": 7.912}


async def test_undeclared_the_first_value_that_reads_one_way_decides_even_after_ambiguous_ones(
        client, amounts, writer, app):
    # Line 2 alone could be 7912 or 7.912; line 3 can only be a decimal comma, so line 2 is 7912.
    answer = await post_csv(client, writer, ["vacancies_new;PV24;2012;total;7.912", "wages;PV24;2012;total;1.234,5",
                                             "vacancies_new;PV26;2012;total;12.345"])
    assert answer.status_code == 200, answer.text
    assert await values(client, "vacancies_new") == {"PV24 2012": 7912, "PV26 2012": 12345}
    assert await values(client, "wages") == {"PV24 2012": 1234.5}


async def test_a_value_that_reads_two_ways_is_refused_never_guessed(client, amounts, writer, app):
    response = await post_csv(client, writer, ["vacancies_new;PV24;2012;total;8740",
                                               "vacancies_new;PV26;2012;total;7.912",
                                               "wages;PV24;2012;total;1,234"])
    errors = refused(response, (3, "value"), (4, "value"))
    assert "decimal=comma" in errors[0]["reason"] and "7912" in errors[0]["reason"]
    assert await written(app) == (0, 0)


@pytest.mark.parametrize(("params", "rows", "bad_line"), [
    ({"decimal": "comma"}, ["wages;PV24;2012;total;1,234.56"], 2),
    ({"decimal": "comma"}, ["wages;PV24;2012;total;8740.5"], 2),
    ({"decimal": "point"}, ["wages;PV24;2012;total;1.234,56"], 2),
    ({}, ["wages;PV24;2012;total;0,25", "wages;PV26;2012;total;1,234.56"], 3),  # the first decided: comma
    ({}, ["wages;PV24;2012;total;8740.5", "wages;PV26;2012;total;1.234,5"], 3),  # the first decided: point
    ({"decimal": "comma"}, ["wages;PV24;2012;total;1.23"], 2),  # grouped wrongly
])
async def test_a_value_in_the_other_convention_is_refused(client, amounts, writer, app, params, rows, bad_line):
    errors = refused(await post_csv(client, writer, rows, **params), (bad_line, "value"))
    assert "convention" in errors[0]["reason"] or "grouped" in errors[0]["reason"]
    assert await written(app) == (0, 0)


async def test_json_strings_follow_the_declared_convention_json_numbers_are_numbers(client, amounts, writer, app):
    rows = [{"measure": "vacancies_new", "region": "PV24", "period": "2012", "occupation": "total", "value": "7.912"},
            {"measure": "wages", "region": "PV24", "period": "2012", "occupation": "total", "value": 7.912}]
    answer = await client.post(FEED, params={"decimal": "comma"}, json={"observations": rows}, headers=writer)
    assert answer.status_code == 200, answer.text
    assert await values(client, "vacancies_new") == {"PV24 2012": 7912}
    assert await values(client, "wages") == {"PV24 2012": 7.912}
    unknown = await client.post(FEED, params={"decimal": "dutch"}, json={"observations": rows}, headers=writer)
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "decimal"


@pytest.mark.parametrize("raw", ["1e400000", "1e-400000", "1e308", "1000000000000000", "Infinity", "NaN"])
async def test_values_out_of_range_are_refused_in_csv_and_json(client, amounts, writer, app, raw):
    refused(await post_csv(client, writer, ["wages;PV24;2012;total;8740", f"wages;PV26;2012;total;{raw}"]),
            (3, "value"))
    body = ('{"observations": [{"measure": "wages", "region": "PV24", "period": "2012", "occupation": "total", '
            f'"value": {raw if raw[0].isdigit() else chr(34) + raw + chr(34)}}}]}}')
    response = await client.post(FEED, content=body.encode(), headers={**writer, "Content-Type": "application/json"})
    refused(response, (0, "observations.0.value"))
    assert await written(app) == (0, 0)


async def test_values_outside_their_measures_kind_are_refused(client, amounts, writer, app):
    response = await post_csv(client, writer, [
        "vacancies_new;PV24;2012;total;8740",
        "vacancies_new;PV26;2012;total;0.5",            # 3: half a vacancy
        "vacancies_new;PV27;2012;total;-1",             # 4: a negative count
        "technology_choice_share;PV24;2012;total;1.5",  # 5: a share above 1
        "technology_choice_share;PV26;2012;total;-0.1",  # 6: below 0
        "technology_choice_share;PV27;2012;total;2",    # 7: above 1, in the fast path's shape
        "wages;PV24;2012;total;-12.5",                  # an amount may be negative
    ])
    errors = refused(response, (3, "value"), (4, "value"), (5, "value"), (6, "value"), (7, "value"))
    assert "whole number" in errors[0]["reason"]
    assert await written(app) == (0, 0)
    whole = await post_csv(client, writer, ["vacancies_new;PV26;2012;total;8740.0"], decimal="point")
    assert whole.status_code == 200 and await values(client, "vacancies_new") == {"PV26 2012": 8740}


async def test_periods_after_the_end_of_next_year_need_a_measure_that_takes_forecasts(client, amounts, writer, app,
                                                                                      admin):
    response = await post_csv(client, writer, [f"vacancies_new;PV24;{NEXT_YEAR};total;1",
                                               f"vacancies_new;PV24;{NEXT_YEAR + 1};total;1",
                                               f"vacancies_new;PV24;{NEXT_YEAR + 1}-Q1;total;1",
                                               "vacancies_new;PV24;2099;total;1"])
    errors = refused(response, (3, "period"), (4, "period"), (5, "period"))
    assert "forecast" in errors[0]["reason"]
    assert await written(app) == (0, 0)

    forecasts = {"name": "Verwachte vacatures", "unit": "vacatures", "kind": "flow", "forecasts_allowed": True}
    assert (await client.put("/v1/measures/vacancies_expected", json=forecasts, headers=admin)).status_code == 201
    answer = await post_csv(client, writer, [f"vacancies_expected;PV24;{NEXT_YEAR + 5};total;1",
                                             f"vacancies_new;PV24;{NEXT_YEAR}-12;total;1"])
    assert answer.status_code == 200 and answer.json()["inserted"] == 2


@pytest.fixture
async def weesp(client, reference, admin):
    for code, body in (("GM0363", {"name": "Amsterdam", "kind": "municipality", "parent": "PV27"}),
                       ("GM0457", {"name": "Weesp", "kind": "municipality", "parent": "PV27",
                                   "valid_to": "2022-03-24", "successor": "GM0363"})):
        assert (await client.put(f"/v1/regions/{code}", json=body, headers=admin)).status_code == 201


async def test_a_merged_away_code_only_for_periods_before_the_merger_naming_its_successor(client, weesp, writer,
                                                                                          app):
    response = await post_csv(client, writer, ["vacancies_new;GM0457;2021;total;100",
                                               "vacancies_new;GM0457;2022-02;total;10",
                                               "vacancies_new;GM0457;2022-03;total;10",   # 4: the merger's month
                                               "vacancies_new;GM0457;2022;total;100",     # 5
                                               "vacancies_new;GM0457;2023-Q1;total;10",   # 6
                                               "vacancies_new;GM0363;2023;total;1000",
                                               "vacancies_new;GM9999;2021;total;1"])      # 8: no such code
    errors = refused(response, (4, "region"), (5, "region"), (6, "region"), (8, "region"))
    merged = next(e for e in errors if e["line"] == 5)
    assert merged["successor"] == "GM0363" and "2022-03-24" in merged["reason"] and "GM0363" in merged["reason"]
    assert await written(app) == (0, 0)
    answer = await post_csv(client, writer, ["vacancies_new;GM0457;2021;total;100",
                                             "vacancies_new;GM0457;2022-02;total;10"])
    assert answer.status_code == 200 and answer.json()["inserted"] == 2
    assert await count_rows(app.state.database, "observations") == 2
