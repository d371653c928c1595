"""HTTP calls from the gateway to the three services.

Every call has one time budget (`DOWNSTREAM_TIMEOUT_SECONDS`) that covers its retry too, so a
slow service costs a query at most that long. Idempotent reads are retried once, after a short
backoff with jitter, when the connection fails or the service answers 502/503/504; writes never
are, as a retried write could take effect twice. The caller's Authorization and X-Request-ID go
along: the services decide what the caller may see and do, the gateway adds no rights.

Failures become exceptions that carry GraphQL `extensions`: `SERVICE_UNAVAILABLE` with the
service's name (never its host or port) when it is down, slow or failing, and the service's own
problem details when it refuses a request (4xx).
"""

import asyncio
import json
import logging
import random
import time
from collections.abc import Mapping
from typing import Any

import httpx
import orjson
from prometheus_client import CollectorRegistry, Counter, Histogram

from common.observability import REQUEST_ID_HEADER
from gateway.cache_tags import Read

log = logging.getLogger(__name__)

RETRYABLE_STATUSES = frozenset({502, 503, 504})
FORWARDED_FOR_HEADER = "X-Forwarded-For"

# GraphQL error codes for the services' 4xx answers, in the spirit of Apollo's common codes.
CODES_BY_STATUS = {
    400: "BAD_USER_INPUT",
    401: "UNAUTHENTICATED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    409: "CONFLICT",
    412: "PRECONDITION_FAILED",
    413: "BAD_USER_INPUT",
    422: "BAD_USER_INPUT",
    428: "PRECONDITION_REQUIRED",
    429: "RATE_LIMITED",
}


def _loads(content: bytes) -> Any:
    """orjson, several times faster than json on the services' answers; json for what orjson refuses
    and json reads (a number beyond the float range becomes infinity, which the types then refuse)."""
    try:
        return orjson.loads(content)
    except orjson.JSONDecodeError:
        return json.loads(content)


class DownstreamError(Exception):
    """An error a client may see as it is: its message and `extensions` reveal no internals."""

    extensions: dict[str, Any]


class ServiceUnavailable(DownstreamError):
    def __init__(self, service: str, reason: str) -> None:
        super().__init__(f"The {service} service is unavailable ({reason}); this field could not be resolved.")
        self.service = service
        self.extensions = {"code": "SERVICE_UNAVAILABLE", "service": service}


class UnsendableRequest(DownstreamError):
    """A value that cannot go into a request to the service at all (httpx refuses a URL component
    over 64 KB): the caller's input, refused before it is sent."""

    def __init__(self, service: str) -> None:
        super().__init__(f"A value is too long or malformed to be sent to the {service} service.")
        self.extensions = {"code": "BAD_USER_INPUT", "service": service}


class ServiceRefused(DownstreamError):
    """The service answered 4xx: its problem details go to the client."""

    def __init__(self, service: str, status: int, problem: dict[str, Any]) -> None:
        detail = problem.get("detail") or problem.get("title") or f"HTTP {status}"
        super().__init__(f"{service}: {detail}")
        self.service = service
        self.status = status
        self.problem = problem
        self.extensions = {
            "code": CODES_BY_STATUS.get(status, "BAD_REQUEST"),
            # Whose fault, in one generic word for clients and tools that do not know our codes:
            # a 4xx is the caller's request refused, never the server failing (schemathesis reads it).
            "classification": "BAD_REQUEST",
            "service": service,
            "status": status,
            "problem": problem,
        }


class DownstreamMetrics:
    def __init__(self, registry: CollectorRegistry | None) -> None:
        self.requests = Counter(
            "gateway_downstream_requests_total", "HTTP requests from the gateway to a service, retries included",
            ["service", "method", "outcome"], registry=registry,
        )
        self.latency = Histogram(
            "gateway_downstream_request_duration_seconds", "Latency of the gateway's requests to a service",
            ["service", "method"], registry=registry,
            buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
        )


class Downstream:
    """Process-wide: the connection pool, the services' base URLs, the time budget, metrics."""

    def __init__(self, client: httpx.AsyncClient, urls: Mapping[str, str], *, timeout_seconds: float,
                 retry_backoff_seconds: float, registry: CollectorRegistry | None = None) -> None:
        self.client = client
        self.urls = {name: url.rstrip("/") for name, url in urls.items()}
        # Service-to-service calls need none of the client's per-request work (cookie jar, auth and
        # redirect flow, event hooks, URL merging): each call is built once and sent through the
        # transport the client would pick for that service (its pool, or a proxy mount), looked up once.
        self.transports = {name: client._transport_for_url(httpx.URL(url)) for name, url in self.urls.items()}
        self.default_headers = [(key.decode("latin-1"), value.decode("latin-1")) for key, value in client.headers.raw]
        self.timeouts = client.timeout.as_dict()
        self.timeout_seconds = timeout_seconds
        self.retry_backoff_seconds = retry_backoff_seconds
        self.metrics = DownstreamMetrics(registry)

    def session(self, authorization: str | None, request_id: str | None,
                client: str | None = None) -> "DownstreamSession":
        """`client`: the visitor's address, passed on as X-Forwarded-For. The headers are the client's
        defaults with these merged in, once for all the request's calls, as the client would merge them
        (a default these replace goes, and theirs follow the defaults)."""
        headers = {"Accept": "application/json"}
        if authorization:
            headers["Authorization"] = authorization
        if request_id:
            headers[REQUEST_ID_HEADER] = request_id
        if client:
            headers[FORWARDED_FOR_HEADER] = client
        replaced = {name.lower() for name in headers}
        merged = {name: value for name, value in self.default_headers if name.lower() not in replaced}
        return DownstreamSession(self, merged | headers)


