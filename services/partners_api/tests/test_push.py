"""The municipal push: PUT /v1/sources/{source}/organisations, as DESIGN.md promises it."""

import asyncio
import uuid

import pytest
from sqlalchemy import text

from common.idempotency import PURGE_INTERVAL_SECONDS
from common.testing import bearer
from services.partners_api.routes import push as push_routes

URL = "/v1/sources/hilversum/organisations"


def record(external_id: str, **fields) -> dict:
    return {"external_id": external_id, "name": f"Organisatie {external_id}", "kind": "company",
            "municipality_code": "GM0402", **fields}


async def put(client, headers, records, url=URL, **params):
    return await client.put(url, json={"records": records}, headers=headers, params=params)


async def query(app, sql: str, **params):
    async with app.state.database.engine.connect() as connection:
        return (await connection.execute(text(sql), params)).all()


async def test_first_push_creates_and_second_identical_push_writes_nothing(app, client, writer, rows):
    records = [record("1", kvk_number="12345678", sectors=["ICT"], website="https://een.nl", email="info@een.nl"),
               record("2", kind="mbo", brin_code="25LP"), record("3", kind="municipality", oin="00000001001772710000")]
    first = await put(client, writer, records)
    assert first.status_code == 200, first.text
    answer = first.json()
    assert (answer["created"], answer["updated"], answer["unchanged"], answer["withdrawn"]) == (3, 0, 0, 0)
    assert [(r["external_id"], r["outcome"], r["kept_fields"], r["outranked_fields"]) for r in answer["results"]] == [
        ("1", "created", [], []), ("2", "created", [], []), ("3", "created", [], [])]
    one = (await client.get(f"/v1/organisations/{answer['results'][0]['id']}")).json()
    assert (one["name"], one["kvk_number"], one["sectors"], one["website"], one["version"]) == (
        "Organisatie 1", "12345678", ["ict"], "https://een.nl", 1)
    assert await rows("organisations") == 3
    assert await rows("source_records") == 3
    assert await rows("organisation_changes") == 3
    before = await query(app, "SELECT id, version, updated_at FROM partners.organisations ORDER BY id")

    second = await put(client, writer, records)
    assert second.status_code == 200
    again = second.json()
    assert (again["created"], again["updated"], again["unchanged"], again["withdrawn"]) == (0, 0, 3, 0)
    assert [r["id"] for r in again["results"]] == [r["id"] for r in answer["results"]]
    assert await query(app, "SELECT id, version, updated_at FROM partners.organisations ORDER BY id") == before
    assert await rows("organisation_changes") == 3
    assert await query(app, "SELECT count(*) FROM partners.source_records WHERE updated_at <> created_at") == [(0,)]


async def test_a_changed_record_writes_only_what_changed(client, token, writer):
    created = (await put(client, writer, [record("1"), record("2")])).json()
    pusher = bearer(token("partners:write", sources=["hilversum"], subject="gemeente-hilversum-crm"))
    response = await put(client, pusher, [record("1", name="Nieuwe naam", website="https://nieuw.nl"), record("2")])
    answer = response.json()
    assert (answer["created"], answer["updated"], answer["unchanged"]) == (0, 1, 1)
    assert [r["outcome"] for r in answer["results"]] == ["updated", "unchanged"]
    organisation_id = created["results"][0]["id"]
    organisation = (await client.get(f"/v1/organisations/{organisation_id}")).json()
    assert (organisation["name"], organisation["version"]) == ("Nieuwe naam", 2)
    history = (await client.get(f"/v1/organisations/{organisation_id}/history")).json()["items"]
    assert [(h["action"], h["field"], h["old"], h["new"], h["changed_by"], h["source"]) for h in history[1:]] == [
        ("updated", "name", "Organisatie 1", "Nieuwe naam", "gemeente-hilversum-crm", "hilversum"),
        ("updated", "website", None, "https://nieuw.nl", "gemeente-hilversum-crm", "hilversum"),
    ]
    assert history[0]["action"] == "created" and history[0]["new"]["name"] == "Organisatie 1"


BAD_RECORDS = [
    ({"name": ""}, "name"),
    ({"name": "x" * 201}, "name"),
    ({"kind": "bakery"}, "kind"),
    ({"kvk_number": "1234567"}, "kvk_number"),
    ({"brin_code": "0AB1"}, "brin_code"),
    ({"oin": "0000000100177271000"}, "oin"),
    ({"municipality_code": "GM04021"}, "municipality_code"),
    ({"email": "geen-email"}, "email"),
    ({"website": "javascript:alert(1)"}, "website"),
    ({"sectors": "ict"}, "sectors"),
    ({"active": "misschien"}, "active"),
    ({"external_id": ""}, "external_id"),
    ({"unknown": 1}, "unknown"),
]


