"""Series: the latest figures of one measure for a region and occupation class over periods.

Computed on read, never stored: a region defined by members (Noordvleugel) or a class defined
by members (technical, industrial and ICT) that no feed posted is summed from its members; a
member that is missing for a period makes the sum missing for that period (with the member's
reason), never too low. Shares are taken of the `total` class of the same region and period;
change is against the previous period of the same frequency. `as_of` answers as the API did
at that moment: only revisions recorded by then count.

A series has one frequency, never months between years on one axis: the one asked for (or that
`from` and `to` are written in), else the finest for which the series has a figure.

A series is the figures of one source: the one asked for (`source`), else the measure's primary
source (a metrics:admin's choice, else the first source that posted figures of the measure). Sums
and shares are taken within that source, never across providers; the answer names it.
"""

from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, NamedTuple

from sqlalchemy.ext.asyncio import AsyncSession

from common.periods import FREQUENCY_ORDER, Frequency, InvalidPeriod, Period, parse_period
from common.problems import Problem, field_error, invalid
from services.metrics_api.domain import (
    PERIOD_FREQUENCIES,
    MissingReason,
    ObservationStatus,
    SeriesFrequency,
    ValueType,
)
from services.metrics_api.repository import series as repository
from services.metrics_api.schemas import Series, SeriesPoint

TOTAL = "total"
# When members are missing for different reasons, the sum carries the strongest one.
REASON_PRIORITY = {reason.value: priority for priority, reason in enumerate(MissingReason)}
PROVISIONAL, FINAL = ObservationStatus.PROVISIONAL.value, ObservationStatus.FINAL.value
NOT_AVAILABLE = MissingReason.NOT_AVAILABLE.value


class Figure(NamedTuple):
    """One point's figure, posted or summed (a tuple: a series builds a few thousand of them)."""

    value: Decimal | None
    status: str | None
    revision: int | None
    derived: bool
    missing_reason: str | None


class SeriesRequest(NamedTuple):
    """One series as asked for: the codes, the period bounds as the caller wrote them, and `as_of`."""

    measure: str
    region: str
    occupation: str = TOTAL
    from_: str | None = None
    to: str | None = None
    as_of: datetime | None = None
    frequency: SeriesFrequency | None = None
    source: str | None = None


def served_number(value: Decimal | None) -> int | float | None:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def period_bounds(from_: str | None, to: str | None, prefix: str = "") -> tuple[Period | None, Period | None]:
    errors = []
    bounds: list[Period | None] = []
    for name, raw in (("from", from_), ("to", to)):
        try:
            bounds.append(parse_period(raw, PERIOD_FREQUENCIES) if raw is not None else None)
        except InvalidPeriod as exc:
            errors.append(field_error(prefix + name, str(exc), **({"in": "query"} if not prefix else {})))
            bounds.append(None)
    start, end = bounds
    if start and end and start.frequency is not end.frequency:
        errors.append(field_error(
            prefix + "to", "from and to are periods of one frequency (both years, quarters or months)."))
    elif start and end and end < start:
        errors.append(field_error(prefix + "to", "to lies before from."))
    if errors:
        raise invalid(errors)
    return start, end


def as_utc(moment: datetime | None) -> datetime | None:
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment


def _sum(parts: list[Figure | None]) -> Figure | None:
    """The sum of member figures; missing (with the strongest reason) if any member is."""
    total = Decimal(0)
    status = FINAL
    missing: str | None = None
    present = False
    for part in parts:
        if part is None:
            reason: str | None = NOT_AVAILABLE
        else:
            present = True
            reason = part.missing_reason
            if part.status == PROVISIONAL:
                status = PROVISIONAL
            if reason is None and part.value is not None:
                total += part.value
        if reason and (missing is None or REASON_PRIORITY[reason] < REASON_PRIORITY[missing]):
            missing = reason
    if not present:
        return None
    return Figure(None if missing else total, status, None, True, missing)


def _reachable(members: dict[str, list[str]], start: str) -> set[str]:
    seen, frontier = set(), {start}
    while frontier:
        seen |= frontier
        frontier = {m for code in frontier for m in members.get(code, [])} - seen
    return seen


