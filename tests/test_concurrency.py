"""Retries at the worst moment, over real HTTP: one Idempotency-Key sent 100 times at once has one
effect, and two coordinators editing one action with stale ETags lose no update."""

import asyncio
import uuid

import httpx
import pytest

pytestmark = pytest.mark.e2e

SAME_KEY_AT_ONCE = 100
REGION, MEASURE, OCCUPATION = "GM9901", "probe_vacancies", "probe_total"


async def _fire(url: str, method: str, body: dict, headers: dict) -> list[httpx.Response]:
    limits = httpx.Limits(max_connections=SAME_KEY_AT_ONCE)
    async with httpx.AsyncClient(timeout=60, limits=limits) as client:
        return await asyncio.gather(*(client.request(method, url, json=body, headers=headers)
                                      for _ in range(SAME_KEY_AT_ONCE)))


def _one_answer(responses: list[httpx.Response]) -> dict:
    statuses = sorted({r.status_code for r in responses})
    assert set(statuses) <= {200, 201, 409}, [(r.status_code, r.text[:200]) for r in responses if r.status_code not in (200, 201, 409)]
    answered = [r for r in responses if r.status_code in (200, 201)]
    assert answered, statuses
    assert all(r.json() == answered[0].json() for r in answered), "a replay answered differently"
    assert all(r.headers.get("retry-after") for r in responses if r.status_code == 409)
    return answered[0].json()


async def test_one_municipal_push_sent_100_times_at_once_has_one_effect(stack, token):
    source = f"gemeente-{uuid.uuid4().hex[:6]}"
    kvk = str(uuid.uuid4().int)[:8]
    body = {"records": [{"external_id": "org-1", "name": "Technisch Bureau Gooiland", "kind": "company",
                         "kvk_number": kvk, "municipality_code": "GM0402", "sectors": ["installation"]}]}
    headers = {"Authorization": f"Bearer {token('partners:write', sources=[source])}",
               "Idempotency-Key": str(uuid.uuid4())}
    answer = _one_answer(await _fire(f"{stack.url('partners_api')}/v1/sources/{source}/organisations",
                                     "PUT", body, headers))
    assert answer["created"] == 1
    async with httpx.AsyncClient(base_url=stack.url("partners_api")) as client:
        found = (await client.get("/v1/organisations", params={"search": "Technisch Bureau Gooiland"})).json()["items"]
        assert [o["kvk_number"] for o in found].count(kvk) == 1
        history = (await client.get(f"/v1/organisations/{found[0]['id']}/history")).json()["items"]
    assert len(history) == 1, history


async def _reference_data(client: httpx.AsyncClient, admin: dict) -> None:
    # Codes of their own: the stack shares its database with other tests, which create the real ones.
    for path, body in [
        (f"/v1/regions/{REGION}", {"name": "Proefgemeente", "kind": "municipality"}),
        (f"/v1/measures/{MEASURE}", {"name": "Proefvacatures", "unit": "vacatures", "kind": "flow"}),
        (f"/v1/occupations/{OCCUPATION}", {"name": "Proeftotaal"}),
    ]:
        response = await client.put(path, json=body, headers=admin)
        assert response.status_code in (200, 201), response.text


async def test_one_feed_batch_sent_100_times_at_once_has_one_effect(stack, token):
    source = f"uwv-{uuid.uuid4().hex[:6]}"
    async with httpx.AsyncClient(base_url=stack.url("metrics_api")) as client:
        await _reference_data(client, {"Authorization": f"Bearer {token('metrics:admin')}"})
    period = f"{1900 + uuid.uuid4().int % 100}"
    body = {"observations": [{"measure": MEASURE, "region": REGION, "period": period,
                              "occupation": OCCUPATION, "value": 1234, "status": "final"}]}
    headers = {"Authorization": f"Bearer {token('metrics:write', sources=[source])}",
               "Idempotency-Key": str(uuid.uuid4())}
    answer = _one_answer(await _fire(f"{stack.url('metrics_api')}/v1/feeds/{source}/observations", "POST", body, headers))
    assert answer["received"] == 1
    async with httpx.AsyncClient(base_url=stack.url("metrics_api")) as client:
        series = (await client.get("/v1/series", params={"measure": MEASURE, "region": REGION,
                                                        "occupation": OCCUPATION, "from": period, "to": period})).json()
        batch = (await client.get(f"/v1/batches/{answer['batch_id']}", headers=headers)).json()
    assert [(p["period"], p["value"], p["revision"]) for p in series["points"]] == [(period, 1234, 1)]
    assert batch["inserted"] + batch["revised"] + batch["unchanged"] == 1


