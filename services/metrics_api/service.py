"""Reference data: regions, measures and occupation classes (domain rules; the request commits)."""

import re
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from fastapi import Request
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from common.etags import require_if_match
from common.pagination import decode_cursor, encode_cursor
from common.problems import field_error, invalid, not_found
from services.metrics_api.models import Measure, Occupation, OccupationMember, Region, RegionMember
from services.metrics_api.schemas import (
    MeasureIn,
    MeasureOut,
    OccupationIn,
    OccupationOut,
    RegionIn,
    RegionOut,
)

REGION_CODE_PATTERNS = {
    "country": (re.compile(r"^NL\d{2}$"), "NL and 2 digits (CBS), e.g. NL01"),
    "province": (re.compile(r"^PV\d{2}$"), "PV and 2 digits (CBS), e.g. PV27"),
    "labour_market_region": (re.compile(r"^AM\d{2}$"), "AM and 2 digits (CBS), e.g. AM01"),
    "municipality": (re.compile(r"^GM\d{4}$"), "GM and 4 digits (CBS), e.g. GM0402"),
    "aggregate": (re.compile(r"^[a-z][a-z0-9_-]{1,39}$"), "a lowercase slug, e.g. noordvleugel"),
}
CODE_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,59}$")


def _path_code_error(reason: str) -> Exception:
    return invalid([field_error("code", reason, **{"in": "path"})])


def _same_code(code: str, body_code: str | None) -> None:
    """A body may repeat its code (as seed files list them); it must then be the path's."""
    if body_code is not None and body_code != code:
        raise invalid([field_error("code", f"The body names '{body_code}', the path '{code}'.")])


# ---- regions ---------------------------------------------------------------------------------

async def _region_links(session: AsyncSession, codes: Sequence[str]) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    members: dict[str, list[str]] = defaultdict(list)
    member_of: dict[str, list[str]] = defaultdict(list)
    rows = await session.execute(
        select(RegionMember.region, RegionMember.member)
        .where((RegionMember.region.in_(codes)) | (RegionMember.member.in_(codes)))
        .order_by(RegionMember.region, RegionMember.member)
    )
    for region, member in rows:
        members[region].append(member)
        member_of[member].append(region)
    return members, member_of


async def _regions_out(session: AsyncSession, regions: Sequence[Region]) -> list[RegionOut]:
    members, member_of = await _region_links(session, [r.code for r in regions])
    return [
        RegionOut(code=r.code, name=r.name, kind=r.kind, parent=r.parent, members=members.get(r.code, []),
                  member_of=member_of.get(r.code, []), version=r.version)
        for r in regions
    ]


async def list_regions(session: AsyncSession, *, kind: str | None, codes: list[str] | None,
                       limit: int, cursor: str | None) -> tuple[list[RegionOut], str | None]:
    query = select(Region).order_by(Region.code)
    if kind:
        query = query.where(Region.kind == kind)
    if codes is not None:
        regions = (await session.scalars(query.where(Region.code.in_(codes)))).all()
        return await _regions_out(session, regions), None
    after = decode_cursor(cursor, 1)
    if after:
        query = query.where(Region.code > after[0])
    regions = (await session.scalars(query.limit(limit + 1))).all()
    next_cursor = encode_cursor([regions[limit - 1].code]) if len(regions) > limit else None
    return await _regions_out(session, regions[:limit]), next_cursor


async def get_region(session: AsyncSession, code: str) -> RegionOut:
    region = await session.get(Region, code)
    if region is None:
        raise not_found("region", code)
    return (await _regions_out(session, [region]))[0]


async def _aggregate_closure(session: AsyncSession, start: Sequence[str]) -> set[str]:
    """Every region reachable through members from `start` (for cycle checks)."""
    seen: set[str] = set()
    frontier = set(start)
    while frontier:
        seen |= frontier
        rows = await session.scalars(select(RegionMember.member).where(RegionMember.region.in_(frontier)))
        frontier = set(rows) - seen
    return seen


