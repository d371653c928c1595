"""Pact memberships, contact persons (personal data) and the public "Meedoen?" sign-up."""

import re
import uuid
from datetime import date

import pytest
from sqlalchemy import text

from common.testing import bearer

SIGNUP = {"organisation_name": "Installatiebedrijf Van Dijk", "kind": "company", "municipality_code": "GM0406",
          "kvk_number": "32145678", "contact_name": "Marieke van Dijk", "contact_email": "marieke@vandijk.nl",
          "message": "Wij willen graag stageplekken bieden."}


# --- memberships -------------------------------------------------------------------------------

async def test_join_list_and_leave(client, writer, rows, new_organisation):
    tata = await new_organisation(name="Tata Steel")
    roc = await new_organisation(name="ROC Gooi en Vechtstreek", kind="mbo")
    joined = await client.post("/v1/pacts/gooi-vechtstreek/members", headers=writer,
                               json={"organisation_id": tata["id"], "joined_on": "2014-09-01"})
    assert joined.status_code == 201
    membership = joined.json()
    assert membership == {"id": membership["id"], "organisation_id": tata["id"], "pact": "gooi-vechtstreek",
                          "joined_on": "2014-09-01", "left_on": None}
    await client.post("/v1/pacts/gooi-vechtstreek/members", headers=writer,
                      json={"organisation_id": roc["id"], "joined_on": "2014-10-01"})
    await client.post("/v1/pacts/noordvleugel/members", headers=writer,
                      json={"organisation_id": roc["id"], "joined_on": "2013-06-01"})

    members = (await client.get("/v1/pacts/gooi-vechtstreek/members")).json()
    assert [(m["organisation"]["name"], m["joined_on"]) for m in members["items"]] == [
        ("Tata Steel", "2014-09-01"), ("ROC Gooi en Vechtstreek", "2014-10-01")]
    page = (await client.get("/v1/pacts/gooi-vechtstreek/members", params={"limit": 1})).json()
    rest = (await client.get("/v1/pacts/gooi-vechtstreek/members", params={"cursor": page["next_cursor"]})).json()
    assert [m["id"] for m in page["items"] + rest["items"]] == [m["id"] for m in members["items"]]

    by_organisation = (await client.get("/v1/memberships",
                                        params={"organisation_ids": f"{roc['id']},{uuid.uuid4()}"})).json()
    assert sorted(m["pact"] for m in by_organisation["items"]) == ["gooi-vechtstreek", "noordvleugel"]
    listed = (await client.get("/v1/organisations", params={"pact": "noordvleugel"})).json()
    assert [o["name"] for o in listed["items"]] == ["ROC Gooi en Vechtstreek"]

    left = await client.post(f"/v1/memberships/{membership['id']}/leave", headers=writer,
                             json={"left_on": "2016-01-01"})
    assert left.status_code == 200 and left.json()["left_on"] == "2016-01-01"
    assert (await client.post(f"/v1/memberships/{membership['id']}/leave", headers=writer,
                              json={"left_on": "2016-02-01"})).status_code == 409
    current = (await client.get("/v1/pacts/gooi-vechtstreek/members", params={"current": "true"})).json()
    assert [m["organisation"]["name"] for m in current["items"]] == ["ROC Gooi en Vechtstreek"]
    assert (await client.get("/v1/organisations", params={"pact": "gooi-vechtstreek"})).json()["items"][0]["name"] == \
        "ROC Gooi en Vechtstreek"
    # Leaving and joining again is a new membership; the old one stays as history.
    rejoined = await client.post("/v1/pacts/gooi-vechtstreek/members", headers=writer,
                                 json={"organisation_id": tata["id"], "joined_on": "2017-01-01"})
    assert rejoined.status_code == 201
    assert await rows("memberships") == 4
    history = (await client.get(f"/v1/organisations/{tata['id']}/history")).json()["items"]
    assert [h["action"] for h in history] == ["created", "joined", "left", "joined"]


