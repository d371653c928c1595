"""Who may do what: public reads; a push (partners:write) only for a source in the token's allowed
sources and nothing else; the registry's writes need partners:admin; personal data contacts:read.
A refused request writes nothing."""

import uuid

import jwt
import pytest

from common.testing import bearer

PUSH = "/v1/sources/hilversum/organisations"
TABLES = ("organisations", "source_records", "organisation_changes", "idempotency_keys", "contacts", "memberships")


def bad_tokens(token) -> dict[str, dict[str, str] | None]:
    none_alg = jwt.encode({"sub": "x", "aud": "techniekpact", "iss": "techniekpact-dev", "exp": 4102444800,
                           "scope": "partners:write", "sources": ["hilversum"]}, None, algorithm="none")
    return {
        "no token": None,
        "expired": bearer(token("partners:write", sources=["hilversum"], ttl_seconds=-60)),
        "badly signed": bearer(token("partners:write", sources=["hilversum"], secret="not-the-secret-" * 3)),
        "alg none": bearer(none_alg),
        "other audience": bearer(token("partners:write", sources=["hilversum"], audience="elsewhere")),
        "not bearer": {"Authorization": "Basic dXNlcjpwYXNz"},
    }


async def written(rows) -> dict[str, int]:
    return {table: await rows(table) for table in TABLES}


@pytest.mark.parametrize("case", ["no token", "expired", "badly signed", "alg none", "other audience", "not bearer"])
async def test_push_without_a_valid_token_is_401(client, token, rows, case):
    response = await client.put(PUSH, json={"records": [{"external_id": "1", "name": "A", "kind": "company"}]},
                                headers={**(bad_tokens(token)[case] or {}), "Idempotency-Key": "k"})
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"] == "Bearer"
    assert set((await written(rows)).values()) == {0}


@pytest.mark.parametrize(("scopes", "sources"), [
    (["partners:read"], ["hilversum"]),  # no partners:write
    (["metrics:write"], ["hilversum"]),
    (["partners:write"], ["huizen"]),    # another source
    (["partners:write"], []),
])
async def test_push_needs_the_scope_and_the_source(client, token, rows, scopes, sources):
    response = await client.put(PUSH, json={"records": [{"external_id": "1", "name": "A", "kind": "company"}]},
                                headers={**bearer(token(*scopes, sources=sources)), "Idempotency-Key": "k"})
    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"
    assert set((await written(rows)).values()) == {0}


def write_requests(organisation_id: str, membership_id: str, contact_id: str, signup_id: str):
    return [
        ("POST", "/v1/organisations", {"name": "A", "kind": "company"}),
        ("PATCH", f"/v1/organisations/{organisation_id}", {"name": "B"}),
        ("POST", f"/v1/organisations/{organisation_id}/archive", None),
        ("POST", "/v1/pacts/gooi-vechtstreek/members", {"organisation_id": organisation_id, "joined_on": "2014-09-01"}),
        ("POST", f"/v1/memberships/{membership_id}/leave", {"left_on": "2015-01-01"}),
        ("POST", f"/v1/organisations/{organisation_id}/contacts", {"name": "Jan"}),
        ("DELETE", f"/v1/contacts/{contact_id}", None),
        ("GET", "/v1/signups", None),
        ("POST", f"/v1/signups/{signup_id}/approve", None),
        ("POST", f"/v1/signups/{signup_id}/reject", None),
        ("PUT", f"/v1/organisations/{organisation_id}/precedence", {"sources": ["hilversum"]}),
        ("POST", f"/v1/organisations/{organisation_id}/merge", {"duplicate_id": str(uuid.uuid4())}),
        ("GET", "/v1/conflicts", None),
    ]


async def _fixture_rows(client, writer) -> tuple[str, str, str, str]:
    organisation = (await client.post("/v1/organisations", headers=writer,
                                      json={"name": "O", "kind": "company"})).json()
    membership = (await client.post("/v1/pacts/noordvleugel/members", headers=writer,
                                    json={"organisation_id": organisation["id"], "joined_on": "2013-10-01"})).json()
    contact = (await client.post(f"/v1/organisations/{organisation['id']}/contacts", headers=writer,
                                 json={"name": "Piet"})).json()
    signup = (await client.post("/v1/pacts/noordvleugel/signups", json={
        "organisation_name": "S", "kind": "company", "municipality_code": "GM0402", "contact_name": "Kees",
        "contact_email": "kees@example.nl"})).json()
    return organisation["id"], membership["id"], contact["id"], signup["id"]


@pytest.mark.parametrize("case", ["no token", "expired", "badly signed", "wrong scope", "push token"])
async def test_the_registrys_work_needs_partners_admin(client, token, writer, rows, case):
    ids = await _fixture_rows(client, writer)
    before = await written(rows)
    headers = {"wrong scope": bearer(token("contacts:read", "metrics:write", "actions:write", "actions:approve")),
               # A municipal system's token, even with contacts:read: it pushes, nothing else.
               "push token": bearer(token("partners:write", "contacts:read", sources=["hilversum"]))}.get(case)
    for method, url, body in write_requests(*ids):
        response = await client.request(method, url, json=body,
                                        headers={**(headers or bad_tokens(token)[case] or {}), "If-Match": '"1"'})
        assert response.status_code == (401 if headers is None else 403), (case, method, url)
        assert response.headers["content-type"] == "application/problem+json"
        if headers is not None:
            assert "partners:admin" in response.json()["detail"]
    assert await written(rows) == before


async def test_sign_ups_contact_fields_need_contacts_read(client, token, writer):
    await _fixture_rows(client, writer)
    coordinator = (await client.get("/v1/signups", headers=bearer(token("partners:admin")))).json()["items"]
    assert [(s["organisation_name"], s["contact_name"], s["contact_email"]) for s in coordinator] == [("S", None, None)]
    allowed = (await client.get("/v1/signups", headers=bearer(token("partners:admin", "contacts:read")))).json()
    assert [(s["contact_name"], s["contact_email"]) for s in allowed["items"]] == [("Kees", "kees@example.nl")]
    rejected = await client.post(f"/v1/signups/{coordinator[0]['id']}/reject", headers=bearer(token("partners:admin")))
    assert (rejected.json()["status"], rejected.json()["contact_email"]) == ("rejected", None)


async def test_contacts_need_contacts_read(client, token, writer, rows):
    organisation_id, *_ = await _fixture_rows(client, writer)
    urls = [f"/v1/organisations/{organisation_id}/contacts", f"/v1/contacts?organisation_ids={organisation_id}"]
    for url in urls:
        assert (await client.get(url)).status_code == 401
        assert (await client.get(url, headers=writer)).status_code == 403
        assert (await client.get(url, headers=bearer(token("contacts:read", ttl_seconds=-5)))).status_code == 401
        allowed = await client.get(url, headers=bearer(token("contacts:read")))
        assert allowed.status_code == 200
        assert [c["name"] for c in allowed.json()["items"]] == ["Piet"]


async def test_reads_of_organisations_and_memberships_are_public(client, writer):
    organisation_id, *_ = await _fixture_rows(client, writer)
    for url in ["/v1/organisations", f"/v1/organisations/{organisation_id}", f"/v1/organisations?ids={organisation_id}",
                f"/v1/organisations/{organisation_id}/history", "/v1/pacts/noordvleugel/members",
                f"/v1/memberships?organisation_ids={organisation_id}"]:
        assert (await client.get(url)).status_code == 200, url

