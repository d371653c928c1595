"""Occupation classes: a tree under `total`, and classes defined as the sum of others."""

from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from common.problems import field_error
from services.metrics_api.domain import reference
from services.metrics_api.models import Occupation, OccupationMember
from services.metrics_api.repository import occupations as occupation_rows
from services.metrics_api.repository import reference as repository
from services.metrics_api.schemas import OccupationIn, OccupationOut


async def _occupations_out(session: AsyncSession, occupations: Sequence[Occupation]) -> list[OccupationOut]:
    members: dict[str, list[str]] = defaultdict(list)
    for occupation, member in await repository.members_of(session, OccupationMember,
                                                          [o.code for o in occupations]):
        members[occupation].append(member)
    return [OccupationOut(code=o.code, name=o.name, parent=o.parent, members=members.get(o.code, []), version=o.version)
            for o in occupations]


async def list_occupations(session: AsyncSession, *, codes: list[str] | None, limit: int,
                           cursor: str | None) -> tuple[list[OccupationOut], str | None]:
    occupations, next_cursor = await repository.listed(session, Occupation, codes=codes, limit=limit, cursor=cursor)
    return await _occupations_out(session, occupations), next_cursor


async def get_occupation(session: AsyncSession, code: str) -> OccupationOut:
    occupation = await reference.found(session, Occupation, code, "occupation class")
    return (await _occupations_out(session, [occupation]))[0]


async def _check(session: AsyncSession, code: str, body: OccupationIn, members: list[str]) -> None:
    known = await repository.existing_codes(session, Occupation,
                                            set(members) | ({body.parent} if body.parent else set()))
    errors = reference.member_errors(code, members, known, itself="A class cannot be its own member.",
                                     unknown="Unknown occupation class '{}'.")
    cycles = []
    if body.parent is not None:
        if body.parent not in known and body.parent != code:
            errors.append(field_error("parent", f"Unknown occupation class '{body.parent}'."))
        elif code in await occupation_rows.parent_chain(session, body.parent):
            cycles.append(field_error("parent", "A class cannot be its own ancestor."))
    await reference.refuse_errors(session, OccupationMember, code, members, errors, cycles=cycles,
                                  contains_itself="These members would make the class contain itself.")


async def put_occupation(session: AsyncSession, code: str, body: OccupationIn,
                         confirm_change: reference.ConfirmChange) -> tuple[OccupationOut, bool]:
    reference.check_identifier(code, body.code,
                               "An occupation class code is a lowercase identifier, e.g. technical_industry.")
    members = list(dict.fromkeys(body.members))
    # One change of the class tree at a time, as for regions (see regions.put_region).
    await repository.lock_graph(session, "occupation_tree")
    await _check(session, code, body, members)
    created = await reference.create_or_replace(session, Occupation, code, {"name": body.name, "parent": body.parent},
                                                confirm_change, reference.Members(OccupationMember, members))
    return await get_occupation(session, code), created
