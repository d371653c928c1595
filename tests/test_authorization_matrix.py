"""Every write endpoint of every service, called by every kind of unwelcome caller, and by every role.

The operations come from each service's own OpenAPI document, so an endpoint added tomorrow is
checked tomorrow without anyone remembering to add it here (and must be classified in `NEEDS`).
Each refusal must be 401 or 403 as problem+json, and the row counts of all three schemas must be
the same afterwards. The roles (common/roles.py, README "Who may do what") are tried against every
write route and every route that serves personal data, over REST and over GraphQL.
"""

import base64
import json
import time
import uuid
from dataclasses import dataclass

import asyncpg
import httpx
import pytest

from common.auth import issue_token
from common.database import asyncpg_dsn
from common.roles import MACHINE_ROLES, ROLES, SCOPES
from common.settings import DEVELOPMENT_JWT_SECRET
from services.actions_api.app import create_app as create_actions_app
from services.actions_api.settings import ActionsSettings
from services.metrics_api.app import create_app as create_metrics_app
from services.metrics_api.settings import MetricsSettings
from services.partners_api.app import create_app as create_partners_app
from services.partners_api.settings import PartnersSettings

WRITE_METHODS = {"post", "put", "patch", "delete"}
# Writes anyone may make: the public "Meedoen?" sign-up, and a read that is a POST only because
# its list of series is long.
PUBLIC_WRITES = {("partners_api", "POST", "/v1/pacts/{pact}/signups"), ("metrics_api", "POST", "/v1/series/query")}

SERVICES = {
    "actions_api": (create_actions_app, ActionsSettings),
    "partners_api": (create_partners_app, PartnersSettings),
    "metrics_api": (create_metrics_app, MetricsSettings),
}
# A token full of rights, just none of this service's.
FOREIGN_SCOPES = {
    "actions_api": ["partners:write", "metrics:write", "metrics:admin", "contacts:read"],
    "partners_api": ["actions:write", "actions:approve", "metrics:write", "metrics:admin"],
    "metrics_api": ["actions:write", "actions:approve", "partners:write", "partners:admin", "contacts:read"],
}
PATH_VALUES = {"source": "hilversum", "slug": "techniekpact-noordvleugel", "code": "PV27"}


@dataclass(frozen=True)
class Operation:
    service: str
    method: str
    path: str
    parameters: tuple[dict, ...]

    def url(self) -> str:
        url = self.path
        for parameter in self.parameters:
            if parameter.get("in") == "path":
                url = url.replace("{" + parameter["name"] + "}", _path_value(parameter))
        return url

    def __str__(self) -> str:
        return f"{self.service} {self.method} {self.path}"


def _path_value(parameter: dict) -> str:
    schema = parameter.get("schema", {})
    if schema.get("format") == "uuid":
        return str(uuid.uuid4())
    if schema.get("type") == "integer":
        return "1"
    return PATH_VALUES.get(parameter["name"], "x")


def _openapi(service: str) -> dict:
    create_app, settings_class = SERVICES[service]
    # Building the document opens no connection: the engine connects lazily.
    return create_app(settings_class(database_url="postgresql://nobody@127.0.0.1:1/none", environment="test")).openapi()


def _operations() -> list[Operation]:
    operations = []
    for service in SERVICES:
        for path, item in _openapi(service)["paths"].items():
            for method, operation in item.items():
                if method in WRITE_METHODS:
                    operations.append(Operation(service, method.upper(), path, tuple(operation.get("parameters", []))))
    return operations


