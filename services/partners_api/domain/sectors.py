"""The sector list: the codes organisations, push records and sign-ups may carry in `sectors`.

Seeded by the migration with the sectors in use; a coordinator (partners:admin) adds or renames
one with `PUT /v1/sectors/{code}`. A code is never removed, so nothing stored becomes invalid.
"""

from collections.abc import Iterable, Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from common.etags import check_if_match
from common.problems import field_error, invalid
from services.partners_api.models import Sector
from services.partners_api.repository import sectors as repository
from services.partners_api.schemas.sectors import SectorIn


async def listed(session: AsyncSession) -> list[Sector]:
    return await repository.all_sectors(session)


async def put(session: AsyncSession, code: str, body: SectorIn, if_match: str | None) -> tuple[Sector, bool]:
    """(the sector, whether it was created). Changing one needs `If-Match`; the same content again is a no-op."""
    await repository.take_sector_lock(session)
    found = await repository.sector(session, code)
    if found is None:
        created = Sector(code=code, name=body.name, description=body.description)
        await repository.add_sector(session, created)
        return created, True
    if (found.name, found.description) != (body.name, body.description):
        check_if_match(if_match, found.version)
        found.name, found.description = body.name, body.description
        await repository.save_sector(session, found)
    return found, False


def _reason(unknown: Iterable[str]) -> str:
    codes = ", ".join(f"'{code}'" for code in sorted(unknown))
    return (f"Not on the sector list (GET /v1/sectors): {codes}; "
            "a coordinator adds a sector with PUT /v1/sectors/{code}.")


async def refusals(session: AsyncSession, sectors_of: Sequence[tuple[int, Sequence[str]]]) -> list[tuple[int, str]]:
    """(key, reason) for each (key, sectors) naming a code not on the list; one query for all of them."""
    unknown = await repository.unknown_codes(session, sorted({code for _, codes in sectors_of for code in codes}))
    if not unknown:
        return []
    return [(key, _reason(set(codes) & unknown)) for key, codes in sectors_of if unknown.intersection(codes)]


async def check(session: AsyncSession, sectors: Sequence[str] | None, field: str = "sectors") -> None:
    """422 naming `field` when `sectors` holds a code not on the list."""
    refused = await refusals(session, [(0, sectors)]) if sectors else []
    if refused:
        raise invalid([field_error(field, reason) for _, reason in refused])
