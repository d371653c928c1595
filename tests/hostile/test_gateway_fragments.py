"""Fragments that spread each other: costed once each, and a document that explodes is refused at once.

Before, a chain of 22 fragments each spreading the next twice (885 bytes, no token) took the gateway
17 s of validation, during which /healthz did not answer; two more links took four times as long.
"""

import httpx
import pytest

from tests.hostile.gateway_cases import assert_untouched, before, post, refusal

pytestmark = pytest.mark.e2e


def fragment_chain(links: int) -> str:
    fragments = [f"fragment F{i} on Pact {{ ...F{i + 1} ...F{i + 1} }}" for i in range(links - 1)]
    return '{ pact(slug: "x") { ...F0 } } ' + " ".join(fragments) + f" fragment F{links - 1} on Pact {{ name }}"


def fragment_tree(levels: int) -> str:
    """No field repeats at any level, yet 2**levels fields once expanded."""
    fragments = [f"fragment F{i} on Pact {{ parent {{ ...F{i + 1} }} children {{ ...F{i + 1} }} }}"
                 for i in range(levels)]
    return '{ pact(slug: "x") { ...F0 } } ' + " ".join(fragments) + f" fragment F{levels} on Pact {{ name }}"


@pytest.mark.parametrize("links", [22, 30])
async def test_a_fragment_chain_is_refused_before_any_call(stack, links):
    was = await before(stack)
    refusal(await post(stack, {"query": fragment_chain(links)}), "QUERY_TOO_COMPLEX")
    async with httpx.AsyncClient(base_url=stack.url("gateway"), timeout=60) as client:
        over_get = await client.get("/graphql", params={"query": fragment_chain(links)})
    refusal(over_get, "QUERY_TOO_COMPLEX")
    await assert_untouched(stack, was)


async def test_a_document_that_expands_past_the_limit_is_refused(stack):
    was = await before(stack)
    error = refusal(await post(stack, {"query": fragment_tree(12)}), "QUERY_TOO_COMPLEX")
    assert "expands to more than 2000 fields" in error["message"]
    await assert_untouched(stack, was)


async def test_a_fragment_cycle_is_a_validation_error(stack):
    was = await before(stack)
    response = await post(stack, {"query": '{ pact(slug: "x") { ...A } } fragment A on Pact { ...B } '
                                           'fragment B on Pact { name ...A }'})
    assert response.status_code == 200
    assert "within itself" in response.json()["errors"][0]["message"]
    await assert_untouched(stack, was)


async def test_a_short_chain_is_answered_and_costed_once(stack):
    response = await post(stack, {"query": fragment_chain(3)})
    assert response.status_code == 200 and response.json()["data"] == {"pact": None}
    assert response.json()["extensions"]["cost"]["estimated"] == 1
