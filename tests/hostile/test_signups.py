"""The public sign-up form: limited per visitor, across replicas, and only for pacts that exist.

Before, every sign-up through the gateway shared one bucket (the gateway's address), each
replica counted on its own in memory, and a sign-up for a pact nobody knows was accepted (202).
Now partners_api believes X-Forwarded-For only from the peers FORWARDED_ALLOW_IPS names (the
gateway; here 127.0.0.1), counts in PostgreSQL, and asks actions_api whether the pact exists.
"""

import random
import uuid
from collections.abc import Iterator

import asyncpg
import httpx
import pytest

from cli.processes import PROCESSES, Stack, free_port
from common.database import asyncpg_dsn
from tests.hostile.service_cases import assert_answering, bearer

pytestmark = pytest.mark.e2e

LIMIT = 5  # PartnersSettings.signup_limit, per 60-second window
SIGNUP = {"organisation_name": "Installatiebedrijf Van Dijk", "kind": "company", "municipality_code": "GM0406",
          "contact_name": "Marieke van Dijk", "contact_email": "marieke@vandijk.nl"}


def _visitor() -> str:
    """An address of its own for each test (TEST-NET-2), so no test spends another's window."""
    return f"198.51.{random.randrange(256)}.{random.randrange(1, 255)}"


@pytest.fixture(scope="module")
def pact(stack) -> str:
    slug = f"meedoen-{uuid.uuid4().hex[:8]}"
    response = httpx.post(f"{stack.url('actions_api')}/v1/pacts", headers=bearer(), timeout=30,
                          json={"slug": slug, "name": "Techniekpact Meedoen", "level": "regional"})
    assert response.status_code == 201, response.text
    return slug


@pytest.fixture(scope="module")
def second_replica(stack, tmp_path_factory) -> Iterator[Stack]:
    """Another partners_api process on the same database, as a second replica would be."""
    ports = {name: stack.ports[name] for name in PROCESSES} | {"partners_api": free_port()}
    replica = Stack(stack.database_url, ports, extra_env={"ENVIRONMENT": "test"},
                    log_dir=tmp_path_factory.mktemp("replica"))
    replica.start(("partners_api",))
    try:
        replica.wait_ready(timeout=60)
        yield replica
    finally:
        replica.stop()


async def _signups(database_url: str, pact: str) -> int:
    connection = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        return await connection.fetchval("SELECT count(*) FROM partners.signups WHERE pact = $1", pact)
    finally:
        await connection.close()


async def _sign_up(client: httpx.AsyncClient, pact: str, visitor: str | None) -> httpx.Response:
    headers = {"X-Forwarded-For": visitor} if visitor else {}
    return await client.post(f"/v1/pacts/{pact}/signups", json=SIGNUP, headers=headers)


async def test_each_visitor_has_a_limit_of_their_own(stack, database_url, pact):
    one, other = _visitor(), _visitor()
    before = await _signups(database_url, pact)
    async with httpx.AsyncClient(base_url=stack.url("partners_api"), timeout=30) as client:
        assert [(await _sign_up(client, pact, one)).status_code for _ in range(LIMIT)] == [202] * LIMIT
        refused = await _sign_up(client, pact, one)
        assert refused.status_code == 429
        assert refused.json()["type"] == "https://techniekpact.nl/problems/rate-limited"
        assert 1 <= int(refused.headers["retry-after"]) <= 60
        # One visitor filling their window does not block the form for the next one.
        assert (await _sign_up(client, pact, other)).status_code == 202
    assert await _signups(database_url, pact) == before + LIMIT + 1
    await assert_answering(stack, "partners_api")


async def test_a_forwarded_address_from_an_untrusted_peer_is_ignored(stack, database_url, pact):
    """From 127.0.0.2, which FORWARDED_ALLOW_IPS does not name, each request claims another visitor."""
    before = await _signups(database_url, pact)
    transport = httpx.AsyncHTTPTransport(local_address="127.0.0.2")
    async with httpx.AsyncClient(base_url=stack.url("partners_api"), transport=transport, timeout=30) as client:
        answers = [(await _sign_up(client, pact, _visitor())).status_code for _ in range(LIMIT + 1)]
    assert answers == [202] * LIMIT + [429]
    assert await _signups(database_url, pact) == before + LIMIT


async def test_the_limit_holds_across_replicas(stack, second_replica, database_url, pact):
    visitor = _visitor()
    before = await _signups(database_url, pact)
    async with httpx.AsyncClient(base_url=stack.url("partners_api"), timeout=30) as first, \
            httpx.AsyncClient(base_url=second_replica.url("partners_api"), timeout=30) as second:
        answers = [(await _sign_up(first if n % 2 else second, pact, visitor)).status_code for n in range(LIMIT)]
        assert answers == [202] * LIMIT
        assert (await _sign_up(first, pact, visitor)).status_code == 429
        assert (await _sign_up(second, pact, visitor)).status_code == 429
    assert await _signups(database_url, pact) == before + LIMIT
    await assert_answering(second_replica, "partners_api")


async def test_a_sign_up_for_an_unknown_pact_is_422_and_writes_nothing(stack, database_url):
    unknown = f"bestaat-niet-{uuid.uuid4().hex[:6]}"
    async with httpx.AsyncClient(base_url=stack.url("partners_api"), timeout=30) as client:
        response = await _sign_up(client, unknown, _visitor())
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["type"] == "https://techniekpact.nl/problems/validation"
    assert [(error["field"], error["in"]) for error in problem["errors"]] == [("pact", "path")]
    assert await _signups(database_url, unknown) == 0
    await assert_answering(stack, "partners_api", "actions_api")
