import uuid
from dataclasses import dataclass, field

import httpx
import pytest

from common.testing import bearer, service_client
from services.actions_api.app import create_app
from services.actions_api.settings import ActionsSettings


@dataclass
class FakePartners:
    """partners_api as an httpx.MockTransport: the organisations it knows, and whether it answers."""

    known: set[uuid.UUID] = field(default_factory=set)
    down: bool = False
    calls: list[httpx.Request] = field(default_factory=list)

    def add(self) -> str:
        organisation_id = uuid.uuid4()
        self.known.add(organisation_id)
        return str(organisation_id)

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.calls.append(request)
        if self.down:
            raise httpx.ConnectTimeout("partners_api did not answer", request=request)
        assert request.url.path == "/v1/organisations"
        asked = [uuid.UUID(i) for i in request.url.params["ids"].split(",")]
        items = [{"id": str(i), "name": f"Organisatie {i.hex[:6]}", "kind": "company"}
                 for i in asked if i in self.known]
        return httpx.Response(200, json={"items": items, "next_cursor": None})


@pytest.fixture
def partners() -> FakePartners:
    return FakePartners()


@pytest.fixture
def app(database_url, partners):
    return create_app(ActionsSettings(database_url=database_url, environment="test"),
                      partners_transport=httpx.MockTransport(partners.handle))


@pytest.fixture
async def client(app):
    async with service_client(app) as client:
        yield client


@pytest.fixture
def writer(token):
    return bearer(token("actions:write", subject="coordinator"))


@pytest.fixture
def approver(token):
    return bearer(token("actions:approve", subject="reviewer"))


@pytest.fixture
def db(app):
    return app.state.database
