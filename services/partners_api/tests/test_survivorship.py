"""An organisation is the merge of its source records: each source changes only what it holds.

The hostile cases of issue 17 are here, each shown refused (409/403 problem+json) or harmless
(the served value unchanged), with the row counts that must not move.
"""

import pytest
from sqlalchemy import text

from common.testing import bearer

GM0363 = "/v1/sources/gm0363/organisations"
GM0402 = "/v1/sources/gm0402/organisations"
TABLES = ("organisations", "source_records", "organisation_changes", "memberships", "contacts", "idempotency_keys")

AMSTERDAM = {"external_id": "ams-1", "name": "Technische Unie", "kind": "company", "kvk_number": "33016218",
             "municipality_code": "GM0363", "website": "https://www.technischeunie.nl",
             "email": "info@technischeunie.nl", "sectors": ["installation"]}
# What a hostile gm0402 system sends for the same KvK number: every field another value, and inactive.
HOSTILE = {"external_id": "hv-9", "name": "Overgenomen BV", "kind": "other", "kvk_number": "33016218",
           "municipality_code": "GM0402", "website": "https://kaper.example", "email": "kaper@example.nl",
           "sectors": ["media"], "active": False}
SERVED = ("name", "kind", "municipality_code", "website", "email", "sectors", "active", "version")


async def put(client, headers, records, url=GM0363, **params):
    return await client.put(url, json={"records": records}, headers=headers, params=params)


async def counts(rows) -> dict[str, int]:
    return {table: await rows(table) for table in TABLES}


async def served(client, organisation_id: str) -> dict:
    organisation = (await client.get(f"/v1/organisations/{organisation_id}")).json()
    return {field: organisation[field] for field in SERVED}


@pytest.fixture
async def amsterdam(client, pusher) -> str:
    """An organisation gm0363 holds alone; its id."""
    response = await put(client, pusher("gm0363"), [AMSTERDAM])
    assert response.status_code == 200, response.text
    return response.json()["results"][0]["id"]


async def test_another_sources_kvk_number_changes_nothing_it_served(app, client, pusher, rows, amsterdam):
    before = await served(client, amsterdam)
    organisations = await rows("organisations")
    response = await put(client, pusher("gm0402"), [HOSTILE], url=GM0402)
    assert response.status_code == 200, response.text
    result = response.json()["results"][0]
    assert result["id"] == amsterdam
    assert result["outranked_fields"] == ["name", "kind", "sectors", "municipality_code", "website", "email", "active"]
    assert await served(client, amsterdam) == before
    assert before["active"] is True and before["name"] == "Technische Unie"
    assert await rows("organisations") == organisations
    # gm0402's record is kept whole, behind gm0363's, and the disagreement is in the history once.
    sources = (await client.get(f"/v1/organisations/{amsterdam}/sources")).json()["items"]
    assert [(s["source"], s["precedence"], s["active"]) for s in sources] == [("gm0363", 1, True), ("gm0402", 2, True)]
    history = (await client.get(f"/v1/organisations/{amsterdam}/history")).json()["items"]
    assert [(h["action"], h["field"], h["source"]) for h in history if h["action"] == "disagreed"] == [
        ("disagreed", field, "gm0402") for field in result["outranked_fields"]]
    again = await put(client, pusher("gm0402"), [HOSTILE], url=GM0402)
    assert again.json()["unchanged"] == 1
    assert len((await client.get(f"/v1/organisations/{amsterdam}/history")).json()["items"]) == len(history)


