"""Hostile documents and bodies, in process over the faked services: each is refused with 400 and a
code before any service is called, and the figures the limits use are those of the expanded
document (tests/hostile/ sends the same to the real processes)."""

import gc

import httpx
import pytest
from graphql import parse, validate
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from gateway import extensions
from gateway.app import create_app
from gateway.extensions import metered_overlap_rule
from gateway.schema import create_schema
from gateway.settings import GatewaySettings
from gateway.tests.fakes import URLS, FakeServices
from gateway.tests.support import DASHBOARD, graphql, open_gateway

ENTITIES = 'query($r: [_Any!]!) { _entities(representations: $r) { ... on Region { name } } }'


def fragment_chain(links: int) -> str:
    """Each fragment spreads the next twice: `links` fragments expand to 2**(links - 1) fields."""
    fragments = [f"fragment F{i} on Pact {{ ...F{i + 1} ...F{i + 1} }}" for i in range(links - 1)]
    last = f"fragment F{links - 1} on Pact {{ name }}"
    return '{ pact(slug: "noordvleugel") { ...F0 } } ' + " ".join([*fragments, last])


def fragment_tree(levels: int) -> str:
    """Each fragment selects `parent` and `children` with the next: no field repeats, 2**levels fields."""
    fragments = [f"fragment F{i} on Pact {{ parent {{ ...F{i + 1} }} children {{ ...F{i + 1} }} }}"
                 for i in range(levels)]
    return '{ pact(slug: "noordvleugel") { ...F0 } } ' + " ".join(fragments) + f" fragment F{levels} on Pact {{ name }}"


async def refused(client: httpx.AsyncClient, body: dict | bytes, code: str) -> dict:
    if isinstance(body, bytes):
        response = await client.post("/graphql", content=body, headers={"content-type": "application/json"})
    else:
        response = await client.post("/graphql", json=body)
    assert response.status_code == 400, response.text
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == code, error
    return error


@pytest.mark.parametrize("links", [9, 22, 30])
async def test_a_fragment_chain_is_refused_at_once_whatever_its_length(gateway, services, links):
    async with gateway() as client:
        error = await refused(client, {"query": fragment_chain(links)}, "QUERY_TOO_COMPLEX")
    assert "`name`" in error["message"]
    assert services.count() == 0


async def test_a_short_chain_runs_and_is_costed_once_per_fragment(gateway, services):
    async with gateway() as client:
        answer = await graphql(client, fragment_chain(4))
    assert answer["data"]["pact"]["name"] == "Techniekpact noordvleugel"
    assert answer["extensions"]["cost"]["estimated"] == 1


async def test_a_document_expanding_past_the_limit_is_refused(gateway, services):
    async with gateway() as client:
        error = await refused(client, {"query": fragment_tree(11)}, "QUERY_TOO_COMPLEX")
    assert "expands to more than 2000 fields" in error["message"] and error["extensions"]["limit"] == 2000
    async with gateway(graphql_max_expanded_fields=100) as client:
        await refused(client, {"query": fragment_tree(6)}, "QUERY_TOO_COMPLEX")
    assert services.count() == 0


async def test_fields_repeated_past_the_merge_limit_are_refused(gateway, services):
    async with gateway() as client:
        error = await refused(client, {"query": "{ " + "pacts { name } " * 60 + "}"}, "QUERY_TOO_COMPLEX")
        spreads = await refused(client, {"query": "{ " + " ".join(f"...F{i}" for i in range(60)) + " } " + " ".join(
            f"fragment F{i} on Query {{ apiVersion }}" for i in range(60))}, "QUERY_TOO_COMPLEX")
        accepted = await graphql(client, "{ " + "pacts { name } " * 3 + "}")
    assert error["extensions"]["field"] == "pacts" and "60 fragments" in spreads["message"]
    assert "errors" not in accepted
    assert services.count() == 1


async def test_too_many_fragments_are_refused(gateway, services):
    query = "{ ...F0 } " + " ".join(f"fragment F{i} on Query {{ apiVersion }}" for i in range(101))
    async with gateway() as client:
        error = await refused(client, {"query": query}, "QUERY_TOO_COMPLEX")
    assert "101 fragments" in error["message"]


async def test_a_fragment_cycle_is_a_validation_error_not_a_hang(gateway, services):
    query = '{ pact(slug: "x") { ...A } } fragment A on Pact { name ...B } fragment B on Pact { slug ...A }'
    async with gateway() as client:
        answer = await graphql(client, query)
    assert answer["data"] is None and "within itself" in answer["errors"][0]["message"]
    assert services.count() == 0


async def test_depth_counts_through_fragments(gateway, services):
    nested = " ".join(f"fragment F{i} on Pact {{ parent {{ ...F{i + 1} }} }}" for i in range(11))
    query = '{ pact(slug: "x") { ...F0 } } ' + nested + " fragment F11 on Pact { name }"
    async with gateway() as client:
        error = await refused(client, {"query": query}, "QUERY_TOO_DEEP")
    assert error["extensions"] == {"code": "QUERY_TOO_DEEP", "depth": 12, "limit": 10}


