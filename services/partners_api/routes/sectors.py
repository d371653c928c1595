"""The sector list."""

from typing import Annotated

from fastapi import APIRouter, Path, Response

from common.database import SessionDep
from common.etags import IfMatch, etag
from common.pagination import Page
from services.partners_api.domain import sectors as sector_rules
from services.partners_api.routes.dependencies import Admin
from services.partners_api.schemas.sectors import SECTOR_CODE_PATTERN, Sector, SectorIn

router = APIRouter()

SectorPath = Annotated[str, Path(pattern=SECTOR_CODE_PATTERN, max_length=50,
                                 description="The sector's code, e.g. `installation`")]


@router.get("/sectors", tags=["sectors"], response_model=Page[Sector])
async def list_sectors(session: SessionDep) -> Page[Sector]:
    """The codes organisations, push records and sign-ups may carry in `sectors`, by code."""
    return Page(items=[Sector.model_validate(row) for row in await sector_rules.listed(session)])


@router.put("/sectors/{code}", tags=["sectors"], response_model=Sector,
            responses={201: {"description": "Created"}, 412: {"description": "Stale If-Match"},
                       428: {"description": "A change without If-Match"}})
async def put_sector(code: SectorPath, body: SectorIn, session: SessionDep, principal: Admin,
                     response: Response, if_match: IfMatch = None) -> Sector:
    """Add a sector to the list (201) or rename it (200; a change needs `If-Match`, the same content
    again is a no-op). Codes are never removed."""
    row, created = await sector_rules.put(session, code, body, if_match)
    response.status_code = 201 if created else 200
    response.headers["ETag"] = etag(row.version)
    return Sector.model_validate(row)


