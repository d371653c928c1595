"""Pacts (national > regional > sub-regional), their action lines and goals."""

import uuid

from common.testing import count_rows
from services.actions_api.tests.helpers import assert_problem, make_line, make_pact

KIEZEN = {
    "name": "Van 25% naar 40% leerlingen die kiezen voor techniek op alle niveaus in 2020",
    "scope": "national", "measure_kind": "percentage", "unit": "%", "ascending": True,
    "baseline": {"value": 25, "year": 2013}, "targets": [{"period": "2020", "value": 40}],
}
# A target given without its kind is a level.
KIEZEN_TARGETS = [{"period": "2020", "value": 40, "kind": "level"}]


async def test_pacts_form_a_tree_with_parent_and_children(client, writer):
    await make_pact(client, writer, "techniekpact", name="Techniekpact", level="national", region="NL01",
                    signed_on="2013-05-13")
    await make_pact(client, writer, "metropoolregio-amsterdam", name="Techniekpact MRA", parent="techniekpact")
    created = await make_pact(client, writer, "gooi-en-vechtstreek",
                              name="Actieplan Techniekpact Gooi & Vechtstreek 2020",
                              level="subregional", parent="metropoolregio-amsterdam", region="gooi-en-vechtstreek",
                              period_start="2014-01-01", period_end="2020-12-31",
                              source_document="actieplan-techniekpact-gooi-vechtstreek-2020.txt")
    assert created["parent"] == "metropoolregio-amsterdam" and created["children"] == []

    national = (await client.get("/v1/pacts/techniekpact")).json()
    assert national["children"] == ["metropoolregio-amsterdam"] and national["signed_on"] == "2013-05-13"
    regional = await client.get("/v1/pacts/metropoolregio-amsterdam")
    assert regional.json()["children"] == ["gooi-en-vechtstreek"] and regional.headers["etag"] == '"1"'

    under = (await client.get("/v1/pacts", params={"parent": "techniekpact"})).json()
    assert [p["slug"] for p in under["items"]] == ["metropoolregio-amsterdam"]
    many = (await client.get("/v1/pacts", params={"slugs": "gooi-en-vechtstreek,techniekpact,onbekend"})).json()
    assert [p["slug"] for p in many["items"]] == ["gooi-en-vechtstreek", "techniekpact"]


async def test_a_pact_names_its_coordinating_organisation_checked_in_the_registry(client, writer, partners, db):
    """Gooi & Vechtstreek's "Meedoen?": contact the projectleider of the pact's coordinating organisation."""
    coordinator = partners.add()
    created = await make_pact(client, writer, "gooi-en-vechtstreek", level="subregional", coordinator=coordinator)
    assert created["coordinator"] == coordinator
    assert_problem(await client.post("/v1/pacts", headers=writer, json={
        "slug": "ander", "name": "Ander pact", "level": "regional", "coordinator": str(uuid.uuid4())}), 422,
        "coordinator")
    assert_problem(await client.post("/v1/pacts", headers=writer, json={
        "slug": "ander", "name": "Ander pact", "level": "regional", "coordinator": "geen-id"}), 422, "coordinator")
    assert await count_rows(db, "pacts") == 1
    url = "/v1/pacts/gooi-en-vechtstreek"
    assert_problem(await client.patch(url, json={"coordinator": str(uuid.uuid4())},
                                      headers={**writer, "If-Match": '"1"'}), 422, "coordinator")
    assert (await client.get(url)).json()["coordinator"] == coordinator
    other = partners.add()
    moved = await client.patch(url, json={"coordinator": other}, headers={**writer, "If-Match": '"1"'})
    assert moved.status_code == 200 and moved.json()["coordinator"] == other
    cleared = await client.patch(url, json={"coordinator": None}, headers={**writer, "If-Match": '"2"'})
    assert cleared.json()["coordinator"] is None


async def test_pact_list_pages_with_a_cursor(client, writer):
    for slug in ("a", "b", "c"):
        await make_pact(client, writer, slug, name=slug.upper())
    first = (await client.get("/v1/pacts", params={"limit": 2})).json()
    assert [p["slug"] for p in first["items"]] == ["a", "b"] and first["next_cursor"]
    second = (await client.get("/v1/pacts", params={"limit": 2, "cursor": first["next_cursor"]})).json()
    assert [p["slug"] for p in second["items"]] == ["c"] and second["next_cursor"] is None
    assert_problem(await client.get("/v1/pacts", params={"cursor": "rommel"}), 422, "cursor")


async def test_bad_pacts_are_refused_naming_the_field_and_nothing_is_written(client, writer, db):
    await make_pact(client, writer, "techniekpact", name="Techniekpact", level="regional")
    cases = [
        ({"slug": "Met Spaties", "name": "x", "level": "regional"}, 422, "slug"),
        ({"slug": "x", "name": "", "level": "regional"}, 422, "name"),
        ({"slug": "x", "name": "x", "level": "gemeentelijk"}, 422, "level"),
        ({"slug": "x", "name": "x", "level": "regional", "parent": "bestaat-niet"}, 422, "parent"),
        ({"slug": "x", "name": "x", "level": "regional", "parent": "techniekpact"}, 422, "parent"),
        ({"slug": "x", "name": "x", "level": "regional", "period_start": "2014-01-01", "period_end": "2013-01-01"},
         422, "period_end"),
        ({"slug": "x", "name": "x", "level": "regional", "onbekend": 1}, 422, "onbekend"),
        ({"slug": "techniekpact", "name": "x", "level": "regional"}, 409, None),
    ]
    for body, status, field in cases:
        assert_problem(await client.post("/v1/pacts", json=body, headers=writer), status, field)
    assert await count_rows(db, "pacts") == 1


