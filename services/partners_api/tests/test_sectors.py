"""The sector list (issue 21): sectors come from one list, seeded by the migration and extended by
partners:admin; an organisation's, a push record's or a sign-up's code not on it is a 422 naming
the field (and the record), with nothing written.

The list is reference data: the tests' emptying of the schema keeps it, so sectors added here
have codes of their own."""

import uuid

import pytest

from common.testing import bearer

PUSH = "/v1/sources/hilversum/organisations"
SEEDED = {"automotive": "Automotive en mobiliteit", "care": "Zorg", "construction": "Bouw", "ict": "ICT",
          "installation": "Installatietechniek", "media": "Media", "metal": "Metaal en metalektro"}
TABLES = ("organisations", "source_records", "organisation_changes", "signups")


def fresh_code() -> str:
    return f"sector-{uuid.uuid4().hex[:8]}"


def record(external_id: str, sectors: list[str]) -> dict:
    return {"external_id": external_id, "name": f"Organisatie {external_id}", "kind": "company", "sectors": sectors}


async def counts(rows) -> list[int]:
    return [await rows(table) for table in TABLES]


async def test_the_list_is_public_and_holds_the_sectors_in_use(client):
    response = await client.get("/v1/sectors")
    assert response.status_code == 200, response.text
    listed = {item["code"]: item["name"] for item in response.json()["items"]}
    assert listed.items() >= SEEDED.items()
    codes = [item["code"] for item in response.json()["items"]]
    assert codes == sorted(codes)


async def test_a_coordinator_adds_and_renames_a_sector(client, writer, rows):
    code = fresh_code()
    url = f"/v1/sectors/{code}"
    created = await client.put(url, json={"name": "Maritieme techniek", "description": "Scheepsbouw en offshore"},
                               headers=writer)
    assert created.status_code == 201, created.text
    assert created.json() == {"code": code, "name": "Maritieme techniek", "description": "Scheepsbouw en offshore",
                              "version": 1}
    assert created.headers["ETag"] == '"1"'
    same = await client.put(url, json={"name": "Maritieme techniek", "description": "Scheepsbouw en offshore"},
                            headers=writer)
    assert (same.status_code, same.json()["version"]) == (200, 1)
    unguarded = await client.put(url, json={"name": "Maritiem"}, headers=writer)
    assert unguarded.status_code == 428
    stale = await client.put(url, json={"name": "Maritiem"}, headers={**writer, "If-Match": '"7"'})
    assert stale.status_code == 412
    renamed = await client.put(url, json={"name": "Maritiem"}, headers={**writer, "If-Match": '"1"'})
    assert renamed.status_code == 200, renamed.text
    assert renamed.json() == {"code": code, "name": "Maritiem", "description": None, "version": 2}
    listed = {item["code"]: item for item in (await client.get("/v1/sectors")).json()["items"]}
    assert listed[code]["name"] == "Maritiem"
    # Now on the list, the code goes in.
    pushed = await client.put(PUSH, json={"records": [record("a", [code, "metal"])]}, headers=writer)
    assert pushed.status_code == 200, pushed.text
    organisation = (await client.get(f"/v1/organisations/{pushed.json()['results'][0]['id']}")).json()
    assert organisation["sectors"] == sorted(["metal", code])


@pytest.mark.parametrize("scopes", [(), ("partners:write",), ("contacts:read", "metrics:admin")])
async def test_only_partners_admin_changes_the_list(client, token, scopes):
    code = fresh_code()
    headers = bearer(token(*scopes, sources=["hilversum"])) if scopes else {}
    before = (await client.get("/v1/sectors")).json()["items"]
    response = await client.put(f"/v1/sectors/{code}", json={"name": "Ruimtevaart"}, headers=headers)
    assert response.status_code == (401 if not scopes else 403), response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert (await client.get("/v1/sectors")).json()["items"] == before


