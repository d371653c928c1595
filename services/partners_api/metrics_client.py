"""The metrics_api client: the municipalities of its region registry (CBS's codes, with mergers).

partners_api never reads the metrics schema; it asks `GET /v1/regions?kind=municipality` over HTTP
and holds the answer in the process for `MUNICIPALITY_REGISTRY_TTL_SECONDS`, so a push of 10,000
records costs one call per period, not one per record. Concurrent requests share one refresh.
When metrics_api does not answer, the write is refused with 503 and nothing is written.
"""

import asyncio
import logging
import time
from datetime import date
from typing import Any

import httpx

from common.pagination import MAX_PAGE_SIZE
from common.problems import Problem
from common.service_client import ServiceHttp
from services.partners_api.domain.municipalities import Municipality, Registry

log = logging.getLogger(__name__)

# More pages than any registry of Dutch municipalities needs (CBS lists about 450 since 2013).
MAX_PAGES = 50


class MetricsClient(ServiceHttp):
    def __init__(self, base_url: str, timeout_seconds: float, ttl_seconds: float,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        super().__init__(base_url, timeout_seconds, transport)
        self.ttl = ttl_seconds
        self._registry: Registry | None = None
        self._loaded_at = 0.0
        self._refreshing = asyncio.Lock()

    async def municipalities(self) -> Registry:
        """The registry's municipalities by code, at most `ttl` seconds old; 503 problem when metrics_api
        does not answer."""
        if self._fresh():
            assert self._registry is not None
            return self._registry
        async with self._refreshing:
            if not self._fresh():
                self._registry = await self._load()
                self._loaded_at = time.monotonic()
            assert self._registry is not None
            return self._registry

    def _fresh(self) -> bool:
        return self._registry is not None and time.monotonic() - self._loaded_at < self.ttl

    async def _load(self) -> Registry:
        headers = self._headers()
        items: list[dict[str, Any]] = []
        params: dict[str, Any] = {"kind": "municipality", "limit": MAX_PAGE_SIZE}
        for _ in range(MAX_PAGES):
            try:
                response = await self._send("GET", "/v1/regions", read=True, params=params, headers=headers)
            except httpx.HTTPError as exc:
                log.warning("metrics_api unreachable: %s", type(exc).__name__)
                raise unavailable() from None
            if response.status_code != 200:
                log.warning("metrics_api answered %s to the municipality registry", response.status_code)
                raise unavailable()
            try:
                page = response.json()
                items.extend(page["items"])
                cursor = page.get("next_cursor")
            except (ValueError, KeyError, TypeError):
                log.error("metrics_api answered an unexpected regions body")
                raise unavailable() from None
            if not cursor:
                break
            params["cursor"] = cursor
        try:
            return {item["code"]: Municipality(
                code=item["code"], name=item["name"], successor=item.get("successor"),
                valid_to=date.fromisoformat(item["valid_to"]) if item.get("valid_to") else None) for item in items}
        except (ValueError, KeyError, TypeError):
            log.error("metrics_api answered an unexpected region")
            raise unavailable() from None


def unavailable() -> Problem:
    return Problem(503, "Region registry unavailable",
                   "The region registry (metrics_api) did not answer in time, so municipality codes could not be "
                   "checked; nothing was written. Retry shortly.",
                   type="regions-unavailable", headers={"Retry-After": "5"})
