"""A variable's default counts in the cost and in the page-size limit, as the value the query runs with.

Before, `query($n: Int = 100) { actions(first: $n) ... }` sent without variables was costed as if
`first` were 20.
"""

import pytest

from tests.hostile.gateway_cases import assert_untouched, before, post, refusal

pytestmark = pytest.mark.e2e

QUERY = "query($n: Int = 100) { actions(first: $n) { nodes { milestones { title } participants { role } } } }"


async def test_a_default_is_costed_as_if_it_were_sent(stack):
    by_default = await post(stack, {"query": QUERY})
    sent = await post(stack, {"query": QUERY, "variables": {"n": 100}})
    assert by_default.status_code == sent.status_code == 200
    assert by_default.json()["extensions"]["cost"] == sent.json()["extensions"]["cost"] == \
        {"estimated": 100 * (1 + 5 + 5) + 1, "limit": 10_000}


@pytest.mark.parametrize(("body", "code"), [
    ({"query": QUERY.replace("= 100", "= 101")}, "BAD_USER_INPUT"),
    ({"query": QUERY.replace("= 100", "= 0")}, "BAD_USER_INPUT"),
    ({"query": QUERY.replace("{ role }", "{ organisation { actions { milestones { title } } } }")},
     "QUERY_TOO_COSTLY"),
    ({"query": "query($n: Int!) { actions(first: $n) { nodes { id } } }", "variables": {"n": 10 ** 30}},
     "BAD_USER_INPUT"),
])
async def test_a_default_past_a_limit_is_refused(stack, body, code):
    was = await before(stack)
    refusal(await post(stack, body), code)
    await assert_untouched(stack, was)
