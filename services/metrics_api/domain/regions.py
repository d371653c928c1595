"""Regions: CBS areas, and aggregates that are the sum of member regions (Noordvleugel = PV24 + PV26 + PV27)."""

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

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
                  member_of=member_of.get(r.code, []), valid_from=r.valid_from, valid_to=r.valid_to,
                  successor=r.successor, version=r.version)
        for r in regions
    ]


async def list_regions(session: AsyncSession, *, kind: RegionKind | None, codes: list[str] | None,
                       limit: int, cursor: str | None) -> tuple[list[RegionOut], str | None]:
    regions, next_cursor = await repository.listed(session, Region, codes=codes, limit=limit, cursor=cursor,
                                                   statement=region_rows.of_kind(kind))
    return await _regions_out(session, regions), next_cursor


async def regions_of_codes(session: AsyncSession, *, kind: RegionKind | None, codes: list[str]) -> list[RegionOut]:
    """The fetch-many: as `list_regions` answers it, from one statement's rows as they are (the columns
    hold the declared types, the kind one of the vocabulary's by the table's CHECK), not validated again."""
    answers = []
    for row in await region_rows.with_links(session, codes, kind):
        values = dict(row)
        values["kind"] = RegionKind(values["kind"])
        answers.append(RegionOut.model_construct(**values))
    return answers


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
    named = set(members) | {linked for linked in (body.parent, body.successor) if linked is not None}
    known = await repository.existing_codes(session, Region, named)
    errors += reference.member_errors(code, members, known, itself="A region cannot be its own member.",
                                      unknown="Unknown region '{}'.")
    for name, linked in (("parent", body.parent), ("successor", body.successor)):
        if linked is None:
            continue
        if linked == code:
            errors.append(field_error(name, f"A region cannot be its own {name}."))
        elif linked not in known:
            errors.append(field_error(name, f"Unknown region '{linked}'."))
    errors += _validity_errors(body)
    await reference.refuse_errors(session, RegionMember, code, members, errors,
                                  contains_itself="These members would make the aggregate contain itself.")


def _validity_errors(body: RegionIn) -> list[dict[str, Any]]:
    errors = []
    if body.valid_from is not None and body.valid_to is not None and body.valid_to <= body.valid_from:
        errors.append(field_error("valid_to", "A region stops existing after the day it began (valid_from)."))
    if body.successor is not None and body.valid_to is None:
        errors.append(field_error("successor", "Only a region that stopped existing (valid_to) has a successor."))
    return errors


async def put_region(session: AsyncSession, code: str, body: RegionIn,
                     confirm_change: reference.ConfirmChange) -> tuple[RegionOut, bool]:
    reference.same_code(code, body.code)
    members = list(dict.fromkeys(body.members))
    # Changes of the region graph take one lock, before any row lock, so that they run one after
    # another: the cycle check then sees what the other committed (two PUTs making a and b members of
    # each other would both pass it otherwise), and no two of them wait for each other's rows.
    await repository.lock_graph(session, "region_membership")
    await _check(session, code, body, members)
    fields = {"name": body.name, "kind": body.kind.value, "parent": body.parent, "valid_from": body.valid_from,
              "valid_to": body.valid_to, "successor": body.successor}
    created = await reference.create_or_replace(session, Region, code, fields, confirm_change,
                                                reference.Members(RegionMember, members))
    return await get_region(session, code), created
