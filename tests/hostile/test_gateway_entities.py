"""Federation's `_entities`: costed per representation, at most 100 a request, and a representation
that cannot be resolved is the caller's error.

Before, 10,000 representations (610 KB, anonymous) counted as 5 items, took 15 s and raised the
gateway's memory from 131 MB to 679 MB; an unknown type or a missing key was INTERNAL_SERVER_ERROR.
"""

import pytest

from tests.hostile.gateway_cases import assert_untouched, before, post, refusal

pytestmark = pytest.mark.e2e

ENTITIES = 'query($r: [_Any!]!) { _entities(representations: $r) { ... on Region { code name } } }'


async def test_ten_thousand_representations_are_refused(stack):
    was = await before(stack)
    representations = [{"__typename": "Region", "code": f"GM{index:04d}"} for index in range(10_000)]
    error = refusal(await post(stack, {"query": ENTITIES, "variables": {"r": representations}}), "TOO_MANY_ENTITIES")
    assert error["extensions"]["entities"] == 10_000 and error["extensions"]["limit"] == 100
    await assert_untouched(stack, was)


@pytest.mark.parametrize(("representation", "field"), [
    ({"__typename": "Nope", "id": "1"}, "representations[0].__typename"),
    ({"__typename": "Region"}, "representations[0].code"),
    ({"__typename": "Organisation", "id": ["x"]}, "representations[0].id"),
    ({"__typename": "Pact", "slug": "x", "name": "y"}, "representations[0].name"),
    (["Region", "PV27"], "representations[0]"),
])
async def test_a_representation_that_cannot_be_resolved_is_bad_input(stack, representation, field):
    was = await before(stack)
    error = refusal(await post(stack, {"query": ENTITIES, "variables": {"r": [representation]}}), "BAD_USER_INPUT")
    assert error["extensions"]["field"] == field
    await assert_untouched(stack, was)


async def test_each_representation_is_costed(stack):
    representations = [{"__typename": "Region", "code": code} for code in ("PV24", "PV26", "PV27")]
    response = await post(stack, {"query": ENTITIES, "variables": {"r": representations}})
    assert response.status_code == 200, response.text
    assert response.json()["extensions"]["cost"]["estimated"] == 3
