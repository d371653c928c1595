"""Against the real partners_api process: the organisation check at write time, and 503 when it is down."""

import asyncio
import uuid

import httpx
import pytest

from common.database import Database
from common.testing import bearer, truncate_schema

pytestmark = pytest.mark.e2e


async def test_participations_are_checked_against_the_running_partners_api(stack, token):
    writer = bearer(token("actions:write", "partners:admin"))
    actions, partners = stack.url("actions_api"), stack.url("partners_api")
    try:
        async with httpx.AsyncClient(timeout=10) as client:
            organisation = await client.post(f"{partners}/v1/organisations", headers=writer, json={
                "name": "Techniekraad Noord-Holland", "kind": "intermediary"})
            assert organisation.status_code == 201, organisation.text
            organisation_id = organisation.json()["id"]
            assert (await client.post(f"{actions}/v1/pacts", headers=writer, json={
                "slug": "noordvleugel-e2e", "name": "Techniekpact Noordvleugel", "level": "regional",
            })).status_code == 201

            def action(*organisation_ids):
                return {"title": "Regionale Technet kringen",
                        "participants": [{"role": "lead", "organisation_id": i} for i in organisation_ids]}

            created = await client.post(f"{actions}/v1/pacts/noordvleugel-e2e/actions", headers=writer,
                                        json=action(organisation_id))
            assert created.status_code == 201, created.text
            unknown = await client.post(f"{actions}/v1/pacts/noordvleugel-e2e/actions", headers=writer,
                                        json=action(organisation_id, str(uuid.uuid4())))
            assert unknown.status_code == 422
            assert [e["field"] for e in unknown.json()["errors"]] == ["participants.1.organisation_id"]

            stack.stop_one("partners_api")
            try:
                down = await client.post(f"{actions}/v1/pacts/noordvleugel-e2e/actions", headers=writer,
                                         json=action(organisation_id))
                assert down.status_code == 503 and down.headers["retry-after"]
                assert down.headers["content-type"].startswith("application/problem+json")
            finally:
                stack.start_one("partners_api")
                await asyncio.to_thread(stack.wait_ready, 60, ("partners_api",))
            listed = (await client.get(f"{actions}/v1/actions", params={"pact": "noordvleugel-e2e"})).json()["items"]
            assert len(listed) == 1 and listed[0]["participants"][0]["organisation_id"] == organisation_id
    finally:
        # The stack shares the test database with the in-process suites, which expect empty schemas.
        for schema in ("actions", "partners"):
            database = Database(stack.database_url, schema=schema)
            await truncate_schema(database)
            await database.dispose()
