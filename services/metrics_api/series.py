"""Series: the latest figures of one measure for a region and occupation class over periods.

Computed on read, never stored: a region defined by members (Noordvleugel) or a class defined
by members (technical, industrial and ICT) that no feed posted is summed from its members; a
member that is missing for a period makes the sum missing for that period (with the member's
reason), never too low. Shares are taken of the `total` class of the same region and period;
change is against the previous period of the same frequency. `as_of` answers as the API did
at that moment: only revisions recorded by then count.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

from sqlalchemy import select, text, tuple_
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.ext.asyncio import AsyncSession

from common.pagination import decode_cursor, encode_cursor
from common.problems import Problem, field_error, invalid
from services.metrics_api.models import Measure, Observation
from services.metrics_api.periods import FREQUENCY_ORDER, InvalidPeriod, Period, parse_period
from services.metrics_api.schemas import ObservationOut, Series, SeriesPoint

TOTAL = "total"
# When members are missing for different reasons, the sum carries the strongest one.
REASON_PRIORITY = {"confidential": 0, "suppressed": 1, "not_available": 2}


@dataclass(frozen=True)
class Figure:
    value: Decimal | None
    status: str | None
    revision: int | None
    derived: bool
    missing_reason: str | None


@dataclass(frozen=True)
class SeriesRequest:
    measure: str
    region: str
    occupation: str = TOTAL
    from_: str | None = None
    to: str | None = None
    as_of: datetime | None = None


def served_number(value: Decimal | None) -> int | float | None:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def period_bounds(from_: str | None, to: str | None, prefix: str = "") -> tuple[Period | None, Period | None]:
    errors = []
    bounds: list[Period | None] = []
    for name, raw in (("from", from_), ("to", to)):
        try:
            bounds.append(parse_period(raw) if raw is not None else None)
        except InvalidPeriod as exc:
            errors.append(field_error(prefix + name, str(exc), **({"in": "query"} if not prefix else {})))
            bounds.append(None)
    start, end = bounds
    if start and end and start.frequency is not end.frequency:
        errors.append(field_error(prefix + "to", "from and to are periods of one frequency (both years, quarters or months)."))
    elif start and end and end < start:
        errors.append(field_error(prefix + "to", "to lies before from."))
    if errors:
        raise invalid(errors)
    return start, end


def _utc(moment: datetime | None) -> datetime | None:
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment


CLOSURES = text("""
    WITH RECURSIVE
    regions_below(parent, member) AS (
        SELECT region, member FROM region_members WHERE region = :region
        UNION
        SELECT m.region, m.member FROM region_members m JOIN regions_below b ON m.region = b.member
    ),
    classes_below(parent, member) AS (
        SELECT occupation, member FROM occupation_members WHERE occupation = ANY(:occupations)
        UNION
        SELECT m.occupation, m.member FROM occupation_members m JOIN classes_below b ON m.occupation = b.member
    )
    SELECT 'region' AS kind, parent, member FROM regions_below
    UNION ALL
    SELECT 'occupation', parent, member FROM classes_below
    ORDER BY 1, 2, 3
