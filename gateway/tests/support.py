"""What the gateway's tests (and bench/gateway_queries.py) share: the dashboard query, a client."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx

from gateway.app import create_app
from gateway.settings import GatewaySettings
from gateway.tests.fakes import URLS, FakeServices

# What a pact's dashboard shows: the pact, its lines with goals and their measured values, a
# page of actions with leads, participants and milestones, across all three services.
DASHBOARD = """
query Dashboard($slug: String!, $first: Int!) {
  pact(slug: $slug) {
    slug name level
    parent { slug name }
    children { slug name }
    region { code name kind members { code name } }
    actionLines {
      number name
      goals { name unit baseline { value year } targets { period value kind } window { start end }
              actual { value period source derived } progress progressNote }
    }
    actions(first: $first) {
      pageInfo { hasNextPage endCursor }
      edges { cursor node {
        id number title status progress
        lead { id name kind municipality { code name } }
        leads { role organisationKind label organisation { id name } }
        participants { role organisationKind label organisation { id name } }
        milestones { title dueBy status overdue due { kind value label } }
      } }
    }
  }
}
"""


async def graphql(client: httpx.AsyncClient, query: str, variables: dict | None = None,
                  headers: dict[str, str] | None = None) -> dict:
    response = await client.post("/graphql", json={"query": query, "variables": variables or {}},
                                 headers=headers or {})
    assert response.status_code == 200, response.text
    return response.json()


@asynccontextmanager
async def open_gateway(services: FakeServices, **overrides) -> AsyncIterator[httpx.AsyncClient]:
    """The gateway app in-process, its services faked."""
    settings = GatewaySettings(**{"environment": "test", "log_json": False, "downstream_timeout_seconds": 2.0,
                                  "downstream_retry_backoff_seconds": 0.01, **URLS, **overrides})
    app = create_app(settings, transport=services.transport())
    async with (app.router.lifespan_context(app),
                httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gateway") as client):
        yield client