class DownstreamSession:
    """One GraphQL request's calls, with the caller's headers; counts them and the time they take."""

    def __init__(self, downstream: Downstream, headers: dict[str, str]) -> None:
        self.downstream = downstream
        self.headers = headers
        self.requests = 0
        self.services: set[str] = set()  # what the answer was read from
        self.reads: list[Read] | None = None  # each read, kept when the response cache asks (gateway/cache_tags.py)
        self._in_flight = 0
        self._busy_since = 0.0
        self.busy_seconds = 0.0

    async def get(self, service: str, path: str, params: Mapping[str, Any] | None = None) -> Any:
        return await self._call(service, "GET", path, params=params, idempotent=True)

    async def query(self, service: str, path: str, body: Any) -> Any:
        """A read sent as POST because its parameters are long (a batch of series): safe to retry."""
        return await self._call(service, "POST", path, body=body, idempotent=True)

    async def write(self, service: str, method: str, path: str, body: Any = None,
                    headers: Mapping[str, str] | None = None) -> Any:
        return await self._call(service, method, path, body=body, headers=headers, idempotent=False)

    async def _call(self, service: str, method: str, path: str, *, params: Mapping[str, Any] | None = None,
                    body: Any = None, headers: Mapping[str, str] | None = None, idempotent: bool) -> Any:
        downstream = self.downstream
        self.services.add(service)
        url = downstream.urls[service] + path
        query = {key: value for key, value in (params or {}).items() if value is not None}
        loop = asyncio.get_running_loop()
        deadline = loop.time() + downstream.timeout_seconds
        attempts = 2 if idempotent else 1
        read = None
        if self.reads is not None and idempotent:
            read = Read(service, path, query, body)
            self.reads.append(read)
        try:
            sent = {**self.headers, **headers} if headers else self.headers
            content = None
            if body is not None:
                content = orjson.dumps(body)
                sent = {**sent, "Content-Type": "application/json"}
            if query:
                # The query as httpx encodes `params`; the URL is then parsed (and checked) once.
                url += "?" + str(httpx.QueryParams(query))
            request = httpx.Request(method, url, content=content, headers=sent,
                                    extensions={"timeout": downstream.timeouts})
        except (httpx.InvalidURL, UnicodeEncodeError):
            raise UnsendableRequest(service) from None
        for attempt in range(1, attempts + 1):
            try:
                async with asyncio.timeout_at(deadline):
                    response = await self._send(service, method, request)
            except TimeoutError:
                # The budget is spent: no time is left for a retry.
                log.warning("downstream timeout", extra={"service": service, "path": path})
                raise ServiceUnavailable(service, "timed out") from None
            except httpx.HTTPError as exc:
                if attempt < attempts and await self._backoff(deadline):
                    continue
                log.warning("downstream unreachable: %s", type(exc).__name__, extra={"service": service, "path": path})
                raise ServiceUnavailable(service, "unreachable") from None
            if response.status_code in RETRYABLE_STATUSES and attempt < attempts and await self._backoff(deadline):
                continue
            answer = self._decode(service, response)
            if read is not None:
                read.answer = answer
            return answer
        raise AssertionError("unreachable")  # pragma: no cover - the loop always returns or raises

    async def _backoff(self, deadline: float) -> bool:
        """Wait before the retry if the budget allows one; False when it does not."""
        pause = self.downstream.retry_backoff_seconds * (1 + random.random())
        if asyncio.get_running_loop().time() + pause >= deadline:
            return False
        await asyncio.sleep(pause)
        return True

    async def _send(self, service: str, method: str, request: httpx.Request) -> httpx.Response:
        metrics = self.downstream.metrics
        self.requests += 1
        if self._in_flight == 0:
            self._busy_since = time.perf_counter()
        self._in_flight += 1
        started = time.perf_counter()
        outcome = "error"
        try:
            response = await self.downstream.transports[service].handle_async_request(request)
            response.request = request
            try:
                await response.aread()
            finally:
                await response.aclose()
            outcome = str(response.status_code)
            return response
        except (TimeoutError, asyncio.CancelledError):
            # The call's budget ran out (asyncio.timeout_at cancels the request in flight).
            outcome = "timeout"
            raise
        finally:
            now = time.perf_counter()
            self._in_flight -= 1
            if self._in_flight == 0:
                self.busy_seconds += now - self._busy_since
            metrics.requests.labels(service, method, outcome).inc()
            metrics.latency.labels(service, method).observe(now - started)

    @staticmethod
    def _decode(service: str, response: httpx.Response) -> Any:
        status = response.status_code
        if status >= 500:
            raise ServiceUnavailable(service, f"HTTP {status}")
        if status >= 400:
            try:
                problem = _loads(response.content)
            except ValueError:
                problem = None
            if not isinstance(problem, dict):
                problem = {"title": response.reason_phrase or "Error", "status": status}
            raise ServiceRefused(service, status, problem)
        if status == 204 or not response.content:
            return None
        try:
            return _loads(response.content)
        except ValueError:
            raise ServiceUnavailable(service, "unreadable answer") from None