""")


class SeriesReader:
    """Reads series for one request; what it learns of the reference data is kept for fetch-many."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.measures: dict[str, Measure] = {}
        self.regions: set[str] = set()
        self.occupations: set[str] = set()

    async def learn(self, requests: list[SeriesRequest]) -> None:
        """Which of the codes these requests name exist: two queries, however many requests."""
        measures = {r.measure for r in requests}
        self.measures.update({m.code: m for m in await self.session.scalars(
            select(Measure).where(Measure.code.in_(measures)))})
        rows = await self.session.execute(
            text("SELECT 'region', code FROM regions WHERE code = ANY(:regions)"
                 " UNION ALL SELECT 'occupation', code FROM occupations WHERE code = ANY(:occupations)"),
            {"regions": list({r.region for r in requests}),
             "occupations": list({r.occupation for r in requests} | {TOTAL})},
        )
        for kind, code in rows:
            (self.regions if kind == "region" else self.occupations).add(code)

    def check(self, request: SeriesRequest, prefix: str = "") -> tuple[Period | None, Period | None]:
        where = {"in": "query"} if not prefix else {}
        errors = []
        if request.measure not in self.measures:
            errors.append(field_error(prefix + "measure", f"Unknown measure '{request.measure}'.", **where))
        if request.region not in self.regions:
            errors.append(field_error(prefix + "region", f"Unknown region '{request.region}'.", **where))
        if request.occupation not in self.occupations:
            errors.append(field_error(prefix + "occupation", f"Unknown occupation class '{request.occupation}'.", **where))
        try:
            bounds = period_bounds(request.from_, request.to, prefix)
        except Problem as exc:
            errors.extend(exc.errors or [])
            bounds = (None, None)
        if errors:
            raise invalid(errors)
        return bounds

    async def read(self, request: SeriesRequest, prefix: str = "") -> Series:
        if (request.measure not in self.measures or request.region not in self.regions
                or request.occupation not in self.occupations):
            await self.learn([request])
        start, end = self.check(request, prefix)
        measure = self.measures[request.measure]
        additive = measure.value_type != "share"
        occupations = {request.occupation, TOTAL} if TOTAL in self.occupations else {request.occupation}
        region_members: dict[str, list[str]] = defaultdict(list)
        occupation_members: dict[str, list[str]] = defaultdict(list)
        for kind, parent, member in await self.session.execute(
                CLOSURES, {"region": request.region, "occupations": list(occupations)}):
            (region_members if kind == "region" else occupation_members)[parent].append(member)
        regions = {request.region} | {m for ms in region_members.values() for m in ms}
        classes = occupations | {m for ms in occupation_members.values() for m in ms}
        rows = await self._latest(request, regions, classes, start, end)

        direct: dict[tuple[str, str, str], Figure] = {}
        periods: dict[str, Period] = {}
        wanted_occupations = self._reachable(occupation_members, request.occupation)
        for row in rows:
            if not row.withdrawn:
                direct[(row.region, row.occupation, row.period)] = Figure(
                    row.value, row.status, row.revision, False, row.missing_reason)
                if row.occupation in wanted_occupations and row.period not in periods:
                    periods[row.period] = parse_period(row.period)

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

        points = []
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
                if total is not None and total.value:
                    share = float(current.value / total.value)
            previous = figure(request.region, request.occupation, str(period.previous()))
            change = None
            if current.value is not None and previous is not None and previous.value is not None:
                change = served_number(current.value - previous.value)
            points.append(SeriesPoint(period=label, value=served_number(current.value), status=current.status,
                                      revision=current.revision, derived=current.derived, share=share, change=change,
                                      missing_reason=current.missing_reason))
        return Series(measure=measure.code, region=request.region, occupation=request.occupation, unit=measure.unit,
                      unit_multiplier=measure.unit_multiplier, kind=measure.kind,
                      derived=any(point.derived for point in points), points=points)

    @staticmethod
    def _reachable(members: dict[str, list[str]], start: str) -> set[str]:
        seen, frontier = set(), {start}
        while frontier:
            seen |= frontier
            frontier = {m for code in frontier for m in members.get(code, [])} - seen
        return seen

    async def _latest(self, request: SeriesRequest, regions: Any, occupations: Any,
                      start: Period | None, end: Period | None) -> list[Any]:
        conditions = ["measure = :measure", "region = ANY(:regions)", "occupation = ANY(:occupations)"]
        params: dict[str, Any] = {"measure": request.measure, "regions": list(regions),
                                  "occupations": list(occupations)}
        frequency = (start or end).frequency if (start or end) else None
        if frequency is not None:
            conditions.append("frequency = :frequency")
            params["frequency"] = frequency.value
        if start is not None:
            conditions.append("period >= :start")
            params["start"] = str(start.previous())
        if end is not None:
            conditions.append("period <= :end")
            params["end"] = str(end)
        if request.as_of is not None:
            conditions.append("recorded_at <= :as_of")
            params["as_of"] = _utc(request.as_of)
        statement = text(
            "SELECT DISTINCT ON (region, occupation, period) region, occupation, period, value, status,"
            " missing_reason, withdrawn, revision FROM observations WHERE " + " AND ".join(conditions)
            + " ORDER BY region, occupation, period, revision DESC"
        )
        return list(await self.session.execute(statement, params))


def _sum(parts: list[Figure | None]) -> Figure | None:
    """The sum of member figures; missing (with the strongest reason) if any member is."""
    if all(part is None for part in parts):
        return None
    reasons = [(part.missing_reason or "") if part is not None else "not_available" for part in parts]
    missing = [reason for reason in reasons if reason]
    statuses = {part.status for part in parts if part is not None}
    status = "provisional" if "provisional" in statuses else "final"
    if missing:
        return Figure(None, status, None, True, min(missing, key=REASON_PRIORITY.__getitem__))
    return Figure(sum((part.value for part in parts), Decimal(0)), status, None, True, None)


# ---- observations ---------------------------------------------------------------------------

async def list_observations(session: AsyncSession, *, measure: str | None, region: str | None,
                            occupation: str | None, from_: str | None, to: str | None, source: str | None,
                            as_of: datetime | None, history: bool, limit: int,
                            cursor: str | None) -> tuple[list[ObservationOut], str | None]:
    """Figures as posted (no derivation): the latest revision of each, or every revision with `history`."""
    start, end = period_bounds(from_, to)
    o = Observation
    filters = []
    for column, value in ((o.measure, measure), (o.region, region), (o.occupation, occupation)):
        if value is not None:
            filters.append(column == value)
    if start or end:
        filters.append(o.frequency == (start or end).frequency.value)
    if start:
        filters.append(o.period >= str(start))
    if end:
        filters.append(o.period <= str(end))
    if as_of is not None:
        filters.append(o.recorded_at <= _utc(as_of))
    key = (o.measure, o.region, o.occupation, o.period, o.revision)
    query = select(o).where(*filters)
    if not history:
        latest = (select(o.measure, o.region, o.occupation, o.period, o.revision).where(*filters)
                  .ext(distinct_on(o.measure, o.region, o.occupation, o.period))
                  .order_by(o.measure, o.region, o.occupation, o.period, o.revision.desc()).subquery())
        query = query.join(latest, (o.measure == latest.c.measure) & (o.region == latest.c.region)
                           & (o.occupation == latest.c.occupation) & (o.period == latest.c.period)
                           & (o.revision == latest.c.revision)).where(o.withdrawn.is_(False))
    if source is not None:
        query = query.where(o.source == source)
    after = decode_cursor(cursor, 5)
    if after:
        query = query.where(tuple_(*key) > tuple(after))
    rows = (await session.scalars(query.order_by(*key).limit(limit + 1))).all()
    items = [ObservationOut(measure=r.measure, region=r.region, occupation=r.occupation, period=r.period,
                            value=served_number(r.value), status=r.status, missing_reason=r.missing_reason,
                            revision=r.revision, withdrawn=r.withdrawn, source=r.source, batch_id=r.batch_id,
                            recorded_at=r.recorded_at) for r in rows[:limit]]
    next_cursor = None
    if len(rows) > limit:
        last = rows[limit - 1]
        next_cursor = encode_cursor([last.measure, last.region, last.occupation, last.period, last.revision])
    return items, next_cursor


