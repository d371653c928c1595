"""The parser and validation cache: a document text is parsed and validated once, yet the limits that
depend on the variables still apply at every request, and a refused document is never kept."""

from gateway.extensions import DocumentCache, _Lru
from gateway.tests.support import graphql

ACTIONS = "query Page($first: Int!) { actions(first: $first) { nodes { id title } } }"


async def test_a_valid_document_is_parsed_and_validated_once(gateway, services):
    DocumentCache.parsed.entries.clear()
    DocumentCache.validated.entries.clear()
    async with gateway() as client:
        first = await graphql(client, ACTIONS, {"first": 5})
        [parsed] = DocumentCache.parsed.entries.values()
        second = await graphql(client, ACTIONS, {"first": 5})
        assert next(iter(DocumentCache.parsed.entries.values())) is parsed  # the same tree, not parsed again
    assert first["data"] == second["data"] and "errors" not in second
    assert [key[0] for key in DocumentCache.validated.entries] == [ACTIONS]


async def test_a_cached_document_is_still_checked_against_its_variables(gateway, services):
    async with gateway() as client:
        await graphql(client, ACTIONS, {"first": 5})
        calls = services.count()
        response = await client.post("/graphql", json={"query": ACTIONS, "variables": {"first": 101}})
    assert response.status_code == 400, response.text
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT" and "got 101" in error["message"]
    assert services.count() == calls  # refused before any call


async def test_a_refused_document_is_not_kept_and_is_refused_again(gateway, services):
    DocumentCache.parsed.entries.clear()
    DocumentCache.validated.entries.clear()
    unknown = "{ actions(first: 5) { nodes { nonsense } } }"
    broken = "{ actions(first: 5) { nodes { id } "
    async with gateway() as client:
        for _ in range(2):
            for query in (unknown, broken):
                response = await client.post("/graphql", json={"query": query})
                assert response.status_code in (200, 400) and response.json()["errors"], response.text
                assert response.json().get("data") is None
    assert broken not in [key[0] for key in DocumentCache.parsed.entries]
    assert DocumentCache.validated.entries == {}


def test_the_cache_is_bounded():
    lru = _Lru(3)
    for number in range(5):
        lru.put(number, str(number))
    assert list(lru.entries) == [2, 3, 4] and lru.get(0) is None and lru.get(2) == "2"
    lru.put(5, "5")
    assert list(lru.entries) == [4, 2, 5]
