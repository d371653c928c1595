"""Every call the gateway makes to metrics_api: regions, measures, occupation classes and series."""

from collections import defaultdict
from collections.abc import Iterable
from typing import NamedTuple, NewType

from gateway.clients.base import WHOLE_LIST_LIMIT, Json, ServiceClient, items_of
from gateway.downstream import ServiceRefused

RegionRecord = NewType("RegionRecord", Json)  # with its members, parent and the aggregates it is in
MeasureRecord = NewType("MeasureRecord", Json)
OccupationRecord = NewType("OccupationRecord", Json)  # with its parent and the classes it sums
SeriesRecord = NewType("SeriesRecord", Json)  # with its points
# What one series of a batch gets: its record, None where metrics_api has none, or its own refusal.
SeriesAnswer = SeriesRecord | ServiceRefused | None


class SeriesQuery(NamedTuple):
    measure: str
    region: str
    occupation: str
    start: str | None = None
    end: str | None = None
    source: str | None = None  # the provider; None: the measure's primary source
    frequency: str | None = None  # year, quarter or month; None: the finest that has figures

    def spec(self) -> Json:
        asked = (("measure", self.measure), ("region", self.region), ("occupation", self.occupation),
                 ("from", self.start), ("to", self.end), ("source", self.source), ("frequency", self.frequency))
        return {name: value for name, value in asked if value is not None}


class MetricsClient(ServiceClient):
    service = "metrics_api"

    async def regions(self, kind: str | None = None) -> list[RegionRecord]:
        return items_of(await self._get("/v1/regions", {"kind": kind, "limit": WHOLE_LIST_LIMIT}))

    async def measures(self) -> list[MeasureRecord]:
        return items_of(await self._get("/v1/measures", {"limit": WHOLE_LIST_LIMIT}))

    async def occupations(self) -> list[OccupationRecord]:
        return items_of(await self._get("/v1/occupations", {"limit": WHOLE_LIST_LIMIT}))

    async def regions_by_code(self, codes: Iterable[str]) -> list[RegionRecord]:
        return await self._many("/v1/regions", "codes", codes)

    async def series(self, queries: list[SeriesQuery]) -> list[SeriesAnswer]:
        """One request for many series, answered in the order asked. metrics_api refuses the whole
        batch when one series names an unknown measure or region: that one gets the refusal, the
        others are asked again."""
        specs = [query.spec() for query in queries]
        try:
            return _in_order(await self._query(specs), len(specs))
        except ServiceRefused as refused:
            bad = _refused_indices(refused, len(specs))
            if refused.status != 422 or not bad:
                raise
            found: list[SeriesAnswer] = [
                ServiceRefused(refused.service, 422, {**refused.problem, "errors": bad[index]})
                if index in bad else None for index in range(len(specs))
            ]
            good = [index for index in range(len(specs)) if index not in bad]
            if good:
                again = _in_order(await self._query([specs[index] for index in good]), len(good))
                for index, series in zip(good, again, strict=True):
                    found[index] = series
            return found

    async def _query(self, specs: list[Json]) -> object:
        # A read sent as POST because its parameters are long: safe to retry.
        return await self.calls.query(self.service, "/v1/series/query", {"series": specs})


def _in_order(answer: object, count: int) -> list[SeriesAnswer]:
    series = list(answer.get("series") or []) if isinstance(answer, dict) else []
    return [series[index] if index < len(series) else None for index in range(count)]


def _refused_indices(refused: ServiceRefused, count: int) -> dict[int, list[Json]]:
    """The problem's errors by the index of the series they name (`series.3.region`)."""
    bad: dict[int, list[Json]] = defaultdict(list)
    for error in refused.problem.get("errors") or []:
        parts = str(error.get("field", "")).split(".")
        if len(parts) >= 2 and parts[0] == "series" and parts[1].isdigit() and int(parts[1]) < count:
            bad[int(parts[1])].append({**error, "field": ".".join(parts[2:]) or error.get("field")})
    return dict(bad)