async def put_region(session: AsyncSession, request: Request, code: str, body: RegionIn) -> tuple[RegionOut, bool]:
    _same_code(code, body.code)
    pattern, shape = REGION_CODE_PATTERNS[body.kind]
    if not pattern.match(code):
        raise _path_code_error(f"A region of kind {body.kind} has a code of {shape}.")
    errors: list[dict[str, Any]] = []
    members = list(dict.fromkeys(body.members))
    if body.kind == "aggregate" and not members:
        errors.append(field_error("members", "An aggregate needs at least one member region."))
    if body.kind != "aggregate" and members:
        errors.append(field_error("members", "Only a region of kind aggregate has members."))
    wanted = set(members) | ({body.parent} if body.parent else set())
    known = set(await session.scalars(select(Region.code).where(Region.code.in_(wanted)))) if wanted else set()
    for index, member in enumerate(members):
        if member == code:
            errors.append(field_error(f"members.{index}", "A region cannot be its own member."))
        elif member not in known:
            errors.append(field_error(f"members.{index}", f"Unknown region '{member}'."))
    if body.parent is not None:
        if body.parent == code:
            errors.append(field_error("parent", "A region cannot be its own parent."))
        elif body.parent not in known:
            errors.append(field_error("parent", f"Unknown region '{body.parent}'."))
    if not errors and members and code in await _aggregate_closure(session, members):
        errors.append(field_error("members", "These members would make the aggregate contain itself."))
    if errors:
        raise invalid(errors)

    region = await session.get(Region, code, with_for_update=True)
    created = region is None
    if created:
        region = Region(code=code, name=body.name, kind=body.kind, parent=body.parent, version=1)
        session.add(region)
    else:
        current = await get_region(session, code)
        if (current.name, current.kind, current.parent, current.members) == (body.name, body.kind, body.parent, sorted(members)):
            return current, False
        require_if_match(request, region.version)
        region.name, region.kind, region.parent = body.name, body.kind, body.parent
        region.version += 1
        await session.execute(delete(RegionMember).where(RegionMember.region == code))
    await session.flush()
    if members:
        session.add_all(RegionMember(region=code, member=member) for member in members)
        await session.flush()
    return await get_region(session, code), created


# ---- measures --------------------------------------------------------------------------------

def _measure_out(measure: Measure) -> MeasureOut:
    return MeasureOut(code=measure.code, name=measure.name, unit=measure.unit, unit_multiplier=measure.unit_multiplier,
                      kind=measure.kind, value_type=measure.value_type, version=measure.version)


async def list_measures(session: AsyncSession, *, codes: list[str] | None, limit: int,
                        cursor: str | None) -> tuple[list[MeasureOut], str | None]:
    query = select(Measure).order_by(Measure.code)
    if codes is not None:
        return [_measure_out(m) for m in await session.scalars(query.where(Measure.code.in_(codes)))], None
    after = decode_cursor(cursor, 1)
    if after:
        query = query.where(Measure.code > after[0])
    measures = (await session.scalars(query.limit(limit + 1))).all()
    next_cursor = encode_cursor([measures[limit - 1].code]) if len(measures) > limit else None
    return [_measure_out(m) for m in measures[:limit]], next_cursor


async def get_measure(session: AsyncSession, code: str) -> MeasureOut:
    measure = await session.get(Measure, code)
    if measure is None:
        raise not_found("measure", code)
    return _measure_out(measure)


async def put_measure(session: AsyncSession, request: Request, code: str, body: MeasureIn) -> tuple[MeasureOut, bool]:
    if not CODE_PATTERN.match(code):
        raise _path_code_error("A measure code is a lowercase identifier, e.g. vacancies_new.")
    _same_code(code, body.code)
    measure = await session.get(Measure, code, with_for_update=True)
    fields = body.model_dump(exclude={"code"})
    if measure is None:
        measure = Measure(code=code, version=1, **fields)
        session.add(measure)
        await session.flush()
        return _measure_out(measure), True
    if all(getattr(measure, name) == value for name, value in fields.items()):
        return _measure_out(measure), False
    require_if_match(request, measure.version)
    for name, value in fields.items():
        setattr(measure, name, value)
    measure.version += 1
    await session.flush()
    return _measure_out(measure), False


# ---- occupation classes ----------------------------------------------------------------------

