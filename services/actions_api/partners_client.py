"""The partners_api client: which organisation ids exist (participations are validated at write time)."""

import logging
import uuid
from collections.abc import Collection

import httpx

from common.problems import Problem
from common.query_lists import MAX_LIST_ITEMS
from common.service_client import ServiceHttp

log = logging.getLogger(__name__)

# partners_api answers at most this many ids per fetch-many call.
IDS_PER_CALL = MAX_LIST_ITEMS


class PartnersClient(ServiceHttp):
    async def unknown(self, ids: Collection[uuid.UUID]) -> set[uuid.UUID]:
        """The ids partners_api does not know; 503 problem when it does not answer in time."""
        wanted = sorted(set(ids), key=str)
        if not wanted:
            return set()
        found: set[uuid.UUID] = set()
        headers = self._headers()
        for start in range(0, len(wanted), IDS_PER_CALL):
            chunk = wanted[start:start + IDS_PER_CALL]
            try:
                response = await self._send("GET", "/v1/organisations", read=True,
                                            params={"ids": ",".join(map(str, chunk))}, headers=headers)
            except httpx.HTTPError as exc:
                log.warning("partners_api unreachable: %s", type(exc).__name__)
                raise unavailable() from None
            if response.status_code >= 500:
                log.warning("partners_api answered %s", response.status_code)
                raise unavailable()
            if response.status_code != 200:
                log.error("partners_api refused the organisation lookup: %s", response.status_code)
                raise Problem(502, "Bad gateway", "The partner registry refused the organisation lookup.",
                              type="partners-refused")
            try:
                found.update(uuid.UUID(item["id"]) for item in response.json()["items"])
            except (ValueError, KeyError, TypeError):
                log.error("partners_api answered an unexpected body")
                raise unavailable() from None
        return set(wanted) - found


def unavailable() -> Problem:
    return Problem(503, "Partner registry unavailable",
                   "The partner registry (partners_api) did not answer in time, so organisation ids could not be "
                   "checked; nothing was written. Retry shortly.",
                   type="partners-unavailable", headers={"Retry-After": "5"})
