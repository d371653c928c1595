"""HTTP surface of metrics_api: thin; the rules live in service.py, feed.py and series.py."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from common.auth import Principal, require_scope
from common.database import SessionDep
from common.etags import etag
from common.pagination import Cursor, Limit, Page
from common.problems import field_error, invalid
from services.metrics_api import service
from services.metrics_api.schemas import (
    MeasureIn,
    MeasureOut,
    OccupationIn,
    OccupationOut,
    RegionIn,
    RegionKind,
    RegionOut,
)

router = APIRouter(prefix="/v1")
Admin = Annotated[Principal, Depends(require_scope("metrics:admin"))]
MAX_FETCH_MANY = 500


def code_list(value: str | None, name: str) -> list[str] | None:
    """`?codes=a,b,c` for the gateway's fetch-many; up to 500, unknown codes simply absent."""
    if value is None:
        return None
    codes = [code.strip() for code in value.split(",") if code.strip()]
    if len(codes) > MAX_FETCH_MANY:
        raise invalid([field_error(name, f"At most {MAX_FETCH_MANY} codes.", **{"in": "query"})])
    return codes


def _written(response: Response, version: int, created: bool) -> None:
    response.headers["ETag"] = etag(version)
    response.status_code = 201 if created else 200


@router.get("/regions", tags=["regions"])
async def list_regions(session: SessionDep, kind: RegionKind | None = None, codes: str | None = None,
                       limit: Limit = 100, cursor: Cursor = None) -> Page[RegionOut]:
    items, next_cursor = await service.list_regions(session, kind=kind, codes=code_list(codes, "codes"),
                                                    limit=limit, cursor=cursor)
    return Page(items=items, next_cursor=next_cursor)


@router.get("/regions/{code}", tags=["regions"])
async def get_region(code: str, session: SessionDep, response: Response) -> RegionOut:
    region = await service.get_region(session, code)
    response.headers["ETag"] = etag(region.version)
    return region


@router.put("/regions/{code}", tags=["regions"], status_code=200,
            responses={201: {"description": "Created"}, 412: {"description": "Stale If-Match"},
                       428: {"description": "A change without If-Match"}})
async def put_region(code: str, body: RegionIn, request: Request, response: Response, session: SessionDep,
                     _: Admin) -> RegionOut:
    """Create or replace a region. Replacing one that changes it needs `If-Match`; the same content again is a no-op."""
    region, created = await service.put_region(session, request, code, body)
    _written(response, region.version, created)
    return region


@router.get("/measures", tags=["measures"])
async def list_measures(session: SessionDep, codes: str | None = None, limit: Limit = 100,
                        cursor: Cursor = None) -> Page[MeasureOut]:
    items, next_cursor = await service.list_measures(session, codes=code_list(codes, "codes"), limit=limit, cursor=cursor)
    return Page(items=items, next_cursor=next_cursor)


@router.get("/measures/{code}", tags=["measures"])
async def get_measure(code: str, session: SessionDep, response: Response) -> MeasureOut:
    measure = await service.get_measure(session, code)
    response.headers["ETag"] = etag(measure.version)
    return measure


@router.put("/measures/{code}", tags=["measures"], responses={201: {"description": "Created"}})
async def put_measure(code: str, body: MeasureIn, request: Request, response: Response, session: SessionDep,
                      _: Admin) -> MeasureOut:
    measure, created = await service.put_measure(session, request, code, body)
    _written(response, measure.version, created)
    return measure


@router.get("/occupations", tags=["occupations"])
async def list_occupations(session: SessionDep, codes: str | None = None, limit: Limit = 100,
                           cursor: Cursor = None) -> Page[OccupationOut]:
    items, next_cursor = await service.list_occupations(session, codes=code_list(codes, "codes"), limit=limit,
                                                        cursor=cursor)
    return Page(items=items, next_cursor=next_cursor)


@router.get("/occupations/{code}", tags=["occupations"])
async def get_occupation(code: str, session: SessionDep, response: Response) -> OccupationOut:
    occupation = await service.get_occupation(session, code)
    response.headers["ETag"] = etag(occupation.version)
    return occupation


@router.put("/occupations/{code}", tags=["occupations"], responses={201: {"description": "Created"}})
async def put_occupation(code: str, body: OccupationIn, request: Request, response: Response, session: SessionDep,
                         _: Admin) -> OccupationOut:
    occupation, created = await service.put_occupation(session, request, code, body)
    _written(response, occupation.version, created)
    return occupation
