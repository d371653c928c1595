"""The gateway over real HTTP: the gateway and the three services as processes on a real PostgreSQL.

The data is made through the services' own REST APIs, as the platform's clients make it. The
downstream requests are counted twice: by the gateway (`extensions.downstream.requests`) and by
the services themselves (their Prometheus counters of `/v1` requests).
"""

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import httpx
import pytest

from cli.processes import Stack
from gateway.tests.platform_data import bearer, make_pact, ok, put_reference_data, register_organisations
from gateway.tests.support import DASHBOARD

pytestmark = pytest.mark.e2e

SERVICES = ("actions_api", "partners_api", "metrics_api")


@dataclass
class Platform:
    stack: Stack
    small: str
    large: str
    national: str
    organisations: list[str] = field(default_factory=list)

    def client(self, name: str) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.stack.url(name), timeout=30)


@pytest.fixture(scope="module")
async def platform(stack: Stack) -> AsyncIterator[Platform]:
    suffix = uuid.uuid4().hex[:6]
    made = Platform(stack, small=f"klein-{suffix}", large=f"groot-{suffix}", national=f"nationaal-{suffix}")
    async with made.client("metrics_api") as metrics, made.client("partners_api") as partners, \
            made.client("actions_api") as actions_api:
        await put_reference_data(metrics)
        made.organisations = await register_organisations(partners, 40)
        await make_pact(actions_api, made.national, None, 0, made.organisations)
        await make_pact(actions_api, made.small, made.national, 3, made.organisations)
        # Leads, partners and milestones on the first 30 of 300 keep the set-up short; the page of 100
        # still holds 100 actions to batch.
        await make_pact(actions_api, made.large, made.national, 300, made.organisations, complete=30)
        for organisation_id in made.organisations[:5]:
            ok(await partners.post(f"/v1/pacts/{made.small}/members", headers=bearer("partners:admin"),
                                   json={"organisation_id": organisation_id, "joined_on": "2014-09-01"}))
        ok(await partners.post(f"/v1/organisations/{made.organisations[0]}/contacts", headers=bearer("partners:admin"),
                               json={"name": "Jan de Vries", "role": "coördinator", "email": "jan@example.nl"}))
    yield made


@pytest.fixture
async def gateway(platform: Platform) -> AsyncIterator[httpx.AsyncClient]:
    async with platform.client("gateway") as client:
        yield client


