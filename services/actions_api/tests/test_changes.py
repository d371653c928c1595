"""The change feed: every write records its event in its own transaction, listed in commit order at /v1/changes."""

import asyncio
import uuid

import httpx
from sqlalchemy import text

from common.changes import ChangeFeed
from common.testing import bearer, count_rows, service_client
from services.actions_api.app import create_app
from services.actions_api.models import Pact
from services.actions_api.settings import ActionsSettings
from services.actions_api.tests.helpers import assert_problem, make_action, make_line, make_pact

Event = tuple[str, str, list[str]]


async def events_after(client: httpx.AsyncClient, after: int = 0) -> list[Event]:
    response = await client.get("/v1/changes", params={"after": after, "limit": 1000})
    assert response.status_code == 200, response.text
    return [(e["entity"], e["operation"], e["ids"]) for e in response.json()["items"]]


async def head(client: httpx.AsyncClient) -> int:
    return (await client.get("/v1/changes", params={"after": 0, "limit": 1000})).json()["next_after"]


def kinds(events: list[Event]) -> set[tuple[str, str]]:
    return {(entity, operation) for entity, operation, _ in events}


async def test_each_write_kind_records_its_event(client, writer, approver, partners, token):
    pact = await make_pact(client, writer)
    assert await events_after(client) == [("pacts", "created", [pact["id"]])]

    seen = await head(client)
    line = await make_line(client, writer)
    lead = partners.add()
    action = await make_action(client, writer, line=1, participants=[{"role": "lead", "organisation_id": lead}])
    events = await events_after(client, seen)
    assert events[0] == ("action_lines", "created", [line["id"]])
    assert ("actions", "created", [action["id"]]) in events
    assert kinds(events) == {("action_lines", "created"), ("actions", "created"), ("participations", "created")}

    seen = await head(client)
    patched = await client.patch(f"/v1/actions/{action['id']}", headers={**writer, "If-Match": '"1"'},
                                 json={"title": "Technet kringen"})
    assert patched.status_code == 200, patched.text
    assert await events_after(client, seen) == [("actions", "updated", [action["id"]])]

    # Replacing the participants deletes the old rows with a Core statement: recorded as well.
    seen = await head(client)
    other = partners.add()
    replaced = await client.patch(f"/v1/actions/{action['id']}", headers={**writer, "If-Match": '"2"'},
                                  json={"participants": [{"role": "lead", "organisation_id": other}]})
    assert replaced.status_code == 200, replaced.text
    assert {("participations", "deleted"), ("participations", "created")} <= kinds(await events_after(client, seen))

    # partners_api's merge re-points participations with a Core UPDATE: the action changes with them.
    seen = await head(client)
    survivor = partners.add()
    moved = await client.post("/v1/participations/move", headers=bearer(token("partners:admin")),
                              json={"from_organisation_id": other, "to_organisation_id": survivor})
    assert moved.status_code == 200 and moved.json() == {"moved": 1}, moved.text
    events = await events_after(client, seen)
    assert kinds(events) == {("participations", "updated"), ("actions", "updated")}
    assert ("actions", "updated", [action["id"]]) in events

    seen = await head(client)
    milestone = await client.post(f"/v1/actions/{action['id']}/milestones", headers=writer,
                                  json={"title": "4 campussen", "due": "2014"})
    assert milestone.status_code == 201, milestone.text
    agenda = await client.post("/v1/pacts/noordvleugel/agenda", headers=writer,
                               json={"on": "2014-09-01", "label": "Ondertekening"})
    assert agenda.status_code == 201, agenda.text
    report = await client.post(f"/v1/actions/{action['id']}/progress-reports", headers=writer,
                               json={"reported_on": "2014-10-01", "status": "in_progress", "note": "Gestart"})
    assert report.status_code == 201, report.text
    submitted = await client.post(f"/v1/progress-reports/{report.json()['id']}/submit", headers=writer)
    assert submitted.status_code == 200, submitted.text
    approved = await client.post(f"/v1/progress-reports/{report.json()['id']}/approve", headers=approver)
    assert approved.status_code == 200, approved.text
    events = await events_after(client, seen)
    assert ("milestones", "created", [milestone.json()["id"]]) in events
    assert ("agenda_items", "created", [agenda.json()["id"]]) in events
    assert ("progress_reports", "created", [report.json()["id"]]) in events
    assert events.count(("progress_reports", "updated", [report.json()["id"]])) == 2  # submitted, approved
    assert ("actions", "updated", [action["id"]]) in events  # the approved report moved its status


