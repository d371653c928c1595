"""Merging duplicates: everything moves to the survivor, the duplicate's id redirects to it, and the
participations in actions_api follow through actions_api's own endpoint (a real actions app here).

It runs two services together, so it lives beside the other cross-service tests, not inside one service."""

import uuid

import httpx
import pytest

from common.testing import bearer, count_rows, service_client, truncate_schema
from services.actions_api.app import create_app as create_actions_app
from services.actions_api.settings import ActionsSettings
from services.partners_api.app import create_app
from services.partners_api.settings import PartnersSettings

TABLES = ("organisations", "source_records", "organisation_changes", "memberships", "contacts", "signups")


@pytest.fixture
async def apps(database_url):
    """partners_api and actions_api in process, each calling the other over HTTP (ASGI)."""
    holder: dict = {}

    async def partners_asgi(scope, receive, send):
        await holder["partners"](scope, receive, send)

    actions = create_actions_app(ActionsSettings(database_url=database_url, environment="test"),
                                 partners_transport=httpx.ASGITransport(app=partners_asgi))
    holder["partners"] = create_app(PartnersSettings(database_url=database_url, environment="test"),
                                    actions_transport=httpx.ASGITransport(app=actions))
    yield holder["partners"], actions
    await truncate_schema(actions.state.database)
    await actions.state.database.dispose()


@pytest.fixture
def app(apps):
    return apps[0]


@pytest.fixture
async def actions_client(apps):
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=apps[1]), base_url="http://actions") as client:
        yield client


@pytest.fixture
async def client(app):
    async with service_client(app) as client:
        yield client


@pytest.fixture
def writer(token):
    """Headers of a coordinator (partners:admin) whose token also pushes for `hilversum` and `huizen`."""
    return bearer(token("partners:write", "partners:admin", sources=["hilversum", "huizen"],
                        subject="coordinator@gooi"))


@pytest.fixture
def pusher(token):
    """Headers of a municipal system: pushes for one source, nothing else."""
    def headers(source: str, **extra: str) -> dict[str, str]:
        return {**bearer(token("partners:write", sources=[source], subject=f"system-{source}")), **extra}

    return headers


async def _action_with(actions_client, token, *organisation_ids: str) -> dict:
    writer = bearer(token("actions:write", subject="trekker"))
    await actions_client.post("/v1/pacts", headers=writer, json={"slug": "gooi", "name": "Techniekpact Gooi",
                                                                 "level": "regional"})
    participants = [{"role": "lead", "organisation_id": i} for i in organisation_ids]
    created = await actions_client.post("/v1/pacts/gooi/actions", headers=writer,
                                        json={"title": "Techniekmiddagen", "participants": participants})
    assert created.status_code == 201, created.text
    return created.json()


async def _counts(app) -> dict[str, int]:
    return {table: await count_rows(app.state.database, table) for table in TABLES}


async def test_a_merge_moves_everything_and_redirects(app, client, actions_client, writer, pusher, token):
    survivor = (await client.put("/v1/sources/gm0402/organisations", headers=pusher("gm0402"), json={"records": [
        {"external_id": "1", "name": "Tata Steel", "kind": "company", "kvk_number": "24295332"}]})).json()
    survivor_id = survivor["results"][0]["id"]
    duplicate = (await client.put("/v1/sources/gm0363/organisations", headers=pusher("gm0363"), json={"records": [
        {"external_id": "A", "name": "Tata Steel IJmuiden", "kind": "company", "kvk_number": "34004444",
         "website": "https://www.tatasteel.nl"}]})).json()
    duplicate_id = duplicate["results"][0]["id"]
    await client.post("/v1/pacts/gooi/members", headers=writer, json={"organisation_id": duplicate_id,
                                                                      "joined_on": "2014-09-01"})
    await client.post(f"/v1/organisations/{duplicate_id}/contacts", headers=writer, json={"name": "Jan"})
    action = await _action_with(actions_client, token, duplicate_id)

    response = await client.post(f"/v1/organisations/{survivor_id}/merge", headers=writer,
                                 json={"duplicate_id": duplicate_id})
    assert response.status_code == 200, response.text
    merged = response.json()
    # The survivor's own record comes first; the duplicate's fills what it lacks.
    assert (merged["id"], merged["name"], merged["kvk_number"], merged["website"]) == (
        survivor_id, "Tata Steel", "24295332", "https://www.tatasteel.nl")
    sources = (await client.get(f"/v1/organisations/{survivor_id}/sources")).json()["items"]
    assert [(s["source"], s["precedence"]) for s in sources] == [("gm0402", 1), ("gm0363", 2)]
    memberships = (await client.get("/v1/memberships", params={"organisation_ids": survivor_id})).json()["items"]
    assert [m["pact"] for m in memberships] == ["gooi"]
    contacts = (await client.get(f"/v1/organisations/{survivor_id}/contacts",
                                 headers=bearer(token("contacts:read")))).json()["items"]
    assert [c["name"] for c in contacts] == ["Jan"]
    participations = (await actions_client.get("/v1/participations", params={"organisation_ids": survivor_id})
                      ).json()["items"]
    assert [(p["action_id"], p["role"]) for p in participations] == [(action["id"], "lead")]

    # Reads by the old id answer with the survivor and say so.
    old = await client.get(f"/v1/organisations/{duplicate_id}")
    assert old.status_code == 200
    assert (old.json()["id"], old.json()["redirected_from"]) == (survivor_id, duplicate_id)
    assert old.headers["content-location"] == f"/v1/organisations/{survivor_id}"
    many = (await client.get("/v1/organisations", params={"ids": f"{duplicate_id},{survivor_id}"})).json()["items"]
    assert sorted((o["id"], o["redirected_from"] or "") for o in many) == sorted(
        [(survivor_id, duplicate_id), (survivor_id, "")])
    listed = (await client.get("/v1/organisations")).json()["items"]
    assert [o["id"] for o in listed] == [survivor_id]
    history = (await client.get(f"/v1/organisations/{duplicate_id}/history")).json()["items"]
    assert ("merged", "merged_into", survivor_id) in [(h["action"], h["field"], h["new"]) for h in history]
    assert ("merged", "merged_from", duplicate_id) in [(h["action"], h["field"], h["new"]) for h in history]
    # A source pushing the duplicate's KvK number again lands on the survivor.
    again = await client.put("/v1/sources/gm0363/organisations", headers=pusher("gm0363"), json={"records": [
        {"external_id": "A", "name": "Tata Steel IJmuiden", "kind": "company", "kvk_number": "34004444",
         "website": "https://www.tatasteel.nl"}]})
    assert again.json()["results"][0] == {"external_id": "A", "id": survivor_id, "outcome": "unchanged",
                                          "kept_fields": [], "outranked_fields": ["name", "kvk_number"]}
    other_source = await client.put("/v1/sources/gm0406/organisations", headers=pusher("gm0406"), json={"records": [
        {"external_id": "x", "name": "Tata", "kind": "company", "kvk_number": "34004444"}]})
    assert other_source.json()["results"][0]["id"] == survivor_id


