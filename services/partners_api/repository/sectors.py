"""The sector list: its rows, and which codes of a batch are not on it (one query)."""

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from common.database import advisory_xact_lock
from services.partners_api.models import Sector

SECTOR_LOCK = "partners.sectors"


async def take_sector_lock(session: AsyncSession) -> None:
    """Writes of the list one at a time, so two coordinators creating one code do not race."""
    await advisory_xact_lock(session, SECTOR_LOCK)


async def all_sectors(session: AsyncSession) -> list[Sector]:
    return list((await session.scalars(select(Sector).order_by(Sector.code))).all())


async def sector(session: AsyncSession, code: str) -> Sector | None:
    return await session.scalar(select(Sector).where(Sector.code == code))


async def add_sector(session: AsyncSession, row: Sector) -> None:
    session.add(row)
    await session.flush()


async def save_sector(session: AsyncSession, row: Sector) -> None:
    """Flush what changed (SQLAlchemy raises the version) and reload it."""
    await session.flush()
    await session.refresh(row)


async def unknown_codes(session: AsyncSession, codes: list[str]) -> set[str]:
    """The codes among `codes` that are not on the list: one query however many a push holds."""
    if not codes:
        return set()
    found = await session.scalars(text(
        "SELECT code FROM unnest(CAST(:codes AS text[])) AS asked(code) "
        "WHERE NOT EXISTS (SELECT 1 FROM sectors s WHERE s.code = asked.code)"), {"codes": codes})
    return set(found.all())
