"""The metrics_api client: the series a goal or result points at, read to measure its actual.

One `POST /v1/series/query` per read of indicators (at most SERIES_PER_CALL series each), the
public series read the gateway uses too. A series metrics_api does not know is answered as unknown;
when metrics_api does not answer, the caller says the measurement is unavailable (a read of goals
still answers: their actual is then missing, with the reason).
"""

import logging
from collections.abc import Sequence
from decimal import Decimal
from typing import Any, NamedTuple

import httpx

from common.observability import REQUEST_ID_HEADER, current_request_id
from services.actions_api.domain.measuring import Measured

log = logging.getLogger(__name__)

# metrics_api answers at most this many series per query.
SERIES_PER_CALL = 500
KEEPALIVE_SECONDS = 2.0


class SeriesAsk(NamedTuple):
    """A series and the years that hold the indicator's window (metrics_api reads whole years)."""

    measure: str
    region: str
    occupation: str
    from_year: int | None
    to_year: int | None

    def spec(self) -> dict[str, Any]:
        spec: dict[str, Any] = {"measure": self.measure, "region": self.region, "occupation": self.occupation}
        if self.from_year is not None:
            spec["from"] = str(self.from_year)
        if self.to_year is not None:
            spec["to"] = str(self.to_year)
        return spec


class MetricsUnavailable(Exception):
    """metrics_api did not answer, or answered something else than series."""


class MetricsClient:
    def __init__(self, base_url: str, timeout_seconds: float,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout_seconds
        self.transport = transport
        # One client for the process, made at the first read: every read of goals asks metrics_api, and a
        # client made per read spent a third of actions_api's CPU on a dashboard query building its TLS
        # context, besides a new connection each time (bench/gateway_queries.py, README issue 19).
        self._client: httpx.AsyncClient | None = None

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            # Idle connections are dropped before uvicorn's keep-alive (5 s) closes them on metrics_api's side.
            self._client = httpx.AsyncClient(base_url=self.base_url, timeout=self.timeout, transport=self.transport,
                                             limits=httpx.Limits(keepalive_expiry=KEEPALIVE_SECONDS))
        return self._client

    async def aclose(self) -> None:
        if self._client is not None:
            client, self._client = self._client, None
            await client.aclose()

    async def series(self, asked: Sequence[SeriesAsk]) -> dict[SeriesAsk, list[Measured] | None]:
        """Each series' points with a value (None for a series metrics_api does not know)."""
        wanted = list(dict.fromkeys(asked))
        found: dict[SeriesAsk, list[Measured] | None] = {}
        if not wanted:
            return found
        request_id = current_request_id()
        headers = {REQUEST_ID_HEADER: request_id} if request_id else {}
        client = self._http()
        for start in range(0, len(wanted), SERIES_PER_CALL):
            chunk = wanted[start:start + SERIES_PER_CALL]
            unknown = await self._query(client, headers, chunk, found)
            if unknown:
                # metrics_api refuses the whole batch for one unknown series: ask again without them.
                found.update({chunk[index]: None for index in unknown})
                known = [ask for index, ask in enumerate(chunk) if index not in unknown]
                if known and await self._query(client, headers, known, found):
                    raise MetricsUnavailable("metrics_api refused series it had not refused before")
        return found

    async def _query(self, client: httpx.AsyncClient, headers: dict[str, str], chunk: list[SeriesAsk],
                     found: dict[SeriesAsk, list[Measured] | None]) -> set[int]:
        """Reads the chunk into `found`; the indices of the series metrics_api does not know, if it refused some."""
        body = {"series": [ask.spec() for ask in chunk]}
        try:
            try:
                response = await client.post("/v1/series/query", json=body, headers=headers)
            except httpx.TransportError:
                # A kept connection metrics_api closed as we sent: the query is a read, ask once more.
                response = await client.post("/v1/series/query", json=body, headers=headers)
        except httpx.HTTPError as exc:
            log.warning("metrics_api unreachable: %s", type(exc).__name__)
            raise MetricsUnavailable(type(exc).__name__) from None
        if response.status_code == 422:
            unknown = _refused_indices(response, len(chunk))
            if unknown:
                return unknown
        if response.status_code != 200:
            log.warning("metrics_api answered %s to a series query", response.status_code)
            raise MetricsUnavailable(f"HTTP {response.status_code}")
        try:
            series = response.json()["series"]
            for ask, one in zip(chunk, series, strict=True):
                found[ask] = [Measured(str(point["period"]), Decimal(str(point["value"])),
                                       derived=bool(point["derived"]))
                              for point in one["points"] if point.get("value") is not None]
        except (ValueError, KeyError, TypeError, ArithmeticError):
            log.error("metrics_api answered an unexpected series body")
            raise MetricsUnavailable("unexpected body") from None
        return set()


def _refused_indices(response: httpx.Response, count: int) -> set[int]:
    """The series a 422 names (`series.3.region`)."""
    try:
        errors = response.json().get("errors") or []
    except ValueError:
        return set()
    indices = set()
    for error in errors:
        parts = str(error.get("field", "") if isinstance(error, dict) else "").split(".")
        if len(parts) >= 2 and parts[0] == "series" and parts[1].isdigit() and int(parts[1]) < count:
            indices.add(int(parts[1]))
    return indices
