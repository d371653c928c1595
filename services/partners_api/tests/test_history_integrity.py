"""Every history row names an organisation that exists: the database refuses to delete one (the
history has no foreign key since migration 8c3d5e7f9a1b), and no write path leaves a row behind."""

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from common.testing import bearer

URL = "/v1/sources/{source}/organisations"

ORPHANS = """SELECT count(*) FROM partners.organisation_changes c
              WHERE NOT EXISTS (SELECT 1 FROM partners.organisations o WHERE o.id = c.organisation_id)"""


def record(external_id: str, **fields) -> dict:
    return {"external_id": external_id, "name": f"Organisatie {external_id}", "kind": "company",
            "municipality_code": "GM0402", **fields}


async def scalar(app, sql: str, **params):
    async with app.state.database.engine.connect() as connection:
        return (await connection.execute(text(sql), params)).scalar_one()


async def test_an_organisation_with_history_cannot_be_deleted(app, client, writer, rows):
    pushed = await client.put(URL.format(source="hilversum"), json={"records": [record("1")]}, headers=writer)
    assert pushed.status_code == 200, pushed.text
    organisation_id = pushed.json()["results"][0]["id"]
    assert await rows("organisation_changes") == 1

    with pytest.raises(DBAPIError, match="is never deleted"):
        async with app.state.database.engine.begin() as connection:
            # The source record's foreign key would refuse this too: take it away first, as a careless
            # clean-up would, so that only the organisations' own rule stands in the way.
            await connection.execute(text("DELETE FROM partners.source_records"))
            await connection.execute(text("DELETE FROM partners.organisations WHERE id = :id"), {"id": organisation_id})

    assert (await rows("organisations"), await rows("source_records"), await rows("organisation_changes")) == (1, 1, 1)
    assert await scalar(app, ORPHANS) == 0


async def test_no_write_path_leaves_history_without_its_organisation(app, client, writer, token):
    """Created, linked by KvK from a second source, disagreed, changed, withdrawn by a full sync,
    corrected and archived by a coordinator: each history row's organisation is there."""
    huizen = bearer(token("partners:write", sources=["huizen"], subject="gemeente-huizen"))
    first = [record("1", kvk_number="12345678"), record("2", kvk_number="87654321"), record("3")]
    created = await client.put(URL.format(source="hilversum"), json={"records": first}, headers=writer)
    assert created.status_code == 200, created.text
    linked = await client.put(URL.format(source="huizen"), headers=huizen, json={"records": [
        record("H-1", kvk_number="12345678", name="ANDERE NAAM")]})
    assert linked.json()["updated"] == 1, linked.text
    changed = [record("1", kvk_number="12345678", website="https://een.nl"), record("3")]
    synced = await client.put(URL.format(source="hilversum"), json={"records": changed}, headers=writer,
                              params={"withdraw_missing": "true"})
    assert (synced.json()["updated"], synced.json()["withdrawn"]) == (1, 1), synced.text
    organisation_id = synced.json()["results"][0]["id"]
    current = (await client.get(f"/v1/organisations/{organisation_id}")).json()
    patched = await client.patch(f"/v1/organisations/{organisation_id}", json={"name": "Gecorrigeerd"},
                                 headers={**writer, "If-Match": f'"{current["version"]}"'})
    assert patched.status_code == 200, patched.text
    assert (await client.post(f"/v1/organisations/{organisation_id}/archive", headers=writer)).status_code == 200

    actions = await scalar(app, "SELECT array_agg(DISTINCT action) FROM partners.organisation_changes")
    assert {"created", "linked", "disagreed", "updated", "withdrawn", "archived"} <= set(actions), actions
    assert await scalar(app, ORPHANS) == 0