async def test_a_linked_source_cannot_deactivate_what_it_does_not_hold_alone(client, pusher, rows, amsterdam):
    await put(client, pusher("gm0402"), [HOSTILE], url=GM0402)
    before, written = await served(client, amsterdam), await counts(rows)
    response = await put(client, pusher("gm0402"), [], url=GM0402, withdraw_missing="true", confirm_withdraw="true")
    assert response.status_code == 200, response.text
    assert response.json()["withdrawn"] == 1
    assert await served(client, amsterdam) == before
    assert (await served(client, amsterdam))["active"] is True
    after = await counts(rows)
    # Only gm0402's claim ended: a history row says so; nothing else was written or removed.
    assert after == {**written, "organisation_changes": written["organisation_changes"] + 1}
    sources = (await client.get(f"/v1/organisations/{amsterdam}/sources")).json()["items"]
    assert [(s["source"], s["active"]) for s in sources] == [("gm0363", True), ("gm0402", False)]


async def test_an_empty_full_sync_is_refused_unless_confirmed(client, pusher, rows, amsterdam):
    await put(client, pusher("gm0363"), [{**AMSTERDAM, "external_id": "ams-2", "kvk_number": "33016219"}])
    written = await counts(rows)
    response = await put(client, pusher("gm0363"), [], withdraw_missing="true")
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    error = response.json()["errors"][0]
    assert (error["field"], error["in"], error["missing"], error["holding"]) == ("confirm_withdraw", "query", 2, 2)
    assert await counts(rows) == written
    # Half of them is still allowed without confirming.
    response = await put(client, pusher("gm0363"), [AMSTERDAM], withdraw_missing="true")
    assert response.json()["withdrawn"] == 1


@pytest.mark.parametrize(("change", "field"), [
    ({"kvk_number": "33016299"}, "kvk_number"), ({"oin": "00000001001772710000"}, "oin"),
    ({"brin_code": "25LP"}, "brin_code")])
@pytest.mark.parametrize("who", ["gm0363", "gm0402"])
async def test_identifiers_of_a_shared_organisation_are_no_one_sources_to_change(
        client, pusher, rows, amsterdam, change, field, who):
    gm0402 = {**AMSTERDAM, "external_id": "hv-9"}
    await put(client, pusher("gm0402"), [gm0402], url=GM0402)
    before, written = await served(client, amsterdam), await counts(rows)
    mine = AMSTERDAM if who == "gm0363" else gm0402
    response = await put(client, pusher(who), [{**mine, **change}], url=f"/v1/sources/{who}/organisations")
    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    other = "gm0402" if who == "gm0363" else "gm0363"
    assert response.json()["errors"] == [{"field": f"records.0.{field}", "index": 0, "holders": [other],
                                          "reason": f"Also held by {other}; this source cannot change it for them."}]
    assert other in response.json()["detail"] and "external" not in response.json()["detail"]
    assert await served(client, amsterdam) == before
    assert await counts(rows) == written


async def test_a_source_alone_changes_its_identifiers(client, pusher, amsterdam):
    response = await put(client, pusher("gm0363"), [{**AMSTERDAM, "kvk_number": "33016299"}])
    assert response.status_code == 200
    assert (await client.get(f"/v1/organisations/{amsterdam}")).json()["kvk_number"] == "33016299"


async def test_withdrawal_hands_the_fields_to_the_next_source_and_then_deactivates(client, pusher, writer, amsterdam):
    await put(client, pusher("gm0402"), [{**HOSTILE, "active": True, "website": None}], url=GM0402)
    await put(client, pusher("gm0363"), [], withdraw_missing="true", confirm_withdraw="true")
    organisation = (await client.get(f"/v1/organisations/{amsterdam}")).json()
    # gm0402 serves now: its name, and no website since it has none.
    assert (organisation["name"], organisation["website"], organisation["active"]) == ("Overgenomen BV", None, True)
    await put(client, pusher("gm0402"), [], url=GM0402, withdraw_missing="true", confirm_withdraw="true")
    organisation = (await client.get(f"/v1/organisations/{amsterdam}")).json()
    assert (organisation["name"], organisation["active"]) == ("Overgenomen BV", False)
    history = (await client.get(f"/v1/organisations/{amsterdam}/history")).json()["items"]
    assert ("withdrawn", "active", True, False) in [(h["action"], h["field"], h["old"], h["new"]) for h in history]