async def test_writes_need_the_actions_write_scope_reads_are_public(client, token):
    body = {"slug": "x", "name": "x", "level": "regional"}
    assert_problem(await client.post("/v1/pacts", json=body), 401)
    wrong = {"Authorization": f"Bearer {token('partners:write')}"}
    assert "actions:write" in assert_problem(await client.post("/v1/pacts", json=body, headers=wrong), 403)["detail"]
    assert (await client.get("/v1/pacts")).status_code == 200
    assert_problem(await client.get("/v1/pacts/bestaat-niet"), 404)


async def test_lines_carry_their_goals_as_indicators(client, writer):
    await make_pact(client, writer)
    line = await make_line(client, writer, aim="Meer aandacht voor bèta en techniek in het funderend onderwijs",
                           goals=[KIEZEN])
    assert line["number"] == 1 and line["pact"] == "noordvleugel" and line["progress"] is None
    goal = line["goals"][0]
    assert goal["baseline"] == {"value": 25, "year": 2013} and goal["targets"] == KIEZEN_TARGETS
    assert goal["measure_kind"] == "percentage" and goal["scope"] == "national"
    assert goal["reported"] == [] and goal["actual"] is None
    assert (goal["progress"], goal["progress_note"]) == (None, "not_measured")
    assert goal["window"] == {"start": "2013", "end": "2020"}

    werken = await make_line(client, writer, number=3, name="Werken in de techniek")
    vacatures = await client.post(f"/v1/lines/{werken['id']}/goals", headers=writer, json={
        "name": "10.000 werkzoekenden maken overstap naar technische sector", "scope": "national",
        "measure_kind": "number", "aggregation": "sum", "targets": [{"period": "2020", "value": 10000}],
    })
    assert vacatures.status_code == 201, vacatures.text
    pointed = await client.post(f"/v1/lines/{werken['id']}/goals", headers=writer, json={
        "name": "Aandeel technische vacatures", "measure_kind": "number",
        "series": {"measure": "vacancies_new", "region": "noordvleugel", "occupation": "technical_industry"},
    })
    assert pointed.json()["series"]["region"] == "noordvleugel"

    # As the plan writes it: a baseline without a year, a target without a year.
    afgestudeerden = await client.post(f"/v1/lines/{werken['id']}/goals", headers=writer, json={
        "name": "percentage afgestudeerden dat kiest voor beroep in technische sector neemt toe van 50% naar 75%",
        "measure_kind": "percentage", "baseline": {"value": 50, "year": None},
        "targets": [{"period": None, "value": 75}],
    })
    assert afgestudeerden.status_code == 201, afgestudeerden.text
    assert afgestudeerden.json()["baseline"] == {"value": 50, "year": None}
    assert afgestudeerden.json()["targets"] == [{"period": None, "value": 75, "kind": "level"}]
    assert afgestudeerden.json()["window"] == {"start": None, "end": None}

    lines = (await client.get("/v1/pacts/noordvleugel/lines")).json()["items"]
    assert [(li["number"], len(li["goals"])) for li in lines] == [(1, 1), (3, 3)]

    await make_pact(client, writer, "gooi-en-vechtstreek", level="subregional")
    await make_line(client, writer, "gooi-en-vechtstreek", goals=[{"name": "meer jongeren die kiezen voor techniek",
                                                                   "measure_kind": "qualitative"}])
    many = (await client.get("/v1/lines",
                             params={"pacts": "noordvleugel,gooi-en-vechtstreek,onbekend"})).json()["items"]
    assert [(li["pact"], li["number"]) for li in many] == [("gooi-en-vechtstreek", 1), ("noordvleugel", 1),
                                                           ("noordvleugel", 3)]
    assert (await client.get("/v1/lines", params={"pacts": "onbekend"})).json()["items"] == []
    assert_problem(await client.get("/v1/pacts/onbekend/lines"), 404)
    assert_problem(await client.get("/v1/lines"), 422, "pacts")

    by_ids = (await client.get("/v1/goals", params={"ids": f"{goal['id']},{uuid.uuid4()}"})).json()["items"]
    assert [g["id"] for g in by_ids] == [goal["id"]]
    by_series = (await client.get("/v1/goals", params={
        "series": "vacancies_new:noordvleugel:technical_industry,vacancies_new:PV24:total"})).json()["items"]
    assert [g["name"] for g in by_series] == ["Aandeel technische vacatures"]