async def test_two_coordinators_with_stale_etags_lose_no_update(stack, token):
    writer = {"Authorization": f"Bearer {token('actions:write')}"}
    slug = f"pact-{uuid.uuid4().hex[:8]}"
    async with httpx.AsyncClient(base_url=stack.url("actions_api"), headers=writer) as client:
        created = await client.post("/v1/pacts", json={"slug": slug, "name": "Testpact", "level": "regional"})
        assert created.status_code == 201, created.text
        line = await client.post(f"/v1/pacts/{slug}/lines", json={"number": 1, "name": "Kiezen voor techniek"})
        assert line.status_code == 201, line.text
        action = await client.post(f"/v1/pacts/{slug}/actions", json={
            "line": 1, "number": 1, "title": "Technet kringen"})
        assert action.status_code == 201, action.text
        action_id, first_etag = action.json()["id"], action.headers["etag"]

        # Both read version 1; both write at once. One wins, the other is told it is stale.
        edits = await asyncio.gather(
            client.patch(f"/v1/actions/{action_id}", json={"description": "Bedrijven in de klas"},
                         headers={"If-Match": first_etag}),
            client.patch(f"/v1/actions/{action_id}", json={"ambition": "Elke school een Technet-partner"},
                         headers={"If-Match": first_etag}))
        assert sorted(e.status_code for e in edits) == [200, 412], [e.text for e in edits]
        loser = next(e for e in edits if e.status_code == 412)
        # The loser fetches again and reapplies: now both edits are there.
        current = await client.get(f"/v1/actions/{action_id}")
        retry_body = ({"ambition": "Elke school een Technet-partner"} if current.json()["description"]
                      else {"description": "Bedrijven in de klas"})
        retried = await client.patch(f"/v1/actions/{action_id}", json=retry_body,
                                     headers={"If-Match": current.headers["etag"]})
        assert retried.status_code == 200, (loser.text, retried.text)
        final = (await client.get(f"/v1/actions/{action_id}")).json()
    assert final["description"] == "Bedrijven in de klas"
    assert final["ambition"] == "Elke school een Technet-partner"


KVK_ROUNDS = 6


async def test_a_kvk_change_racing_a_push_of_the_same_organisation_never_fails(stack, token):
    """PATCH takes the organisation's row and then the KvK lock; the push takes them the other way
    round. They deadlocked in 5 tries of 6 and answered 500; now the one PostgreSQL aborts is run
    again inside the service, so each ends in 200, or 412 when the push changed the version first."""
    source = f"gemeente-{uuid.uuid4().hex[:6]}"
    pusher = {"Authorization": f"Bearer {token('partners:write', sources=[source])}"}
    coordinator = {"Authorization": f"Bearer {token('partners:write', 'partners:admin')}"}
    async with httpx.AsyncClient(base_url=stack.url("partners_api"), timeout=60) as client:
        for round_ in range(KVK_ROUNDS):
            old_kvk, new_kvk = (str(uuid.uuid4().int)[:8] for _ in range(2))
            record = {"external_id": f"org-{round_}", "name": "Installatiebedrijf Gooi", "kind": "company",
                      "kvk_number": old_kvk, "municipality_code": "GM0402"}
            first = await client.put(f"/v1/sources/{source}/organisations", json={"records": [record]}, headers=pusher)
            assert first.status_code == 200, first.text
            organisation_id = first.json()["results"][0]["id"]
            etag = (await client.get(f"/v1/organisations/{organisation_id}")).headers["etag"]

            patch, push = await asyncio.gather(
                client.patch(f"/v1/organisations/{organisation_id}", json={"kvk_number": new_kvk},
                             headers={**coordinator, "If-Match": etag}),
                client.put(f"/v1/sources/{source}/organisations", headers=pusher,
                           json={"records": [{**record, "name": f"Installatiebedrijf Gooi {round_}"}]}))
            assert push.status_code == 200, push.text
            assert patch.status_code in (200, 412), patch.text
            final = (await client.get(f"/v1/organisations/{organisation_id}")).json()
            assert final["name"] == f"Installatiebedrijf Gooi {round_}"
            assert final["kvk_number"] == (new_kvk if patch.status_code == 200 else old_kvk)