async def test_a_coordinator_keeps_an_organisation_active(client, pusher, writer, amsterdam):
    version = (await client.get(f"/v1/organisations/{amsterdam}")).json()["version"]
    kept = await client.patch(f"/v1/organisations/{amsterdam}", json={"active": True},
                              headers={**writer, "If-Match": f'"{version}"'})
    assert kept.json()["locked_fields"] == ["active"]
    await put(client, pusher("gm0363"), [], withdraw_missing="true", confirm_withdraw="true")
    assert (await client.get(f"/v1/organisations/{amsterdam}")).json()["active"] is True


async def test_unlocking_a_field_serves_the_sources_value_again(client, pusher, writer, amsterdam):
    locked = await client.patch(f"/v1/organisations/{amsterdam}", json={"name": "TU"},
                                headers={**writer, "If-Match": '"1"'})
    assert (locked.json()["name"], locked.json()["locked_fields"]) == ("TU", ["name"])
    result = (await put(client, pusher("gm0363"), [{**AMSTERDAM, "name": "Technische Unie BV"}])).json()["results"][0]
    assert result["kept_fields"] == ["name"]
    unlocked = await client.patch(f"/v1/organisations/{amsterdam}", json={"locked_fields": []},
                                  headers={**writer, "If-Match": f'"{locked.json()["version"]}"'})
    assert (unlocked.json()["name"], unlocked.json()["locked_fields"]) == ("Technische Unie BV", [])
    history = (await client.get(f"/v1/organisations/{amsterdam}/history")).json()["items"]
    assert (history[-1]["action"], history[-1]["field"], history[-1]["new"]) == (
        "unlocked", "name", "Technische Unie BV")


async def test_a_coordinator_sets_which_source_comes_first(client, pusher, writer, rows, amsterdam):
    await put(client, pusher("gm0402"), [HOSTILE], url=GM0402)
    url = f"/v1/organisations/{amsterdam}/precedence"
    written = await counts(rows)
    for body, fields in [({"sources": ["gm0402"]}, ["sources"]),
                         ({"sources": ["gm0402", "uwv"]}, ["sources.1", "sources"]),
                         ({"sources": ["gm0402", "gm0402", "gm0363"]}, ["sources.1"]), ({"sources": []}, ["sources"])]:
        response = await client.put(url, json=body, headers=writer)
        assert response.status_code == 422, body
        assert [error["field"] for error in response.json()["errors"]] == fields
    for headers, status in [({}, 401), (pusher("gm0402"), 403)]:
        response = await client.put(url, json={"sources": ["gm0402", "gm0363"]}, headers=headers)
        assert response.status_code == status
        assert response.headers["content-type"] == "application/problem+json"
    assert await counts(rows) == written

    response = await client.put(url, json={"sources": ["gm0402", "gm0363"]}, headers=writer)
    assert response.status_code == 200, response.text
    assert [(s["source"], s["precedence"]) for s in response.json()["items"]] == [("gm0402", 1), ("gm0363", 2)]
    organisation = (await client.get(f"/v1/organisations/{amsterdam}")).json()
    assert (organisation["name"], organisation["active"]) == ("Overgenomen BV", False)
    history = (await client.get(f"/v1/organisations/{amsterdam}/history")).json()["items"]
    reordered = [h for h in history if h["action"] == "precedence"]
    assert (reordered[0]["field"], reordered[0]["old"], reordered[0]["new"]) == (
        "source_records", ["gm0363", "gm0402"], ["gm0402", "gm0363"])
    assert [(h["field"], h["new"]) for h in reordered[1:3]] == [("name", "Overgenomen BV"), ("kind", "other")]