class SeriesReader:
    """Reads series for one request; what it learns of the reference data is kept for fetch-many."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.measures: dict[str, repository.MeasureInfo] = {}
        self.regions: set[str] = set()
        self.occupations: set[str] = set()
        self.sources: set[str] = set()

    async def learn(self, requests: Iterable[SeriesRequest]) -> None:
        """Which of the codes these requests name exist: two queries, however many requests."""
        requests = list(requests)
        measures = await repository.measures(self.session, {r.measure for r in requests})
        self.measures.update({m.code: m for m in measures})
        for kind, code in await repository.known_codes(
                self.session, {r.region for r in requests}, {r.occupation for r in requests} | {TOTAL},
                {r.source for r in requests if r.source is not None}):
            {"region": self.regions, "occupation": self.occupations, "source": self.sources}[kind].add(code)

    def _unknown(self, request: SeriesRequest) -> bool:
        return (request.measure not in self.measures or request.region not in self.regions
                or request.occupation not in self.occupations
                or (request.source is not None and request.source not in self.sources))

    def check(self, request: SeriesRequest, prefix: str = "") -> tuple[Period | None, Period | None]:
        where = {"in": "query"} if not prefix else {}
        errors = []
        if request.measure not in self.measures:
            errors.append(field_error(prefix + "measure", f"Unknown measure '{request.measure}'.", **where))
        if request.region not in self.regions:
            errors.append(field_error(prefix + "region", f"Unknown region '{request.region}'.", **where))
        if request.occupation not in self.occupations:
            errors.append(field_error(prefix + "occupation", f"Unknown occupation class '{request.occupation}'.",
                                      **where))
        if request.source is not None and request.source not in self.sources:
            errors.append(field_error(prefix + "source", f"Unknown source '{request.source}': no feed has posted "
                                      "figures for it.", **where))
        try:
            bounds = period_bounds(request.from_, request.to, prefix)
        except Problem as exc:
            errors.extend(exc.errors or [])
            bounds = (None, None)
        bound = bounds[0] or bounds[1]
        if request.frequency is not None and bound is not None and bound.frequency is not request.frequency.frequency:
            errors.append(field_error(prefix + "frequency", f"from and to are not periods of a {request.frequency}.",
                                      **where))
        if errors:
            raise invalid(errors)
        return bounds

    async def read(self, request: SeriesRequest, prefix: str = "") -> Series:
        if self._unknown(request):
            await self.learn([request])
        start, end = self.check(request, prefix)
        measure = self.measures[request.measure]
        source = request.source or measure.primary_source or measure.first_source
        additive = measure.value_type != ValueType.SHARE
        occupations = {request.occupation, TOTAL} if TOTAL in self.occupations else {request.occupation}
        region_members: dict[str, list[str]] = defaultdict(list)
        occupation_members: dict[str, list[str]] = defaultdict(list)
        for kind, parent, member in await repository.closures(self.session, request.region, occupations):
            (region_members if kind == "region" else occupation_members)[parent].append(member)
        regions = {request.region} | {m for ms in region_members.values() for m in ms}
        classes = occupations | {m for ms in occupation_members.values() for m in ms}
        bound = start or end
        asked = bound.frequency if bound is not None else request.frequency.frequency if request.frequency else None
        frequency = asked.value if asked is not None else None
        rows = [] if source is None else await repository.latest(
            self.session, request.measure, source, regions, classes, frequency=frequency,
            start=str(start.previous()) if start is not None else None, end=str(end) if end is not None else None,
            as_of=as_utc(request.as_of))

        direct: dict[tuple[str, str, str], Figure] = {}
        periods: dict[str, Period] = {}
        wanted_occupations = _reachable(occupation_members, request.occupation)
        for region, occupation, code, value, status, missing_reason, withdrawn, revision in rows:
            if not withdrawn:
                direct[(region, occupation, code)] = Figure(value, status, revision, False, missing_reason)
                if occupation in wanted_occupations and code not in periods:
                    periods[code] = parse_period(code, PERIOD_FREQUENCIES)

        memo: dict[tuple[str, str, str], Figure | None] = {}

        def figure(region: str, occupation: str, period: str) -> Figure | None:
            key = (region, occupation, period)
            if key in memo:
                return memo[key]
            found = direct.get(key)
            if found is None and additive and region_members.get(region):
                found = _sum([figure(member, occupation, period) for member in region_members[region]])
            if found is None and additive and occupation_members.get(occupation):
                found = _sum([figure(region, member, period) for member in occupation_members[occupation]])
            memo[key] = found
            return found

        points: dict[Frequency, list[SeriesPoint]] = defaultdict(list)
        ordered = sorted(periods.values(), key=lambda p: (FREQUENCY_ORDER[p.frequency], p))
        for period in ordered:
            if start is not None and period < start:
                continue  # fetched only as the base of the first point's change
            label = str(period)
            current = figure(request.region, request.occupation, label)
            if current is None:
                continue
            share = None
            if request.occupation != TOTAL and additive and current.value is not None:
                total = figure(request.region, TOTAL, label)
                # A part larger than its whole (or a negative one) is no share: inconsistent figures show none.
                if total is not None and total.value and 0 <= current.value <= total.value:
                    share = float(current.value / total.value)
            previous = figure(request.region, request.occupation, str(period.previous()))
            change = None
            if current.value is not None and previous is not None and previous.value is not None:
                change = served_number(current.value - previous.value)
            points[period.frequency].append(SeriesPoint(
                period=label, value=served_number(current.value), status=current.status, revision=current.revision,
                derived=current.derived, share=share, change=change, missing_reason=current.missing_reason))
        chosen = _one_frequency(points)
        served = points.get(chosen, []) if chosen is not None else []
        return Series(measure=measure.code, region=request.region, occupation=request.occupation, source=source,
                      unit=measure.unit,
                      unit_multiplier=measure.unit_multiplier, kind=measure.kind,
                      frequency=SeriesFrequency(chosen.name) if chosen is not None else None,
                      derived=any(point.derived for point in served), points=served)


def _one_frequency(points: dict[Frequency, list[SeriesPoint]]) -> Frequency | None:
    """The finest frequency with a figure (a value), else the finest with any point; None for no points."""
    with_figures = [frequency for frequency, listed in points.items() if any(p.value is not None for p in listed)]
    candidates = with_figures or list(points)
    return max(candidates, key=FREQUENCY_ORDER.__getitem__) if candidates else None


async def read_series(session: AsyncSession, request: SeriesRequest) -> Series:
    return await SeriesReader(session).read(request)


async def read_many(session: AsyncSession, requests: list[SeriesRequest],
                    indices: list[int] | None = None) -> list[Series]:
    """Many series, in the order asked; every bad request's errors at once, under `series.<index>.`
    (`indices`: where each request stands in the caller's list, when it asked for more)."""
    reader = SeriesReader(session)
    await reader.learn(requests)
    errors: list[dict[str, Any]] = []
    for index, request in zip(indices or range(len(requests)), requests, strict=True):
        try:
            reader.check(request, prefix=f"series.{index}.")
        except Problem as exc:
            errors.extend(exc.errors or [])
    if errors:
        raise invalid(errors)
    return [await reader.read(request) for request in requests]