@pytest.mark.parametrize(("fields", "field"), BAD_RECORDS)
async def test_each_validation_rule_names_index_and_field_and_writes_nothing(client, writer, rows, fields, field):
    response = await put(client, {**writer, "Idempotency-Key": "k1"}, [record("1"), {**record("2"), **fields}])
    assert response.status_code == 422
    problem = response.json()
    assert response.headers["content-type"] == "application/problem+json"
    assert [(e["index"], e["field"]) for e in problem["errors"]] == [(1, f"records.1.{field}")]
    for table in ("organisations", "source_records", "organisation_changes", "idempotency_keys"):
        assert await rows(table) == 0


async def test_every_bad_record_is_listed_at_once(client, writer, rows):
    records = [record("1", kvk_number="1"), record("2"), record("3", kind="x", email="nope"),
               record("2"), record("5", kvk_number="87654321"), record("6", kvk_number="87654321")]
    response = await put(client, writer, records)
    assert response.status_code == 422
    assert [(e["index"], e["field"]) for e in response.json()["errors"]] == [
        (0, "records.0.kvk_number"), (2, "records.2.kind"), (2, "records.2.email")]
    # Duplicates are checked once every record is well-formed on its own.
    response = await put(client, writer, [records[1], records[3], records[4], records[5]])
    assert [(e["index"], e["field"]) for e in response.json()["errors"]] == [
        (1, "records.1.external_id"), (3, "records.3.kvk_number")]
    assert await rows("organisations") == 0