async def test_membership_rules(client, writer, rows, new_organisation):
    tata = await new_organisation()
    url = "/v1/pacts/gooi-vechtstreek/members"
    await client.post(url, headers=writer, json={"organisation_id": tata["id"], "joined_on": "2014-09-01"})
    cases = [
        (url, {"organisation_id": str(uuid.uuid4()), "joined_on": "2014-09-01"}, 422, "organisation_id"),
        (url, {"organisation_id": "nope", "joined_on": "2014-09-01"}, 422, "organisation_id"),
        (url, {"organisation_id": tata["id"], "joined_on": "september 2014"}, 422, "joined_on"),
        (url, {"organisation_id": tata["id"], "joined_on": "2014-09-02"}, 409, None),
        ("/v1/pacts/Not A Slug/members", {"organisation_id": tata["id"], "joined_on": "2014-09-01"}, 422, "pact"),
    ]
    for target, body, status, field in cases:
        response = await client.post(target, headers=writer, json=body)
        assert response.status_code == status, body
        if field:
            assert [e["field"] for e in response.json()["errors"]] == [field]
    membership_id = (await client.get(url)).json()["items"][0]["id"]
    early = await client.post(f"/v1/memberships/{membership_id}/leave", headers=writer, json={"left_on": "2014-08-01"})
    assert early.status_code == 422 and early.json()["errors"][0]["field"] == "left_on"
    assert (await client.post(f"/v1/memberships/{uuid.uuid4()}/leave", headers=writer,
                              json={"left_on": "2015-01-01"})).status_code == 404
    assert await rows("memberships") == 1
    assert (await client.get(url)).json()["items"][0]["left_on"] is None


# --- contacts ----------------------------------------------------------------------------------

async def test_contacts_are_added_read_and_erased_for_real(app, client, token, writer, rows, new_organisation):
    organisation = await new_organisation()
    reader = bearer(token("contacts:read"))
    added = await client.post(f"/v1/organisations/{organisation['id']}/contacts", headers=writer, json={
        "name": "Jan de Vries", "role": "HR-manager", "email": "jan@tatasteel.nl", "phone": "+31 251 49 11 11"})
    assert added.status_code == 201
    contact = added.json()
    assert contact["organisation_id"] == organisation["id"] and contact["email"] == "jan@tatasteel.nl"
    listed = (await client.get(f"/v1/organisations/{organisation['id']}/contacts", headers=reader)).json()
    assert listed["items"] == [contact]
    many = (await client.get("/v1/contacts", params={"organisation_ids": organisation["id"]}, headers=reader)).json()
    assert many["items"] == [contact]

    erased = await client.delete(f"/v1/contacts/{contact['id']}", headers=writer)
    assert erased.status_code == 204
    assert await rows("contacts") == 0
    async with app.state.database.engine.connect() as connection:
        leftovers = await connection.execute(text(
            "SELECT count(*) FROM partners.organisation_changes WHERE new_value::text LIKE '%jan@tatasteel.nl%' "
            "OR old_value::text LIKE '%jan@tatasteel.nl%'"))
        assert leftovers.scalar_one() == 0
    assert (await client.delete(f"/v1/contacts/{contact['id']}", headers=writer)).status_code == 404


@pytest.mark.parametrize(("body", "field"), [
    ({"name": ""}, "name"), ({"name": "Jan", "email": "jan-at-example"}, "email"),
    ({"name": "Jan", "phone": "bel me"}, "phone"), ({"name": "Jan", "bsn": "123456782"}, "bsn"),
])
async def test_contact_validation(client, writer, rows, new_organisation, body, field):
    organisation = await new_organisation()
    response = await client.post(f"/v1/organisations/{organisation['id']}/contacts", headers=writer, json=body)
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == [field]
    assert await rows("contacts") == 0


async def test_a_blank_phone_is_not_given_and_the_schema_says_so(app, client, writer, new_organisation):
    organisation = await new_organisation()
    added = await client.post(f"/v1/organisations/{organisation['id']}/contacts", headers=writer,
                              json={"name": "Jan", "phone": " "})
    assert added.status_code == 201 and added.json()["phone"] is None
    phone = app.openapi()["components"]["schemas"]["ContactCreate"]["properties"]["phone"]
    assert any(option.get("pattern") and re.fullmatch(option["pattern"], " ") for option in phone["anyOf"])


async def test_contact_for_unknown_organisation_is_404(client, writer, rows):
    response = await client.post(f"/v1/organisations/{uuid.uuid4()}/contacts", headers=writer, json={"name": "Jan"})
    assert response.status_code == 404
    assert await rows("contacts") == 0


# --- sign-ups ----------------------------------------------------------------------------------

