"""Public sign-ups through the gateway are limited per visitor, not for everyone at once.

Before, the gateway did not pass the visitor's address on, so partners_api saw every sign-up
coming from the gateway and one visitor could use up the limit of all (SIGNUP_LIMIT, 5 a minute).
"""

import random
import uuid

import httpx
import pytest

from tests.hostile.gateway_cases import post
from tests.hostile.service_cases import bearer

pytestmark = pytest.mark.e2e

SIGN_UP = """mutation($pact: String!) { signUp(pact: $pact, input: {organisationName: "Werkplaats Noord",
             kind: COMPANY, municipalityCode: "GM0402", contactName: "Ans", contactEmail: "ans@example.nl"}) { id } }"""
LIMIT = 5  # SIGNUP_LIMIT's default, which the session stack keeps


async def test_one_visitor_cannot_use_up_the_sign_ups_of_others(stack):
    slug = f"meedoen-{uuid.uuid4().hex[:8]}"
    async with httpx.AsyncClient(base_url=stack.url("actions_api"), timeout=30) as actions_api:
        created = await actions_api.post("/v1/pacts", headers=bearer(), json={
            "slug": slug, "name": "Techniekpact Meedoen", "level": "regional", "region": "PV27",
            "signed_on": "2014-05-13"})
        assert created.status_code == 201, created.text
    # TEST-NET addresses, new each run: no other test shares their bucket.
    visitor, neighbour = (f"203.0.113.{random.randint(1, 254)}", f"198.51.100.{random.randint(1, 254)}")
    answers = [(await post(stack, {"query": SIGN_UP, "variables": {"pact": slug}}, **{"X-Forwarded-For": visitor}))
               .json() for _ in range(LIMIT + 1)]
    other = (await post(stack, {"query": SIGN_UP, "variables": {"pact": slug}},
                        **{"X-Forwarded-For": neighbour})).json()
    assert all("errors" not in answer for answer in answers[:LIMIT]), answers
    assert answers[LIMIT]["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
    assert "errors" not in other and other["data"]["signUp"]["id"]
