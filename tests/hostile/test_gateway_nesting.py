"""Deep nesting at the gateway: a JSON body or GET parameter is measured before it is parsed, a
document before it is validated; each refusal is a 400 with a code.

Before, a body of 50,000 nested lists was a 500 (Python's json recursed), and so were a JSON body
that is no object and an integer of 5,000 digits.
"""

import httpx
import pytest

from tests.hostile.gateway_cases import assert_untouched, before, post, refusal

pytestmark = pytest.mark.e2e

DEEP = b"[" * 50_000 + b"]" * 50_000


@pytest.mark.parametrize(("body", "code"), [
    (b'{"query": "{ apiVersion }", "variables": {"n": ' + DEEP + b"}}", "BODY_TOO_DEEP"),
    (DEEP, "BODY_TOO_DEEP"),
    (b'{"query": "{ apiVersion }", "extensions": ' + b'{"a": ' * 65 + b"1" + b"}" * 65 + b"}", "BODY_TOO_DEEP"),
    (b'"{ apiVersion }"', "BAD_REQUEST"),
    (b"[" + b'{"query": "{ apiVersion }"}, ' * 2 + b"{}]", "BAD_REQUEST"),
    (b'{"query": "{ apiVersion }", "variables": {"n": ' + b"9" * 5_000 + b"}}", "BAD_REQUEST"),
])
async def test_a_body_is_refused_before_it_is_parsed(stack, body, code):
    was = await before(stack)
    refusal(await post(stack, body), code)
    await assert_untouched(stack, was)


async def test_get_parameters_are_measured_too(stack):
    was = await before(stack)
    async with httpx.AsyncClient(base_url=stack.url("gateway"), timeout=60) as client:
        deep = await client.get("/graphql", params={"query": "{ apiVersion }", "variables": "[" * 5_000 + "]" * 5_000})
    refusal(deep, "BODY_TOO_DEEP")
    await assert_untouched(stack, was)


@pytest.mark.parametrize(("query", "code"), [
    ('{ pact(slug: "x") { ' + "parent { " * 10 + "name" + " }" * 10 + " } }", "QUERY_TOO_DEEP"),
    ('{ pact(slug: "x") { ' + "parent { " * 300 + "name" + " }" * 300 + " } }", "QUERY_TOO_DEEP"),
    ('{ pact(slug: ' + "[" * 300 + '"x"' + "]" * 300 + ") { name } }", "QUERY_TOO_DEEP"),
])
async def test_a_deep_document_is_refused(stack, query, code):
    was = await before(stack)
    refusal(await post(stack, {"query": query}), code)
    await assert_untouched(stack, was)
