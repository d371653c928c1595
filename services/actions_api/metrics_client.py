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

from common.service_client import ServiceHttp
from services.actions_api.domain.measuring import Measured

log = logging.getLogger(__name__)

# metrics_api answers at most this many series per query.
SERIES_PER_CALL = 500


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


class MetricsClient(ServiceHttp):
    async def series(self, asked: Sequence[SeriesAsk]) -> dict[SeriesAsk, list[Measured] | None]:
        """Each series' points with a value (None for a series metrics_api does not know)."""
        wanted = list(dict.fromkeys(asked))
        found: dict[SeriesAsk, list[Measured] | None] = {}
        if not wanted:
            return found
        headers = self._headers()
        for start in range(0, len(wanted), SERIES_PER_CALL):
            chunk = wanted[start:start + SERIES_PER_CALL]
            unknown = await self._query(headers, chunk, found)
            if unknown:
                # metrics_api refuses the whole batch for one unknown series: ask again without them.
                found.update({chunk[index]: None for index in unknown})
                known = [ask for index, ask in enumerate(chunk) if index not in unknown]
                if known and await self._query(headers, known, found):
                    raise MetricsUnavailable("metrics_api refused series it had not refused before")
        return found

    async def _query(self, headers: dict[str, str], chunk: list[SeriesAsk],
                     found: dict[SeriesAsk, list[Measured] | None]) -> set[int]:
        """Reads the chunk into `found`; the indices of the series metrics_api does not know, if it refused some."""
        body = {"series": [ask.spec() for ask in chunk]}
        try:
            # A POST, but a read: asked once more when a kept connection closed as it was sent.
            response = await self._send("POST", "/v1/series/query", read=True, json=body, headers=headers)
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
