"""A JSON body nesting deeper than 64 levels is refused before any parser sees it, on every service.

Before, 100 KB of nested lists cost metrics_api about 6 GB and answered 500 after 15 s; the
other services answered 400 or 500 after Python's json or pydantic recursed.
"""

import random
import uuid

import httpx
import psutil
import pytest

from common.json_depth import MAX_JSON_DEPTH, JsonDepthScanner, JsonTooDeep, check_json_depth
from tests.hostile.service_cases import assert_answering, bearer, row_counts

DEEP = b"[" * 50_000 + b"]" * 50_000


def _reference_depth(text: bytes) -> tuple[int, int]:
    """(deepest, final depth) by walking byte by byte: the slow, obvious way."""
    depth = deepest = 0
    in_string = escaped = False
    for byte in text:
        if in_string:
            if escaped:
                escaped = False
            elif byte == ord("\\"):
                escaped = True
            elif byte == ord('"'):
                in_string = False
        elif byte == ord('"'):
            in_string = True
        elif byte in b"[{":
            depth += 1
            deepest = max(deepest, depth)
        elif byte in b"]}":
            depth -= 1
    return deepest, depth


def test_the_scanner_agrees_with_a_byte_walk_whatever_the_chunks():
    generator = random.Random(18)
    for _ in range(3000):
        text = bytes(generator.choice(b'[]{}"\\ax,:') for _ in range(generator.randint(0, 120)))
        scanner = JsonDepthScanner(limit=10**6)
        position = 0
        while position < len(text):
            size = generator.randint(1, 9)
            scanner.feed(text[position:position + size])
            position += size
        assert (scanner.deepest, scanner.depth) == _reference_depth(text), text


@pytest.mark.parametrize("text", [
    b'{"name": "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}',
    b'["\\"' + b"[" * 100 + b'"]',          # brackets after an escaped quote are still in the string
    b'{"a": "\\\\", "b": ' + b"[" * 64 + b"]" * 64 + b"}",
])
def test_brackets_inside_strings_do_not_count(text):
    check_json_depth(text, limit=65)


def test_depth_is_refused_at_the_level_past_the_limit():
    check_json_depth(b"[" * MAX_JSON_DEPTH + b"]" * MAX_JSON_DEPTH)
    with pytest.raises(JsonTooDeep):
        check_json_depth(b"[" * (MAX_JSON_DEPTH + 1))
    with pytest.raises(JsonTooDeep):  # split across chunks, with an escaped quote on the boundary
        scanner = JsonDepthScanner()
        for chunk in (b'["\\', b'"', b'", ' + b"{" * 40, b'"x":' + b"[" * 30):
            scanner.feed(chunk)


def _deep_requests() -> list[tuple[str, str, str, dict]]:
    """(service, method, path, headers) of every JSON body the services read, public or not."""
    return [
        ("actions_api", "POST", "/v1/pacts", bearer()),
        ("actions_api", "PATCH", f"/v1/actions/{uuid.uuid4()}", {**bearer(), "If-Match": '"1"'}),
        ("partners_api", "PUT", "/v1/sources/hilversum/organisations", {**bearer(), "Idempotency-Key": "deep-1"}),
        ("partners_api", "POST", "/v1/organisations", bearer()),
        ("partners_api", "POST", "/v1/pacts/noordvleugel/signups", {"X-Forwarded-For": "198.51.100.64"}),
        ("metrics_api", "POST", "/v1/feeds/uwv/observations", {**bearer(), "Idempotency-Key": "deep-2"}),
        ("metrics_api", "POST", "/v1/series/query", {}),
    ]


@pytest.mark.e2e
@pytest.mark.parametrize(("service", "method", "path", "headers"), _deep_requests(),
                         ids=[f"{s} {m} {p.split('/')[2]}" for s, m, p, _ in _deep_requests()])
@pytest.mark.parametrize("body", [DEEP, b'{"records": ' + DEEP + b', "observations": []}'], ids=["list", "in a field"])
async def test_deep_json_is_422_before_parsing_and_writes_nothing(stack, database_url, service, method, path, headers,
                                                                 body):
    process = psutil.Process(stack.children[service].pid)
    memory_before = process.memory_info().rss
    before = await row_counts(database_url)
    async with httpx.AsyncClient(base_url=stack.url(service), timeout=60) as client:
        response = await client.request(method, path, content=body,
                                        headers={**headers, "Content-Type": "application/json"})
    assert response.status_code == 422, response.text[:300]
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"] == "https://techniekpact.nl/problems/body-too-deep"
    assert problem["errors"] == [{"field": "body", "in": "body", "reason": f"The JSON nests deeper than {MAX_JSON_DEPTH} levels."}]
    assert await row_counts(database_url) == before
    # Gigabytes before; now the scanner's copy of one chunk. Generous, so that only the old behaviour fails.
    assert process.memory_info().rss - memory_before < 200 * 1024 * 1024
    await assert_answering(stack, service)
