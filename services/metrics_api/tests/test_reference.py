import asyncio

import pytest
from sqlalchemy import text

from common.problems import Problem
from common.testing import bearer, count_rows
from services.metrics_api.domain import RegionKind, regions
from services.metrics_api.schemas import RegionIn


async def test_regions_with_members_parents_and_aggregates(client, reference):
    response = await client.get("/v1/regions/noordvleugel")
    assert response.status_code == 200
    assert response.headers["ETag"] == '"1"'
    assert response.json() == {"code": "noordvleugel", "name": "Noordvleugel", "kind": "aggregate", "parent": None,
                               "members": ["PV24", "PV26", "PV27"], "member_of": [], "valid_from": None,
                               "valid_to": None, "successor": None, "version": 1}
    flevoland = (await client.get("/v1/regions/PV24")).json()
    assert flevoland["parent"] == "NL01" and flevoland["member_of"] == ["noordvleugel"]

    provinces = (await client.get("/v1/regions", params={"kind": "province"})).json()
    assert [r["code"] for r in provinces["items"]] == ["PV24", "PV26", "PV27"]
    many = (await client.get("/v1/regions", params={"codes": "PV27,NL01,XX99"})).json()
    assert [r["code"] for r in many["items"]] == ["NL01", "PV27"] and many["next_cursor"] is None