def _unsigned_token() -> str:
    def part(value: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")
    claims = {"sub": "intruder", "aud": "techniekpact", "iss": "techniekpact-dev", "exp": int(time.time()) + 600,
              "scope": "actions:write actions:approve partners:write partners:admin metrics:write metrics:admin "
                       "contacts:read",
              "sources": ["hilversum", "cbs", "uwv"]}
    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."


ALL_SCOPES = ["actions:write", "actions:approve", "partners:write", "partners:admin", "metrics:write", "metrics:admin",
              "contacts:read"]


def _unauthenticated_callers() -> dict[str, dict[str, str]]:
    def bearer(token: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"}

    def signed(**overrides) -> str:
        return issue_token(overrides.pop("secret", DEVELOPMENT_JWT_SECRET), subject="intruder", scopes=ALL_SCOPES,
                           sources=["hilversum"], **overrides)

    return {
        "no token": {},
        "basic auth": {"Authorization": "Basic aW50cnVkZXI6c2VjcmV0"},
        "expired": bearer(signed(ttl_seconds=-30)),
        "signed with another key": bearer(signed(secret="another-key-entirely-not-ours-at-all")),
        "alg none": bearer(_unsigned_token()),
        "wrong audience": bearer(signed(audience="another-api")),
        "wrong issuer": bearer(signed(issuer="https://elsewhere.example")),
    }


async def _row_counts(database_url: str) -> dict[str, int]:
    connection = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        tables = await connection.fetch(
            "SELECT schemaname, tablename FROM pg_tables WHERE schemaname IN ('actions', 'partners', 'metrics')")
        return {f"{t['schemaname']}.{t['tablename']}":
                await connection.fetchval(f'SELECT count(*) FROM "{t["schemaname"]}"."{t["tablename"]}"')
                for t in tables}
    finally:
        await connection.close()


@pytest.fixture(scope="module")
async def service_apps(database_url):
    apps = {service: create_app(settings_class(database_url=database_url, environment="test"))
            for service, (create_app, settings_class) in SERVICES.items()}
    yield apps
    for app in apps.values():
        await app.state.database.dispose()


@pytest.fixture(scope="module")
async def clients(service_apps):
    opened = {service: httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")
              for service, app in service_apps.items()}
    yield opened
    for client in opened.values():
        await client.aclose()


def _refusal(response: httpx.Response, statuses: set[int], who: str, operation: Operation) -> None:
    assert response.status_code in statuses, (
        f"{operation} by a caller with {who}: {response.status_code} {response.text[:300]}")
    assert response.headers["content-type"].startswith("application/problem+json"), operation


WRITE_OPERATIONS = [op for op in _operations() if (op.service, op.method, op.path) not in PUBLIC_WRITES]


def test_the_matrix_covers_the_machine_contracts():
    """If the services lose their routes, the matrix below would pass vacuously."""
    paths = {(op.method, op.path) for op in WRITE_OPERATIONS}
    assert ("PUT", "/v1/sources/{source}/organisations") in paths
    assert ("POST", "/v1/feeds/{source}/observations") in paths
    assert len(WRITE_OPERATIONS) >= 20


@pytest.mark.parametrize("operation", WRITE_OPERATIONS, ids=str)
def test_write_operations_declare_the_bearer_scheme(operation):
    item = _openapi(operation.service)["paths"][operation.path][operation.method.lower()]
    assert item.get("security"), f"{operation} does not say it needs a token"


@pytest.mark.parametrize("operation", WRITE_OPERATIONS, ids=str)
async def test_write_operations_refuse_unwelcome_callers_and_write_nothing(operation, clients, database_url):
    client = clients[operation.service]
    before = await _row_counts(database_url)
    for who, headers in _unauthenticated_callers().items():
        response = await client.request(operation.method, operation.url(), headers=headers, json={})
        _refusal(response, {401}, who, operation)
    foreign = issue_token(DEVELOPMENT_JWT_SECRET, subject="intruder", scopes=FOREIGN_SCOPES[operation.service],
                          sources=["hilversum", "cbs", "uwv"])
    response = await client.request(operation.method, operation.url(),
                                    headers={"Authorization": f"Bearer {foreign}"}, json={})
    _refusal(response, {403}, "other services' scopes", operation)
    assert await _row_counts(database_url) == before


PUSH = {"records": [{"external_id": "hv-1", "name": "Gemeente Huizen", "kind": "municipality",
                     "municipality_code": "GM0406", "active": True}]}
FEED = {"observations": [{"measure": "vacancies_new", "region": "NL01", "period": "2012",
                          "occupation": "total", "value": 81024, "status": "final"}]}


@pytest.mark.parametrize("service, url, scope, body", [
    ("partners_api", "/v1/sources/huizen/organisations", "partners:write", PUSH),
    ("partners_api", "/v1/sources/huizen/organisations?withdraw_missing=true", "partners:write", {"records": []}),
    ("metrics_api", "/v1/feeds/uwv/observations", "metrics:write", FEED),
    ("metrics_api", "/v1/feeds/uwv/observations?dry_run=true", "metrics:write", FEED),
], ids=["push", "full sync", "feed", "feed dry run"])
async def test_machine_clients_may_write_only_for_their_own_sources(service, url, scope, body, clients, database_url):
    method = "PUT" if "/sources/" in url else "POST"
    before = await _row_counts(database_url)
    for sources in ([], ["hilversum"], ["hilversum", "HUIZEN"]):
        token = issue_token(DEVELOPMENT_JWT_SECRET, subject="gemeente-hilversum", scopes=[scope], sources=sources)
        response = await clients[service].request(method, url, json=body, headers={
            "Authorization": f"Bearer {token}", "Idempotency-Key": str(uuid.uuid4())})
        assert response.status_code == 403, (sources, response.text)
        assert "huizen" in response.json()["detail"] or "uwv" in response.json()["detail"]
    assert await _row_counts(database_url) == before


CONTACT_READS = [
    Operation("partners_api", method.upper(), path, tuple(item[method].get("parameters", [])))
    for path, item in _openapi("partners_api")["paths"].items() for method in item
    if method == "get" and "contact" in path
]


def test_contact_reads_exist():
    assert CONTACT_READS, "partners_api has no endpoint that reads contact persons"


@pytest.mark.parametrize("operation", CONTACT_READS, ids=str)
async def test_personal_data_needs_contacts_read(operation, clients, token):
    client = clients["partners_api"]
    url = operation.url()
    if "{" not in operation.path and "contacts" in operation.path:
        url += f"?organisation_ids={uuid.uuid4()}"
    assert (await client.get(url)).status_code == 401
    without = token("partners:write", "actions:write", sources=["hilversum"])
    assert (await client.get(url, headers={"Authorization": f"Bearer {without}"})).status_code == 403
    allowed = await client.get(url, headers={"Authorization": f"Bearer {token('contacts:read')}"})
    assert allowed.status_code in (200, 404), allowed.text


# --- every role against every write route and every personal-data route, over REST and GraphQL ---

# The scope each write needs; `source` marks the machine routes, which also need the path's source
# in the token's `sources`. A write not listed here fails `test_every_write_route_says_what_it_needs`.
NEEDS = {
    **{("actions_api", op.method, op.path): "actions:write" for op in WRITE_OPERATIONS if op.service == "actions_api"},
    ("actions_api", "POST", "/v1/progress-reports/{report_id}/approve"): "actions:approve",
    ("actions_api", "POST", "/v1/progress-reports/{report_id}/return"): "actions:approve",
    ("actions_api", "POST", "/v1/participations/move"): "partners:admin",
    **{("partners_api", op.method, op.path): "partners:admin" for op in WRITE_OPERATIONS if op.service == "partners_api"},
    ("partners_api", "PUT", "/v1/sources/{source}/organisations"): "partners:write",
    ("partners_api", "POST", "/v1/sources/{source}/sync-sessions"): "partners:write",
    ("partners_api", "PUT", "/v1/sources/{source}/sync-sessions/{session_id}/organisations"): "partners:write",
    ("partners_api", "POST", "/v1/sources/{source}/sync-sessions/{session_id}/close"): "partners:write",
    **{("metrics_api", op.method, op.path): "metrics:admin" for op in WRITE_OPERATIONS if op.service == "metrics_api"},
    ("metrics_api", "POST", "/v1/feeds/{source}/observations"): "metrics:write",
}
SOURCE_ROUTES = {("partners_api", "PUT", "/v1/sources/{source}/organisations"),
                 ("partners_api", "POST", "/v1/sources/{source}/sync-sessions"),
                 ("partners_api", "PUT", "/v1/sources/{source}/sync-sessions/{session_id}/organisations"),
                 ("partners_api", "POST", "/v1/sources/{source}/sync-sessions/{session_id}/close"),
                 ("metrics_api", "POST", "/v1/feeds/{source}/observations")}
# The routes `NEEDS` was written from: a route added later must be classified there on purpose.
CLASSIFIED = {
    ("actions_api", "POST", "/v1/pacts"), ("actions_api", "PATCH", "/v1/pacts/{slug}"),
    ("actions_api", "POST", "/v1/pacts/{slug}/lines"), ("actions_api", "POST", "/v1/pacts/{slug}/agenda"),
    ("actions_api", "POST", "/v1/lines/{line_id}/goals"), ("actions_api", "PATCH", "/v1/goals/{goal_id}"),
    ("actions_api", "POST", "/v1/goals/{goal_id}/progress-reports"), ("actions_api", "POST", "/v1/pacts/{slug}/actions"),
    ("actions_api", "PATCH", "/v1/actions/{action_id}"), ("actions_api", "POST", "/v1/actions/{action_id}/status"),
    ("actions_api", "POST", "/v1/participations/move"), ("actions_api", "POST", "/v1/actions/{action_id}/milestones"),
    ("actions_api", "PATCH", "/v1/milestones/{milestone_id}"), ("actions_api", "POST", "/v1/actions/{action_id}/results"),
    ("actions_api", "PATCH", "/v1/results/{result_id}"), ("actions_api", "PATCH", "/v1/progress-reports/{report_id}"),
    ("actions_api", "POST", "/v1/actions/{action_id}/progress-reports"),
    ("actions_api", "POST", "/v1/progress-reports/{report_id}/submit"),
    ("actions_api", "POST", "/v1/progress-reports/{report_id}/approve"),
    ("actions_api", "POST", "/v1/progress-reports/{report_id}/return"),
    ("partners_api", "POST", "/v1/organisations"), ("partners_api", "PATCH", "/v1/organisations/{organisation_id}"),
    ("partners_api", "POST", "/v1/organisations/{organisation_id}/archive"),
    ("partners_api", "PUT", "/v1/organisations/{organisation_id}/precedence"),
    ("partners_api", "POST", "/v1/organisations/{organisation_id}/merge"),
    ("partners_api", "PUT", "/v1/sources/{source}/organisations"), ("partners_api", "POST", "/v1/pacts/{pact}/members"),
    ("partners_api", "POST", "/v1/sources/{source}/sync-sessions"),
    ("partners_api", "PUT", "/v1/sources/{source}/sync-sessions/{session_id}/organisations"),
    ("partners_api", "POST", "/v1/sources/{source}/sync-sessions/{session_id}/close"),
    ("partners_api", "POST", "/v1/memberships/{membership_id}/leave"),
    ("partners_api", "POST", "/v1/organisations/{organisation_id}/contacts"),
    ("partners_api", "DELETE", "/v1/contacts/{contact_id}"), ("partners_api", "POST", "/v1/signups/{signup_id}/approve"),
    ("partners_api", "POST", "/v1/signups/{signup_id}/reject"), ("partners_api", "PUT", "/v1/sectors/{code}"),
    ("metrics_api", "PUT", "/v1/regions/{code}"), ("metrics_api", "PUT", "/v1/measures/{code}"),
    ("metrics_api", "PUT", "/v1/occupations/{code}"), ("metrics_api", "POST", "/v1/feeds/{source}/observations"),
}
MACHINE_SOURCES = ["hilversum", "uwv"]  # the sources PATH_VALUES and the feed path use


def _role_scopes() -> dict[str, tuple[str, ...]]:
    """Every role, plus the combinations a hostile client would try."""
    return {**ROLES,
            "municipal_system_with_contacts": ("partners:write", "contacts:read"),
            "author_and_reviewer": ("actions:write", "actions:approve")}


def _role_token(role: str) -> dict[str, str]:
    scopes = _role_scopes()[role]
    machine = role in MACHINE_ROLES or "partners:write" in scopes or "metrics:write" in scopes
    token = issue_token(DEVELOPMENT_JWT_SECRET, subject=f"role-{role}", scopes=list(scopes),
                        sources=MACHINE_SOURCES if machine else [])
    return {"Authorization": f"Bearer {token}"}


def _may(role: str, operation: Operation) -> bool:
    return NEEDS[(operation.service, operation.method, operation.path)] in _role_scopes()[role]


def test_every_write_route_says_what_it_needs():
    routes = {(op.service, op.method, op.path) for op in WRITE_OPERATIONS}
    assert routes == CLASSIFIED, f"classify in NEEDS: {sorted(routes - CLASSIFIED)}; gone: {sorted(CLASSIFIED - routes)}"
    assert routes <= NEEDS.keys()


def test_techniekpact_token_knows_every_role_and_scope():
    assert set(ROLES) >= {"municipal_system", "statistics_feed", "partner_administrator", "coordinator", "trekker",
                          "reviewer", "statistics_administrator"}
    assert {scope for scopes in ROLES.values() for scope in scopes} == set(SCOPES) == set(ALL_SCOPES)


@pytest.mark.parametrize("operation", WRITE_OPERATIONS, ids=str)
async def test_every_role_against_every_write_route(operation, clients, database_url):
    """A role without the route's scope gets 403 problem+json and writes nothing; one with it gets past
    the authorization (the empty body or unknown id is then refused on its merits)."""
    client = clients[operation.service]
    refused = [role for role in _role_scopes() if not _may(role, operation)]
    allowed = [role for role in _role_scopes() if _may(role, operation)]
    assert allowed, f"no role may call {operation}"
    before = await _row_counts(database_url)
    for role in refused:
        response = await client.request(operation.method, operation.url(), headers=_role_token(role), json={})
        _refusal(response, {403}, f"the role {role}", operation)
    assert await _row_counts(database_url) == before
    for role in allowed:
        response = await client.request(operation.method, operation.url(), json={},
                                        headers={**_role_token(role), "Idempotency-Key": str(uuid.uuid4())})
        assert response.status_code not in (401, 403), (role, str(operation), response.text[:300])


PERSONAL_DATA_READS = ["/v1/organisations/{organisation_id}/contacts", "/v1/contacts?organisation_ids={organisation_id}",
                       "/v1/signups"]


def test_the_personal_data_routes_are_all_listed():
    paths = {path for path, item in _openapi("partners_api")["paths"].items()
             if "get" in item and ("contact" in path or "signup" in path)}
    assert paths == {"/v1/organisations/{organisation_id}/contacts", "/v1/contacts", "/v1/signups"}


@pytest.fixture
async def personal_data(clients, database_url):
    """An organisation with a contact person, and a sign-up, made by a partner administrator."""
    admin = _role_token("partner_administrator")
    partners = clients["partners_api"]
    organisation = (await partners.post("/v1/organisations", headers=admin,
                                        json={"name": "Technische Unie", "kind": "company"})).json()
    contact = await partners.post(f"/v1/organisations/{organisation['id']}/contacts", headers=admin,
                                  json={"name": "Jan de Vries", "email": "jan@example.nl"})
    assert contact.status_code == 201, contact.text
    connection = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        await connection.execute(
            "INSERT INTO partners.signups (id, pact, organisation_name, kind, municipality_code, contact_name, "
            "contact_email) VALUES ($1, 'gooi', 'Bouwbedrijf De Gooi', 'company', 'GM0402', 'Piet Bakker', "
            "'piet@example.nl')", uuid.uuid4())
    finally:
        await connection.close()
    yield organisation["id"]
    connection = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        await connection.execute("TRUNCATE partners.signups, partners.contacts, partners.organisation_changes, "
                                 "partners.organisations CASCADE")
    finally:
        await connection.close()


@pytest.mark.parametrize("role", list(_role_scopes()))
async def test_every_role_against_every_personal_data_route(role, clients, personal_data, database_url):
    scopes = _role_scopes()[role]
    before = await _row_counts(database_url)
    for path in PERSONAL_DATA_READS:
        response = await clients["partners_api"].get(path.format(organisation_id=personal_data),
                                                     headers=_role_token(role))
        text = response.text
        needs = {"partners:admin", "contacts:read"} if path == "/v1/signups" else {"contacts:read"}
        if "contacts:read" in scopes and needs <= set(scopes):
            assert response.status_code == 200, (role, path, text)
            assert "@example.nl" in text
        elif path == "/v1/signups" and "partners:admin" in scopes:
            # A coordinator without contacts:read lists the sign-ups, not who sent them.
            assert response.status_code == 200, (role, path, text)
            assert [(s["contact_name"], s["contact_email"]) for s in response.json()["items"]] == [(None, None)]
        else:
            assert response.status_code == 403, (role, path, text)
        assert "Jan de Vries" not in text or "contacts:read" in scopes
        assert "Piet Bakker" not in text or "contacts:read" in scopes
    assert await _row_counts(database_url) == before


# Over GraphQL: the gateway in process, its services the apps above (each mutation with unknown ids,
# so a caller that may call it gets NOT_FOUND or BAD_USER_INPUT, and nothing is written).
_NO_SUCH = "00000000-0000-4000-8000-000000000000"
MUTATIONS = {
    "createAction": ('createAction(pact: "geen-pact", input: {title: "x"}) { id }', "actions:write"),
    "updateAction": (f'updateAction(id: "{_NO_SUCH}", version: 1, input: {{title: "x"}}) {{ id }}', "actions:write"),
    "setActionStatus": (f'setActionStatus(id: "{_NO_SUCH}", status: "achieved") {{ id }}', "actions:write"),
    "updateGoal": (f'updateGoal(id: "{_NO_SUCH}", version: 1, input: {{name: "x"}}) {{ id }}', "actions:write"),
    "updateResult": (f'updateResult(id: "{_NO_SUCH}", version: 1, input: {{description: "x"}}) {{ id }}', "actions:write"),
    "addMilestone": (f'addMilestone(action: "{_NO_SUCH}", input: {{title: "x", due: {{text: "2015"}}}}) {{ id }}',
                     "actions:write"),
    "updateMilestone": (f'updateMilestone(id: "{_NO_SUCH}", version: 1, input: {{title: "x"}}) {{ id }}',
                        "actions:write"),
    "addProgressReport": (f'addProgressReport(action: "{_NO_SUCH}", input: {{note: "x"}}) {{ id }}', "actions:write"),
    "updateProgressReport": (f'updateProgressReport(id: "{_NO_SUCH}", version: 1, input: {{note: "x"}}) {{ id }}',
                             "actions:write"),
    "submitProgressReport": (f'submitProgressReport(id: "{_NO_SUCH}") {{ id }}', "actions:write"),
    "addGoalProgressReport": (f'addGoalProgressReport(goal: "{_NO_SUCH}", input: {{values: [{{period: "2015", '
                              f'value: 1}}]}}) {{ id }}', "actions:write"),
    "approveProgressReport": (f'approveProgressReport(id: "{_NO_SUCH}") {{ id }}', "actions:approve"),
    "returnProgressReport": (f'returnProgressReport(id: "{_NO_SUCH}") {{ id }}', "actions:approve"),
    "approveSignUp": (f'approveSignUp(id: "{_NO_SUCH}") {{ id }}', "partners:admin"),
    "rejectSignUp": (f'rejectSignUp(id: "{_NO_SUCH}") {{ id }}', "partners:admin"),
}
PUBLIC_MUTATIONS = {"signUp"}


class _Services(httpx.AsyncBaseTransport):
    """The network between the gateway and the services: each host an app in this process."""

    def __init__(self, apps: dict) -> None:
        self.by_host = {f"{service.replace('_', '-')}.test": httpx.ASGITransport(app=app)
                        for service, app in apps.items()}

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self.by_host[request.url.host].handle_async_request(request)


@pytest.fixture(scope="module")
async def gateway(service_apps):
    from gateway.app import create_app as create_gateway
    from gateway.settings import GatewaySettings

    settings = GatewaySettings(environment="test", log_json=False, downstream_retry_backoff_seconds=0.01,
                               **{f"{service}_url": f"http://{service.replace('_', '-')}.test" for service in SERVICES})
    app = create_gateway(settings, transport=_Services(service_apps))
    async with (app.router.lifespan_context(app),
                httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gateway") as client):
        yield client


async def _ask(gateway, document: str, headers: dict[str, str]) -> dict:
    response = await gateway.post("/graphql", json={"query": document}, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def _schema_mutations() -> set[str]:
    from gateway.schema import create_schema

    mutation_type = create_schema()._schema.mutation_type
    return set(mutation_type.fields) if mutation_type is not None else set()


def test_every_mutation_says_what_it_needs():
    unclassified = _schema_mutations() - PUBLIC_MUTATIONS - set(MUTATIONS)
    assert not unclassified, f"add to MUTATIONS with the scope it needs: {sorted(unclassified)}"
    assert len(_schema_mutations() & set(MUTATIONS)) >= 12


@pytest.mark.parametrize("mutation", sorted(_schema_mutations() & set(MUTATIONS)))
async def test_every_role_against_every_mutation(mutation, gateway, database_url):
    document, needs = MUTATIONS[mutation]
    before = await _row_counts(database_url)
    anonymous = await _ask(gateway, f"mutation {{ {document} }}", {})
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED", anonymous
    for role, scopes in _role_scopes().items():
        answer = await _ask(gateway, f"mutation {{ {document} }}", _role_token(role))
        code = answer["errors"][0]["extensions"]["code"]
        if needs in scopes:
            assert code in ("NOT_FOUND", "BAD_USER_INPUT"), (role, mutation, answer)
        else:
            assert code == "FORBIDDEN", (role, mutation, answer)
    assert await _row_counts(database_url) == before


CONTACTS_QUERY = 'query($id: ID!) { organisation(id: $id) { name contacts { name email } } }'
SIGN_UPS_QUERY = "{ signUps { edges { node { organisationName contactName contactEmail } } } }"


@pytest.mark.parametrize("role", list(_role_scopes()))
async def test_every_role_against_the_personal_data_over_graphql(role, gateway, personal_data):
    scopes = set(_role_scopes()[role])
    headers = _role_token(role)
    response = await gateway.post("/graphql", headers=headers,
                                  json={"query": CONTACTS_QUERY, "variables": {"id": personal_data}})
    contacts = response.json()
    assert contacts["data"]["organisation"]["name"] == "Technische Unie"
    if "contacts:read" in scopes:
        assert contacts["data"]["organisation"]["contacts"] == [{"name": "Jan de Vries", "email": "jan@example.nl"}]
    else:
        assert contacts["data"]["organisation"]["contacts"] is None
        assert contacts["errors"][0]["extensions"]["code"] == "FORBIDDEN"
        assert "jan@example.nl" not in response.text
    sign_ups = await _ask(gateway, SIGN_UPS_QUERY, headers)
    if "partners:admin" not in scopes:
        assert sign_ups["errors"][0]["extensions"]["code"] == "FORBIDDEN"
        assert "Piet" not in str(sign_ups)
    else:
        node = sign_ups["data"]["signUps"]["edges"][0]["node"]
        shown = ("Piet Bakker", "piet@example.nl") if "contacts:read" in scopes else (None, None)
        assert (node["organisationName"], node["contactName"], node["contactEmail"]) == ("Bouwbedrijf De Gooi", *shown)
