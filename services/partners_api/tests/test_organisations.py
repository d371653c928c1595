"""Organisations by hand: create, read, list with filters, fetch-many, update with If-Match, archive, history."""

import uuid

import pytest

GOOI = {"name": "Gemeente Hilversum", "kind": "municipality", "oin": "00000001001772710000",
        "municipality_code": "GM0402", "website": "https://www.hilversum.nl", "email": "info@hilversum.nl"}


async def test_create_and_fetch(client, writer, rows):
    response = await client.post("/v1/organisations", headers=writer, json={
        "name": "ROC van Amsterdam", "kind": "mbo", "sectors": ["ICT", "installation", "ict"], "brin_code": "25lp",
        "municipality_code": "GM0363", "kvk_number": "41201344"})
    assert response.status_code == 201
    created = response.json()
    assert created["sectors"] == ["ict", "installation"]
    assert created["brin_code"] == "25LP"
    assert created["version"] == 1 and created["active"] is True
    # What a coordinator sends by hand is locked against the sources' records.
    assert created["locked_fields"] == ["name", "kind", "sectors", "kvk_number", "brin_code", "municipality_code"]
    assert response.headers["etag"] == '"1"'
    assert response.headers["location"] == f"/v1/organisations/{created['id']}"

    fetched = await client.get(f"/v1/organisations/{created['id']}")
    assert fetched.status_code == 200
    assert fetched.json() == created
    assert fetched.headers["etag"] == '"1"'
    assert await rows("organisations") == 1


async def test_unknown_organisation_is_404(client):
    response = await client.get(f"/v1/organisations/{uuid.uuid4()}")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(("field", "value", "reason"), [
    ("name", "", "at least 1 character"),
    ("name", "x" * 201, "at most 200"),
    ("name", "bad\x00name", "control characters"),
    ("kind", "bakery", "Input should be"),
    ("kvk_number", "1234567", "8 digits"),
    ("kvk_number", "1234567a", "8 digits"),
    ("brin_code", "ABCD", "2 digits and 2 letters"),
    ("brin_code", "00AB01", "2 digits and 2 letters"),
    ("oin", "123", "20 digits"),
    ("municipality_code", "0402", "GM and 4 digits"),
    ("municipality_code", "GM402", "GM and 4 digits"),
    ("website", "hilversum.nl", "URL"),
    ("website", "ftp://hilversum.nl", "URL"),
    ("email", "info-at-hilversum.nl", "email"),
    ("sectors", ["!!"], "sector code"),
    ("colour", "blue", "Extra inputs"),
    # JSON as JSON: lax pydantic would read 0 as false and store it.
    ("active", 0, "valid boolean"),
])
async def test_create_refuses_bad_fields_and_writes_nothing(client, writer, rows, field, value, reason):
    response = await client.post("/v1/organisations", headers=writer, json={**GOOI, field: value})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    errors = response.json()["errors"]
    assert [error["field"] for error in errors] == [field]
    assert reason.lower() in errors[0]["reason"].lower()
    assert await rows("organisations") == 0
    assert await rows("organisation_changes") == 0


async def test_empty_strings_are_absent_values(client, writer):
    created = (await client.post("/v1/organisations", headers=writer,
                                 json={**GOOI, "kvk_number": "", "website": "  "})).json()
    assert created["kvk_number"] is None and created["website"] is None


async def test_a_kvk_number_belongs_to_one_organisation(client, writer, rows, new_organisation):
    first = await new_organisation(kvk_number="24295332")
    response = await client.post("/v1/organisations", headers=writer,
                                 json={"name": "Tata Steel IJmuiden", "kind": "company", "kvk_number": "24295332"})
    assert response.status_code == 409
    assert response.json()["organisation_id"] == first["id"]
    assert await rows("organisations") == 1


