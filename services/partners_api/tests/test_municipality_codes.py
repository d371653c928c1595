"""Municipality codes are those of metrics_api's region registry (issue 21): the push, a coordinator's
edits and sign-ups refuse a code CBS never gave and the code of a municipality that merged away,
naming its successor; nothing is written. The registry (conftest.FakeMetrics) is the one metrics_api's
migration loads from CBS's lists, asked once per push at most."""

import httpx
import pytest

from common.testing import bearer, service_client
from services.partners_api.app import create_app
from services.partners_api.settings import PartnersSettings

PUSH = "/v1/sources/hilversum/organisations"
WEESP = "GM0457 (Weesp) was merged into GM0363 (Amsterdam) on 2022-03-24; use GM0363."
TEN_BOER = "GM0009 (Ten Boer) was merged into GM0014 (Groningen) on 2019-01-01; use GM0014."
UNKNOWN = "GM9999 is not a municipality code in CBS's registry (metrics_api's regions)."
TABLES = ("organisations", "source_records", "organisation_changes", "signups")


def record(external_id: str, code: str | None = "GM0402") -> dict:
    return {"external_id": external_id, "name": f"Organisatie {external_id}", "kind": "company",
            "municipality_code": code}


async def counts(rows) -> list[int]:
    return [await rows(table) for table in TABLES]


def test_the_registry_holds_weesp_as_merged_into_amsterdam(metrics):
    by_code = {region["code"]: region for region in metrics.regions}
    assert (by_code["GM0457"]["name"], by_code["GM0457"]["valid_to"], by_code["GM0457"]["successor"]) == (
        "Weesp", "2022-03-24", "GM0363")
    assert (by_code["GM0363"]["name"], by_code["GM0363"]["valid_to"]) == ("Amsterdam", None)


@pytest.mark.parametrize(("code", "reason", "successor"), [
    ("GM9999", UNKNOWN, None),
    ("GM0457", WEESP, "GM0363"),
    ("gm0009", TEN_BOER, "GM0014"),
    # Appingedam merged into Eemsdelta in 2021, a municipality outside the registry's provinces so far.
    ("GM0003", "GM0003 (Appingedam) was merged away on 2021-01-01; use the code of the municipality it became "
               "part of.", None),
])
async def test_a_push_with_a_refused_code_names_the_record_and_writes_nothing(client, writer, rows, code, reason,
                                                                              successor):
    response = await client.put(PUSH, json={"records": [record("a"), record("b", code), record("c", None)]},
                                headers=writer)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    expected = {"field": "records.1.municipality_code", "reason": reason, "index": 1}
    assert response.json()["errors"] == [{**expected, "successor": successor} if successor else expected]
    assert await counts(rows) == [0, 0, 0, 0]


async def test_every_refused_record_is_listed(client, writer, rows):
    records = [record("a", "GM9999"), record("b"), record("c", "GM0457"), record("d", "GM9999")]
    response = await client.put(PUSH, json={"records": records}, headers=writer)
    assert response.status_code == 422
    assert [(error["index"], error["field"]) for error in response.json()["errors"]] == [
        (0, "records.0.municipality_code"), (2, "records.2.municipality_code"), (3, "records.3.municipality_code")]
    assert await counts(rows) == [0, 0, 0, 0]


async def test_current_codes_go_in_and_the_registry_is_asked_once_for_many_pushes(client, writer, metrics, rows):
    metrics.page_size = 100  # the registry's 441 municipalities come in five pages
    records = [record(str(n), code) for n, code in enumerate(["GM0402", "gm0406", "GM1942", "GM0363", None] * 200)]
    first = await client.put(PUSH, json={"records": records}, headers=writer)
    assert first.status_code == 200, first.text
    assert first.json()["created"] == 1000
    assert len(metrics.calls) == 5
    assert [call.url.params.get("cursor") for call in metrics.calls] == [None, "100", "200", "300", "400"]
    second = await client.put(PUSH, json={"records": [*records[:10], record("new", "GM0417")]}, headers=writer)
    assert second.status_code == 200, second.text
    assert len(metrics.calls) == 5  # the copy is fresh: no call at all
    stored = (await client.get("/v1/organisations", params={"municipality": "GM0406", "limit": 500})).json()["items"]
    assert len(stored) == 200 and {o["municipality_code"] for o in stored} == {"GM0406"}
    assert await rows("organisations") == 1001


async def test_with_no_time_to_keep_it_each_push_asks_again(database_url, actions, metrics, token):
    settings = PartnersSettings(database_url=database_url, environment="test", municipality_registry_ttl_seconds=0)
    app = create_app(settings, actions_transport=httpx.MockTransport(actions.handle),
                     metrics_transport=httpx.MockTransport(metrics.handle))
    headers = bearer(token("partners:write", sources=["hilversum"]))
    async with service_client(app) as client:
        for n in range(3):
            response = await client.put(PUSH, json={"records": [record(str(n))]}, headers=headers)
            assert response.status_code == 200, response.text
    assert len(metrics.calls) == 3


