"""Reference rows (regions, measures, occupation classes): read by code, paged by code, their member links."""

from collections.abc import Sequence
from typing import TypeVar

from sqlalchemy import Select, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from common.changes import Operation, record_changes
from common.database import advisory_xact_lock
from common.pagination import Keyset, page_of
from services.metrics_api.models import Measure, Occupation, OccupationMember, Region, RegionMember

CodedRow = TypeVar("CodedRow", Region, Measure, Occupation)
LinkModel = type[RegionMember] | type[OccupationMember]


async def find(session: AsyncSession, model: type[CodedRow], code: str, *,
               for_update: bool = False) -> CodedRow | None:
    return await session.get(model, code, with_for_update=for_update)


async def listed(session: AsyncSession, model: type[CodedRow], *, codes: list[str] | None, limit: int,
                 cursor: str | None, statement: Select[CodedRow] | None = None,
                 ) -> tuple[list[CodedRow], str | None]:
    """The rows of these codes (fetch-many: all of them, no cursor), else one page in code order."""
    statement = select(model) if statement is None else statement
    if codes is not None:
        return list(await session.scalars(statement.where(model.code.in_(codes)).order_by(model.code))), None
    rows = (await session.scalars(Keyset(model.code).paged(statement, cursor, limit))).all()
    return page_of(rows, limit, key=lambda row: [row.code])


async def existing_codes(session: AsyncSession, model: type[CodedRow], codes: set[str]) -> set[str]:
    if not codes:
        return set()
    return set(await session.scalars(select(model.code).where(model.code.in_(codes))))


async def save(session: AsyncSession, row: Region | Measure | Occupation) -> None:
    session.add(row)
    await session.flush()


async def save_change(session: AsyncSession, row: Region | Measure | Occupation) -> None:
    """Write a changed row; touching it makes the UPDATE (and so the new version) even when only links changed."""
    row.updated_at = func.now()
    await session.flush()
    # The ORM's change events miss a row whose only change is that SQL expression (its members changed).
    record_changes(session, row.__tablename__, [row.code], Operation.updated)


async def members_of(session: AsyncSession, link: LinkModel, codes: Sequence[str]) -> list[tuple[str, str]]:
    """(owner, member) pairs of these owners in a link table, in order."""
    rows = await session.execute(
        select(link.owner, link.member).where(link.owner.in_(codes)).order_by(link.owner, link.member))
    return [(owner, member) for owner, member in rows]


async def replace_members(session: AsyncSession, link: LinkModel, code: str, members: list[str]) -> None:
    """Delete the links to members no longer listed and add the new ones; the links kept are not touched."""
    removed = await session.scalars(
        delete(link).where(link.owner == code, link.member.not_in(members)).returning(link.member))
    # A Core DELETE, which the ORM's change events do not see (the links added below they do).
    record_changes(session, link.__tablename__, [f"{code},{member}" for member in removed], Operation.deleted)
    kept = set(await session.scalars(select(link.member).where(link.owner == code)))
    session.add_all(link(owner=code, member=member) for member in members if member not in kept)
    await session.flush()


async def reachable(session: AsyncSession, link: LinkModel, start: Sequence[str]) -> set[str]:
    """Every code reachable through the link table's members from `start` (for cycle checks)."""
    seen: set[str] = set()
    frontier = set(start)
    while frontier:
        seen |= frontier
        rows = await session.scalars(select(link.member).where(link.owner.in_(frontier)))
        frontier = set(rows) - seen
    return seen


async def lock_graph(session: AsyncSession, graph: str) -> None:
    """Wait for the transaction's lock on one graph of links (region membership, the occupation tree)."""
    await advisory_xact_lock(session, f"metrics.{graph}")
