"""Regions: CBS areas, and aggregates that are the sum of member regions (Noordvleugel = PV24 + PV26 + PV27)."""

from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from common.problems import field_error
from services.metrics_api.domain import REGION_CODE_PATTERNS, RegionKind, reference
from services.metrics_api.models import Region, RegionMember
from services.metrics_api.repository import reference as repository
from services.metrics_api.repository import regions as region_rows
from services.metrics_api.schemas import RegionIn, RegionOut


async def _regions_out(session: AsyncSession, regions: Sequence[Region]) -> list[RegionOut]:
    members: dict[str, list[str]] = defaultdict(list)
    member_of: dict[str, list[str]] = defaultdict(list)
    for region, member in await region_rows.links(session, [r.code for r in regions]):
        members[region].append(member)
        member_of[member].append(region)
    return [
        RegionOut(code=r.code, name=r.name, kind=r.kind, parent=r.parent, members=members.get(r.code, []),
                  member_of=member_of.get(r.code, []), version=r.version)
        for r in regions
    ]


async def list_regions(session: AsyncSession, *, kind: RegionKind | None, codes: list[str] | None,
                       limit: int, cursor: str | None) -> tuple[list[RegionOut], str | None]:
    regions, next_cursor = await repository.listed(session, Region, codes=codes, limit=limit, cursor=cursor,
                                                   statement=region_rows.of_kind(kind))
    return await _regions_out(session, regions), next_cursor


async def get_region(session: AsyncSession, code: str) -> RegionOut:
    return (await _regions_out(session, [await reference.found(session, Region, code, "region")]))[0]


async def _check(session: AsyncSession, code: str, body: RegionIn, members: list[str]) -> None:
    pattern, shape = REGION_CODE_PATTERNS[body.kind]
    if not pattern.match(code):
        raise reference.path_code_error(f"A region of kind {body.kind} has a code of {shape}.")
    errors = []
    aggregate = body.kind is RegionKind.AGGREGATE
    if aggregate and not members:
        errors.append(field_error("members", "An aggregate needs at least one member region."))
    if not aggregate and members:
        errors.append(field_error("members", "Only a region of kind aggregate has members."))
    known = await repository.existing_codes(session, Region, set(members) | ({body.parent} if body.parent else set()))
    errors += reference.member_errors(code, members, known, itself="A region cannot be its own member.",
                                      unknown="Unknown region '{}'.")
    if body.parent is not None:
        if body.parent == code:
            errors.append(field_error("parent", "A region cannot be its own parent."))
        elif body.parent not in known:
            errors.append(field_error("parent", f"Unknown region '{body.parent}'."))
    await reference.refuse_errors(session, RegionMember, code, members, errors,
                                  contains_itself="These members would make the aggregate contain itself.")


async def put_region(session: AsyncSession, code: str, body: RegionIn,
                     confirm_change: reference.ConfirmChange) -> tuple[RegionOut, bool]:
    reference.same_code(code, body.code)
    members = list(dict.fromkeys(body.members))
    await _check(session, code, body, members)
    created = await reference.create_or_replace(
        session, Region, code, {"name": body.name, "kind": body.kind.value, "parent": body.parent}, confirm_change,
        reference.Members(RegionMember, members))
    return await get_region(session, code), created