async def ask(client: httpx.AsyncClient, query: str, variables: dict | None = None, **headers: str) -> dict:
    response = await client.post("/graphql", json={"query": query, "variables": variables or {}}, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


async def service_requests(platform: Platform) -> int:
    """The `/v1` requests the three services have answered, by their own metrics."""
    total = 0.0
    for name in SERVICES:
        async with platform.client(name) as client:
            for line in (await client.get("/metrics")).text.splitlines():
                if line.startswith("http_requests_total{") and 'route="/v1' in line:
                    total += float(line.rsplit(" ", 1)[1])
    return int(total)


async def test_dashboard_of_a_pact_across_the_three_services(platform, gateway):
    answer = await ask(gateway, DASHBOARD, {"slug": platform.small, "first": 10})
    assert "errors" not in answer, answer.get("errors")
    pact = answer["data"]["pact"]
    assert pact["parent"]["slug"] == platform.national
    assert pact["region"]["name"] == "Noordvleugel" and pact["region"]["kind"] == "AGGREGATE"
    assert {member["code"] for member in pact["region"]["members"]} == {"PV24", "PV26", "PV27"}
    goals = {goal["name"]: goal for goal in pact["actionLines"][0]["goals"]}
    # Summed over the three provinces by metrics_api: 3 x (300 + 40) in 2016.
    assert goals["Technische vacatures"]["actual"] == {"value": 1020.0, "period": "2016", "source": "series",
                                                       "derived": True}
    # Measured by actions_api from metrics_api's series: (1020 - 900) / (1200 - 900) of the way.
    assert goals["Technische vacatures"]["progress"] == 0.4
    assert goals["Leerlingen kiezen techniek"]["actual"] is None  # no approved reports yet
    assert goals["Leerlingen kiezen techniek"]["progressNote"] == "not_measured"
    nodes = [edge["node"] for edge in pact["actions"]["edges"]]
    assert [node["number"] for node in nodes] == [1, 2, 3]
    lead = nodes[0]["lead"]
    assert lead["id"] == platform.organisations[1] and lead["name"].startswith("E2E organisatie")
    assert lead["municipality"] == {"code": "GM0402", "name": "Hilversum"}
    assert nodes[0]["participants"][2] == {"role": "participant", "organisationKind": "MBO-instellingen",
                                           "label": None, "organisation": None}
    assert nodes[0]["milestones"][0]["due"]["value"] == "2014-10"


async def test_each_cross_service_field(platform, gateway):
    query = """query($slug: String!, $id: ID!) {
      pact(slug: $slug) { parent { children { slug } } members(first: 10) { nodes { joinedOn organisation { name } } } }
      organisation(id: $id) { kind municipality { name parent { code } } memberships { pact { slug name } }
                              actions { number pact { slug } } }
      region(code: "noordvleugel") { series(measure: "vacancies_new", occupation: "technical_industry", from: "2015")
                                     { derived unit points { period value share derived } } }
    }"""
    answer = await ask(gateway, query, {"slug": platform.small, "id": platform.organisations[1]})
    assert "errors" not in answer, answer.get("errors")
    data = answer["data"]
    assert {child["slug"] for child in data["pact"]["parent"]["children"]} >= {platform.small, platform.large}
    assert len(data["pact"]["members"]["nodes"]) == 5
    organisation = data["organisation"]
    assert organisation["municipality"] == {"name": "Hilversum", "parent": {"code": "PV27"}}
    assert organisation["memberships"][0]["pact"]["slug"] == platform.small
    assert {action["pact"]["slug"] for action in organisation["actions"]} == {platform.small, platform.large}
    points = data["region"]["series"]["points"]
    assert [point["period"] for point in points] == ["2015", "2016"]
    assert points[-1]["value"] == 1020 and points[-1]["derived"] is True
    assert points[-1]["share"] == pytest.approx(1020 / 3120)


async def test_the_dashboard_costs_the_same_requests_for_3_and_300_actions(platform, gateway):
    counted = {}
    for slug in (platform.small, platform.large):
        before = await service_requests(platform)
        answer = await ask(gateway, DASHBOARD, {"slug": slug, "first": 100})
        after = await service_requests(platform)
        assert "errors" not in answer, answer.get("errors")
        counted[slug] = (answer["extensions"]["downstream"]["requests"], after - before)
    edges = len(answer["data"]["pact"]["actions"]["edges"])
    assert edges == 100 and answer["data"]["pact"]["actions"]["pageInfo"]["hasNextPage"] is True
    assert counted[platform.small] == counted[platform.large]
    by_gateway, by_services = counted[platform.small]
    # The services answered the gateway's requests, and one more: actions_api's series query to
    # metrics_api, measuring the goals of the lines.
    assert by_gateway + 1 == by_services and by_gateway <= 12


@pytest.mark.parametrize(("query", "code"), [
    ("{ pact(slug: \"x\") { " + "parent { " * 11 + "name" + " }" * 11 + " } }", "QUERY_TOO_DEEP"),
    ("{ " + " ".join(f"a{i}: pact(slug: \"x\") {{ name }}" for i in range(31)) + " }", "TOO_MANY_ALIASES"),
    ("{ pacts { " + "name " * 15_000 + "} }", "QUERY_TOO_LARGE"),
    ("{ actions(first: 101) { nodes { id } } }", "BAD_USER_INPUT"),
    ("""{ a: actions(first: 100) { nodes { participants { organisation { actions { milestones { title } } } } } }
         b: actions(first: 100) { nodes { participants { organisation { memberships { pact { name } } } } } } }""",
     "QUERY_TOO_COSTLY"),
])
async def test_limits_are_applied_before_any_service_is_called(platform, gateway, query, code):
    before = await service_requests(platform)
    response = await gateway.post("/graphql", json={"query": query})
    assert response.status_code == 400, response.text
    answer = response.json()
    assert answer["data"] is None and [error["extensions"]["code"] for error in answer["errors"]] == [code]
    assert await service_requests(platform) == before


async def test_batched_and_oversized_bodies_are_refused(platform, gateway):
    before = await service_requests(platform)
    batched = await gateway.post("/graphql", json=[{"query": "{ pacts { slug } }"}] * 2)
    oversized_body = b'{"query": "{ pacts { slug } }", "x": "' + b"a" * 2_200_000 + b'"}'
    oversized = await gateway.post("/graphql", content=oversized_body, headers={"content-type": "application/json"})
    assert batched.status_code == 400 and oversized.status_code == 400
    assert oversized.json()["errors"][0]["extensions"]["code"] == "BODY_TOO_LARGE"
    assert await service_requests(platform) == before


async def test_contacts_only_with_contacts_read_and_the_token_and_request_id_pass_on(platform, gateway):
    query = 'query($id: ID!) { organisation(id: $id) { name contacts { name email } } }'
    variables = {"id": platform.organisations[0]}
    anonymous = await ask(gateway, query, variables)
    writer = await ask(gateway, query, variables, **bearer("partners:write"))
    reader = await ask(gateway, query, variables, **bearer("contacts:read"), **{"X-Request-ID": "e2e-trace-1"})
    assert anonymous["data"]["organisation"]["contacts"] is None
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert writer["data"]["organisation"]["contacts"] is None
    assert writer["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert "jan@example.nl" not in str(anonymous) + str(writer)
    assert reader["data"]["organisation"]["contacts"] == [{"name": "Jan de Vries", "email": "jan@example.nl"}]
    # The services' problem details carry the request id the gateway passed on.
    traced = await ask(gateway, query, variables, **{"X-Request-ID": "e2e-trace-2"})
    assert traced["errors"][0]["extensions"]["problem"]["request_id"] == "e2e-trace-2"


async def test_mutations_round_trip(platform, gateway):
    # Four eyes: the reviewer is someone else than the report's author.
    writer, approver = bearer("actions:write"), bearer("actions:approve", subject="e2e-reviewer")
    created = await ask(gateway, """mutation($pact: String!, $lead: ID!) {
        createAction(pact: $pact, input: {title: "Techniekmiddag", line: 1, participants: [
            {role: "lead", organisationId: $lead}, {role: "participant", organisationKind: "VMBO-scholen"}]})
        { id number title status version lead { id } } }""",
        {"pact": platform.small, "lead": platform.organisations[2]}, **writer)
    assert "errors" not in created, created.get("errors")
    action = created["data"]["createAction"]
    assert action["lead"]["id"] == platform.organisations[2] and action["status"] == "planned"

    refused = await ask(gateway, """mutation($id: ID!) { setActionStatus(id: $id, status: "achieved") { status } }""",
                        {"id": action["id"]})
    assert refused["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    updated = await ask(gateway, """mutation($id: ID!, $version: Int!) {
        updateAction(id: $id, version: $version, input: {title: "Techniekmiddag 2.0"}) { title version } }""",
        {"id": action["id"], "version": action["version"]}, **writer)
    assert updated["data"]["updateAction"]["title"] == "Techniekmiddag 2.0"
    stale = await ask(gateway, """mutation($id: ID!, $version: Int!) {
        updateAction(id: $id, version: $version, input: {title: "Te laat"}) { title } }""",
        {"id": action["id"], "version": action["version"]}, **writer)
    assert stale["errors"][0]["extensions"]["code"] == "PRECONDITION_FAILED"
    assert stale["errors"][0]["extensions"]["classification"] == "BAD_REQUEST"
    milestone = await ask(gateway, """mutation($id: ID!) { addMilestone(action: $id,
        input: {title: "Eerste middag", due: {text: "oktober 2015"}}) { title due { kind value } } }""",
        {"id": action["id"]}, **writer)
    assert milestone["data"]["addMilestone"]["due"] == {"kind": "month", "value": "2015-10"}

    report = await ask(gateway, """mutation($id: ID!) { addProgressReport(action: $id,
        input: {status: "in_progress", note: "Eerste middag gehouden"}) { id state } }""",
        {"id": action["id"]}, **writer)
    report_id = report["data"]["addProgressReport"]["id"]
    submitted = await ask(gateway, 'mutation($id: ID!) { submitProgressReport(id: $id) { state } }',
                          {"id": report_id}, **writer)
    assert submitted["data"]["submitProgressReport"]["state"] == "submitted"
    approve = """mutation($id: ID!) {
        approveProgressReport(id: $id, note: "Goed") { state reviewNote author reviewedBy } }"""
    own = await ask(gateway, approve, {"id": report_id}, **bearer("actions:write", "actions:approve"))
    assert own["errors"][0]["extensions"]["code"] == "FORBIDDEN" and own["data"] is None
    approved = await ask(gateway, approve, {"id": report_id}, **approver)
    assert approved["data"]["approveProgressReport"] == {"state": "approved", "reviewNote": "Goed",
                                                         "author": "e2e-coordinator", "reviewedBy": "e2e-reviewer"}
    read_back = await ask(gateway, 'query($id: ID!) { action(id: $id) { title status progressReports { state } } }',
                          {"id": action["id"]})
    assert read_back["data"]["action"] == {"title": "Techniekmiddag 2.0", "status": "in_progress",
                                           "progressReports": [{"state": "approved"}]}

    signup = await ask(gateway, """mutation($pact: String!) { signUp(pact: $pact,
        input: {organisationName: "Bouwbedrijf De Gooi", kind: COMPANY, municipalityCode: "GM0402",
                contactName: "Piet", contactEmail: "piet@example.nl"}) { id status } }""",
        {"pact": platform.small})
    assert signup["data"]["signUp"]["status"] == "pending"
    decided = await ask(gateway, 'mutation($id: ID!) { approveSignUp(id: $id) { status organisationId } }',
                        {"id": signup["data"]["signUp"]["id"]}, **bearer("partners:admin"))
    assert decided["data"]["approveSignUp"]["status"] == "approved"
    organisation = await ask(
        gateway, 'query($id: ID!) { organisation(id: $id) { name memberships { pact { slug } } } }',
        {"id": decided["data"]["approveSignUp"]["organisationId"]})
    assert organisation["data"]["organisation"] == {"name": "Bouwbedrijf De Gooi",
                                                    "memberships": [{"pact": {"slug": platform.small}}]}


async def test_a_blank_id_is_refused_before_any_service_is_called(platform, gateway):
    # Found by schemathesis: id "" made PATCH /v1/actions/, whose answer crashed the resolver.
    before = await service_requests(platform)
    for mutation in ('updateAction(id: "", version: 1, input: {title: "x"}) { title }',
                     'updateMilestone(id: " ", version: 1, input: {title: "x"}) { title }',
                     'createAction(pact: "", input: {title: "x"}) { title }'):
        answer = await ask(gateway, f"mutation {{ {mutation} }}", **bearer("actions:write"))
        assert answer["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", answer
    assert await service_requests(platform) == before


async def test_a_service_killed_mid_test_leaves_the_rest_of_the_answer(platform, gateway):
    stack = platform.stack
    stack.stop_one("partners_api")
    try:
        answer = await ask(gateway, DASHBOARD, {"slug": platform.small, "first": 10})
    finally:
        stack.start_one("partners_api")
        stack.wait_ready(timeout=60, names=("partners_api",))
    pact = answer["data"]["pact"]
    assert pact["region"]["name"] == "Noordvleugel"
    assert {goal["actual"]["value"] for goal in pact["actionLines"][0]["goals"] if goal["actual"]} == {1020}
    assert all(edge["node"]["lead"] is None and edge["node"]["title"] for edge in pact["actions"]["edges"])
    assert {(error["extensions"]["code"], error["extensions"]["service"]) for error in answer["errors"]} == {
        ("SERVICE_UNAVAILABLE", "partners_api")}
    port = str(stack.ports["partners_api"])
    assert port not in str(answer["errors"]) and "127.0.0.1" not in str(answer) and "Traceback" not in str(answer)
    again = await ask(gateway, DASHBOARD, {"slug": platform.small, "first": 10})
    assert "errors" not in again
