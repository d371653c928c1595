"""The HTTP mechanism a service's client of another service shares: base URL, timeout, transport,
one pooled httpx.AsyncClient per process and closing it.

The pooled client is made at the first call, inside the running event loop, and is closed with the
app (`ServiceHttp.aclose`, registered with the database's disposal). A client made per call built a
new TLS context and a new connection every time: for actions_api's reads of goals that was a third
of its CPU per dashboard query (bench/gateway_queries.py, README issue 19).
"""

from typing import Any

import httpx

from common.observability import REQUEST_ID_HEADER, current_request_id

# Idle connections are dropped before uvicorn's keep-alive (5 s) closes them on the other side, so a
# request is rarely sent on a connection the server is closing.
KEEPALIVE_SECONDS = 2.0


class ServiceHttp:
    """The base of a client of one downstream service."""

    def __init__(self, base_url: str, timeout_seconds: float,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout_seconds
        self.transport = transport
        self._client: httpx.AsyncClient | None = None

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(base_url=self.base_url, timeout=self.timeout, transport=self.transport,
                                             limits=httpx.Limits(keepalive_expiry=KEEPALIVE_SECONDS))
        return self._client

    @staticmethod
    def _headers(token: str | None = None) -> dict[str, str]:
        """The request id of the request being served, and the caller's token when the call acts for it."""
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        request_id = current_request_id()
        if request_id:
            headers[REQUEST_ID_HEADER] = request_id
        return headers

    async def _send(self, method: str, path: str, *, read: bool, params: dict[str, Any] | None = None,
                    json: Any = None, headers: dict[str, str] | None = None) -> httpx.Response:
        """One call on the pooled client. A read is sent once more when its kept connection failed (the other
        side closed it as we sent); a write never is, and neither is a read that ran out of time."""
        client = self._http()
        try:
            return await client.request(method, path, params=params, json=json, headers=headers)
        except httpx.TransportError as exc:
            if not read or isinstance(exc, httpx.TimeoutException):
                raise
            return await client.request(method, path, params=params, json=json, headers=headers)

    async def aclose(self) -> None:
        if self._client is not None:
            client, self._client = self._client, None
            await client.aclose()
