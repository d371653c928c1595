"""Limits apply before any service is called: each refused query is a 400 with a code and makes zero
downstream requests. (gateway/tests/test_document_limits.py has the hostile documents.)"""

import httpx
import pytest
from pydantic import ValidationError

from gateway.settings import GatewaySettings
from gateway.tests.support import graphql


def deep_query(depth: int) -> str:
    """pact > parent > ... > name, as deep as Strawberry's QueryDepthLimiter counted (the root field is 0)."""
    return "{ pact(slug: \"noordvleugel\") { " + "parent { " * (depth - 1) + "name" + " }" * (depth - 1) + " } }"


async def refused(client: httpx.AsyncClient, query: str, variables: dict | None = None) -> dict:
    response = await client.post("/graphql", json={"query": query, "variables": variables or {}})
    assert response.status_code == 400, response.text
    answer = response.json()
    assert answer["data"] is None and answer["errors"], answer
    return answer


@pytest.mark.parametrize(("query", "code", "text"), [
    (deep_query(11), "QUERY_TOO_DEEP", "nests 11 levels deep; at most 10"),
    (deep_query(30), "QUERY_TOO_DEEP", "nests 30 levels deep; at most 10"),
    ("{ " + " ".join(f"a{i}: pact(slug: \"x\") {{ name }}" for i in range(31)) + " }", "TOO_MANY_ALIASES",
     "more than 30 aliases"),
    ("{ pacts { " + "name " * 15_000 + "} }", "QUERY_TOO_LARGE", "15000 tokens"),
    ('{ actions(first: 101) { nodes { id } } }', "BAD_USER_INPUT", "between 1 and 100; got 101"),
    ('{ actions(first: 0) { nodes { id } } }', "BAD_USER_INPUT", "between 1 and 100; got 0"),
    ("""{ a: actions(first: 100) { nodes { milestones { title } participants { organisation { name
          memberships { pact { name } } actions { title milestones { title } } } } } }
        b: actions(first: 100) { nodes { lead { actions { pact { name } } } } } }""", "QUERY_TOO_COSTLY",
     "exceeds the limit of 10000"),
])
async def test_limits_refuse_before_any_service_is_called(gateway, services, query, code, text):
    async with gateway() as client:
        answer = await refused(client, query)
    [error] = answer["errors"]
    assert error["extensions"]["code"] == code and text in error["message"], error
    assert answer["extensions"]["downstream"] == {"requests": 0, "seconds": 0.0}
    assert services.count() == 0


async def test_queries_within_the_limits_run(gateway, services):
    async with gateway() as client:
        deep = await graphql(client, deep_query(10))
        aliased = await graphql(client, "{ " + " ".join(f"a{i}: apiVersion" for i in range(30)) + " }")
    assert deep == {"data": {"pact": {"parent": None}}, "extensions": deep["extensions"]}
    assert "errors" not in aliased


async def test_page_size_from_a_variable_is_limited_too(gateway, services):
    async with gateway() as client:
        answer = await refused(client, "query($n: Int!) { actions(first: $n) { nodes { id } } }", {"n": 500})
    assert "between 1 and 100; got 500" in answer["errors"][0]["message"]
    assert services.count() == 0


async def test_cost_ceiling_is_configurable_and_reported(gateway, services):
    query = "{ actions(first: 50) { nodes { milestones { title } } } }"
    async with gateway(graphql_max_cost=100) as client:
        too_costly = await refused(client, query)
        accepted = await graphql(client, "{ actions(first: 5) { nodes { title } } }")
    assert too_costly["errors"][0]["extensions"] == {"code": "QUERY_TOO_COSTLY", "cost": 301, "limit": 100}
    assert accepted["extensions"]["cost"] == {"estimated": 6, "limit": 100}


async def test_batched_bodies_are_refused(gateway, services):
    async with gateway() as client:
        response = await client.post("/graphql", json=[{"query": "{ pacts { name } }"}, {"query": "{ apiVersion }"}])
    assert response.status_code == 400
    assert services.count() == 0