async def test_list_filters_and_pages(client, writer, new_organisation):
    await new_organisation(name="Alliander", sectors=["installation"], municipality_code="GM0402")
    await new_organisation(name="Bouwend Nederland", kind="employer_organisation", sectors=["construction"])
    await new_organisation(name="Hogeschool Utrecht", kind="hbo", municipality_code="GM0344")
    await new_organisation(name="Technocentrum Flevoland", kind="intermediary", active=False)
    await new_organisation(name="Techniek Nederland", kind="employer_organisation", sectors=["installation"])

    async def names(**params) -> list[str]:
        response = await client.get("/v1/organisations", params=params)
        assert response.status_code == 200, response.text
        return [item["name"] for item in response.json()["items"]]

    assert await names() == ["Alliander", "Bouwend Nederland", "Hogeschool Utrecht", "Techniek Nederland",
                             "Technocentrum Flevoland"]
    assert await names(kind="employer_organisation") == ["Bouwend Nederland", "Techniek Nederland"]
    assert await names(sector="Installation") == ["Alliander", "Techniek Nederland"]
    assert await names(municipality="GM0402") == ["Alliander"]
    assert await names(active="false") == ["Technocentrum Flevoland"]
    assert await names(search="techn") == ["Techniek Nederland", "Technocentrum Flevoland"]
    assert await names(search="50%_") == []

    seen, cursor = [], None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = (await client.get("/v1/organisations", params=params)).json()
        seen += [item["name"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == await names()


@pytest.mark.parametrize(("params", "field"), [
    ({"kind": "bakery"}, "kind"), ({"cursor": "nonsense"}, "cursor"), ({"limit": 0}, "limit"),
    ({"limit": 501}, "limit"), ({"ids": "not-a-uuid"}, "ids"), ({"active": "maybe"}, "active"),
])
async def test_list_refuses_bad_parameters(client, params, field):
    response = await client.get("/v1/organisations", params=params)
    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == [field]


async def test_fetch_many_by_ids(client, new_organisation):
    a = await new_organisation(name="A")
    b = await new_organisation(name="B")
    await new_organisation(name="C")
    unknown = uuid.uuid4()
    response = await client.get("/v1/organisations", params={"ids": f"{a['id']},{unknown},{b['id']}"})
    assert response.status_code == 200
    assert sorted(item["id"] for item in response.json()["items"]) == sorted([a["id"], b["id"]])
    assert response.json()["next_cursor"] is None
    too_many = ",".join(str(uuid.uuid4()) for _ in range(501))
    assert (await client.get("/v1/organisations", params={"ids": too_many})).status_code == 422


async def test_update_needs_if_match(client, writer, rows, new_organisation):
    created = await new_organisation()
    url = f"/v1/organisations/{created['id']}"

    missing = await client.patch(url, headers=writer, json={"name": "Tata Steel Nederland"})
    assert missing.status_code == 428
    stale = await client.patch(url, headers={**writer, "If-Match": '"7"'}, json={"name": "Tata Steel Nederland"})
    assert stale.status_code == 412
    assert stale.json()["current_etag"] == '"1"'
    assert (await client.get(url)).json()["name"] == "Tata Steel"
    assert await rows("organisation_changes") == 1  # only the creation

    updated = await client.patch(url, headers={**writer, "If-Match": '"1"'},
                                 json={"name": "Tata Steel Nederland", "website": "https://www.tatasteel.nl"})
    assert updated.status_code == 200
    body = updated.json()
    assert body["name"] == "Tata Steel Nederland" and body["version"] == 2
    assert body["locked_fields"] == ["name", "kind", "website"]
    assert updated.headers["etag"] == '"2"'
    again = await client.patch(url, headers={**writer, "If-Match": '"1"'}, json={"name": "Oops"})
    assert again.status_code == 412


async def test_update_validates_and_writes_nothing(client, writer, rows, new_organisation):
    created = await new_organisation()
    url = f"/v1/organisations/{created['id']}"
    for body, field in [({"kvk_number": "12"}, "kvk_number"), ({"name": None}, "name"),
                        ({"locked_fields": ["colour"]}, "locked_fields.0"), ({"id": str(uuid.uuid4())}, "id")]:
        response = await client.patch(url, headers={**writer, "If-Match": '"1"'}, json=body)
        assert response.status_code == 422, body
        assert [error["field"] for error in response.json()["errors"]] == [field]
    assert (await client.get(url)).json() == created
    assert await rows("organisation_changes") == 1


async def test_unlocking_hands_fields_back(client, writer, new_organisation):
    created = await new_organisation()
    url = f"/v1/organisations/{created['id']}"
    locked = (await client.patch(url, headers={**writer, "If-Match": '"1"'}, json={"name": "Tata"})).json()
    assert locked["locked_fields"] == ["name", "kind"]
    unlocked = (await client.patch(url, headers={**writer, "If-Match": '"2"'}, json={"locked_fields": []})).json()
    assert unlocked["locked_fields"] == [] and unlocked["name"] == "Tata" and unlocked["version"] == 3


async def test_archive(client, writer, new_organisation):
    created = await new_organisation()
    response = await client.post(f"/v1/organisations/{created['id']}/archive", headers=writer)
    assert response.status_code == 200
    assert response.json()["active"] is False
    assert response.json()["locked_fields"] == ["name", "kind", "active"]
    assert response.headers["etag"] == '"2"'
    again = await client.post(f"/v1/organisations/{created['id']}/archive", headers=writer)
    assert again.json()["version"] == 2
    assert (await client.post(f"/v1/organisations/{uuid.uuid4()}/archive", headers=writer)).status_code == 404


async def test_history_tells_who_changed_what_when(client, token, new_organisation):
    created = await new_organisation(kvk_number="24295332")
    url = f"/v1/organisations/{created['id']}"
    editor = {"Authorization": f"Bearer {token('partners:admin', subject='anna@noordvleugel')}"}
    await client.patch(url, headers={**editor, "If-Match": '"1"'},
                       json={"name": "Tata Steel IJmuiden", "sectors": ["metal"]})
    await client.post(f"{url}/archive", headers=editor)

    history = await client.get(f"{url}/history")
    assert history.status_code == 200
    items = history.json()["items"]
    assert [(i["action"], i["field"], i["old"], i["new"], i["changed_by"]) for i in items] == [
        ("created", None, None, {"name": "Tata Steel", "kind": "company", "sectors": [], "kvk_number": "24295332",
                                 "brin_code": None, "oin": None, "municipality_code": None, "website": None,
                                 "email": None, "active": True}, "coordinator@gooi"),
        ("updated", "name", "Tata Steel", "Tata Steel IJmuiden", "anna@noordvleugel"),
        ("updated", "sectors", [], ["metal"], "anna@noordvleugel"),
        ("locked", "locked_fields", ["name", "kind", "kvk_number"], ["name", "kind", "sectors", "kvk_number"],
         "anna@noordvleugel"),
        ("archived", "active", True, False, "anna@noordvleugel"),
    ]
    assert all(item["changed_at"] for item in items)

    first = (await client.get(f"{url}/history", params={"limit": 2})).json()
    rest = (await client.get(f"{url}/history", params={"cursor": first["next_cursor"]})).json()
    assert [i["id"] for i in first["items"] + rest["items"]] == [i["id"] for i in items]
    assert (await client.get(f"/v1/organisations/{uuid.uuid4()}/history")).status_code == 404
