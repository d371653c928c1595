from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Function, RowMapping, Select, bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from services.metrics_api.models import Region, RegionMember


def of_kind(kind: str | None) -> Select[Region]:
    statement = select(Region)
    return statement if kind is None else statement.where(Region.kind == kind)


async def links(session: AsyncSession, codes: Sequence[str]) -> list[tuple[str, str]]:
    """(aggregate, member) pairs in which any of these regions takes part, in order."""
    rows = await session.execute(
        select(RegionMember.owner, RegionMember.member)
        .where((RegionMember.owner.in_(codes)) | (RegionMember.member.in_(codes)))
        .order_by(RegionMember.owner, RegionMember.member)
    )
    return [(region, member) for region, member in rows]


def _linked(column: InstrumentedAttribute[str], where: ColumnElement[bool]) -> Function[Any]:
    return func.array(select(column).where(where).order_by(column).scalar_subquery())


# The fetch-many of regions with their links, one Core statement built once: each region's members and
# the aggregates it belongs to as arrays in code order (what `links` gives, in one round trip).
_WITH_LINKS = (
    select(Region.code, Region.name, Region.kind, Region.parent,
           _linked(RegionMember.member, RegionMember.owner == Region.code).label("members"),
           _linked(RegionMember.owner, RegionMember.member == Region.code).label("member_of"),
           Region.valid_from, Region.valid_to, Region.successor, Region.version)
    .where(Region.code.in_(bindparam("codes", expanding=True))).order_by(Region.code)
)
_KIND_WITH_LINKS = _WITH_LINKS.where(Region.kind == bindparam("kind"))


async def with_links(session: AsyncSession, codes: Sequence[str], kind: str | None) -> Sequence[RowMapping]:
    """The regions of these codes (of this kind, if given), in code order, with `members` and `member_of`."""
    if kind is None:
        return (await session.execute(_WITH_LINKS, {"codes": list(codes)})).mappings().all()
    return (await session.execute(_KIND_WITH_LINKS, {"codes": list(codes), "kind": kind})).mappings().all()
