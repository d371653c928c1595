"""What the gateway's hostile cases share: sending to the gateway of the session stack, and proof that
a refusal reached no service (the gateway's own counters and the services') and wrote nothing."""

from dataclasses import dataclass
from typing import Any

import httpx

from cli.processes import SERVICES, Stack
from tests.hostile.service_cases import assert_answering, row_counts


async def service_requests(stack: Stack) -> dict[str, float]:
    """Downstream requests by the gateway's count, and `/v1` requests by the services' own."""
    counted = {"gateway": 0.0, "services": 0.0}
    async with httpx.AsyncClient(timeout=10) as client:
        for line in (await client.get(f"{stack.url('gateway')}/metrics")).text.splitlines():
            if line.startswith("gateway_downstream_requests_total{"):
                counted["gateway"] += float(line.rsplit(" ", 1)[1])
        for name in SERVICES:
            for line in (await client.get(f"{stack.url(name)}/metrics")).text.splitlines():
                if line.startswith("http_requests_total{") and 'route="/v1' in line:
                    counted["services"] += float(line.rsplit(" ", 1)[1])
    return counted


@dataclass
class Before:
    requests: dict[str, float]
    rows: dict[str, int]


async def before(stack: Stack) -> Before:
    return Before(await service_requests(stack), await row_counts(stack.database_url))


async def assert_untouched(stack: Stack, was: Before) -> None:
    """No service was called, nothing was written, and every process still answers."""
    assert await service_requests(stack) == was.requests
    assert await row_counts(stack.database_url) == was.rows
    await assert_answering(stack, "gateway", *SERVICES)


async def post(stack: Stack, body: dict[str, Any] | bytes, **headers: str) -> httpx.Response:
    async with httpx.AsyncClient(base_url=stack.url("gateway"), timeout=60) as client:
        if isinstance(body, bytes):
            return await client.post("/graphql", content=body, headers={"content-type": "application/json", **headers})
        return await client.post("/graphql", json=body, headers=headers)


def refusal(response: httpx.Response, code: str) -> dict[str, Any]:
    """The one error of a 400 refusal, checked for its code and for having called no service."""
    assert response.status_code == 400, response.text[:500]
    answer = response.json()
    [error] = answer["errors"]
    assert error["extensions"]["code"] == code, error
    assert answer.get("extensions", {}).get("downstream", {"requests": 0})["requests"] == 0
    return error
