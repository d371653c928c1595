"""Results and progress reports: draft, submitted, approved or returned; only approved reports count."""

import uuid

from common.testing import bearer, count_rows
from services.actions_api.tests.helpers import assert_problem, make_action, make_line, make_pact

BEROEPSKEUZE = {
    "description": "10% meer leerlingen kiezen in 2016 voor een opleiding binnen techniek en ICT",
    "indicator": {"name": "toename leerlingen die kiezen voor een opleiding binnen techniek en ICT",
                  "measure_kind": "percentage", "unit": "%", "ascending": True,
                  "baseline": {"value": 0, "year": 2014}, "targets": [{"period": "2016", "value": 10}],
                  "aggregation": "latest"},
}


async def setup_action(client, writer):
    await make_pact(client, writer, "gooi-en-vechtstreek", level="subregional")
    return await make_action(client, writer, "gooi-en-vechtstreek", title="Beroepskeuzeprogramma onderbouw VMBO",
                             aim="Een beroepskeuze programma dat VMBO leerlingen helpt te kiezen voor techniek of ICT")


async def report(client, headers, action_id, **body):
    response = await client.post(f"/v1/actions/{action_id}/progress-reports", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


async def step(client, headers, report_id, what, status=200, **body):
    response = await client.post(f"/v1/progress-reports/{report_id}/{what}", json=body or None, headers=headers)
    assert response.status_code == status, response.text
    return response.json()


async def test_only_approved_reports_count_toward_a_results_actual(client, writer, approver):
    action = await setup_action(client, writer)
    created = await client.post(f"/v1/actions/{action['id']}/results", json=BEROEPSKEUZE, headers=writer)
    assert created.status_code == 201, created.text
    result = created.json()
    assert result["indicator"]["targets"] == [{"period": "2016", "value": 10, "kind": "level"}]
    assert result["actual"] is None
    assert result["indicator"]["name"].startswith("toename leerlingen")

    draft = await report(client, writer, action["id"], subject="result", subject_id=result["id"],
                         reported_on="2015-09-01", note="Eerste meting", values=[{"period": "2015", "value": 4}])
    assert (draft["state"], draft["author"], draft["reviewed_by"]) == ("draft", "coordinator", None)

    async def actual():
        found = (await client.get("/v1/results", params={"action_ids": action["id"]})).json()["items"]
        return (found[0]["actual"] or {}).get("value"), found[0]["reported"]

    assert await actual() == (None, [])
    submitted = await step(client, writer, draft["id"], "submit")
    assert submitted["state"] == "submitted" and submitted["submitted_at"]
    assert await actual() == (None, [])
    approved = await step(client, approver, draft["id"], "approve", note="Akkoord")
    assert (approved["state"], approved["reviewed_by"], approved["review_note"]) == ("approved", "reviewer", "Akkoord")
    assert await actual() == (4, [{"period": "2015", "value": 4}])

    later = await report(client, writer, action["id"], subject="result", subject_id=result["id"],
                         reported_on="2016-09-01", values=[{"period": "2016", "value": 11.5}])
    await step(client, writer, later["id"], "submit")
    returned = await step(client, approver, later["id"], "return", note="Bron ontbreekt")
    assert returned["state"] == "returned"
    assert await actual() == (4, [{"period": "2015", "value": 4}])
    await step(client, writer, later["id"], "submit")
    await step(client, approver, later["id"], "approve")
    assert await actual() == (11.5, [{"period": "2015", "value": 4}, {"period": "2016", "value": 11.5}])

    history = (await client.get("/v1/progress-reports", params={"action_ids": action["id"]})).json()["items"]
    assert [(r["reported_on"], r["state"]) for r in history] == [("2015-09-01", "approved"), ("2016-09-01", "approved")]


async def test_review_steps_refused_out_of_order_name_the_allowed_ones(client, writer, approver):
    action = await setup_action(client, writer)
    draft = await report(client, writer, action["id"], note="Zes scholen doen mee")
    refused = await step(client, approver, draft["id"], "approve", status=409)
    assert refused["allowed"] == ["submitted"]
    await step(client, writer, draft["id"], "submit")
    assert (await step(client, writer, draft["id"], "submit", status=409))["allowed"] == ["approved", "returned"]
    await step(client, approver, draft["id"], "approve")
    assert (await step(client, approver, draft["id"], "return", status=409))["allowed"] == []


async def test_review_needs_the_approve_scope_and_drafts_are_not_public(client, writer, approver, token):
    action = await setup_action(client, writer)
    draft = await report(client, writer, action["id"], note="concept")
    assert_problem(await client.post(f"/v1/progress-reports/{draft['id']}/approve", headers=writer), 403)
    assert_problem(await client.post(f"/v1/progress-reports/{draft['id']}/submit"), 401)
    assert_problem(await client.post(f"/v1/progress-reports/{draft['id']}/submit", headers=approver), 403)
    assert_problem(await client.post(f"/v1/actions/{action['id']}/progress-reports", json={}), 401)

    params = {"action_ids": action["id"]}
    assert (await client.get("/v1/progress-reports", params=params)).json()["items"] == []
    assert_problem(await client.get(f"/v1/progress-reports/{draft['id']}"), 404)
    reader = bearer(token("contacts:read"))
    assert (await client.get("/v1/progress-reports", params=params, headers=reader)).json()["items"] == []
    assert len((await client.get("/v1/progress-reports", params=params, headers=writer)).json()["items"]) == 1
    assert (await client.get(f"/v1/progress-reports/{draft['id']}", headers=approver)).json()["state"] == "draft"

    await step(client, writer, draft["id"], "submit")
    listed = (await client.get("/v1/progress-reports", params=params)).json()["items"]
    assert [r["state"] for r in listed] == ["submitted"]
    assert (await client.get("/v1/progress-reports", params={**params, "state": "approved"})).json()["items"] == []
    assert_problem(await client.get("/v1/progress-reports"), 422, "action_ids")
    assert_problem(await client.get("/v1/progress-reports", params={**params, "state": "klaar"}), 422, "state")


async def test_an_actions_status_changes_only_when_its_report_is_approved(client, writer, approver):
    action = await setup_action(client, writer)
    started = await report(client, writer, action["id"], status="in_progress", note="Programma loopt")
    await step(client, writer, started["id"], "submit")
    assert (await client.get(f"/v1/actions/{action['id']}")).json()["status"] == "planned"
    await step(client, approver, started["id"], "approve")
    assert (await client.get(f"/v1/actions/{action['id']}")).json()["status"] == "in_progress"

    # Approval applies the status through the same transitions: stopped -> achieved is refused then.
    await client.post(f"/v1/actions/{action['id']}/status", json={"status": "stopped"}, headers=writer)
    achieved = await report(client, writer, action["id"], status="achieved")
    await step(client, writer, achieved["id"], "submit")
    refused = await step(client, approver, achieved["id"], "approve", status=409)
    assert refused["allowed"] == ["planned"]
    assert (await client.get(f"/v1/progress-reports/{achieved['id']}")).json()["state"] == "submitted"
    assert (await client.get(f"/v1/actions/{action['id']}")).json()["status"] == "stopped"


async def test_an_approved_milestone_report_meets_it_and_counts(client, writer, approver):
    await make_pact(client, writer)
    action = await make_action(client, writer, title="Campusvorming")
    created = await client.post(f"/v1/actions/{action['id']}/milestones", headers=writer, json={
        "title": "4 regionale campussen in een operationeel stadium", "due": "eind 2014", "target_count": 4})
    milestone = created.json()
    counted = await report(client, writer, action["id"], subject="milestone", subject_id=milestone["id"],
                           reported_on="2014-06-30", values=[{"period": "2014-Q2", "value": 3}])
    await step(client, writer, counted["id"], "submit")
    await step(client, approver, counted["id"], "approve")
    after = (await client.get(f"/v1/milestones/{milestone['id']}")).json()
    assert (after["reached_count"], after["status"]) == (3, "open")
    assert (await client.get(f"/v1/actions/{action['id']}")).json()["progress"] == 0.75

    met = await report(client, writer, action["id"], subject="milestone", subject_id=milestone["id"],
                       reported_on="2014-11-15", status="met", values=[{"period": "2014-Q4", "value": 4}])
    await step(client, writer, met["id"], "submit")
    await step(client, approver, met["id"], "approve")
    after = (await client.get(f"/v1/milestones/{milestone['id']}")).json()
    assert (after["reached_count"], after["status"], after["met_on"]) == (4, "met", "2014-11-15")
    assert (await client.get(f"/v1/actions/{action['id']}")).json()["progress"] == 1


async def test_goal_reports_give_a_goals_reported_values(client, writer, approver):
    await make_pact(client, writer)
    line = await make_line(client, writer, number=3, name="Werken in de techniek", goals=[{
        "name": "10.000 werkzoekenden maken overstap naar technische sector", "scope": "national",
        "aggregation": "sum", "targets": [{"period": "2020", "value": 10000}]}])
    goal = line["goals"][0]
    for year, value in (("2014", 1200), ("2015", 2100)):
        created = await client.post(f"/v1/goals/{goal['id']}/progress-reports", headers=writer,
                                    json={"reported_on": f"{int(year) + 1}-02-01",
                                          "values": [{"period": year, "value": value}]})
        assert created.status_code == 201, created.text
        assert created.json()["subject"] == "goal" and created.json()["action_id"] is None
        await step(client, writer, created.json()["id"], "submit")
        await step(client, approver, created.json()["id"], "approve")
    found = (await client.get("/v1/goals", params={"ids": goal["id"]})).json()["items"][0]
    assert found["actual"] == {"value": 3300, "period": "2015", "source": "reported", "derived": False}
    assert [v["period"] for v in found["reported"]] == ["2014", "2015"]
    assert (found["progress"], found["progress_note"]) == (None, "no_baseline")
    by_subject = (await client.get("/v1/progress-reports", params={"subject_ids": goal["id"]})).json()["items"]
    assert len(by_subject) == 2
    assert_problem(await client.post(f"/v1/goals/{goal['id']}/progress-reports", headers=writer,
                                     json={"values": []}), 422, "values")
    assert_problem(await client.post(f"/v1/goals/{uuid.uuid4()}/progress-reports", headers=writer,
                                     json={"values": [{"period": "2014", "value": 1}]}), 404)


async def test_bad_reports_and_results_are_refused_naming_the_field_and_nothing_is_written(client, writer, db):
    action = await setup_action(client, writer)
    other = await make_action(client, writer, "gooi-en-vechtstreek", title="Vrienden van techniek")
    foreign = (await client.post(f"/v1/actions/{other['id']}/milestones", headers=writer,
                                 json={"title": "x", "due": "2015"})).json()
    result = (await client.post(f"/v1/actions/{action['id']}/results", json=BEROEPSKEUZE, headers=writer)).json()
    url = f"/v1/actions/{action['id']}/progress-reports"
    cases = [
        ({"status": "klaar"}, "status"),
        ({"subject": "milestone"}, "subject_id"),
        ({"subject": "milestone", "subject_id": foreign["id"]}, "subject_id"),
        ({"subject": "action", "subject_id": other["id"]}, "subject_id"),
        ({"subject": "result", "subject_id": result["id"], "status": "achieved"}, "status"),
        ({"subject": "milestone", "subject_id": foreign["id"], "status": "achieved"}, "status"),
        ({"subject": "goal", "subject_id": result["id"]}, "subject"),
        ({"values": [{"period": "ooit", "value": 1}]}, "values.0.period"),
        ({"values": [{"period": "2016", "value": "veel"}]}, "values.0.value"),
        ({"reported_on": "2015-13-01"}, "reported_on"),
    ]
    for body, field in cases:
        assert_problem(await client.post(url, json=body, headers=writer), 422, field)
    assert_problem(await client.post(f"/v1/actions/{uuid.uuid4()}/progress-reports", json={}, headers=writer), 404)
    assert await count_rows(db, "progress_reports") == 0

    for body, field in [({**BEROEPSKEUZE, "description": ""}, "description"),
                        ({**BEROEPSKEUZE, "indicator": {**BEROEPSKEUZE["indicator"],
                                                        "targets": [{"period": "2016", "value": 110}]}},
                         "indicator.targets"),
                        ({"description": "Meer instroom", "indicator": {
                            "measure_kind": "qualitative", "targets": [{"period": "2016", "value": 1}]}},
                         "indicator.targets"),
                        ({**BEROEPSKEUZE, "measure_kind": "percentage"}, "measure_kind")]:
        assert_problem(await client.post(f"/v1/actions/{action['id']}/results", json=body, headers=writer), 422, field)
    qualitative = await client.post(f"/v1/actions/{action['id']}/results", headers=writer, json={
        "description": "Meer instroom, meer publieke waardering en trots voor technisch vakmanschap"})
    assert qualitative.status_code == 201, qualitative.text
    assert qualitative.json()["indicator"]["measure_kind"] == "qualitative"
    assert_problem(await client.post(f"/v1/actions/{action['id']}/results", json=BEROEPSKEUZE), 401)
    assert await count_rows(db, "results") == 2
    assert_problem(await client.get("/v1/results"), 422, "action_ids")


async def test_agenda_items_of_a_pact(client, writer, db):
    await make_pact(client, writer)
    for body in ({"on": "2013-12-01", "when": "december 2013",
                  "label": "Bijeenkomst met stakeholders: opmaken van de balans", "kind": "monitoring"},
                 {"on": "2013-05-13", "label": "Ondertekening landelijk techniekpact in Amsterdam", "kind": "signing"}):
        created = await client.post("/v1/pacts/noordvleugel/agenda", json=body, headers=writer)
        assert created.status_code == 201, created.text
    items = (await client.get("/v1/pacts/noordvleugel/agenda")).json()["items"]
    assert [(i["on"], i["kind"]) for i in items] == [("2013-05-13", "signing"), ("2013-12-01", "monitoring")]
    assert items[1]["when"] == "december 2013" and items[0]["pact"] == "noordvleugel"
    for body, field in [({"on": "eind juni", "label": "x"}, "on"), ({"on": "2013-06-30", "label": ""}, "label"),
                        ({"on": "2013-06-30", "label": "x", "kind": "feest"}, "kind")]:
        assert_problem(await client.post("/v1/pacts/noordvleugel/agenda", json=body, headers=writer), 422, field)
    assert_problem(await client.post("/v1/pacts/noordvleugel/agenda", json={"on": "2013-06-30", "label": "x"}), 401)
    assert_problem(await client.get("/v1/pacts/onbekend/agenda"), 404)
    await make_pact(client, writer, "techniekpact", level="national")
    await client.post("/v1/pacts/techniekpact/agenda", json={"on": "2013-05-13", "label": "Ondertekening",
                                                             "kind": "signing"}, headers=writer)
    many = (await client.get("/v1/agenda", params={"pacts": "techniekpact,noordvleugel,onbekend"})).json()["items"]
    assert [(i["pact"], i["on"]) for i in many] == [("noordvleugel", "2013-05-13"), ("noordvleugel", "2013-12-01"),
                                                    ("techniekpact", "2013-05-13")]
    assert await count_rows(db, "agenda_items") == 3


async def test_a_returned_report_is_changed_by_its_author_and_submitted_again(client, writer, approver):
    action = await setup_action(client, writer)
    result = (await client.post(f"/v1/actions/{action['id']}/results", json=BEROEPSKEUZE, headers=writer)).json()
    draft = await report(client, writer, action["id"], subject="result", subject_id=result["id"],
                         values=[{"period": "2016", "value": 8}])
    url = f"/v1/progress-reports/{draft['id']}"
    assert_problem(await client.patch(url, json={"note": "x"}, headers=writer), 428)
    edited = await client.patch(url, json={"note": "Bron: DUO"}, headers={**writer, "If-Match": '"1"'})
    assert edited.status_code == 200 and edited.json()["note"] == "Bron: DUO" and edited.headers["etag"] == '"2"'
    await step(client, writer, draft["id"], "submit")
    assert_problem(await client.patch(url, json={"note": "y"}, headers={**writer, "If-Match": '"3"'}), 409)
    await step(client, approver, draft["id"], "return", note="Waarde over heel 2016?")
    for body, field in [({"status": "achieved"}, "status"),
                        ({"values": [{"period": "x", "value": 1}]}, "values.0.period"),
                        ({"values": None}, "values")]:
        assert_problem(await client.patch(url, json=body, headers={**writer, "If-Match": '"4"'}), 422, field)
    fixed = await client.patch(url, json={"values": [{"period": "2016", "value": 9.5}]},
                               headers={**writer, "If-Match": '"4"'})
    assert fixed.json()["values"] == [{"period": "2016", "value": 9.5}]
    await step(client, writer, draft["id"], "submit")
    await step(client, approver, draft["id"], "approve")
    found = (await client.get("/v1/results", params={"action_ids": action["id"]})).json()["items"][0]
    assert found["actual"]["value"] == 9.5

    changed = await client.patch(f"/v1/results/{result['id']}", headers={**writer, "If-Match": '"1"'}, json={
        "indicator": {**BEROEPSKEUZE["indicator"], "targets": [{"period": "2016", "value": 12}]}})
    assert changed.status_code == 200, changed.text
    assert changed.json()["indicator"]["targets"] == [{"period": "2016", "value": 12, "kind": "level"}]
    assert changed.json()["actual"]["value"] == 9.5
    assert_problem(await client.patch(f"/v1/results/{result['id']}", json={"description": None},
                                      headers={**writer, "If-Match": '"2"'}), 422, "description")
    assert_problem(await client.patch(f"/v1/results/{result['id']}", json={"description": "x"},
                                      headers={**writer, "If-Match": '"1"'}), 412)


async def test_numbers_are_not_dates_or_booleans(client, writer, db):
    # Lax pydantic reads "on": 0 as 1970-01-01 and "ascending": 0 as false; the schema says a date
    # string and a boolean, so both are refused naming the field and nothing is written.
    await make_pact(client, writer)
    assert_problem(await client.post("/v1/pacts/noordvleugel/agenda", json={"on": 0, "label": "x"}, headers=writer),
                   422, "on")
    action = await setup_action(client, writer)
    body = {**BEROEPSKEUZE, "indicator": {**BEROEPSKEUZE["indicator"], "ascending": 0}}
    assert_problem(await client.post(f"/v1/actions/{action['id']}/results", json=body, headers=writer),
                   422, "indicator.ascending")
    assert await count_rows(db, "agenda_items") == 0
    assert await count_rows(db, "results") == 0