async def test_coordinators_list_the_conflicts(client, pusher, writer, token, amsterdam):
    await put(client, pusher("gm0402"), [{**HOSTILE, "website": None, "active": True}], url=GM0402)
    other = (await put(client, pusher("gm0363"), [{**AMSTERDAM, "external_id": "ams-2", "kvk_number": "11112222"}])
             ).json()["results"][0]["id"]
    await put(client, pusher("gm0402"), [{**AMSTERDAM, "external_id": "hv-10", "kvk_number": "11112222",
                                          "email": "anders@example.nl"}], url=GM0402)
    for headers, status in [({}, 401), (pusher("gm0363"), 403), (bearer(token("contacts:read")), 403)]:
        response = await client.get("/v1/conflicts", headers=headers)
        assert (response.status_code, response.headers["content-type"]) == (status, "application/problem+json")

    response = await client.get("/v1/conflicts", headers=writer)
    assert response.status_code == 200
    items = response.json()["items"]
    assert sorted(item["organisation_id"] for item in items) == sorted([amsterdam, other])
    mine = next(item for item in items if item["organisation_id"] == amsterdam)
    assert [f["field"] for f in mine["fields"]] == ["name", "kind", "sectors", "municipality_code", "email"]
    name = mine["fields"][0]
    assert (name["served"], name["locked"]) == ("Technische Unie", False)
    assert [(s["source"], s["precedence"], s["value"]) for s in name["sources"]] == [
        ("gm0363", 1, "Technische Unie"), ("gm0402", 2, "Overgenomen BV")]

    first = (await client.get("/v1/conflicts", params={"limit": 1}, headers=writer)).json()
    rest = (await client.get("/v1/conflicts", params={"cursor": first["next_cursor"]}, headers=writer)).json()
    assert [i["organisation_id"] for i in first["items"] + rest["items"]] == [i["organisation_id"] for i in items]
    assert rest["next_cursor"] is None
    one = (await client.get("/v1/conflicts", params={"organisation_id": other}, headers=writer)).json()["items"]
    assert [(i["organisation_id"], [f["field"] for f in i["fields"]]) for i in one] == [(other, ["email"])]
    bad = await client.get("/v1/conflicts", params={"cursor": "nonsense"}, headers=writer)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "cursor"


async def test_existing_links_become_source_records_with_their_current_values(database_server_url):
    """The migration: every source link holds its organisation's values, ranked in the order they linked."""
    import asyncio
    import uuid

    from alembic import command
    from alembic.script import ScriptDirectory

    from cli.migrate import alembic_config
    from common.database import Database
    from common.postgres_server import drop_database, ensure_database, with_database

    url = with_database(database_server_url, f"techniekpact_migrate_{uuid.uuid4().hex[:8]}")
    await ensure_database(url)
    config = alembic_config("partners", url)
    previous = ScriptDirectory.from_config(config).get_revision("4c1f0e7b9a2d").down_revision
    try:
        await asyncio.to_thread(command.upgrade, config, str(previous))
        database = Database(url, schema="partners")
        async with database.engine.begin() as connection:
            await connection.execute(text(
                "INSERT INTO partners.organisations (id, name, kind, sectors, kvk_number, active) VALUES "
                "('00000000-0000-0000-0000-000000000001', 'Tata Steel', 'company', '{metaal}', '24295332', true)"))
            await connection.execute(text(
                "INSERT INTO partners.source_records (source, external_id, organisation_id, created_at) VALUES "
                "('huizen', 'hz-1', '00000000-0000-0000-0000-000000000001', now()), "
                "('hilversum', 'H-17', '00000000-0000-0000-0000-000000000001', now() - interval '1 day')"))
        await asyncio.to_thread(command.upgrade, config, "head")
        async with database.engine.connect() as connection:
            rows = (await connection.execute(text(
                "SELECT source, precedence, active, record FROM partners.source_records ORDER BY precedence"))).all()
        await database.dispose()
        record = {"name": "Tata Steel", "kind": "company", "sectors": ["metaal"], "kvk_number": "24295332",
                  "brin_code": None, "oin": None, "municipality_code": None, "website": None, "email": None,
                  "active": True}
        assert [tuple(row) for row in rows] == [("hilversum", 1, True, record), ("huizen", 2, True, record)]
    finally:
        await drop_database(url)