async def test_a_refused_write_leaves_no_event(client, writer, partners, db):
    await make_pact(client, writer)
    before = await count_rows(db, "change_events")
    unknown = await client.post("/v1/pacts/noordvleugel/actions", headers=writer, json={
        "title": "Campusvorming", "participants": [{"role": "participant", "organisation_id": str(uuid.uuid4())}]})
    assert_problem(unknown, 422, "participants.0.organisation_id")
    stale = await client.patch("/v1/pacts/noordvleugel", headers={**writer, "If-Match": '"7"'}, json={"name": "X"})
    assert stale.status_code == 412, stale.text
    # Refused by the database at the flush: the domain wrote and flushed nothing that lasts.
    twice = await client.post("/v1/pacts", headers=writer, json={
        "slug": "noordvleugel", "name": "Nog eens", "level": "regional"})
    assert twice.status_code == 409, twice.text
    assert await count_rows(db, "change_events") == before == 1
    assert await count_rows(db, "actions") == 0


async def test_a_rolled_back_transaction_leaves_no_event_and_one_that_commits_does(client, db):
    async with db.sessionmaker() as session:
        session.add(Pact(slug="teruggedraaid", name="Teruggedraaid", level="regional"))
        await session.flush()
        await session.rollback()
    assert await count_rows(db, "change_events") == 0
    async with db.sessionmaker() as session:
        session.add(Pact(slug="vastgelegd", name="Vastgelegd", level="regional"))
        await session.commit()
    assert await count_rows(db, "change_events") == 1


async def test_sequence_numbers_follow_the_commit_order(client, db):
    """The first to write commits last: its event comes after the other's, so a reader that has moved
    past the other's event never misses it."""
    async with db.sessionmaker() as first, db.sessionmaker() as second:
        first.add(Pact(slug="eerst-geschreven", name="Eerst geschreven", level="regional"))
        await first.flush()
        second.add(Pact(slug="eerst-vastgelegd", name="Eerst vastgelegd", level="regional"))
        await second.flush()
        await second.commit()
        listed = (await client.get("/v1/changes")).json()
        assert len(listed["items"]) == 1
        await first.commit()
    async with db.engine.connect() as connection:
        slugs = (await connection.execute(text(
            "SELECT p.slug FROM actions.change_events e JOIN actions.pacts p ON p.id::text = e.ids[1] "
            "ORDER BY e.seq"))).scalars().all()
    assert slugs == ["eerst-vastgelegd", "eerst-geschreven"]
    after = (await client.get("/v1/changes", params={"after": listed["next_after"]})).json()
    assert [item["ids"] for item in after["items"]] == [[str(await pact_id(db, "eerst-geschreven"))]]


async def pact_id(db, slug: str) -> uuid.UUID:
    async with db.engine.connect() as connection:
        return (await connection.execute(text("SELECT id FROM actions.pacts WHERE slug = :slug"),
                                         {"slug": slug})).scalar_one()


async def test_pages_follow_the_cursor(client, writer):
    for number in range(5):
        await make_pact(client, writer, f"pact-{number}")
    first = (await client.get("/v1/changes", params={"limit": 2})).json()
    assert [item["seq"] for item in first["items"]] == [1, 2] and first["has_more"] is True
    assert first["next_after"] == 2
    second = (await client.get("/v1/changes", params={"after": 2, "limit": 2})).json()
    assert [item["seq"] for item in second["items"]] == [3, 4] and second["has_more"] is True
    last = (await client.get("/v1/changes", params={"after": 4, "limit": 2})).json()
    assert [item["seq"] for item in last["items"]] == [5] and last["has_more"] is False
    assert last["next_after"] == 5
    empty = (await client.get("/v1/changes", params={"after": 5})).json()
    assert empty == {"items": [], "next_after": 5, "has_more": False, "head": 5}
    assert first["head"] == 5
    item = first["items"][0]
    assert set(item) == {"seq", "entity", "operation", "ids", "committed_at"}  # never field values