async def test_variable_and_argument_defaults_count_in_the_cost(gateway, services):
    query = "query($n: Int = 100) { actions(first: $n) { nodes { milestones { title } } } }"
    async with gateway() as client:
        by_default = await graphql(client, query)
        given = await graphql(client, query, {"n": 100})
        too_large = await refused(client, {"query": query.replace("= 100", "= 101")}, "BAD_USER_INPUT")
        # `actions(first: Int = 20)`: left out, the argument's own default is the page.
        unstated = await graphql(client, "{ actions { nodes { id } } }")
    assert by_default["extensions"]["cost"] == given["extensions"]["cost"] == {"estimated": 601, "limit": 10000}
    assert "got 101" in too_large["message"]
    assert unstated["extensions"]["cost"]["estimated"] == 21


async def test_entities_are_costed_per_representation_and_capped(gateway, services):
    representations = [{"__typename": "Region", "code": code} for code in ("PV27", "PV26", "PV24")]
    async with gateway() as client:
        answer = await graphql(client, ENTITIES, {"r": representations})
        calls = services.count()
        too_many = await refused(client, {"query": ENTITIES, "variables": {"r": representations * 34}},
                                 "TOO_MANY_ENTITIES")
    async with gateway(graphql_max_entities=2) as client:
        await refused(client, {"query": ENTITIES, "variables": {"r": representations}}, "TOO_MANY_ENTITIES")
    assert [entity["name"] for entity in answer["data"]["_entities"]] == ["Noord-Holland", "Utrecht", "Flevoland"]
    assert answer["extensions"]["cost"]["estimated"] == 3 * (1 + 0)
    assert too_many["extensions"] == {"code": "TOO_MANY_ENTITIES", "entities": 102, "limit": 100}
    assert services.count() == calls == 1


@pytest.mark.parametrize(("representation", "field"), [
    ({"__typename": "Nope", "id": "1"}, "representations[1].__typename"),
    ({"code": "PV27"}, "representations[1].__typename"),
    ({"__typename": "Region"}, "representations[1].code"),
    ({"__typename": "Region", "code": {"nested": 1}}, "representations[1].code"),
    ({"__typename": "Region", "code": "PV27", "extra": 1}, "representations[1].extra"),
    ("PV27", "representations[1]"),
])
async def test_an_entity_that_cannot_be_resolved_is_bad_input(gateway, services, representation, field):
    variables = {"r": [{"__typename": "Region", "code": "PV27"}, representation]}
    async with gateway() as client:
        error = await refused(client, {"query": ENTITIES, "variables": variables}, "BAD_USER_INPUT")
    assert error["extensions"]["field"] == field
    assert services.count() == 0


async def test_entities_in_the_document_itself_are_checked_too(gateway, services):
    literal = '{ _entities(representations: [{__typename: "Region", code: "PV27"}, {__typename: "Nope"}]) ' \
              '{ __typename } }'
    async with gateway() as client:
        error = await refused(client, {"query": literal}, "BAD_USER_INPUT")
    assert error["extensions"]["field"] == "representations[1].__typename"


@pytest.mark.parametrize("body", [
    {"query": 'query($s: String!) { pact(slug: $s) { name } }', "variables": {"s": "a" * 70_000}},
    {"query": 'mutation($i: ActionInput!) { createAction(pact: "x", input: $i) { id } }',
     "variables": {"i": {"title": "t", "description": "a" * 20_001}}},
    {"query": '{ organisations(search: "' + "a" * 20_001 + '") { nodes { id } } }'},
    # JSON may hold a lone surrogate, which no service can be sent.
    b'{"query": "query($s: String!) { region(code: $s) { name } }", "variables": {"s": "\\ud800"}}',
])
async def test_long_or_broken_strings_are_bad_input(gateway, services, body):
    async with gateway() as client:
        error = await refused(client, body, "BAD_USER_INPUT")
    assert "characters" in error["message"] or "surrogate" in error["message"]
    assert services.count() == 0


@pytest.mark.parametrize(("body", "code"), [
    (b'{"query": "{ apiVersion }", "variables": {"n": ' + b"[" * 50_000 + b"]" * 50_000 + b"}}", "BODY_TOO_DEEP"),
    (b'{"query": "{ apiVersion }", "variables": {"n": ' + b"9" * 5_000 + b"}}", "BAD_REQUEST"),
    (b'"{ apiVersion }"', "BAD_REQUEST"),
    (b"17", "BAD_REQUEST"),
    (b'{"query": ', "BAD_REQUEST"),
])
async def test_bodies_are_refused_before_they_are_parsed(gateway, services, body, code):
    async with gateway() as client:
        await refused(client, body, code)
        healthy = await client.get("/healthz")
    assert healthy.status_code == 200 and services.count() == 0


