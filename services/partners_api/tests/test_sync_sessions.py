"""Sync sessions: a full sync of any size, in as many pushes as it takes (issue 22)."""

import uuid

import pytest
from sqlalchemy import text

from common.testing import bearer

SESSIONS = "/v1/sources/hilversum/sync-sessions"


def record(external_id: str, **fields) -> dict:
    return {"external_id": external_id, "name": f"Organisatie {external_id}", "kind": "company",
            "municipality_code": "GM0402", **fields}


async def query(app, sql: str, **params):
    async with app.state.database.engine.connect() as connection:
        return (await connection.execute(text(sql), params)).all()


async def execute(app, sql: str, **params) -> None:
    async with app.state.database.engine.begin() as connection:
        await connection.execute(text(sql), params)


async def withdrawn(app) -> list[str]:
    rows = await query(app, "SELECT external_id FROM partners.source_records WHERE withdrawn_at IS NOT NULL "
                            "ORDER BY external_id")
    return [row[0] for row in rows]


async def open_session(client, headers, url=SESSIONS) -> dict:
    response = await client.post(url, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


async def push(client, headers, session_id, records, url=SESSIONS, **extra):
    return await client.put(f"{url}/{session_id}/organisations", json={"records": records},
                            headers={**headers, **extra})


def problem(response, status: int, kind: str | None = None) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    if kind is not None:
        assert body["type"].endswith(kind), body
    return body


@pytest.fixture
def counts(rows):
    async def now() -> dict[str, int]:
        return {table: await rows(table) for table in (
            "organisations", "source_records", "organisation_changes", "sync_sessions", "sync_session_records")}

    return now


async def test_a_full_sync_in_several_pushes_withdraws_only_when_closed(app, client, pusher, rows):
    hilversum = pusher("hilversum")
    first = await client.put("/v1/sources/hilversum/organisations", headers=hilversum,
                             json={"records": [record(str(n)) for n in range(1, 6)]})
    ids = {r["external_id"]: r["id"] for r in first.json()["results"]}

    opened = await open_session(client, hilversum)
    assert (opened["source"], opened["status"], opened["pushes"], opened["records"], opened["opened_by"]) == (
        "hilversum", "open", 0, 0, "system-hilversum")
    one = await push(client, hilversum, opened["id"], [record("1"), record("2", name="Nieuw")],
                     **{"Idempotency-Key": "sync-1"})
    assert one.status_code == 200, one.text
    assert (one.json()["unchanged"], one.json()["updated"], one.json()["withdrawn"]) == (1, 1, 0)
    replayed = await push(client, hilversum, opened["id"], [record("1"), record("2", name="Nieuw")],
                          **{"Idempotency-Key": "sync-1"})
    assert replayed.headers["Idempotent-Replayed"] == "true"
    assert replayed.json() == one.json()
    two = await push(client, hilversum, opened["id"], [record("3"), record("6")])
    assert (two.json()["unchanged"], two.json()["created"]) == (1, 1)
    assert await withdrawn(app) == []  # nothing is withdrawn before the session closes

    state = (await client.get(f"{SESSIONS}/{opened['id']}", headers=hilversum)).json()
    assert (state["status"], state["pushes"], state["records"]) == ("open", 2, 4)

    closed = await client.post(f"{SESSIONS}/{opened['id']}/close", headers=hilversum)
    assert closed.status_code == 200, closed.text
    answer = closed.json()
    assert (answer["status"], answer["records"], answer["withdrawn"], answer["closed_by"]) == (
        "closed", 4, 2, "system-hilversum")
    assert [(r["external_id"], r["id"], r["outcome"]) for r in answer["results"]] == [
        ("4", ids["4"], "withdrawn"), ("5", ids["5"], "withdrawn")]
    assert await withdrawn(app) == ["4", "5"]
    assert (await client.get(f"/v1/organisations/{ids['4']}")).json()["active"] is False
    assert (await client.get(f"/v1/organisations/{ids['1']}")).json()["active"] is True
    assert await rows("sync_session_records") == 0  # the noted ids go once the session is closed
    assert (await client.get(f"{SESSIONS}/{opened['id']}", headers=hilversum)).json()["status"] == "closed"


async def test_a_session_can_hold_more_than_one_push_takes(app, client, pusher):
    """More records than the 10,000 one push takes, in three pushes; closing withdraws the one left out."""
    hilversum = pusher("hilversum")
    everything = [record(f"R{n:05d}") for n in range(12_001)]
    for start in range(0, 12_001, 6_000):
        response = await client.put("/v1/sources/hilversum/organisations", headers=hilversum,
                                    json={"records": everything[start:start + 6_000]})
        assert response.status_code == 200, response.text
    opened = await open_session(client, hilversum)
    for start in range(0, 12_000, 5_000):
        assert (await push(client, hilversum, opened["id"], everything[start:min(start + 5_000, 12_000)])
                ).status_code == 200
    answer = (await client.post(f"{SESSIONS}/{opened['id']}/close", headers=hilversum)).json()
    assert (answer["records"], answer["withdrawn"]) == (12_000, 1)
    assert await withdrawn(app) == ["R12000"]


async def test_closing_that_would_withdraw_too_much_needs_confirmation(app, client, pusher, counts):
    hilversum = pusher("hilversum")
    await client.put("/v1/sources/hilversum/organisations", headers=hilversum,
                     json={"records": [record(str(n)) for n in range(1, 5)]})
    opened = await open_session(client, hilversum)
    await push(client, hilversum, opened["id"], [record("1")])
    before = await counts()

    refused = problem(await client.post(f"{SESSIONS}/{opened['id']}/close", headers=hilversum), 422, "validation")
    assert refused["errors"][0]["field"] == "confirm_withdraw"
    assert (refused["errors"][0]["missing"], refused["errors"][0]["holding"]) == (3, 4)
    assert await counts() == before
    assert await withdrawn(app) == []
    assert (await client.get(f"{SESSIONS}/{opened['id']}", headers=hilversum)).json()["status"] == "open"

    confirmed = await client.post(f"{SESSIONS}/{opened['id']}/close", headers=hilversum,
                                  params={"confirm_withdraw": "true"})
    assert confirmed.json()["withdrawn"] == 3
    assert await withdrawn(app) == ["2", "3", "4"]


async def test_an_abandoned_session_withdraws_nothing_and_expires(app, client, pusher, counts):
    hilversum = pusher("hilversum")
    await client.put("/v1/sources/hilversum/organisations", headers=hilversum,
                     json={"records": [record("1"), record("2")]})
    opened = await open_session(client, hilversum)
    await push(client, hilversum, opened["id"], [record("1")])
    assert (await counts())["sync_session_records"] == 1
    # Its time passes (SYNC_SESSION_TTL_SECONDS after its last push).
    await execute(app, "UPDATE partners.sync_sessions SET expires_at = now() - interval '1 second'")
    assert (await client.get(f"{SESSIONS}/{opened['id']}", headers=hilversum)).json()["status"] == "expired"
    before = await counts()

    pushed = problem(await push(client, hilversum, opened["id"], [record("3")]), 409, "sync-session-expired")
    assert "expired" in pushed["detail"]
    problem(await client.post(f"{SESSIONS}/{opened['id']}/close", headers=hilversum,
                              params={"confirm_withdraw": "true"}), 409, "sync-session-expired")
    assert await counts() == before
    assert await withdrawn(app) == []

    # The next session purges what the expired one noted.
    await open_session(client, hilversum)
    assert (await counts())["sync_session_records"] == 0


async def test_a_closed_session_takes_no_more_pushes_and_no_second_close(app, client, pusher, counts):
    hilversum = pusher("hilversum")
    await client.put("/v1/sources/hilversum/organisations", headers=hilversum, json={"records": [record("1")]})
    opened = await open_session(client, hilversum)
    await push(client, hilversum, opened["id"], [record("1")])
    assert (await client.post(f"{SESSIONS}/{opened['id']}/close", headers=hilversum)).status_code == 200
    before = await counts()

    problem(await push(client, hilversum, opened["id"], [record("2")]), 409, "sync-session-closed")
    problem(await client.post(f"{SESSIONS}/{opened['id']}/close", headers=hilversum), 409, "sync-session-closed")
    assert await counts() == before


async def test_a_retried_close_with_its_key_gets_the_first_answer(client, pusher):
    hilversum = pusher("hilversum")
    await client.put("/v1/sources/hilversum/organisations", headers=hilversum,
                     json={"records": [record("1"), record("2"), record("3")]})
    opened = await open_session(client, hilversum)
    await push(client, hilversum, opened["id"], [record("1"), record("2")])
    keyed = {**hilversum, "Idempotency-Key": "close-1"}
    first = await client.post(f"{SESSIONS}/{opened['id']}/close", headers=keyed)
    again = await client.post(f"{SESSIONS}/{opened['id']}/close", headers=keyed)
    assert (first.status_code, again.status_code) == (200, 200)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert first.json()["withdrawn"] == 1


async def test_unknown_and_other_sources_sessions_are_not_found(app, client, writer, counts):
    """`writer` may push for hilversum and huizen; a huizen session is not hilversum's."""
    huizen = await open_session(client, writer, "/v1/sources/huizen/sync-sessions")
    before = await counts()
    for session_id in (huizen["id"], str(uuid.uuid4())):
        body = problem(await push(client, writer, session_id, [record("1")]), 404, "not-found")
        assert session_id in body["detail"]
        problem(await client.post(f"{SESSIONS}/{session_id}/close", headers=writer), 404, "not-found")
        problem(await client.get(f"{SESSIONS}/{session_id}", headers=writer), 404, "not-found")
    assert await counts() == before
    bad = problem(await client.post(f"{SESSIONS}/not-a-uuid/close", headers=writer), 422)
    assert "session_id" in str(bad)


async def test_sessions_are_the_sources_push_tokens(client, pusher, token, counts):
    huizen = await open_session(client, pusher("huizen"), "/v1/sources/huizen/sync-sessions")
    other = pusher("hilversum")
    reader = bearer(token("partners:admin", "contacts:read", subject="coordinator"))
    before = await counts()
    for headers in (other, reader):
        problem(await client.post("/v1/sources/huizen/sync-sessions", headers=headers), 403)
        problem(await client.get(f"/v1/sources/huizen/sync-sessions/{huizen['id']}", headers=headers), 403)
        problem(await push(client, headers, huizen["id"], [record("1")], url="/v1/sources/huizen/sync-sessions"),
                403)
        problem(await client.post(f"/v1/sources/huizen/sync-sessions/{huizen['id']}/close", headers=headers), 403)
    problem(await client.post("/v1/sources/huizen/sync-sessions"), 401)
    assert await counts() == before


async def test_a_bad_push_into_a_session_notes_nothing(client, pusher, counts):
    hilversum = pusher("hilversum")
    opened = await open_session(client, hilversum)
    before = await counts()
    body = problem(await push(client, hilversum, opened["id"], [record("1"), record("2", kvk_number="123")]), 422)
    assert body["errors"][0]["field"] == "records.1.kvk_number"
    assert await counts() == before
    state = (await client.get(f"{SESSIONS}/{opened['id']}", headers=hilversum)).json()
    assert (state["pushes"], state["records"]) == (0, 0)
