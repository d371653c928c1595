"""Building blocks the tests share: a pact as the Noordvleugel plan has it, checks on problem answers."""

import httpx


async def make_pact(client: httpx.AsyncClient, headers: dict, slug: str = "noordvleugel", **fields) -> dict:
    body = {"slug": slug, "name": "Techniekpact Noordvleugel", "level": "regional", "region": "noordvleugel", **fields}
    response = await client.post("/v1/pacts", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


async def make_line(client: httpx.AsyncClient, headers: dict, slug: str = "noordvleugel", number: int = 1,
                    **fields) -> dict:
    body = {"number": number, "name": "Kiezen voor techniek", **fields}
    response = await client.post(f"/v1/pacts/{slug}/lines", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


async def make_action(client: httpx.AsyncClient, headers: dict, slug: str = "noordvleugel", **fields) -> dict:
    body = {"title": "Versterken inzet bedrijfsleven in PO/VO m.b.v. regionale Technet kringen", **fields}
    response = await client.post(f"/v1/pacts/{slug}/actions", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


def assert_problem(response: httpx.Response, status: int, field: str | None = None) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    if field is not None:
        assert field in [e["field"] for e in body.get("errors", [])], body
    return body
