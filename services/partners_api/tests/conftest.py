import pytest

from common.testing import bearer, count_rows, service_client
from services.partners_api.app import create_app
from services.partners_api.settings import PartnersSettings


@pytest.fixture
def app(database_url):
    return create_app(PartnersSettings(database_url=database_url, environment="test"))


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