async def test_signup_then_approval_creates_organisation_membership_and_contact(client, writer, token, rows):
    response = await client.post("/v1/pacts/gooi-vechtstreek/signups", json=SIGNUP)
    assert response.status_code == 202
    accepted = response.json()
    assert accepted["status"] == "pending"
    assert await rows("organisations") == 0

    pending = (await client.get("/v1/signups", params={"status": "pending"}, headers=writer)).json()["items"]
    assert [(s["id"], s["organisation_name"], s["pact"]) for s in pending] == [
        (accepted["id"], "Installatiebedrijf Van Dijk", "gooi-vechtstreek")]

    approved = await client.post(f"/v1/signups/{accepted['id']}/approve", headers=writer,
                                 json={"joined_on": "2014-09-15"})
    assert approved.status_code == 200
    signup = approved.json()
    assert signup["status"] == "approved" and signup["decided_by"] == "coordinator@gooi" and signup["decided_at"]
    organisation = (await client.get(f"/v1/organisations/{signup['organisation_id']}")).json()
    assert (organisation["name"], organisation["kvk_number"], organisation["municipality_code"]) == (
        "Installatiebedrijf Van Dijk", "32145678", "GM0406")
    members = (await client.get("/v1/pacts/gooi-vechtstreek/members")).json()["items"]
    assert [(m["id"], m["joined_on"]) for m in members] == [(signup["membership_id"], "2014-09-15")]
    contacts = (await client.get(f"/v1/organisations/{organisation['id']}/contacts",
                                 headers=bearer(token("contacts:read")))).json()["items"]
    assert [(c["name"], c["email"]) for c in contacts] == [("Marieke van Dijk", "marieke@vandijk.nl")]

    twice = await client.post(f"/v1/signups/{accepted['id']}/approve", headers=writer)
    assert twice.status_code == 409
    assert await rows("memberships") == 1


async def test_approval_links_an_organisation_known_by_kvk(client, writer, rows, new_organisation):
    known = await new_organisation(name="Van Dijk Installaties", kvk_number="32145678")
    accepted = (await client.post("/v1/pacts/noordvleugel/signups", json=SIGNUP)).json()
    signup = (await client.post(f"/v1/signups/{accepted['id']}/approve", headers=writer)).json()
    assert signup["organisation_id"] == known["id"]
    assert await rows("organisations") == 1
    membership = (await client.get("/v1/pacts/noordvleugel/members")).json()["items"][0]
    assert membership["joined_on"] == date.today().isoformat()


async def test_rejection(client, writer, rows):
    accepted = (await client.post("/v1/pacts/noordvleugel/signups", json=SIGNUP)).json()
    rejected = await client.post(f"/v1/signups/{accepted['id']}/reject", headers=writer, json={"reason": "Dubbel"})
    assert rejected.status_code == 200
    assert (rejected.json()["status"], rejected.json()["reason"]) == ("rejected", "Dubbel")
    assert (await client.post(f"/v1/signups/{accepted['id']}/approve", headers=writer)).status_code == 409
    assert (await client.post(f"/v1/signups/{uuid.uuid4()}/reject", headers=writer)).status_code == 404
    assert await rows("organisations") == 0 and await rows("memberships") == 0
    listed = (await client.get("/v1/signups", params={"status": "rejected"}, headers=writer)).json()["items"]
    assert [s["id"] for s in listed] == [accepted["id"]]


@pytest.mark.parametrize(("change", "field"), [
    ({"organisation_name": ""}, "organisation_name"), ({"kind": "bakery"}, "kind"),
    ({"municipality_code": "Hilversum"}, "municipality_code"), ({"kvk_number": "123"}, "kvk_number"),
    ({"contact_name": ""}, "contact_name"), ({"contact_email": "nope"}, "contact_email"),
    ({"message": "x" * 2001}, "message"), ({"status": "approved"}, "status"),
])
async def test_signup_validation(client, rows, change, field):
    response = await client.post("/v1/pacts/noordvleugel/signups", json={**SIGNUP, **change})
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == [field]
    assert await rows("signups") == 0


async def test_signups_are_rate_limited_per_address(app, client, rows):
    for _ in range(app.state.settings.signup_limit):
        assert (await client.post("/v1/pacts/noordvleugel/signups", json=SIGNUP)).status_code == 202
    refused = await client.post("/v1/pacts/noordvleugel/signups", json=SIGNUP)
    assert refused.status_code == 429
    assert refused.headers["content-type"] == "application/problem+json"
    assert 1 <= int(refused.headers["retry-after"]) <= app.state.settings.signup_window_seconds
    assert await rows("signups") == app.state.settings.signup_limit
    # The count is in the database, one row for this address, so every replica sees it.
    assert await rows("signup_rate_limits") == 1


async def test_a_signup_for_an_unknown_pact_is_refused_naming_the_pact(client, actions, rows):
    response = await client.post("/v1/pacts/bestaat-niet/signups", json=SIGNUP)
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "pact", "reason": "There is no pact 'bestaat-niet'.", "in": "path"}]
    assert [call.url.path for call in actions.calls] == ["/v1/pacts/bestaat-niet"]
    assert await rows("signups") == 0


async def test_a_signup_while_actions_api_is_down_is_503_and_writes_nothing(client, actions, rows):
    actions.down = True
    response = await client.post("/v1/pacts/noordvleugel/signups", json=SIGNUP)
    assert response.status_code == 503
    assert response.json()["type"].endswith("/actions-unavailable") and response.headers["retry-after"]
    assert await rows("signups") == 0