async def test_bad_lines_and_goals_are_refused_and_nothing_is_written(client, writer, db):
    await make_pact(client, writer)
    line = await make_line(client, writer)
    bad_goals = [
        ({**KIEZEN, "targets": [{"period": "2020", "value": 140}]}, "targets"),
        ({**KIEZEN, "targets": [{"period": "volgend jaar", "value": 40}]}, "targets.0.period"),
        ({**KIEZEN, "targets": [{"period": "2020", "value": 40}, {"period": "2020", "value": 41}]}, "targets"),
        ({"name": "Kwalitatieve aansluiting wordt verbeterd", "measure_kind": "qualitative",
          "baseline": {"value": 1, "year": 2013}}, "baseline"),
        ({**KIEZEN, "baseline": {"value": 25, "year": 13}}, "baseline.year"),
        ({**KIEZEN, "aggregation": "average"}, "aggregation"),
        ({**KIEZEN, "series": {"measure": "vacancies_new"}}, "series.region"),
    ]
    for body, field in bad_goals:
        assert_problem(await client.post(f"/v1/lines/{line['id']}/goals", json=body, headers=writer), 422, field)
    assert_problem(await client.post(f"/v1/lines/{uuid.uuid4()}/goals", json=KIEZEN, headers=writer), 404)
    assert_problem(await client.post("/v1/pacts/noordvleugel/lines", json={"number": 1, "name": "x"},
                                     headers=writer), 409)
    assert_problem(await client.post("/v1/pacts/noordvleugel/lines", json={"number": 0, "name": "x"},
                                     headers=writer), 422, "number")
    assert_problem(await client.post("/v1/pacts/noordvleugel/lines", headers=writer, json={
        "number": 2, "name": "Leren in de techniek", "goals": [{**KIEZEN, "measure_kind": "ratio"}]}),
        422, "goals.0.measure_kind")
    assert_problem(await client.get("/v1/goals"), 422, "ids")
    assert_problem(await client.get("/v1/goals", params={"series": "vacancies_new"}), 422, "series")
    assert_problem(await client.get("/v1/goals", params={"ids": "geen-uuid"}), 422, "ids")
    assert await count_rows(db, "action_lines") == 1
    assert await count_rows(db, "goals") == 0


async def test_pacts_and_goals_change_with_if_match_and_are_checked_whole(client, writer, db):
    await make_pact(client, writer, period_start="2013-01-01")
    assert_problem(await client.patch("/v1/pacts/noordvleugel", json={"signed_on": "2013-06-24"}, headers=writer), 428)
    changed = await client.patch("/v1/pacts/noordvleugel", json={"signed_on": "2013-06-24", "period_end": "2020-12-31"},
                                 headers={**writer, "If-Match": '"1"'})
    assert changed.status_code == 200, changed.text
    assert changed.json()["signed_on"] == "2013-06-24" and changed.headers["etag"] == '"2"'
    assert_problem(await client.patch("/v1/pacts/noordvleugel", json={"period_end": "2012-01-01"},
                                      headers={**writer, "If-Match": '"2"'}), 422, "period_end")
    assert_problem(await client.patch("/v1/pacts/noordvleugel", json={"name": None},
                                      headers={**writer, "If-Match": '"2"'}), 422, "name")
    assert_problem(await client.patch("/v1/pacts/noordvleugel", json={"slug": "ander"},
                                      headers={**writer, "If-Match": '"2"'}), 422, "slug")
    assert_problem(await client.patch("/v1/pacts/noordvleugel", json={"name": "x"},
                                      headers={**writer, "If-Match": '"1"'}), 412)
    assert (await client.get("/v1/pacts/noordvleugel")).json()["period_end"] == "2020-12-31"

    line = await make_line(client, writer, goals=[KIEZEN])
    goal = line["goals"][0]
    url = f"/v1/goals/{goal['id']}"
    pointed = await client.patch(url, headers={**writer, "If-Match": '"1"'}, json={
        "series": {"measure": "pupils_choosing_technology", "region": "NL01"}})
    assert pointed.status_code == 200, pointed.text
    assert pointed.json()["series"] == {"measure": "pupils_choosing_technology", "region": "NL01",
                                        "occupation": "total", "scale": 1}
    assert pointed.json()["targets"] == KIEZEN_TARGETS and pointed.headers["etag"] == '"2"'
    # The goal as changed must still hold together: a percentage target of 140 is refused.
    assert_problem(await client.patch(url, json={"targets": [{"period": "2020", "value": 140}]},
                                      headers={**writer, "If-Match": '"2"'}), 422, "targets")
    assert_problem(await client.patch(url, json={"measure_kind": "qualitative"},
                                      headers={**writer, "If-Match": '"2"'}), 422, "baseline")
    assert_problem(await client.patch(url, json={"targets": None}, headers={**writer, "If-Match": '"2"'}), 422,
                   "targets")
    assert_problem(await client.patch(url, json={"name": "x"}), 401)
    assert_problem(await client.patch(f"/v1/goals/{uuid.uuid4()}", json={"name": "x"},
                                      headers={**writer, "If-Match": '"1"'}), 404)
    after = (await client.get("/v1/goals", params={"ids": goal["id"]})).json()["items"][0]
    assert after["version"] == 2 and after["targets"] == KIEZEN_TARGETS