@pytest.mark.parametrize(("body", "field"), [
    (b"{not json", "body"), (b'{"rows": []}', "records"), (b'{"records": {}}', "records"), (b"[]", "body"),
])
async def test_a_malformed_body_is_422(client, writer, rows, body, field):
    response = await client.put(URL, content=body, headers={**writer, "Content-Type": "application/json"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] in (field, "rows")
    assert await rows("organisations") == 0


async def test_a_kvk_number_held_by_another_organisation_is_refused(client, writer, rows):
    await put(client, writer, [record("1", kvk_number="11111111"), record("2", kvk_number="22222222")])
    response = await put(client, writer, [record("1", kvk_number="22222222")])
    assert response.status_code == 422
    assert [(e["index"], e["field"]) for e in response.json()["errors"]] == [(0, "records.0.kvk_number")]
    assert await rows("organisation_changes") == 2


async def test_the_same_kvk_from_two_sources_is_one_organisation(app, client, writer, rows):
    hilversum = await put(client, writer,
                          [record("H-17", name="Tata Steel", kvk_number="24295332", sectors=["metal"])])
    huizen = await put(client, writer, [record("hz/0042", name="Tata Steel IJmuiden BV", kvk_number="24295332",
                                               website="https://www.tatasteel.nl")],
                       url="/v1/sources/huizen/organisations")
    assert huizen.status_code == 200
    merged = huizen.json()["results"][0]
    assert merged["id"] == hilversum.json()["results"][0]["id"]
    # Linked second, huizen fills what hilversum left empty (the website) but does not overwrite its name.
    assert (merged["outcome"], merged["outranked_fields"]) == ("updated", ["name"])
    assert await rows("organisations") == 1
    assert await query(app, "SELECT source, external_id, precedence FROM partners.source_records ORDER BY source") == [
        ("hilversum", "H-17", 1), ("huizen", "hz/0042", 2)]
    organisation = (await client.get(f"/v1/organisations/{merged['id']}")).json()
    assert (organisation["name"], organisation["sectors"], organisation["website"]) == (
        "Tata Steel", ["metal"], "https://www.tatasteel.nl")
    history = (await client.get(f"/v1/organisations/{merged['id']}/history")).json()["items"]
    assert [(h["action"], h["field"], h["source"], h["old"], h["new"]) for h in history[1:]] == [
        ("linked", "source_records", "huizen", None, {"source": "huizen", "external_id": "hz/0042"}),
        ("updated", "website", "huizen", None, "https://www.tatasteel.nl"),
        ("disagreed", "name", "huizen", "Tata Steel", "Tata Steel IJmuiden BV")]
    again = await put(client, writer, [record("hz/0042", name="Tata Steel IJmuiden BV", kvk_number="24295332",
                                              website="https://www.tatasteel.nl")],
                      url="/v1/sources/huizen/organisations")
    assert (again.json()["results"][0]["outcome"], again.json()["results"][0]["outranked_fields"]) == (
        "unchanged", ["name"])
    assert len((await client.get(f"/v1/organisations/{merged['id']}/history")).json()["items"]) == len(history)


async def test_fields_a_coordinator_corrected_are_kept(client, writer, rows):
    created = (await put(client, writer, [record("1", website="https://oud.nl")])).json()
    organisation_id = created["results"][0]["id"]
    await client.patch(f"/v1/organisations/{organisation_id}", headers={**writer, "If-Match": '"1"'},
                       json={"name": "Juiste Naam BV"})
    response = await put(client, writer, [record("1", name="Foute naam", website="https://nieuw.nl")])
    result = response.json()["results"][0]
    assert (result["outcome"], result["kept_fields"]) == ("updated", ["name"])
    organisation = (await client.get(f"/v1/organisations/{organisation_id}")).json()
    assert (organisation["name"], organisation["website"]) == ("Juiste Naam BV", "https://nieuw.nl")
    history_rows = await rows("organisation_changes")
    # Only the locked field differs now: nothing is written, and the outcome still says what was kept.
    again = (await put(client, writer, [record("1", name="Foute naam", website="https://nieuw.nl")])).json()
    assert (again["results"][0]["outcome"], again["results"][0]["kept_fields"]) == ("unchanged", ["name"])
    assert await rows("organisation_changes") == history_rows


async def test_full_sync_withdraws_what_is_missing(app, client, writer, rows):
    first = (await put(client, writer, [record("1"), record("2"), record("3")])).json()
    ids = {r["external_id"]: r["id"] for r in first["results"]}
    await put(client, writer, [record("elsewhere")], url="/v1/sources/huizen/organisations")

    partial = await put(client, writer, [record("1"), record("2")])
    assert partial.json()["withdrawn"] == 0  # without withdraw_missing a push is a partial update

    response = await put(client, writer, [record("1"), record("2")], withdraw_missing="true")
    answer = response.json()
    assert (answer["created"], answer["updated"], answer["unchanged"], answer["withdrawn"]) == (0, 0, 2, 1)
    assert answer["results"][-1] == {"external_id": "3", "id": ids["3"], "outcome": "withdrawn", "kept_fields": [],
                                     "outranked_fields": []}
    assert (await client.get(f"/v1/organisations/{ids['3']}")).json()["active"] is False
    assert (await client.get(f"/v1/organisations/{ids['1']}")).json()["active"] is True
    assert await rows("organisations") == 4  # nothing is deleted; huizen's record is untouched
    withdrawn = "SELECT external_id FROM partners.source_records WHERE withdrawn_at IS NOT NULL"
    assert await query(app, withdrawn) == [("3",)]
    history = (await client.get(f"/v1/organisations/{ids['3']}/history")).json()["items"]
    assert [(h["action"], h["field"], h["old"], h["new"]) for h in history[1:]] == [
        ("withdrawn", "source_records", {"source": "hilversum", "external_id": "3"}, None),
        ("withdrawn", "active", True, False)]

    again = (await put(client, writer, [record("1"), record("2")], withdraw_missing="true")).json()
    assert again["withdrawn"] == 0

    back = (await put(client, writer, [record("3")])).json()
    assert back["results"][0] == {"external_id": "3", "id": ids["3"], "outcome": "updated", "kept_fields": [],
                                  "outranked_fields": []}
    assert (await client.get(f"/v1/organisations/{ids['3']}")).json()["active"] is True


async def test_withdrawal_keeps_an_organisation_another_source_still_holds(client, writer):
    first = (await put(client, writer, [record("1", kvk_number="24295332")])).json()
    await put(client, writer, [record("x", kvk_number="24295332")], url="/v1/sources/huizen/organisations")
    response = (await put(client, writer, [], withdraw_missing="true", confirm_withdraw="true")).json()
    assert response["withdrawn"] == 1
    assert (await client.get(f"/v1/organisations/{first['results'][0]['id']}")).json()["active"] is True


async def test_same_key_same_body_replays_the_first_answer(client, writer, rows):
    headers = {**writer, "Idempotency-Key": "batch-2026-11-26-001"}
    first = await put(client, headers, [record("1"), record("2")])
    history = await rows("organisation_changes")
    replay = await put(client, headers, [record("1"), record("2")])
    assert replay.status_code == first.status_code == 200
    assert replay.json() == first.json()
    assert replay.content == first.content  # the bytes first sent, not a re-encoding
    assert replay.headers["idempotent-replayed"] == "true"
    assert await rows("organisations") == 2
    assert await rows("organisation_changes") == history
    assert await rows("idempotency_keys") == 1

    other_body = await put(client, headers, [record("1", name="Anders")])
    assert other_body.status_code == 422
    assert other_body.json()["type"].endswith("idempotency-key-reused")
    other_flag = await put(client, headers, [record("1"), record("2")], withdraw_missing="true")
    assert other_flag.status_code == 422
    assert await rows("organisation_changes") == history


async def test_ten_identical_requests_at_once_have_one_effect(client, writer, rows):
    headers = {**writer, "Idempotency-Key": "simultaneous"}
    records = [record(str(n)) for n in range(50)]
    responses = await asyncio.gather(*(put(client, headers, records) for _ in range(10)))
    statuses = sorted(r.status_code for r in responses)
    assert set(statuses) <= {200, 409} and 200 in statuses
    answers = [r.json() for r in responses if r.status_code == 200]
    assert all(answer == answers[0] for answer in answers) and answers[0]["created"] == 50
    assert all(r.headers["retry-after"] for r in responses if r.status_code == 409)
    assert await rows("organisations") == 50
    assert await rows("source_records") == 50
    assert await rows("organisation_changes") == 50


async def test_a_bad_idempotency_key_is_422(client, writer, rows):
    response = await put(client, {**writer, "Idempotency-Key": " "}, [record("1")])
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "Idempotency-Key"
    assert await rows("organisations") == 0


async def test_an_organisation_lists_the_systems_that_hold_it(client, writer):
    created = (await put(client, writer, [record("H-17", kvk_number="24295332"), record("H-18")])).json()
    organisation_id = created["results"][0]["id"]
    await put(client, writer, [record("hz/0042", kvk_number="24295332")], url="/v1/sources/huizen/organisations")
    await put(client, writer, [record("H-18")], withdraw_missing="true")
    sources = await client.get(f"/v1/organisations/{organisation_id}/sources")
    assert sources.status_code == 200
    withdrawn = [(s["source"], s["external_id"], s["withdrawn_at"] is not None) for s in sources.json()["items"]]
    assert withdrawn == [("hilversum", "H-17", True), ("huizen", "hz/0042", False)]
    assert (await client.get(f"/v1/organisations/{uuid.uuid4()}/sources")).status_code == 404


async def test_expired_idempotency_keys_are_cleared_by_a_keyed_push_once_the_purge_interval_passed(
        app, client, writer, rows, monkeypatch):
    keys = push_routes.IDEMPOTENCY_KEYS
    await put(client, {**writer, "Idempotency-Key": "old"}, [record("1")])
    async with app.state.database.engine.begin() as connection:
        await connection.execute(text("UPDATE partners.idempotency_keys SET created_at = now() - interval '3 days'"))
    monkeypatch.setattr(keys, "clock", lambda: (keys._purged_at or 0.0) + PURGE_INTERVAL_SECONDS)
    await put(client, {**writer, "Idempotency-Key": "new"}, [record("1")])
    assert await query(app, "SELECT key FROM partners.idempotency_keys") == [("new",)]


async def test_two_records_of_one_push_on_one_organisation_are_refused(client, writer, rows):
    """One record unchanged on its organisation, another new one led there by the KvK number a
    coordinator set: one push holds each organisation once."""
    created = (await put(client, writer, [record("1", kvk_number="11111111")])).json()
    organisation_id = created["results"][0]["id"]
    patched = await client.patch(f"/v1/organisations/{organisation_id}", headers={**writer, "If-Match": '"1"'},
                                 json={"kvk_number": "22222222"})
    assert patched.status_code == 200, patched.text
    before = (await rows("organisations"), await rows("source_records"), await rows("organisation_changes"))

    response = await put(client, writer, [record("1", kvk_number="11111111"), record("2", kvk_number="22222222")])
    assert response.status_code == 422, response.text
    assert response.json()["errors"] == [{"field": "records.1.external_id", "index": 1,
                                          "reason": "Records 0, 1 describe the same organisation."}]
    assert (await rows("organisations"), await rows("source_records"), await rows("organisation_changes")) == before
