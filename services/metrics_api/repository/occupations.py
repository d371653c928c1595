from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.metrics_api.models import Occupation


async def parent_chain(session: AsyncSession, start: str) -> set[str]:
    """The class `start` and its ancestors (for cycle checks)."""
    seen: set[str] = set()
    current: str | None = start
    while current is not None and current not in seen:
        seen.add(current)
        current = await session.scalar(select(Occupation.parent).where(Occupation.code == current))
    return seen
