"""The push's bulk SQL records its change events (common/changes.py): the ORM does not see it."""

from sqlalchemy import text


def record(external_id: str, **fields) -> dict:
    return {"external_id": external_id, "name": f"Organisatie {external_id}", "kind": "company", **fields}


async def events(client, after: int = 0) -> list[tuple[str, str, set[str]]]:
    page = (await client.get("/v1/changes", params={"after": after, "limit": 1000})).json()
    return [(item["entity"], item["operation"], set(item["ids"])) for item in page["items"]]


async def head(client) -> int:
    return (await client.get("/v1/changes", params={"after": 0, "limit": 1})).json()["head"]


async def test_a_push_records_what_it_created_and_changed_and_an_unchanged_one_nothing(client, pusher):
    hilversum = pusher("hilversum")
    url = "/v1/sources/hilversum/organisations"
    first = (await client.put(url, headers=hilversum, json={"records": [record("1"), record("2")]})).json()
    ids = {r["external_id"]: r["id"] for r in first["results"]}
    assert await events(client) == [("organisations", "created", {ids["1"], ids["2"]})]

    seen = await head(client)
    await client.put(url, headers=hilversum, json={"records": [record("1"), record("2")]})
    assert await events(client, seen) == []  # unchanged: nothing written, nothing to tell

    await client.put(url, headers=hilversum, json={"records": [record("1", name="Nieuw"), record("2")]})
    assert await events(client, seen) == [("organisations", "updated", {ids["1"]})]

    seen = await head(client)
    await client.put(url, headers=hilversum, json={"records": [record("1", name="Nieuw")]},
                     params={"withdraw_missing": "true"})
    assert await events(client, seen) == [("organisations", "updated", {ids["2"]})]


async def test_a_refused_push_records_nothing(app, client, pusher):
    seen = await head(client)
    response = await client.put("/v1/sources/hilversum/organisations", headers=pusher("hilversum"),
                                json={"records": [record("1"), record("2", kvk_number="1")]})
    assert response.status_code == 422
    assert await events(client, seen) == []
    async with app.state.database.engine.connect() as connection:
        assert (await connection.execute(text("SELECT count(*) FROM partners.change_events"))).scalar_one() == 0
