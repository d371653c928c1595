"""A forged cursor is a 422 naming `cursor` on every list of every service, never a 500.

Before, `GET /v1/pacts?cursor=W251bGxd` (the cursor `[null]`) and its like were a 500 on eight
public lists. The lists are taken from each running service's own OpenAPI document, so a list
added tomorrow is covered tomorrow.
"""

import base64
import uuid

import httpx
import pytest

from tests.hostile.service_cases import assert_answering, bearer, row_counts

pytestmark = pytest.mark.e2e

SERVICES = ("actions_api", "partners_api", "metrics_api")


def _b64(value: str) -> str:
    return base64.urlsafe_b64encode(value.encode()).decode().rstrip("=")


FORGED = {
    "[null]": "W251bGxd",
    "wrong length": _b64('["a", "b", "c", "d", "e", "f"]'),
    "an object": _b64('{"id": 1}'),
    "not base64": "!!!!",
    "not JSON": _b64("pact-42"),
    "wrong types": _b64('[{"$gt": ""}, [1]]'),
    "bad date and uuid": _b64('["2026-13-45T99:00:00", "not-a-uuid"]'),
    "huge and infinite numbers": _b64("[1e999, 123456789012345678901234567890]"),
    "nested deep": _b64("[" * 180 + "]" * 180),
    "too long": "A" * 600,
}


def _lists(stack) -> list[tuple[str, str]]:
    """(service, path template) of every GET that takes a `cursor`."""
    found = []
    for service in SERVICES:
        document = httpx.get(f"{stack.url(service)}/openapi.json", timeout=30).json()
        for path, item in document["paths"].items():
            parameters = item.get("get", {}).get("parameters", [])
            if any(p["name"] == "cursor" and p["in"] == "query" for p in parameters):
                found.append((service, path))
    return found


@pytest.fixture(scope="module")
def organisation_id(stack) -> str:
    response = httpx.post(f"{stack.url('partners_api')}/v1/organisations", headers=bearer(), timeout=30,
                          json={"name": f"Cursorbedrijf {uuid.uuid4().hex[:6]}", "kind": "company"})
    assert response.status_code == 201, response.text
    return response.json()["id"]


def test_every_public_list_is_covered(stack):
    lists = _lists(stack)
    for expected in [("actions_api", "/v1/pacts"), ("actions_api", "/v1/actions"),
                     ("partners_api", "/v1/organisations"), ("partners_api", "/v1/pacts/{pact}/members"),
                     ("metrics_api", "/v1/regions"), ("metrics_api", "/v1/observations")]:
        assert expected in lists, lists
    assert len(lists) >= 9


@pytest.mark.parametrize("forged", FORGED.values(), ids=FORGED.keys())
async def test_forged_cursors_are_422_naming_cursor(stack, database_url, organisation_id, forged):
    before = await row_counts(database_url)
    for service, template in _lists(stack):
        path = template.replace("{organisation_id}", organisation_id).replace("{pact}", "noordvleugel")
        async with httpx.AsyncClient(base_url=stack.url(service), headers=bearer(), timeout=30) as client:
            response = await client.get(path, params={"cursor": forged})
        assert response.status_code == 422, (service, path, response.status_code, response.text[:300])
        assert response.headers["content-type"] == "application/problem+json"
        problem = response.json()
        assert problem["type"] == "https://techniekpact.nl/problems/validation"
        assert [error["field"] for error in problem["errors"]] == ["cursor"], (service, path, problem)
    assert await row_counts(database_url) == before
    await assert_answering(stack, *SERVICES)


async def test_a_real_cursor_still_pages(stack, organisation_id):
    async with httpx.AsyncClient(base_url=stack.url("partners_api"), timeout=30) as client:
        second_organisation = await client.post("/v1/organisations", headers=bearer(),
                                                json={"name": "Tweede cursorbedrijf", "kind": "company"})
        assert second_organisation.status_code == 201, second_organisation.text
        first = (await client.get("/v1/organisations", params={"limit": 1})).json()
        assert first["next_cursor"] is not None
        second = await client.get("/v1/organisations", params={"limit": 1, "cursor": first["next_cursor"]})
    assert second.status_code == 200
    assert second.json()["items"][0]["id"] != first["items"][0]["id"]
