"""Every write endpoint of every service, called by every kind of unwelcome caller.

The operations come from each service's own OpenAPI document, so an endpoint added tomorrow is
checked tomorrow without anyone remembering to add it here. Each refusal must be 401 or 403 as
problem+json, and the row counts of all three schemas must be the same afterwards.
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
    "metrics_api": ["actions:write", "actions:approve", "partners:write", "contacts:read"],
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
              "scope": "actions:write actions:approve partners:write metrics:write metrics:admin contacts:read",
              "sources": ["hilversum", "cbs", "uwv"]}
    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."


ALL_SCOPES = ["actions:write", "actions:approve", "partners:write", "metrics:write", "metrics:admin", "contacts:read"]


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
async def clients(database_url):
    opened = {}
    for service, (create_app, settings_class) in SERVICES.items():
        app = create_app(settings_class(database_url=database_url, environment="test"))
        opened[service] = (app, httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test"))
    yield {service: client for service, (_, client) in opened.items()}
    for app, client in opened.values():
        await client.aclose()
        await app.state.database.dispose()


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