async def test_region_lists_page_with_a_cursor(client, reference):
    first = (await client.get("/v1/regions", params={"limit": 2})).json()
    assert [r["code"] for r in first["items"]] == ["NL01", "PV24"]
    rest = (await client.get("/v1/regions", params={"limit": 10, "cursor": first["next_cursor"]})).json()
    assert [r["code"] for r in rest["items"]] == ["PV26", "PV27", "noordvleugel"] and rest["next_cursor"] is None
    bad = await client.get("/v1/regions", params={"cursor": "nonsense"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "cursor"


async def test_measures_and_occupations(client, reference):
    measure = (await client.get("/v1/measures/vacancies_open")).json()
    assert measure == {"code": "vacancies_open", "name": "Openstaande vacatures", "unit": "vacancies",
                       "unit_multiplier": 0, "kind": "stock", "value_type": "count", "forecasts_allowed": False,
                       "primary_source": None, "first_source": None, "serving_source": None, "version": 1}
    assert len((await client.get("/v1/measures")).json()["items"]) == 3
    occupation = (await client.get("/v1/occupations/technical_industry_ict")).json()
    assert occupation["parent"] == "total" and occupation["members"] == ["ict", "technical_industry"]
    listed = (await client.get("/v1/occupations", params={"codes": "total,ict"})).json()["items"]
    assert [o["code"] for o in listed] == ["ict", "total"]
    assert (await client.get("/v1/occupations/nope")).status_code == 404
    assert (await client.get("/v1/measures/nope")).status_code == 404
    missing = await client.get("/v1/regions/GM9999")
    assert missing.status_code == 404 and missing.headers["content-type"] == "application/problem+json"


async def test_put_again_with_the_same_content_is_a_no_op_and_a_change_needs_if_match(client, reference, admin, app):
    same = await client.put("/v1/regions/PV24", json={"name": "Flevoland", "kind": "province", "parent": "NL01"},
                            headers=admin)
    assert same.status_code == 200 and same.json()["version"] == 1

    renamed = {"name": "Provincie Flevoland", "kind": "province", "parent": "NL01"}
    assert (await client.put("/v1/regions/PV24", json=renamed, headers=admin)).status_code == 428
    stale = await client.put("/v1/regions/PV24", json=renamed, headers={**admin, "If-Match": '"7"'})
    assert stale.status_code == 412
    assert (await client.get("/v1/regions/PV24")).json()["name"] == "Flevoland"
    changed = await client.put("/v1/regions/PV24", json=renamed, headers={**admin, "If-Match": '"1"'})
    assert changed.status_code == 200 and changed.headers["ETag"] == '"2"' and changed.json()["name"] == renamed["name"]

    members = {"name": "Noordvleugel", "kind": "aggregate", "members": ["PV24", "PV26"]}
    shrunk = await client.put("/v1/regions/noordvleugel", json=members, headers={**admin, "If-Match": '"1"'})
    assert shrunk.json()["members"] == ["PV24", "PV26"]
    assert await count_rows(app.state.database, "region_members") == 2

    measure = {"name": "Ontstane vacatures", "unit": "vacancies", "kind": "flow", "unit_multiplier": 3}
    assert (await client.put("/v1/measures/vacancies_new", json=measure, headers=admin)).status_code == 428
    updated = await client.put("/v1/measures/vacancies_new", json=measure, headers={**admin, "If-Match": '"1"'})
    assert updated.json()["unit_multiplier"] == 3 and updated.json()["version"] == 2


async def test_bad_region_definitions_name_the_field_and_write_nothing(client, reference, admin, app):
    cases = [
        ("GM402", {"name": "Hilversum", "kind": "municipality"}, "code"),
        ("Noord", {"name": "Noord", "kind": "aggregate", "members": ["PV24"]}, "code"),
        ("PV99", {"name": "Nergens", "kind": "province", "members": ["PV24"]}, "members"),
        ("zuidvleugel", {"name": "Zuidvleugel", "kind": "aggregate", "members": []}, "members"),
        ("zuidvleugel", {"name": "Zuidvleugel", "kind": "aggregate", "members": ["PV28"]}, "members.0"),
        ("GM0402", {"name": "Hilversum", "kind": "municipality", "parent": "PV99"}, "parent"),
        ("GM0402", {"name": "Hilversum", "kind": "town"}, "kind"),
        ("GM0402", {"name": "", "kind": "municipality"}, "name"),
        ("GM0402", {"name": "Hilversum", "kind": "municipality", "colour": "blue"}, "colour"),
        ("GM0457", {"name": "Weesp", "kind": "municipality", "successor": "GM0363", "valid_to": "2022-03-24"},
         "successor"),  # no such region
        ("GM0457", {"name": "Weesp", "kind": "municipality", "successor": "PV27"}, "successor"),  # not ended
        ("GM0457", {"name": "Weesp", "kind": "municipality", "successor": "GM0457", "valid_to": "2022-03-24"},
         "successor"),
        ("GM1942", {"name": "Gooise Meren", "kind": "municipality", "valid_from": "2016-01-01",
                    "valid_to": "2016-01-01"}, "valid_to"),
        ("GM0457", {"name": "Weesp", "kind": "municipality", "valid_to": "24-03-2022"}, "valid_to"),
    ]
    for code, body, field in cases:
        response = await client.put(f"/v1/regions/{code}", json=body, headers=admin)
        assert response.status_code == 422, (code, body)
        assert response.headers["content-type"] == "application/problem+json"
        assert field in [e["field"] for e in response.json()["errors"]], (body, response.json())
    assert await count_rows(app.state.database, "regions") == 5


async def test_an_aggregate_cannot_contain_itself(client, reference, admin, app):
    await client.put("/v1/regions/randstad", json={"name": "Randstad", "kind": "aggregate",
                                                   "members": ["noordvleugel", "PV24"]}, headers=admin)
    loop = await client.put("/v1/regions/noordvleugel", headers={**admin, "If-Match": '"1"'},
                            json={"name": "Noordvleugel", "kind": "aggregate", "members": ["PV24", "randstad"]})
    # A cycle conflicts with what is stored (another PUT made randstad contain noordvleugel): 409.
    assert loop.status_code == 409 and loop.json()["errors"][0]["field"] == "members"
    assert (await client.get("/v1/regions/noordvleugel")).json()["members"] == ["PV24", "PV26", "PV27"]


async def test_bad_measures_and_occupations_write_nothing(client, reference, admin, app):
    bad_measures = [
        ("Vacancies", {"name": "x", "unit": "x", "kind": "flow"}, "code"),
        ("jobs", {"name": "Banen", "unit": "jobs", "kind": "level"}, "kind"),
        ("jobs", {"name": "Banen", "unit": "jobs", "kind": "stock", "value_type": "ratio"}, "value_type"),
        ("jobs", {"name": "Banen", "unit": "jobs", "kind": "stock", "unit_multiplier": 99}, "unit_multiplier"),
        ("jobs", {"name": "Banen", "kind": "stock"}, "unit"),
    ]
    for code, body, field in bad_measures:
        response = await client.put(f"/v1/measures/{code}", json=body, headers=admin)
        assert response.status_code == 422 and field in [e["field"] for e in response.json()["errors"]], body
    assert await count_rows(app.state.database, "measures") == 3

    bad_occupations = [
        ("metal", {"name": "Metaal", "parent": "nope"}, "parent"),
        ("metal", {"name": "Metaal", "members": ["nope"]}, "members.0"),
        ("metal", {"name": "Metaal", "members": ["metal"]}, "members.0"),
        ("total", {"name": "Totaal", "parent": "ict"}, "parent"),
    ]
    for code, body, field in bad_occupations:
        response = await client.put(f"/v1/occupations/{code}", json=body, headers={**admin, "If-Match": "*"})
        cycle = code == "total"  # total under ict, which lies under total: a conflict with the stored tree
        assert response.status_code == (409 if cycle else 422), body
        assert field in [e["field"] for e in response.json()["errors"]], body
    assert await count_rows(app.state.database, "occupations") == 4
    assert await count_rows(app.state.database, "occupation_members") == 2


async def test_reference_data_needs_metrics_admin(client, token, app):
    body = {"name": "Flevoland", "kind": "province"}
    assert (await client.put("/v1/regions/PV24", json=body)).status_code == 401
    writer = bearer(token("metrics:write", sources=["uwv"]))
    for path, payload in (("regions/PV24", body), ("measures/jobs", {"name": "Banen", "unit": "jobs", "kind": "stock"}),
                          ("occupations/total", {"name": "Totaal"})):
        response = await client.put(f"/v1/{path}", json=payload, headers=writer)
        assert response.status_code == 403 and response.headers["content-type"] == "application/problem+json"
    for table in ("regions", "measures", "occupations"):
        assert await count_rows(app.state.database, table) == 0


async def test_a_body_may_repeat_its_code_but_not_another(client, admin, app):
    created = await client.put("/v1/regions/NL01", json={"code": "NL01", "name": "Nederland", "kind": "country"},
                               headers=admin)
    assert created.status_code == 201
    measure = {"code": "vacancies_new", "name": "Ontstane vacatures", "unit": "vacatures", "kind": "flow"}
    assert (await client.put("/v1/measures/vacancies_new", json=measure, headers=admin)).status_code == 201
    assert (await client.put("/v1/measures/vacancies_new", json=measure, headers=admin)).status_code == 200
    for path, body in (("regions/PV24", {"code": "PV26", "name": "Flevoland", "kind": "province"}),
                       ("measures/jobs", {**measure, "code": "banen"}),
                       ("occupations/total", {"code": "totaal", "name": "Totaal"})):
        response = await client.put(f"/v1/{path}", json=body, headers=admin)
        assert response.status_code == 422 and response.json()["errors"][0]["field"] == "code"
    assert await count_rows(app.state.database, "regions") == 1
    assert await count_rows(app.state.database, "measures") == 1
    assert await count_rows(app.state.database, "occupations") == 0


async def test_a_change_of_members_alone_is_a_new_version(client, reference, admin):
    body = {"name": "Noordvleugel", "kind": "aggregate", "members": ["PV24", "PV26"]}
    changed = await client.put("/v1/regions/noordvleugel", json=body, headers={**admin, "If-Match": '"1"'})
    assert changed.status_code == 200 and changed.headers["ETag"] == '"2"' and changed.json()["version"] == 2
    stale = await client.put("/v1/regions/noordvleugel", json={**body, "members": ["PV24"]},
                             headers={**admin, "If-Match": '"1"'})
    assert stale.status_code == 412
    occupation = {"name": "Technische, industrie- en informaticaberoepen", "parent": "total", "members": ["ict"]}
    changed = await client.put("/v1/occupations/technical_industry_ict", json=occupation,
                               headers={**admin, "If-Match": '"1"'})
    assert changed.status_code == 200 and changed.json()["version"] == 2 and changed.json()["members"] == ["ict"]


async def test_a_merged_away_municipality_names_its_end_and_successor(client, reference, admin, app):
    amsterdam = {"name": "Amsterdam", "kind": "municipality", "parent": "PV27"}
    assert (await client.put("/v1/regions/GM0363", json=amsterdam, headers=admin)).status_code == 201
    weesp = {"name": "Weesp", "kind": "municipality", "parent": "PV27", "valid_to": "2022-03-24",
             "successor": "GM0363"}
    created = await client.put("/v1/regions/GM0457", json=weesp, headers=admin)
    assert created.status_code == 201, created.text
    assert {k: created.json()[k] for k in ("valid_from", "valid_to", "successor")} == {
        "valid_from": None, "valid_to": "2022-03-24", "successor": "GM0363"}
    # Clearing the end is a change like any other: it needs the version.
    assert (await client.put("/v1/regions/GM0457", json={**weesp, "valid_to": None, "successor": None},
                             headers=admin)).status_code == 428
    assert await count_rows(app.state.database, "regions") == 7


async def test_a_measure_may_take_forecasts(client, reference, admin):
    body = {"name": "Verwachte vacatures", "unit": "vacatures", "kind": "flow", "forecasts_allowed": True}
    created = await client.put("/v1/measures/vacancies_expected", json=body, headers=admin)
    assert created.status_code == 201 and created.json()["forecasts_allowed"] is True
    listed = (await client.get("/v1/measures", params={"codes": "vacancies_expected,vacancies_new"})).json()["items"]
    assert [(m["code"], m["forecasts_allowed"]) for m in listed] == [("vacancies_expected", True),
                                                                     ("vacancies_new", False)]


async def test_concurrent_puts_that_would_make_a_cycle_one_of_them_conflicts(client, reference, admin, app):
    """Two sessions, as two requests at once: the first makes alpha contain beta and has not committed
    when the second, making beta contain alpha, starts. The second must wait for the first's commit
    before it looks for a cycle (the lock on the region graph), and then finds one: 409. Without the
    lock its check sees no alpha -> beta, both commit, and every read of alpha then loops; or they
    wait for each other's rows (a deadlock, a 500)."""
    for code in ("alpha", "beta"):
        body = {"name": code, "kind": "aggregate", "members": ["PV24"]}
        assert (await client.put(f"/v1/regions/{code}", json=body, headers=admin)).status_code == 201
    database = app.state.database

    def change(code: str, member: str) -> RegionIn:
        return RegionIn(name=code, kind=RegionKind.AGGREGATE, members=["PV24", member])

    async with database.sessionmaker() as first, database.sessionmaker() as second:
        await regions.put_region(first, "alpha", change("alpha", "beta"), lambda version: None)
        second_pid = await second.scalar(text("SELECT pg_backend_pid()"))
        racing = asyncio.create_task(regions.put_region(second, "beta", change("beta", "alpha"), lambda version: None))
        async with database.engine.connect() as observer:  # until B waits for a lock A holds
            while await observer.scalar(text("SELECT wait_event_type FROM pg_stat_activity WHERE pid = :pid"),
                                        {"pid": second_pid}) != "Lock":
                assert not racing.done(), racing
                await asyncio.sleep(0.01)
        await first.commit()
        with pytest.raises(Problem) as refused:
            await racing
        await second.rollback()
    assert refused.value.status == 409 and refused.value.errors[0]["field"] == "members"
    assert (await client.get("/v1/regions/alpha")).json()["members"] == ["PV24", "beta"]
    assert (await client.get("/v1/regions/beta")).json()["members"] == ["PV24"]
    assert (await client.get("/v1/series", params={"measure": "vacancies_new", "region": "alpha"})).status_code == 200
