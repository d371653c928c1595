"""Reads of observations: the latest figures behind a series, its member closures, and the posted figures."""

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any, NamedTuple

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.ext.asyncio import AsyncSession

from common.changes import TABLE as CHANGE_EVENTS
from common.database import driver_connection
from common.pagination import Keyset, page_of
from services.metrics_api.models import Observation

# The reads behind a series go to the driver: a series is a handful of statements and a thousand
# rows, and the ORM's row-by-row fetch over asyncio cost more than the statements themselves.
CLOSURES = """
    WITH RECURSIVE
    regions_below(parent, member) AS (
        SELECT region, member FROM region_members WHERE region = $1
        UNION
        SELECT m.region, m.member FROM region_members m JOIN regions_below b ON m.region = b.member
    ),
    classes_below(parent, member) AS (
        SELECT occupation, member FROM occupation_members WHERE occupation = ANY($2::text[])
        UNION
        SELECT m.occupation, m.member FROM occupation_members m JOIN classes_below b ON m.occupation = b.member
    )
    SELECT 'region' AS kind, parent, member FROM regions_below
    UNION ALL
    SELECT 'occupation', parent, member FROM classes_below
    ORDER BY 1, 2, 3
"""

KNOWN_CODES = ("SELECT 'region', code FROM regions WHERE code = ANY($1::text[])"
               " UNION ALL SELECT 'occupation', code FROM occupations WHERE code = ANY($2::text[])"
               " UNION ALL SELECT DISTINCT 'source', source FROM batches WHERE source = ANY($3::text[])")

MEASURES = ("SELECT code, unit, unit_multiplier, kind, value_type, primary_source, first_source FROM measures"
            " WHERE code = ANY($1::text[])")

# The highest change event committed: it moves with every write of the schema (the series cache's check).
CHANGE_HEAD = f"SELECT coalesce(max(seq), 0) FROM {CHANGE_EVENTS}"

OBSERVATION_ORDER = Keyset(Observation.measure, Observation.region, Observation.occupation, Observation.period,
                           Observation.source, Observation.revision)


class MeasureInfo(NamedTuple):
    """What a series needs of its measure."""

    code: str
    unit: str
    unit_multiplier: int
    kind: str
    value_type: str
    primary_source: str | None
    first_source: str | None


# (region, occupation, period, value, status, missing_reason, withdrawn, revision)
LatestFigure = tuple[str, str, str, Decimal | None, str, str | None, bool, int]


async def measures(session: AsyncSession, codes: Iterable[str]) -> list[MeasureInfo]:
    driver = await driver_connection(session)
    return [MeasureInfo(*row) for row in await driver.fetch(MEASURES, list(codes))]


async def known_codes(session: AsyncSession, regions: Iterable[str], occupations: Iterable[str],
                      sources: Iterable[str] = ()) -> list[tuple[str, str]]:
    """('region', 'occupation' or 'source', code) for each of these codes that exists (a source that fed a batch)."""
    driver = await driver_connection(session)
    rows = await driver.fetch(KNOWN_CODES, list(regions), list(occupations), list(sources))
    return [(kind, code) for kind, code in rows]


async def change_head(session: AsyncSession) -> int:
    driver = await driver_connection(session)
    return int(await driver.fetchval(CHANGE_HEAD))


async def closures(session: AsyncSession, region: str, occupations: Iterable[str]) -> list[tuple[str, str, str]]:
    """('region' or 'occupation', parent, member) of every link below the region and the classes."""
    driver = await driver_connection(session)
    return [(kind, parent, member) for kind, parent, member in await driver.fetch(CLOSURES, region, list(occupations))]


async def latest(session: AsyncSession, measure: str, source: str, regions: Iterable[str],
                 occupations: Iterable[str], *, frequency: str | None, start: str | None, end: str | None,
                 as_of: datetime | None) -> list[LatestFigure]:
    """The source's latest revision of each (region, occupation, period) of the measure, withdrawals included."""
    statement, params = latest_statement(measure, source, regions, occupations, frequency=frequency, start=start,
                                         end=end, as_of=as_of)
    driver = await driver_connection(session)
    return [tuple(row) for row in await driver.fetch(statement, *params)]


def latest_statement(measure: str, source: str, regions: Iterable[str], occupations: Iterable[str], *,
                     frequency: str | None, start: str | None, end: str | None,
                     as_of: datetime | None) -> tuple[str, list[Any]]:
    """The SQL of `latest` and its parameters (bench/metrics_feed.py prints its plan)."""
    conditions = ["measure = $1", "source = $2", "region = ANY($3::text[])", "occupation = ANY($4::text[])"]
    params: list[Any] = [measure, source, list(regions), list(occupations)]
    for condition, value in (("frequency = ${}", frequency), ("period >= ${}", start), ("period <= ${}", end),
                             ("recorded_at <= ${}", as_of)):
        if value is not None:
            params.append(value)
            conditions.append(condition.format(len(params)))
    statement = (
        "SELECT DISTINCT ON (region, occupation, period) region, occupation, period, value, status,"
        " missing_reason, withdrawn, revision FROM observations WHERE " + " AND ".join(conditions)
        + " ORDER BY region, occupation, period, revision DESC"
    )
    return statement, params


async def observations(session: AsyncSession, *, measure: str | None, region: str | None, occupation: str | None,
                       frequency: str | None, start: str | None, end: str | None, source: str | None,
                       as_of: datetime | None, history: bool, limit: int,
                       cursor: str | None) -> tuple[list[Observation], str | None]:
    """One page of figures as posted: each source's latest revision of each, or every revision with `history`."""
    o = Observation
    filters = [column == value for column, value in (
        (o.measure, measure), (o.region, region), (o.occupation, occupation), (o.frequency, frequency),
        (o.source, source)) if value is not None]
    if start is not None:
        filters.append(o.period >= start)
    if end is not None:
        filters.append(o.period <= end)
    if as_of is not None:
        filters.append(o.recorded_at <= as_of)
    query = select(o).where(*filters)
    if not history:
        key = (o.measure, o.region, o.occupation, o.period, o.source)
        latest_revisions = (select(*key, o.revision).where(*filters).ext(distinct_on(*key))
                            .order_by(*key, o.revision.desc()).subquery())
        query = query.join(latest_revisions, (o.measure == latest_revisions.c.measure)
                           & (o.region == latest_revisions.c.region)
                           & (o.occupation == latest_revisions.c.occupation) & (o.period == latest_revisions.c.period)
                           & (o.source == latest_revisions.c.source)
                           & (o.revision == latest_revisions.c.revision)).where(o.withdrawn.is_(False))
    rows = (await session.scalars(OBSERVATION_ORDER.paged(query, cursor, limit))).all()
    return page_of(rows, limit, key=lambda r: [r.measure, r.region, r.occupation, r.period, r.source, r.revision])