async def test_metrics_api_down_is_503_with_retry_after_and_nothing_written(client, writer, metrics, rows):
    metrics.down = True
    response = await client.put(PUSH, json={"records": [record("a"), record("b")]},
                                headers={**writer, "Idempotency-Key": "push-1"})
    assert response.status_code == 503, response.text
    assert response.headers["Retry-After"] == "5"
    assert response.json()["type"].endswith("regions-unavailable")
    assert await counts(rows) == [0, 0, 0, 0]
    assert await rows("idempotency_keys") == 0
    # Records without a municipality need no registry; once it answers, the same key pushes.
    assert (await client.put(PUSH, json={"records": [record("c", None)]}, headers=writer)).status_code == 200
    metrics.down = False
    again = await client.put(PUSH, json={"records": [record("a"), record("b")]},
                             headers={**writer, "Idempotency-Key": "push-1"})
    assert again.status_code == 200, again.text
    assert again.json()["created"] == 2


async def test_a_push_into_a_sync_session_is_checked_too(client, writer, rows):
    opened = await client.post("/v1/sources/hilversum/sync-sessions", headers=writer)
    assert opened.status_code == 201
    url = f"/v1/sources/hilversum/sync-sessions/{opened.json()['id']}/organisations"
    response = await client.put(url, json={"records": [record("a", "GM0457")]}, headers=writer)
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "records.0.municipality_code", "reason": WEESP, "index": 0,
                                          "successor": "GM0363"}]
    assert await counts(rows) == [0, 0, 0, 0]
    assert await rows("sync_session_records") == 0


@pytest.mark.parametrize(("code", "reason"), [("GM9999", UNKNOWN), ("GM0457", WEESP)])
async def test_a_coordinator_cannot_create_an_organisation_in_a_refused_municipality(client, writer, rows, code,
                                                                                    reason):
    response = await client.post("/v1/organisations", json={"name": "Weesper Werf", "kind": "company",
                                                            "municipality_code": code}, headers=writer)
    assert response.status_code == 422, response.text
    [error] = response.json()["errors"]
    assert (error["field"], error["reason"]) == ("municipality_code", reason)
    assert await counts(rows) == [0, 0, 0, 0]


async def test_a_patch_to_a_merged_away_code_changes_nothing(client, writer, new_organisation, rows, metrics):
    organisation = await new_organisation(municipality_code="GM0363")
    url = f"/v1/organisations/{organisation['id']}"
    headers = {**writer, "If-Match": f'"{organisation["version"]}"'}
    response = await client.patch(url, json={"municipality_code": "GM0457"}, headers=headers)
    assert response.status_code == 422, response.text
    assert response.json()["errors"] == [{"field": "municipality_code", "reason": WEESP, "successor": "GM0363"}]
    after = (await client.get(url)).json()
    assert (after["municipality_code"], after["version"]) == ("GM0363", organisation["version"])
    assert await rows("organisation_changes") == 1
    assert (await client.patch(url, json={"municipality_code": "GM0402"}, headers=headers)).status_code == 200
    # A patch that leaves the code as it is needs no registry.
    metrics.down = True
    fresh = (await client.get(url)).json()
    renamed = await client.patch(url, json={"name": "Nieuwe naam", "municipality_code": "GM0402"},
                                 headers={**writer, "If-Match": f'"{fresh["version"]}"'})
    assert renamed.status_code == 200, renamed.text


SIGNUP = {"organisation_name": "Installatiebedrijf Weesp", "kind": "company", "municipality_code": "GM0457",
          "contact_name": "Ans de Vries", "contact_email": "ans@example.nl"}


async def test_a_sign_up_in_a_merged_away_municipality_is_refused(client, rows, metrics):
    metrics.down = True
    down = await client.post("/v1/pacts/noordvleugel/signups", json={**SIGNUP, "municipality_code": "GM0363"})
    assert down.status_code == 503 and down.headers["Retry-After"] == "5"
    metrics.down = False
    response = await client.post("/v1/pacts/noordvleugel/signups", json=SIGNUP)
    assert response.status_code == 422, response.text
    assert response.json()["errors"] == [{"field": "municipality_code", "reason": WEESP, "successor": "GM0363"}]
    assert await counts(rows) == [0, 0, 0, 0]
    accepted = await client.post("/v1/pacts/noordvleugel/signups", json={**SIGNUP, "municipality_code": "GM0363"})
    assert accepted.status_code == 202, accepted.text
    assert await rows("signups") == 1


async def test_the_registry_client_leaves_the_prometheus_registry_alone(client, writer):
    # The client once took `app.state.metrics`, which /metrics renders: /metrics answered 500.
    assert (await client.put(PUSH, json={"records": [record("a")]}, headers=writer)).status_code == 200
    scraped = await client.get("/metrics")
    assert scraped.status_code == 200, scraped.text[:300]
    assert "# TYPE" in scraped.text
