"""Milestones (operational goals): fuzzy due moments, overdue, target counts, roll-up into actions and lines."""

import uuid
from datetime import date

from common.testing import count_rows
from services.actions_api.tests.helpers import assert_problem, make_action, make_line, make_pact


async def milestone(client, headers, action_id, **body):
    response = await client.post(f"/v1/actions/{action_id}/milestones", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


async def test_due_moments_as_the_plans_write_them(client, writer):
    await make_pact(client, writer)
    action = await make_action(client, writer, title="Garanderen doorlopende leerlijnen")
    plan = await milestone(client, writer, action["id"], title="Plan van aanpak gereed", due="oktober 2013")
    assert plan["due"] == {"kind": "month", "value": "2013-10", "label": "oktober 2013"}
    assert plan["due_by"] == "2013-10-31" and plan["status"] == "open" and plan["overdue"] is True

    po = await milestone(client, writer, action["id"], title="PO: actieplan gereed",
                         due={"label": "begin 2014"})
    assert (po["due"]["kind"], po["due"]["value"], po["due_by"]) == ("quarter", "2014-Q1", "2014-03-31")
    exact = await milestone(client, writer, action["id"], title="Later",
                            due={"kind": "year", "value": "2199", "label": "in de loop van 2199"})
    assert exact["due"]["label"] == "in de loop van 2199" and exact["overdue"] is False
    canonical = await milestone(client, writer, action["id"], title="Q", due={"kind": "quarter", "value": "2198-q3"})
    assert canonical["due"] == {"kind": "quarter", "value": "2198-Q3", "label": None}

    listed = (await client.get("/v1/milestones", params={"action_ids": f"{action['id']},{uuid.uuid4()}"})).json()
    assert [m["title"] for m in listed["items"]] == ["Plan van aanpak gereed", "PO: actieplan gereed", "Q", "Later"]
    one = await client.get(f"/v1/milestones/{plan['id']}")
    assert one.json() == plan and one.headers["etag"] == '"1"'

    fetched = (await client.get(f"/v1/actions/{action['id']}")).json()
    assert fetched["next_milestone"]["id"] == plan["id"] and fetched["overdue"] is True


async def test_bad_milestones_are_refused_naming_the_field_and_nothing_is_written(client, writer, db):
    await make_pact(client, writer)
    action = await make_action(client, writer)
    url = f"/v1/actions/{action['id']}/milestones"
    cases = [
        ({"title": "x", "due": "na de zomer"}, "due"),
        ({"title": "x", "due": {"kind": "month", "value": "2013"}}, "due"),
        ({"title": "x", "due": {"kind": "week", "value": "2013-W1"}}, "due.DueIn.kind"),
        ({"title": "x", "due": {}}, "due"),
        ({"title": "x", "due": "eind 2013", "met_on": "2013-11-01"}, "met_on"),
        ({"title": "x", "due": "eind 2013", "reached_count": 2}, "reached_count"),
        ({"title": "x", "due": "eind 2013", "weight": -1}, "weight"),
        # Beyond the int32 column: the query parameter failed in the driver with a 500.
        ({"title": "x", "due": "eind 2013", "target_count": 2**40}, "target_count"),
        ({"title": "x", "due": "eind 2013", "status": "klaar"}, "status"),
        ({"title": "", "due": "eind 2013"}, "title"),
    ]
    for body, field in cases:
        assert_problem(await client.post(url, json=body, headers=writer), 422, field)
    assert_problem(await client.post(f"/v1/actions/{uuid.uuid4()}/milestones", json={"title": "x", "due": "2014"},
                                     headers=writer), 404)
    assert_problem(await client.post(url, json={"title": "x", "due": "2014"}), 401)
    assert await count_rows(db, "milestones") == 0


async def test_progress_rolls_up_with_weights_from_milestones_to_actions_to_lines(client, writer):
    await make_pact(client, writer)
    await make_line(client, writer, number=2, name="Leren in de techniek")
    campus = await make_action(client, writer, title="Campusvorming in beroepsonderwijs", line=2)
    other = await make_action(client, writer, title="Vernieuwing opleidingsaanbod", line=2)
    await client.post(f"/v1/actions/{campus['id']}/status", json={"status": "in_progress"}, headers=writer)
    overleg = await milestone(client, writer, campus["id"], title="Overleg economic boards", due="september 2013",
                              weight=1)
    campussen = await milestone(client, writer, campus["id"], title="4 regionale campussen in een operationeel stadium",
                                due="Eind 2014", target_count=4, reached_count=2, weight=3)
    # (1 x 0 + 3 x 2/4) / 4
    assert (await client.get(f"/v1/actions/{campus['id']}")).json()["progress"] == 0.375

    met = await client.patch(f"/v1/milestones/{overleg['id']}", json={"status": "met", "met_on": "2013-09-20"},
                             headers={**writer, "If-Match": '"1"'})
    assert met.status_code == 200, met.text
    assert met.json()["met_on"] == "2013-09-20" and met.json()["overdue"] is False and met.headers["etag"] == '"2"'
    action = (await client.get(f"/v1/actions/{campus['id']}")).json()
    assert action["progress"] == 0.625  # (1 + 3 x 2/4) / 4
    assert action["next_milestone"]["id"] == campussen["id"]

    counted = await client.patch(f"/v1/milestones/{campussen['id']}", json={"reached_count": 3},
                                 headers={**writer, "If-Match": '"1"'})
    assert counted.json()["reached_count"] == 3
    assert (await client.get(f"/v1/actions/{campus['id']}")).json()["progress"] == 0.8125
    line = (await client.get("/v1/pacts/noordvleugel/lines")).json()["items"][0]
    assert line["progress"] == 0.4062  # mean of 0.8125 and 0 (the other action), to 4 decimals

    await client.post(f"/v1/actions/{other['id']}/status", json={"status": "stopped"}, headers=writer)
    assert (await client.get("/v1/pacts/noordvleugel/lines")).json()["items"][0]["progress"] == 0.8125


async def test_milestone_updates_need_if_match_and_refuse_stale_or_bad_changes(client, writer, db):
    await make_pact(client, writer)
    action = await make_action(client, writer)
    m = await milestone(client, writer, action["id"], title="Plan van aanpak gereed", due="eind 2013")
    url = f"/v1/milestones/{m['id']}"
    assert_problem(await client.patch(url, json={"status": "met"}, headers=writer), 428)
    moved = await client.patch(url, json={"due": "begin 2014"}, headers={**writer, "If-Match": '"1"'})
    assert moved.json()["due"]["value"] == "2014-Q1" and moved.json()["due_by"] == "2014-03-31"
    assert_problem(await client.patch(url, json={"status": "met"}, headers={**writer, "If-Match": '"1"'}), 412)
    for body, field in [({"due": "ooit"}, "due"), ({"status": None}, "status"), ({"met_on": "2014-01-01"}, "met_on"),
                        ({"reached_count": 1}, "reached_count"), ({"weight": -2}, "weight")]:
        assert_problem(await client.patch(url, json=body, headers={**writer, "If-Match": '"2"'}), 422, field)
    after = (await client.get(url)).json()
    assert (after["due"]["value"], after["status"], after["version"]) == ("2014-Q1", "open", 2)
    met_today = await client.patch(url, json={"status": "met"}, headers={**writer, "If-Match": '"2"'})
    assert met_today.json()["met_on"] == date.today().isoformat()
    reopened = await client.patch(url, json={"status": "open"}, headers={**writer, "If-Match": '"3"'})
    assert reopened.json()["met_on"] is None
    assert_problem(await client.patch(f"/v1/milestones/{uuid.uuid4()}", json={"status": "met"},
                                      headers={**writer, "If-Match": '"1"'}), 404)


async def test_actions_filter_on_overdue(client, writer):
    await make_pact(client, writer)
    late = await make_action(client, writer, title="Plan van aanpak")
    in_time = await make_action(client, writer, title="Campussen")
    done = await make_action(client, writer, title="Overleg")
    await milestone(client, writer, late["id"], title="Plan van aanpak gereed", due="oktober 2013")
    await milestone(client, writer, in_time["id"], title="Campussen", due="eind 2199")
    await milestone(client, writer, done["id"], title="Overleg", due="september 2013", status="met")

    overdue = (await client.get("/v1/actions", params={"pact": "noordvleugel", "overdue": "true"})).json()["items"]
    assert [a["title"] for a in overdue] == ["Plan van aanpak"] and overdue[0]["overdue"] is True
    not_overdue = (await client.get("/v1/actions", params={"pact": "noordvleugel", "overdue": "false"})).json()["items"]
    assert [a["title"] for a in not_overdue] == ["Campussen", "Overleg"]
    assert not_overdue[1]["next_milestone"] is None
    assert_problem(await client.get("/v1/actions", params={"overdue": "misschien"}), 422, "overdue")


async def test_actions_due_before_a_day_are_those_with_an_open_milestone_due_earlier(client, writer):
    await make_pact(client, writer)
    late = await make_action(client, writer, title="Te laat")
    soon = await make_action(client, writer, title="Binnenkort")
    done = await make_action(client, writer, title="Gehaald")
    await make_action(client, writer, title="Zonder mijlpalen")
    await milestone(client, writer, late["id"], title="Plan", due="oktober 2013")
    await milestone(client, writer, soon["id"], title="Evaluatie", due={"kind": "date", "value": "2199-01-15"})
    await milestone(client, writer, soon["id"], title="Later", due="2199")
    await milestone(client, writer, done["id"], title="Gehaald", due="oktober 2013", status="met", met_on="2013-10-01")

    def titles(answer) -> list[str]:
        assert answer.status_code == 200, answer.text
        return [action["title"] for action in answer.json()["items"]]

    listed = await client.get("/v1/actions", params={"pact": "noordvleugel", "due_before": "2199-01-31"})
    assert titles(listed) == ["Te laat", "Binnenkort"]
    # The day itself is not before it; with `overdue=false` only what is due but not yet late remains.
    assert titles(await client.get("/v1/actions", params={"due_before": "2199-01-15"})) == ["Te laat"]
    assert titles(await client.get("/v1/actions", params={"due_before": "2199-01-31", "overdue": "false"})) == [
        "Binnenkort"]
    for not_a_day in ("eind januari", "0", "2199-02-30"):
        assert_problem(await client.get("/v1/actions", params={"due_before": not_a_day}), 422, "due_before")
