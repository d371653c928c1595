import csv
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from common.testing import bearer, count_rows, service_client
from services.partners_api.app import create_app
from services.partners_api.settings import PartnersSettings


@dataclass
class FakeActions:
    """actions_api as an httpx.MockTransport: the pacts it knows, and whether it answers."""

    known: set[str] = field(default_factory=lambda: {"noordvleugel", "gooi-vechtstreek"})
    down: bool = False
    calls: list[httpx.Request] = field(default_factory=list)

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.calls.append(request)
        if self.down:
            raise httpx.ConnectTimeout("actions_api did not answer", request=request)
        slug = request.url.path.removeprefix("/v1/pacts/")
        if slug in self.known:
            return httpx.Response(200, json={"slug": slug, "name": slug.title()})
        return httpx.Response(404, json={"type": "https://techniekpact.nl/problems/not-found", "status": 404})


# The municipalities metrics_api's migration loads: CBS's registry, never codes typed from memory.
CBS_MUNICIPALITIES = Path(__file__).parents[3] / "migrations" / "metrics" / "data" / "cbs_municipalities.csv"


def _registry() -> list[dict]:
    with CBS_MUNICIPALITIES.open(encoding="utf-8", newline="") as file:
        return [{"code": row["code"], "name": row["name"], "kind": "municipality", "parent": row["province"],
                 "members": [], "member_of": [], "valid_from": row["valid_from"] or None,
                 "valid_to": row["valid_to"] or None, "successor": row["successor"] or None, "version": 1}
                for row in csv.DictReader(file)]


@dataclass
class FakeMetrics:
    """metrics_api's `GET /v1/regions?kind=municipality` as an httpx.MockTransport, paged as it pages
    (limit, next_cursor), over the registry its migration loads; and whether it answers."""

    regions: list[dict] = field(default_factory=_registry)
    page_size: int = 500  # metrics_api's largest page
    down: bool = False
    calls: list[httpx.Request] = field(default_factory=list)

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.calls.append(request)
        if self.down:
            raise httpx.ConnectTimeout("metrics_api did not answer", request=request)
        assert request.url.path == "/v1/regions" and request.url.params["kind"] == "municipality", request.url
        start = int(request.url.params.get("cursor", "0"))
        end = start + min(int(request.url.params["limit"]), self.page_size)
        return httpx.Response(200, json={"items": self.regions[start:end],
                                         "next_cursor": str(end) if end < len(self.regions) else None})


@pytest.fixture
def actions() -> FakeActions:
    return FakeActions()


@pytest.fixture
def metrics() -> FakeMetrics:
    return FakeMetrics()


@pytest.fixture
def app(database_url, actions, metrics):
    return create_app(PartnersSettings(database_url=database_url, environment="test"),
                      actions_transport=httpx.MockTransport(actions.handle),
                      metrics_transport=httpx.MockTransport(metrics.handle))


@pytest.fixture
async def client(app):
    async with service_client(app) as client:
        yield client


@pytest.fixture
def writer(token):
    """Headers of a coordinator (partners:admin) whose token also pushes for `hilversum` and `huizen`."""
    return bearer(token("partners:write", "partners:admin", sources=["hilversum", "huizen"],
                        subject="coordinator@gooi"))


@pytest.fixture
def pusher(token):
    """Headers of a municipal system: pushes for one source, nothing else."""
    def headers(source: str, **extra: str) -> dict[str, str]:
        return {**bearer(token("partners:write", sources=[source], subject=f"system-{source}")), **extra}

    return headers


@pytest.fixture
def rows(app):
    async def count(table: str) -> int:
        return await count_rows(app.state.database, table)

    return count


@pytest.fixture
def new_organisation(client, writer):
    async def create(**fields) -> dict:
        body = {"name": "Tata Steel", "kind": "company", **fields}
        response = await client.post("/v1/organisations", json=body, headers=writer)
        assert response.status_code == 201, response.text
        return response.json()

    return create
