"""A page of actions fetches ahead what its fields will read (gateway/types/actions.py `Action.ahead`):
the same answers and the same requests as when each field asks for itself, nothing the query does not
select, and fragments and directives honoured."""

import pytest

from gateway.tests.support import DASHBOARD, graphql
from gateway.types.actions import Action

FRAGMENTS = """
query($slug: String!) {
  pact(slug: $slug) {
    actions(first: 5) { nodes { ...Parts } edges { node { ... on Action { milestones { title } } } } }
  }
}
fragment Parts on Action { title lead { name municipality { name } } participants { organisation { id } } }
"""
SKIPPED = """
query($slug: String!, $no: Boolean!) {
  pact(slug: $slug) { actions(first: 5) { nodes { title lead @skip(if: $no) { name } } } }
}
"""
TOP_LEVEL = "query { actions(pact: \"noordvleugel\", first: 3) { nodes { leads { organisation { name } } } } }"


def requests(services) -> list[tuple]:
    return sorted((call.service, call.method, call.path, tuple(sorted(call.params.items())))
                  for call in services.calls)


async def _without_ahead(info, actions) -> None:
    return None


@pytest.mark.parametrize(("query", "variables"), [
    (DASHBOARD, {"slug": "noordvleugel", "first": 10}),
    (FRAGMENTS, {"slug": "noordvleugel"}),
    (SKIPPED, {"slug": "noordvleugel", "no": False}),
    (TOP_LEVEL, {}),
])
async def test_same_answers_and_requests_as_each_field_asking(gateway, services, monkeypatch, query, variables):
    async with gateway() as client:
        ahead = await graphql(client, query, variables)
    sent_ahead = requests(services)
    services.calls.clear()
    monkeypatch.setattr(Action, "ahead", staticmethod(_without_ahead))
    async with gateway() as client:
        alone = await graphql(client, query, variables)
    for answer in (ahead, alone):
        answer["extensions"].pop("downstream")
    assert ahead == alone and "errors" not in ahead
    assert sent_ahead == requests(services)
    assert any(call[0] == "partners_api" for call in sent_ahead)


async def test_nothing_fetched_for_a_field_a_directive_leaves_out(gateway, services):
    async with gateway() as client:
        answer = await graphql(client, SKIPPED, {"slug": "noordvleugel", "no": True})
    assert all(set(node) == {"title"} for node in answer["data"]["pact"]["actions"]["nodes"])
    assert services.count("partners_api") == 0
