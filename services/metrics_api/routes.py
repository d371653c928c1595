"""HTTP surface of metrics_api: thin; the rules live in service.py, feed.py and series.py."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Path, Query, Request, Response
from fastapi.responses import JSONResponse

from common.auth import Principal, require_scope, require_source
from common.database import SessionDep
from common.etags import etag
from common.idempotency import validate_key
from common.json_types import JsonDateTime
from common.pagination import Cursor, Limit, Page
from common.problems import Problem, field_error, invalid, not_found
from services.metrics_api import feed, service
from services.metrics_api.series import SeriesReader, SeriesRequest, list_observations
from services.metrics_api.models import Batch
from services.metrics_api.schemas import (
    BatchOut,
    FeedAnswer,
    MeasureIn,
    MeasureOut,
    OccupationIn,
    OccupationOut,
    RegionIn,
    RegionKind,
    ObservationOut,
    RegionOut,
    Series,
    SeriesList,
    SeriesQuery,
)

router = APIRouter(prefix="/v1")
Admin = Annotated[Principal, Depends(require_scope("metrics:admin"))]
Writer = Annotated[Principal, Depends(require_scope("metrics:write"))]
Source = Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9_.-]{0,99}$", description="The feeding system, e.g. uwv")]
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


FEED_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": {"type": "object", "required": ["observations"], "properties": {
                "observations": {"type": "array", "items": {"type": "object", "properties": {
                    name: {"type": "string"} for name in feed.COLUMNS}}}}}},
            "text/csv": {"schema": {"type": "string"},
                         "example": "measure;region;period;occupation;value;status\n"
                                    "vacancies_new;PV24;2012;total;8740;final\n"},
        },
    },
}


def _feed_format(request: Request) -> str:
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type == "application/json" or media_type.endswith("+json"):
        return "json"
    if media_type in ("text/csv", "application/csv"):
        return "csv"
    raise Problem(415, "Unsupported media type", "Send application/json or text/csv.", type="unsupported-media-type")


@router.post("/feeds/{source}/observations", tags=["feeds"], openapi_extra=FEED_BODY,
             responses={200: {"model": FeedAnswer}, 409: {"description": "Same Idempotency-Key still running"},
                        413: {"description": "Body over the size limit"}, 415: {"description": "Not JSON or CSV"}})
async def post_observations(
    source: Source, request: Request, session: SessionDep, principal: Writer, dry_run: bool = False,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
) -> JSONResponse:
    """Post figures, all or nothing: a bad row anywhere gets 422 listing every bad row, and nothing is written.

    JSON `{"observations": [{measure, region, period, occupation, value, status, action, missing_reason}]}` or
    CSV with those column names (`,` or `;`, decimal comma, UTF-8 with or without BOM). A figure equal to the
    latest revision changes nothing; another value, status or missing reason is a new revision; action `D`
    withdraws the figure.
    """
    require_source(principal, source)
    settings = request.app.state.settings
    result = await feed.ingest(session, feed.FeedRequest(
        source=source, subject=principal.subject, content_type=_feed_format(request), dry_run=dry_run,
        idempotency_key=validate_key(idempotency_key), statement_timeout_ms=settings.feed_statement_timeout_ms,
    ), request.stream())
    headers = {"Idempotent-Replayed": "true"} if result.replayed else {}
    return JSONResponse(result.body, status_code=result.status_code, headers=headers)


@router.get("/batches/{batch_id}", tags=["feeds"])
async def get_batch(batch_id: uuid.UUID, session: SessionDep) -> BatchOut:
    batch = await session.get(Batch, batch_id)
    if batch is None:
        raise not_found("batch", batch_id)
    return BatchOut.model_validate(batch, from_attributes=True)


PeriodQuery = Annotated[str | None, Query(max_length=10, description="2012, 2012-Q3, 2012-07 or a CBS code")]
AsOf = Annotated[JsonDateTime | None, Query(description="Answer as the API did at this moment (revisions recorded by then)")]


@router.get("/series", tags=["series"])
async def get_series(session: SessionDep, measure: str, region: str, occupation: str = "total",
                     from_: Annotated[str | None, Query(alias="from", max_length=10)] = None, to: PeriodQuery = None,
                     as_of: AsOf = None) -> Series:
    """Latest figures per period, with aggregates summed from members (marked derived), share of `total`, change."""
    request = SeriesRequest(measure=measure, region=region, occupation=occupation, from_=from_, to=to, as_of=as_of)
    return await SeriesReader(session).read(request)


@router.post("/series/query", tags=["series"])
async def query_series(body: SeriesQuery, session: SessionDep) -> SeriesList:
    """Many series in one call (the gateway's batching); answered in the order asked. A public read."""
    reader = SeriesReader(session)
    requests = [SeriesRequest(measure=spec.measure, region=spec.region, occupation=spec.occupation,
                              from_=spec.from_, to=spec.to, as_of=spec.as_of) for spec in body.series]
    await reader.learn(requests)
    errors = []
    for index, request in enumerate(requests):
        try:
            reader.check(request, prefix=f"series.{index}.")
        except Problem as exc:
            errors.extend(exc.errors or [])
    if errors:
        raise invalid(errors)
    return SeriesList(series=[await reader.read(request) for request in requests])


@router.get("/observations", tags=["series"])
async def get_observations(
    session: SessionDep, measure: str | None = None, region: str | None = None, occupation: str | None = None,
    from_: Annotated[str | None, Query(alias="from", max_length=10)] = None, to: PeriodQuery = None,
    source: str | None = None, as_of: AsOf = None,
    history: Annotated[bool, Query(description="Every revision, withdrawals included, not only the latest")] = False,
    limit: Limit = 100, cursor: Cursor = None,
) -> Page[ObservationOut]:
    """Figures as the feeds posted them (nothing derived)."""
    items, next_cursor = await list_observations(
        session, measure=measure, region=region, occupation=occupation, from_=from_, to=to, source=source,
        as_of=as_of, history=history, limit=limit, cursor=cursor)
    return Page(items=items, next_cursor=next_cursor)
