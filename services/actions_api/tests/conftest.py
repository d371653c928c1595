import json
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


@dataclass
class FakeMetrics:
    """metrics_api's series query as an httpx.MockTransport: the points of each series it knows
    ((measure, region, occupation) -> {period: value}), and whether it answers. It answers every
    point whatever `from` and `to` say, so the tests show actions_api keeps to the window itself."""

    series: dict[tuple[str, str, str], dict[str, float]] = field(default_factory=dict)
    down: bool = False
    calls: list[dict] = field(default_factory=list)

    def handle(self, request: httpx.Request) -> httpx.Response:
        if self.down:
            raise httpx.ConnectError("metrics_api refused the connection", request=request)
        assert (request.method, request.url.path) == ("POST", "/v1/series/query")
        asked = json.loads(request.content)["series"]
        self.calls.append({"series": asked})
        unknown = [{"field": f"series.{index}.measure", "reason": f"Unknown measure '{one['measure']}'."}
                   for index, one in enumerate(asked)
                   if (one["measure"], one["region"], one.get("occupation", "total")) not in self.series]
        if unknown:
            return httpx.Response(422, json={"title": "Validation failed", "status": 422, "errors": unknown})
        answered = []
        for one in asked:
            points = self.series[(one["measure"], one["region"], one.get("occupation", "total"))]
            answered.append({**one, "unit": "aandeel", "points": [
                {"period": period, "value": value, "derived": False, "status": "final"}
                for period, value in points.items()]})
        return httpx.Response(200, json={"series": answered})


@pytest.fixture
def partners() -> FakePartners:
    return FakePartners()


@pytest.fixture
def metrics() -> FakeMetrics:
    return FakeMetrics()


@pytest.fixture
def app(database_url, partners, metrics):
    return create_app(ActionsSettings(database_url=database_url, environment="test"),
                      partners_transport=httpx.MockTransport(partners.handle),
                      metrics_transport=httpx.MockTransport(metrics.handle))


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