async def test_a_long_poll_wakes_when_a_write_commits(client, writer):
    await make_pact(client, writer)
    seen = await head(client)
    waiting = asyncio.create_task(client.get("/v1/changes", params={"after": seen, "wait": 20}))
    await asyncio.sleep(0.2)
    assert not waiting.done()  # nothing after `seen` yet: it waits
    line = await make_line(client, writer)
    answer = await asyncio.wait_for(waiting, 20)
    assert answer.status_code == 200, answer.text
    assert [(i["entity"], i["ids"]) for i in answer.json()["items"]] == [("action_lines", [line["id"]])]


async def test_a_long_poll_with_nothing_new_answers_empty_when_the_wait_ends(client):
    answer = await client.get("/v1/changes", params={"after": 0, "wait": 0.3})
    assert answer.status_code == 200 and answer.json() == {"items": [], "next_after": 0, "has_more": False, "head": 0}


async def test_bad_parameters_are_422_naming_them(client, db):
    for params, name in [({"after": "-1"}, "after"), ({"after": "abc"}, "after"), ({"after": str(2**64)}, "after"),
                         ({"limit": "0"}, "limit"), ({"limit": "1001"}, "limit"), ({"limit": "x"}, "limit"),
                         ({"wait": "31"}, "wait"), ({"wait": "-1"}, "wait"), ({"wait": "nan"}, "wait")]:
        response = await client.get("/v1/changes", params=params)
        problem = assert_problem(response, 422, name)
        assert problem["errors"][0]["in"] == "query"
    assert await count_rows(db, "change_events") == 0


async def test_a_bad_token_is_401_even_for_public_events(client):
    response = await client.get("/v1/changes", headers=bearer("not-a-token"))
    assert_problem(response, 401)


async def test_events_about_personal_data_need_contacts_read(database_url, partners, metrics, token, writer):
    """A service declares which entity types are personal (partners_api: contacts, sign-ups); here the
    progress reports stand in for them."""
    app = create_app(ActionsSettings(database_url=database_url, environment="test"),
                     partners_transport=httpx.MockTransport(partners.handle),
                     metrics_transport=httpx.MockTransport(metrics.handle))
    app.state.change_feed.personal = frozenset({"progress_reports"})
    async with service_client(app) as client:
        await make_pact(client, writer)
        action = await make_action(client, writer)
        report = await client.post(f"/v1/actions/{action['id']}/progress-reports", headers=writer,
                                   json={"reported_on": "2014-10-01", "note": "Gestart"})
        assert report.status_code == 201, report.text
        public = (await client.get("/v1/changes")).json()
        assert [item["entity"] for item in public["items"]] == ["pacts", "actions"]
        assert public["next_after"] == 2 and public["has_more"] is False
        for scopes in [("actions:write",), ("partners:admin",)]:
            other = (await client.get("/v1/changes", headers=bearer(token(*scopes)))).json()
            assert [item["entity"] for item in other["items"]] == ["pacts", "actions"]
        allowed = (await client.get("/v1/changes", headers=bearer(token("contacts:read")))).json()
        assert [item["entity"] for item in allowed["items"]] == ["pacts", "actions", "progress_reports"]


async def test_events_older_than_a_week_are_purged_by_the_next_write(client, writer, db):
    async with db.engine.begin() as connection:
        await connection.execute(text(
            "INSERT INTO actions.change_events (entity, operation, ids, committed_at) VALUES "
            "('pacts', 'created', ARRAY['oud'], now() - interval '8 days'), "
            "('pacts', 'created', ARRAY['recent'], now() - interval '6 days')"))
    app_feed: ChangeFeed = client._transport.app.state.change_feed  # type: ignore[attr-defined]
    assert app_feed.notifier is not None
    await make_pact(client, writer)
    ids = [item["ids"] for item in (await client.get("/v1/changes")).json()["items"]]
    assert ids[0] == ["recent"] and len(ids) == 2
