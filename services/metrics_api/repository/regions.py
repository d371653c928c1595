from collections.abc import Sequence

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

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