async def test_get_parameters_are_checked_like_a_body(gateway, services):
    async with gateway() as client:
        deep = await client.get("/graphql", params={"query": "{ apiVersion }", "variables": "[" * 65 + "]" * 65})
        fine = await client.get("/graphql", params={"query": "{ apiVersion }", "variables": '{"a": [[1]]}'})
    assert deep.status_code == 400 and deep.json()["errors"][0]["extensions"]["code"] == "BODY_TOO_DEEP"
    assert fine.status_code == 200


async def test_the_dashboard_is_within_every_limit(gateway, services):
    async with gateway() as client:
        answer = await graphql(client, DASHBOARD, {"slug": "noordvleugel", "first": 100})
    assert answer["data"]["pact"] and answer["extensions"]["cost"]["estimated"] < 10_000


SIGN_UP = """mutation { signUp(pact: "noordvleugel", input: {organisationName: "Werkplaats", kind: COMPANY,
             municipalityCode: "GM0402", contactName: "Ans", contactEmail: "ans@example.nl"}) { id } }"""


async def sign_up_headers(services: FakeServices, trusted: str, headers: dict[str, str]) -> dict[str, str]:
    """Sign up through the gateway behind uvicorn's proxy-header handling; the headers partners_api got."""
    settings = GatewaySettings(environment="test", log_json=False, **URLS)
    app = create_app(settings, transport=services.transport())
    served = ProxyHeadersMiddleware(app, trusted_hosts=trusted)  # type: ignore[arg-type]
    async with (app.router.lifespan_context(app),
                httpx.AsyncClient(transport=httpx.ASGITransport(app=served, client=("198.51.100.7", 4321)),
                                  base_url="http://gateway") as client):
        answer = await graphql(client, SIGN_UP, headers=headers)
    assert "errors" not in answer, answer
    [call] = [call for call in services.calls if call.path.endswith("/signups")]
    return call.headers


async def test_a_sign_up_carries_the_visitors_address(services):
    direct = await sign_up_headers(services, trusted="127.0.0.1", headers={"X-Forwarded-For": "203.0.113.9"})
    services.calls.clear()
    proxied = await sign_up_headers(services, trusted="198.51.100.7", headers={"X-Forwarded-For": "203.0.113.9"})
    # Untrusted, the peer's own X-Forwarded-For is ignored; from a trusted proxy, its visitor counts.
    assert direct["x-forwarded-for"] == "198.51.100.7"
    assert proxied["x-forwarded-for"] == "203.0.113.9"


class HugeFigures(FakeServices):
    """metrics_api summing counts past 1.8e308: an aggregate is exact in PostgreSQL's numeric."""

    @staticmethod
    def _series(asked: dict) -> dict:
        series = FakeServices._series(asked)
        series["points"][0]["value"] = 3 * 10 ** 308
        series["points"][1]["value"] = "1E+400"
        return series


async def test_a_sum_beyond_the_float_range_fails_alone():
    services = HugeFigures()
    services.add_regions()
    query = '{ region(code: "noordvleugel") { name series(measure: "vacancies_new") { points { period value } } } }'
    async with open_gateway(services) as client:
        answer = await graphql(client, query)
    points = answer["data"]["region"]["series"]["points"]
    assert [point["value"] for point in points] == [None, None, 1200.0, 1300.0, 1400.0]
    assert {error["extensions"]["code"] for error in answer["errors"]} == {"VALUE_OUT_OF_RANGE"}
    assert [error["path"] for error in answer["errors"]] == [["region", "series", "points", 0, "value"],
                                                             ["region", "series", "points", 1, "value"]]


def test_graphql_cores_own_merge_budget_stops_what_the_estimate_would_miss():
    schema = create_schema(GatewaySettings(environment="test"))._schema
    document = parse("{ " + "apiVersion " * 30 + "}")
    assert validate(schema, document, [metered_overlap_rule(10_000)]) == []
    [aborted] = validate(schema, document, [metered_overlap_rule(100)])
    assert aborted.message == "Validation aborted."


async def test_an_aborted_validation_is_refused_with_a_code(gateway, services, monkeypatch):
    # The walk's estimate bounds graphql-core's work from above; with no budget left over for it,
    # graphql-core gives up at its first comparison.
    monkeypatch.setattr(extensions, "MERGE_BUDGET_PER_CHECK", 0)
    async with gateway() as client:
        error = await refused(client, {"query": "{ pacts { name } pacts { slug } }"}, "QUERY_TOO_COMPLEX")
    assert error["message"] == "Validation aborted."
    assert services.count() == 0


async def test_the_objects_alive_at_start_up_are_out_of_the_collectors_full_passes(services):
    # Full collections over the schema stopped the gateway for hundreds of milliseconds under attack.
    gc.unfreeze()
    async with open_gateway(services):
        assert gc.get_freeze_count() > 100_000
    assert gc.get_freeze_count() == 0