async def test_merges_that_cannot_be_are_refused_and_write_nothing(app, client, writer, pusher, token):
    def organisation(name: str) -> dict:
        return {"name": name, "kind": "company"}

    a = (await client.post("/v1/organisations", headers=writer, json=organisation("A"))).json()["id"]
    b = (await client.post("/v1/organisations", headers=writer, json=organisation("B"))).json()["id"]
    c = (await client.post("/v1/organisations", headers=writer, json=organisation("C"))).json()["id"]
    for organisation_id in (a, b):
        await client.post("/v1/pacts/gooi/members", headers=writer,
                          json={"organisation_id": organisation_id, "joined_on": "2014-09-01"})
    written = await _counts(app)
    refusals = [
        (a, {"duplicate_id": a}, writer, 422, "duplicate_id"),
        (a, {"duplicate_id": str(uuid.uuid4())}, writer, 422, "duplicate_id"),
        (a, {"duplicate_id": b}, writer, 409, "duplicate_id"),  # both current members of gooi
        (str(uuid.uuid4()), {"duplicate_id": c}, writer, 404, None),
        (a, {}, writer, 422, "duplicate_id"),
        (a, {"duplicate_id": c}, pusher("gm0402"), 403, None),
        (a, {"duplicate_id": c}, bearer(token("contacts:read", "partners:write")), 403, None),
        (a, {"duplicate_id": c}, {}, 401, None),
    ]
    for survivor, body, headers, status, field in refusals:
        response = await client.post(f"/v1/organisations/{survivor}/merge", headers=headers, json=body)
        assert response.status_code == status, (body, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        if field:
            problem = response.json()
            assert field in [problem.get("field"), *(e["field"] for e in problem.get("errors", []))]
    assert await _counts(app) == written

    assert (await client.post(f"/v1/organisations/{a}/merge", headers=writer, json={"duplicate_id": c})).status_code \
        == 200
    twice = await client.post(f"/v1/organisations/{b}/merge", headers=writer, json={"duplicate_id": c})
    assert (twice.status_code, twice.json()["merged_into"]) == (409, a)
    into_a_redirect = await client.post(f"/v1/organisations/{c}/merge", headers=writer, json={"duplicate_id": b})
    assert (into_a_redirect.status_code, into_a_redirect.json()["merged_into"]) == (409, a)


async def test_a_merge_is_refused_whole_when_actions_api_is_down(database_url, writer):
    down = httpx.MockTransport(lambda request: (_ for _ in ()).throw(httpx.ConnectTimeout("down", request=request)))
    app = create_app(PartnersSettings(database_url=database_url, environment="test"), actions_transport=down)
    async with service_client(app) as client:
        a = (await client.post("/v1/organisations", headers=writer, json={"name": "A", "kind": "company"})).json()
        b = (await client.post("/v1/organisations", headers=writer, json={"name": "B", "kind": "company"})).json()
        written = await _counts(app)
        response = await client.post(f"/v1/organisations/{a['id']}/merge", headers=writer,
                                     json={"duplicate_id": b["id"]})
        assert response.status_code == 503
        assert response.json()["type"].endswith("/actions-unavailable") and response.headers["retry-after"]
        assert await _counts(app) == written
        assert (await client.get(f"/v1/organisations/{b['id']}")).json()["id"] == b["id"]


async def test_moving_participations_needs_partners_admin(actions_client, token, app):
    body = {"from_organisation_id": str(uuid.uuid4()), "to_organisation_id": str(uuid.uuid4())}
    for headers, status in [({}, 401), (bearer(token("actions:write", "partners:write")), 403)]:
        response = await actions_client.post("/v1/participations/move", headers=headers, json=body)
        assert (response.status_code, response.headers["content-type"]) == (status, "application/problem+json")
    same = {"from_organisation_id": body["from_organisation_id"], "to_organisation_id": body["from_organisation_id"]}
    response = await actions_client.post("/v1/participations/move", headers=bearer(token("partners:admin")), json=same)
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "to_organisation_id"
    moved = await actions_client.post("/v1/participations/move", headers=bearer(token("partners:admin")), json=body)
    assert moved.json() == {"moved": 0}
