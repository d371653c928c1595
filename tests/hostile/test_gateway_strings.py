"""Strings the gateway cannot pass on are the caller's error, never INTERNAL_SERVER_ERROR.

Before, a string argument over about 64 KB (httpx refuses a longer URL component) and a lone
surrogate in a variable failed inside the resolver as an internal error.
"""

import pytest

from tests.hostile.gateway_cases import assert_untouched, before, post, refusal

pytestmark = pytest.mark.e2e

LONG = "a" * 70_000
SIGN_UP = """mutation($name: String!) { signUp(pact: "x", input: {organisationName: $name, kind: COMPANY,
             municipalityCode: "GM0402", contactName: "Ans", contactEmail: "ans@example.nl"}) { id } }"""


@pytest.mark.parametrize("body", [
    {"query": 'query($s: String!) { pact(slug: $s) { name } }', "variables": {"s": LONG}},
    {"query": '{ pact(slug: "' + LONG + '") { name } }'},
    {"query": 'query($s: String) { organisations(search: $s) { nodes { id } } }', "variables": {"s": LONG}},
    {"query": 'query($s: String!) { region(code: $s) { name } }', "variables": {"s": LONG}},
    {"query": SIGN_UP, "variables": {"name": LONG}},
    b'{"query": "query($s: String!) { region(code: $s) { name } }", "variables": {"s": "\\ud800"}}',
], ids=["variable", "literal", "search", "region", "sign-up", "surrogate"])
async def test_a_string_the_gateway_cannot_pass_on_is_bad_input(stack, body):
    was = await before(stack)
    error = refusal(await post(stack, body), "BAD_USER_INPUT")
    assert "Unexpected error" not in error["message"]
    await assert_untouched(stack, was)