async def _occupations_out(session: AsyncSession, occupations: Sequence[Occupation]) -> list[OccupationOut]:
    members: dict[str, list[str]] = defaultdict(list)
    rows = await session.execute(
        select(OccupationMember.occupation, OccupationMember.member)
        .where(OccupationMember.occupation.in_([o.code for o in occupations]))
        .order_by(OccupationMember.occupation, OccupationMember.member)
    )
    for occupation, member in rows:
        members[occupation].append(member)
    return [OccupationOut(code=o.code, name=o.name, parent=o.parent, members=members.get(o.code, []), version=o.version)
            for o in occupations]


async def list_occupations(session: AsyncSession, *, codes: list[str] | None, limit: int,
                           cursor: str | None) -> tuple[list[OccupationOut], str | None]:
    query = select(Occupation).order_by(Occupation.code)
    if codes is not None:
        return await _occupations_out(session, (await session.scalars(query.where(Occupation.code.in_(codes)))).all()), None
    after = decode_cursor(cursor, 1)
    if after:
        query = query.where(Occupation.code > after[0])
    occupations = (await session.scalars(query.limit(limit + 1))).all()
    next_cursor = encode_cursor([occupations[limit - 1].code]) if len(occupations) > limit else None
    return await _occupations_out(session, occupations[:limit]), next_cursor


async def get_occupation(session: AsyncSession, code: str) -> OccupationOut:
    occupation = await session.get(Occupation, code)
    if occupation is None:
        raise not_found("occupation class", code)
    return (await _occupations_out(session, [occupation]))[0]


async def _occupation_closure(session: AsyncSession, start: Sequence[str]) -> set[str]:
    seen: set[str] = set()
    frontier = set(start)
    while frontier:
        seen |= frontier
        rows = await session.scalars(select(OccupationMember.member).where(OccupationMember.occupation.in_(frontier)))
        frontier = set(rows) - seen
    return seen


async def _parent_chain(session: AsyncSession, start: str) -> set[str]:
    seen: set[str] = set()
    current: str | None = start
    while current is not None and current not in seen:
        seen.add(current)
        current = await session.scalar(select(Occupation.parent).where(Occupation.code == current))
    return seen


async def put_occupation(session: AsyncSession, request: Request, code: str,
                         body: OccupationIn) -> tuple[OccupationOut, bool]:
    if not CODE_PATTERN.match(code):
        raise _path_code_error("An occupation class code is a lowercase identifier, e.g. technical_industry.")
    _same_code(code, body.code)
    errors: list[dict[str, Any]] = []
    members = list(dict.fromkeys(body.members))
    wanted = set(members) | ({body.parent} if body.parent else set())
    known = set(await session.scalars(select(Occupation.code).where(Occupation.code.in_(wanted)))) if wanted else set()
    for index, member in enumerate(members):
        if member == code:
            errors.append(field_error(f"members.{index}", "A class cannot be its own member."))
        elif member not in known:
            errors.append(field_error(f"members.{index}", f"Unknown occupation class '{member}'."))
    if body.parent is not None:
        if body.parent not in known and body.parent != code:
            errors.append(field_error("parent", f"Unknown occupation class '{body.parent}'."))
        elif code in await _parent_chain(session, body.parent):
            errors.append(field_error("parent", "A class cannot be its own ancestor."))
    if not errors and members and code in await _occupation_closure(session, members):
        errors.append(field_error("members", "These members would make the class contain itself."))
    if errors:
        raise invalid(errors)

    occupation = await session.get(Occupation, code, with_for_update=True)
    created = occupation is None
    if created:
        occupation = Occupation(code=code, name=body.name, parent=body.parent, version=1)
        session.add(occupation)
    else:
        current = await get_occupation(session, code)
        if (current.name, current.parent, current.members) == (body.name, body.parent, sorted(members)):
            return current, False
        require_if_match(request, occupation.version)
        occupation.name, occupation.parent = body.name, body.parent
        occupation.version += 1
        await session.execute(delete(OccupationMember).where(OccupationMember.occupation == code))
    await session.flush()
    if members:
        session.add_all(OccupationMember(occupation=code, member=member) for member in members)
        await session.flush()
    return await get_occupation(session, code), created