async def test_bodies_over_2_mb_are_refused(gateway, services):
    async with gateway() as client:
        body = b'{"query": "' + b" " * (2 * 1024 * 1024) + b'{ pacts { name } }"}'
        declared = await client.post("/graphql", content=body, headers={"content-type": "application/json"})
        streamed = await client.post("/graphql", content=_chunks(body), headers={"content-type": "application/json"})
    for response in (declared, streamed):
        assert response.status_code == 400
        [error] = response.json()["errors"]
        assert error["extensions"] == {"code": "BODY_TOO_LARGE", "limit": 2 * 1024 * 1024}
        assert "2097152 bytes" in error["message"]
    assert services.count() == 0


async def _chunks(body: bytes):
    """A body without Content-Length, so the limit is found while it arrives."""
    for start in range(0, len(body), 65_536):
        yield body[start:start + 65_536]


async def test_introspection_and_suggestions_off_for_production(gateway, services):
    # Suggestions follow introspection unless GRAPHQL_SUGGESTIONS says otherwise.
    async with gateway(graphql_introspection=False) as client:
        introspection = await graphql(client, "{ __schema { types { name } } }")
        typo = await graphql(client, '{ pact(slug: "noordvleugel") { nam } }')
        kind = await graphql(client, "query($k: OrganisationKind) { organisations(kind: $k) { nodes { id } } }",
                             {"k": "COMPAN"})
    assert "introspection" in introspection["errors"][0]["message"].lower()
    assert "Did you mean" not in str(typo) and typo["errors"]
    assert "Did you mean" not in str(kind) and kind["errors"]
    assert services.count() == 0


async def test_suggestions_on_in_development(gateway):
    async with gateway() as client:
        typo = await graphql(client, '{ pact(slug: "noordvleugel") { nam } }')
    assert "Did you mean 'name'" in typo["errors"][0]["message"]


async def test_graphql_response_media_type_gets_400_without_data_for_invalid_requests(gateway, services):
    accept = {"accept": "application/graphql-response+json"}
    async with gateway() as client:
        invalid = await client.post("/graphql", json={"query": "{ nope }"}, headers=accept)
        unparsable = await client.post("/graphql", json={"query": "{ pacts { "}, headers=accept)
        bad_variables = await client.post("/graphql", headers=accept, json={
            "query": "query($n: Int!) { actions(first: $n) { nodes { id } } }", "variables": {"n": "many"}})
        fine = await client.post("/graphql", json={"query": "{ apiVersion }"}, headers=accept)
        legacy = await client.post("/graphql", json={"query": "{ nope }"})
    for response in (invalid, unparsable, bad_variables):
        assert response.status_code == 400
        assert response.headers["content-type"].startswith("application/graphql-response+json")
        assert "data" not in response.json() and response.json()["errors"]
    assert fine.status_code == 200 and fine.json()["data"] == {"apiVersion": "1"}
    assert legacy.status_code == 200 and legacy.headers["content-type"].startswith("application/json")


async def test_get_serves_graphiql_to_a_browser_and_queries_to_clients(gateway):
    async with gateway() as client:
        page = await client.get("/graphql", headers={"accept": "text/html"})
        query = await client.get("/graphql", params={"query": "{ apiVersion }"})
        mutation = await client.get("/graphql", params={"query": 'mutation { rejectSignUp(id: "1") { id } }'})
    assert page.status_code == 200 and "graphiql" in page.text.lower()
    assert query.json() == {"data": {"apiVersion": "1"}, "extensions": {"cost": {"estimated": 0, "limit": 10000},
                                                                       "downstream": {"requests": 0, "seconds": 0.0}}}
    assert mutation.status_code == 405


def test_production_refuses_introspection_or_suggestions():
    production = {"environment": "production", "jwt_secret": "a-real-secret"}
    assert GatewaySettings(**production, graphql_introspection=False).suggestions is False
    for bad in ({"graphql_introspection": True}, {"graphql_introspection": False, "graphql_suggestions": True}):
        with pytest.raises(ValidationError, match="GRAPHQL_"):
            GatewaySettings(**production, **bad)
