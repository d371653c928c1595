from dataclasses import dataclass, field

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


@pytest.fixture
def actions() -> FakeActions:
    return FakeActions()


@pytest.fixture
def app(database_url, actions):
    return create_app(PartnersSettings(database_url=database_url, environment="test"),
                      actions_transport=httpx.MockTransport(actions.handle))


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
