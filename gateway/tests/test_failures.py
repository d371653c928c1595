"""Services down, slow, refusing or answering nonsense: partial data and clear errors, no internals."""

import asyncio

from gateway.tests.fakes import CONTACTS_TOKEN, WRITER_TOKEN
from gateway.tests.support import DASHBOARD, graphql

INTERNALS = ("partners.test", "8002", "metrics.test", "actions.test", "Traceback", "httpx", "ConnectError")


def assert_no_internals(answer: dict) -> None:
    text = str(answer)
    for secret in INTERNALS:
        assert secret not in text, secret


async def test_partners_down_gives_actions_and_metrics_data_and_an_error_per_missing_field(gateway, services):
    services.down.add("partners_api")
    async with gateway() as client:
        answer = await graphql(client, DASHBOARD, {"slug": "noordvleugel", "first": 10})
    pact = answer["data"]["pact"]
    assert pact["name"] and pact["region"]["name"] == "Noordvleugel"
    assert pact["actionLines"][0]["goals"][0]["actual"]["source"] == "series"
    nodes = [edge["node"] for edge in pact["actions"]["edges"]]
    assert all(node["lead"] is None and node["title"] for node in nodes)
    errors = answer["errors"]
    assert {tuple(error["path"][-1:]) for error in errors} == {("lead",), ("organisation",)}
    assert len(errors) == 3 + 3 * 2 + 3  # each lead, each named participant and each of the leads' organisations
    for error in errors:
        assert error["extensions"] == {"code": "SERVICE_UNAVAILABLE", "service": "partners_api"}
    assert_no_internals(answer)
    # The organisations were asked for once, and retried once.
    assert services.count("partners_api") == 2


async def test_a_slow_service_costs_at_most_the_time_budget(gateway, services):
    services.slow.add("metrics_api")
    async with gateway(downstream_timeout_seconds=0.3) as client:
        # The fake never answers: without the gateway's budget this would wait forever.
        answer = await asyncio.wait_for(graphql(client, DASHBOARD, {"slug": "noordvleugel", "first": 10}), 10)
    pact = answer["data"]["pact"]
    assert pact["region"] is None and pact["actions"]["edges"][0]["node"]["lead"]["municipality"] is None
    assert pact["actions"]["edges"][0]["node"]["lead"]["name"]
    codes = {(error["extensions"]["code"], error["extensions"]["service"]) for error in answer["errors"]}
    assert codes == {("SERVICE_UNAVAILABLE", "metrics_api")}
    assert "timed out" in answer["errors"][0]["message"]
    assert_no_internals(answer)


async def test_a_service_refusal_carries_its_problem_details(gateway, services):
    mutation = """mutation($input: ActionInput!) { createAction(pact: "noordvleugel", input: $input) { id title } }"""
    async with gateway() as client:
        no_token = await graphql(client, mutation, {"input": {"number": 9, "title": "Nieuw"}})
        no_scope = await graphql(client, mutation, {"input": {"number": 9, "title": "Nieuw"}},
                                 headers={"Authorization": CONTACTS_TOKEN})
        invalid = await graphql(client, mutation, {"input": {"number": 9, "title": ""}},
                                headers={"Authorization": WRITER_TOKEN})
    assert no_token["data"] is None
    assert no_token["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert no_scope["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert no_scope["errors"][0]["extensions"]["problem"]["detail"] == "The token lacks the scope actions:write."
    error = invalid["errors"][0]
    assert error["extensions"]["code"] == "BAD_USER_INPUT" and error["extensions"]["status"] == 422
    assert error["extensions"]["problem"]["errors"] == [{"field": "title", "reason": "Field required"}]
    assert len(services.actions) == 3


async def test_unexpected_errors_are_masked(gateway, services):
    services.broken = True  # /v1/actions?ids= answers items without a title
    async with gateway() as client:
        answer = await graphql(client, 'query($id: ID!) { action(id: $id) { title } }',
                               {"id": services.actions[0]["id"]})
    assert answer["errors"] == [{"message": "Unexpected error.", "locations": [{"line": 1, "column": 19}],
                                 "path": ["action"], "extensions": {"code": "INTERNAL_SERVER_ERROR"}}]


async def test_token_and_request_id_are_passed_on(gateway, services):
    async with gateway() as client:
        await graphql(client, DASHBOARD, {"slug": "noordvleugel", "first": 3},
                      headers={"Authorization": CONTACTS_TOKEN, "X-Request-ID": "trace-7"})
    assert services.calls
    assert all(call.headers["authorization"] == CONTACTS_TOKEN for call in services.calls)
    assert all(call.headers["x-request-id"] == "trace-7" for call in services.calls)


async def test_contacts_only_for_callers_the_partners_service_allows(gateway, services):
    query = ('{ pact(slug: "noordvleugel") { members(first: 2) { nodes { '
             'organisation { name contacts { email } } } } } }')
    async with gateway() as client:
        anonymous = await graphql(client, query)
        other = await graphql(client, query, headers={"Authorization": WRITER_TOKEN})
        allowed = await graphql(client, query, headers={"Authorization": CONTACTS_TOKEN})
    for answer, code in ((anonymous, "UNAUTHENTICATED"), (other, "FORBIDDEN")):
        members = answer["data"]["pact"]["members"]["nodes"]
        assert all(member["organisation"]["name"] and member["organisation"]["contacts"] is None for member in members)
        assert {error["extensions"]["code"] for error in answer["errors"]} == {code}
        assert "@example.nl" not in str(answer)
    assert "errors" not in allowed
    emails = [member["organisation"]["contacts"][0]["email"] for member in allowed["data"]["pact"]["members"]["nodes"]]
    assert all(email.endswith("@example.nl") for email in emails)


async def test_stale_version_is_a_precondition_error(gateway, services):
    action = services.actions[0]
    mutation = """mutation($id: ID!, $version: Int!) {
        updateAction(id: $id, version: $version, input: {title: "Nieuwe titel"}) { title version } }"""
    async with gateway() as client:
        writer = {"Authorization": WRITER_TOKEN}
        stale = await graphql(client, mutation, {"id": action["id"], "version": 0}, headers=writer)
        fresh = await graphql(client, mutation, {"id": action["id"], "version": 1}, headers=writer)
    assert stale["errors"][0]["extensions"]["code"] == "PRECONDITION_FAILED"
    assert stale["errors"][0]["extensions"]["problem"]["current_etag"] == '"1"'
    assert fresh["data"]["updateAction"] == {"title": "Nieuwe titel", "version": 2}
    patch = [call for call in services.calls if call.method == "PATCH"]
    assert [call.headers["if-match"] for call in patch] == ['"0"', '"1"']
