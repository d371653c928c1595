"""The actions_api client: whether a pact exists (sign-ups name one), and moving participations
when duplicates merge.

partners_api never reads the actions schema; it asks actions_api over HTTP. Moving participations
goes with the coordinator's own token (it needs partners:admin there too).
"""

import logging
import uuid

import httpx

from common.problems import Problem
from common.service_client import ServiceHttp

log = logging.getLogger(__name__)


class ActionsClient(ServiceHttp):
    async def pact_exists(self, slug: str) -> bool:
        """Whether actions_api knows the pact; 503 problem when it does not answer in time."""
        response = await self._call("GET", f"/v1/pacts/{slug}")
        if response.status_code == 404:
            return False
        self._refuse_unless_ok(response, "the pact lookup")
        return True

    async def move_participations(self, from_id: uuid.UUID, to_id: uuid.UUID, token: str) -> int:
        """How many participations moved. A 503 problem when actions_api does not answer, so the
        merge is not committed and can be retried (moving again moves nothing)."""
        body = {"from_organisation_id": str(from_id), "to_organisation_id": str(to_id)}
        response = await self._call("POST", "/v1/participations/move", body=body, token=token)
        self._refuse_unless_ok(response, "moving the participations")
        try:
            return int(response.json()["moved"])
        except (ValueError, KeyError, TypeError):
            log.error("actions_api answered an unexpected body")
            raise unavailable() from None

    async def _call(self, method: str, path: str, *, body: dict[str, str] | None = None,
                    token: str | None = None) -> httpx.Response:
        try:
            return await self._send(method, path, read=method == "GET", json=body, headers=self._headers(token))
        except httpx.HTTPError as exc:
            log.warning("actions_api unreachable: %s", type(exc).__name__)
            raise unavailable() from None

    @staticmethod
    def _refuse_unless_ok(response: httpx.Response, what: str) -> None:
        if response.status_code >= 500:
            log.warning("actions_api answered %s", response.status_code)
            raise unavailable()
        if response.status_code != 200:
            log.error("actions_api refused %s: %s", what, response.status_code)
            raise Problem(502, "Bad gateway",
                          f"actions_api refused {what} ({response.status_code}); nothing was written.",
                          type="actions-refused")


def unavailable() -> Problem:
    return Problem(503, "Actions API unavailable",
                   "actions_api did not answer in time; nothing was written. Retry shortly.",
                   type="actions-unavailable", headers={"Retry-After": "5"})