@pytest.mark.parametrize(("code", "body", "field"), [
    ("Bad!", {"name": "Slecht"}, "code"),
    ("trailing ", {"name": "Slecht"}, "code"),
    ("x" * 51, {"name": "Te lang"}, "code"),
    ("robotics", {"name": ""}, "name"),
    ("robotics", {"name": "Robotica", "colour": "blauw"}, "colour"),
    ("robotics", {"name": "Robo\x07tica"}, "name"),
])
async def test_a_bad_sector_is_refused_and_nothing_written(client, writer, code, body, field):
    before = (await client.get("/v1/sectors")).json()["items"]
    response = await client.put(f"/v1/sectors/{code}", json=body, headers=writer)
    assert response.status_code == 422, response.text
    assert any(field in error["field"] for error in response.json()["errors"]), response.json()
    assert (await client.get("/v1/sectors")).json()["items"] == before


async def test_a_push_with_sectors_off_the_list_names_each_record_and_writes_nothing(client, writer, rows):
    records = [record("a", ["metal"]), record("b", ["metaal", "ict"]), record("c", []),
               record("d", ["Techniek", "bouw"])]
    response = await client.put(PUSH, json={"records": records}, headers=writer)
    assert response.status_code == 422, response.text
    assert response.json()["errors"] == [
        {"field": "records.1.sectors", "index": 1,
         "reason": "Not on the sector list (GET /v1/sectors): 'metaal'; a coordinator adds a sector with "
                   "PUT /v1/sectors/{code}."},
        {"field": "records.3.sectors", "index": 3,
         "reason": "Not on the sector list (GET /v1/sectors): 'bouw', 'techniek'; a coordinator adds a sector with "
                   "PUT /v1/sectors/{code}."}]
    assert await counts(rows) == [0, 0, 0, 0]


async def test_sector_and_municipality_refusals_are_listed_together_by_record(client, writer, rows):
    records = [{**record("a", ["zorgtechniek"]), "municipality_code": "GM0457"},
               {**record("b", ["care"]), "municipality_code": "GM9999"}]
    response = await client.put(PUSH, json={"records": records}, headers=writer)
    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == [
        "records.0.sectors", "records.0.municipality_code", "records.1.municipality_code"]
    assert await counts(rows) == [0, 0, 0, 0]


async def test_a_coordinator_cannot_give_an_organisation_a_sector_off_the_list(client, writer, new_organisation,
                                                                                rows):
    response = await client.post("/v1/organisations", json={"name": "Tata Steel", "kind": "company",
                                                            "sectors": ["staal"]}, headers=writer)
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["field"] == "sectors" and "'staal'" in error["reason"]
    assert await counts(rows) == [0, 0, 0, 0]
    organisation = await new_organisation(sectors=["metal"])
    url = f"/v1/organisations/{organisation['id']}"
    patched = await client.patch(url, json={"sectors": ["metal", "staal"]},
                                 headers={**writer, "If-Match": f'"{organisation["version"]}"'})
    assert patched.status_code == 422
    assert patched.json()["errors"][0]["field"] == "sectors"
    after = (await client.get(url)).json()
    assert (after["sectors"], after["version"]) == (["metal"], organisation["version"])
    assert await rows("organisation_changes") == 1


SIGNUP = {"organisation_name": "Installatiebedrijf Van Dijk", "kind": "company", "municipality_code": "GM0406",
          "contact_name": "Marieke van Dijk", "contact_email": "marieke@vandijk.nl"}


async def test_a_sign_up_names_sectors_of_the_list_and_the_approval_gives_them(client, writer, rows):
    refused = await client.post("/v1/pacts/gooi-vechtstreek/signups", json={**SIGNUP, "sectors": ["installatie"]})
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"][0]["field"] == "sectors"
    assert await counts(rows) == [0, 0, 0, 0]
    accepted = await client.post("/v1/pacts/gooi-vechtstreek/signups",
                                 json={**SIGNUP, "sectors": ["Installation", "construction"]})
    assert accepted.status_code == 202, accepted.text
    approved = await client.post(f"/v1/signups/{accepted.json()['id']}/approve", headers=writer)
    assert approved.status_code == 200, approved.text
    assert approved.json()["sectors"] == ["construction", "installation"]
    organisation = (await client.get(f"/v1/organisations/{approved.json()['organisation_id']}")).json()
    assert organisation["sectors"] == ["construction", "installation"]
