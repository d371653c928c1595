"""HTTP surface of metrics_api: parse the request, call the domain, shape the answer."""

import uuid
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import ClientDisconnect

from common.auth import AuthenticatedPrincipal, Principal, forbidden, require_scope, require_source
from common.database import ReadSessionDep, SessionDep
from common.etags import IfMatch, check_if_match, etag
from common.idempotency import IdempotencyKeyHeader, validate_key
from common.json_types import JsonDateTime
from common.pagination import Cursor, Limit, Page
from common.problems import Problem
from common.query_lists import optional_split_list
from services.metrics_api import schemas
from services.metrics_api.domain import (
    DecimalSeparator,
    RegionKind,
    SeriesFrequency,
    measures,
    observations,
    occupations,
    regions,
    series_cache,
)
from services.metrics_api.domain.feed.body import SpooledBody
from services.metrics_api.domain.feed.checking import COLUMNS
from services.metrics_api.domain.feed.ingest import FeedRequest, ingest
from services.metrics_api.domain.feed.ingest import get_batch as find_batch
from services.metrics_api.domain.reference import ConfirmChange
from services.metrics_api.domain.series import SeriesRequest

router = APIRouter(prefix="/v1")
Admin = Annotated[Principal, Depends(require_scope("metrics:admin"))]
Writer = Annotated[Principal, Depends(require_scope("metrics:write"))]
Source = Annotated[str, Path(pattern=schemas.SOURCE_PATTERN, description="The feeding system, e.g. uwv")]
WRITE_RESPONSES: dict[int | str, dict[str, Any]] = {
    201: {"description": "Created"}, 412: {"description": "Stale If-Match"},
    428: {"description": "A change without If-Match"},
}
GRAPH_RESPONSES: dict[int | str, dict[str, Any]] = {
    **WRITE_RESPONSES, 409: {"description": "The members or parent would make a cycle with the links stored now"},
}
Item = TypeVar("Item")
VersionedItem = TypeVar("VersionedItem", schemas.RegionOut, schemas.MeasureOut, schemas.OccupationOut)


# A coroutine: FastAPI runs a plain function in its thread pool, a hop that costs more than the parsing.
async def _codes(codes: Annotated[str | None, Query(
        description="Fetch many: comma-separated codes (at most 500), no pagination; unknown codes are simply absent",
)] = None) -> list[str] | None:
    return optional_split_list(codes, "codes")


Codes = Annotated[list[str] | None, Depends(_codes)]


def _confirm_with(if_match: str | None) -> ConfirmChange:
    """A change to a stored resource must name the version it changes (428 without, 412 for another)."""
    return partial(check_if_match, if_match)


def _page(listed: tuple[list[Item], str | None]) -> Page[Item]:
    items, next_cursor = listed
    return Page(items=items, next_cursor=next_cursor)


def _tagged(response: Response, item: VersionedItem) -> VersionedItem:
    response.headers["ETag"] = etag(item.version)
    return item


def _written(response: Response, written: tuple[VersionedItem, bool]) -> VersionedItem:
    item, created = written
    response.status_code = 201 if created else 200
    return _tagged(response, item)


def _reference_reads(collection: str, item: str, item_model: Any, find: Callable[[AsyncSession, str], Awaitable[Any]],
                     page_model: Any = None, listed: Callable[..., Awaitable[Any]] | None = None) -> None:
    """GET /{collection}/{code} with its ETag and, given `listed`, GET /{collection} (a page, or fetch-many)."""

    async def get_item(code: str, session: ReadSessionDep, response: Response) -> Any:
        return _tagged(response, await find(session, code))

    if listed is not None:
        list_page = listed

        async def list_items(session: ReadSessionDep, codes: Codes, limit: Limit = 100, cursor: Cursor = None) -> Any:
            return _page(await list_page(session, codes=codes, limit=limit, cursor=cursor))

        router.add_api_route(f"/{collection}", list_items, methods=["GET"], name=f"list_{collection}",
                             tags=[collection], response_model=page_model)
    router.add_api_route(f"/{collection}/{{code}}", get_item, methods=["GET"], name=f"get_{item}", tags=[collection],
                         response_model=item_model)


@router.get("/regions", tags=["regions"], response_model=Page[schemas.RegionOut])
async def list_regions(session: ReadSessionDep, codes: Codes, kind: RegionKind | None = None, limit: Limit = 100,
                       cursor: Cursor = None) -> Page[schemas.RegionOut] | Response:
    if codes is not None:  # the gateway's fetch-many: encoded once, not validated again
        return _json(Page(items=await regions.regions_of_codes(session, kind=kind, codes=codes)).model_dump_json()
                     .encode())
    return _page(await regions.list_regions(session, kind=kind, codes=codes, limit=limit, cursor=cursor))


_reference_reads("regions", "region", schemas.RegionOut, regions.get_region)
_reference_reads("measures", "measure", schemas.MeasureOut, measures.get_measure,
                 Page[schemas.MeasureOut], measures.list_measures)
_reference_reads("occupations", "occupation", schemas.OccupationOut, occupations.get_occupation,
                 Page[schemas.OccupationOut], occupations.list_occupations)


@router.put("/regions/{code}", tags=["regions"], status_code=200, responses=GRAPH_RESPONSES)
async def put_region(code: str, body: schemas.RegionIn, response: Response, session: SessionDep, _: Admin,
                     if_match: IfMatch = None) -> schemas.RegionOut:
    """Create or replace a region. Replacing one that changes it needs `If-Match`; the same content again is a no-op."""
    return _written(response, await regions.put_region(session, code, body, _confirm_with(if_match)))


@router.put("/measures/{code}", tags=["measures"], responses=WRITE_RESPONSES)
async def put_measure(code: str, body: schemas.MeasureIn, response: Response, session: SessionDep, _: Admin,
                      if_match: IfMatch = None) -> schemas.MeasureOut:
    return _written(response, await measures.put_measure(session, code, body, _confirm_with(if_match)))


@router.put("/occupations/{code}", tags=["occupations"], responses=GRAPH_RESPONSES)
async def put_occupation(code: str, body: schemas.OccupationIn, response: Response, session: SessionDep, _: Admin,
                         if_match: IfMatch = None) -> schemas.OccupationOut:
    return _written(response, await occupations.put_occupation(session, code, body, _confirm_with(if_match)))


FEED_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": {"type": "object", "required": ["observations"], "properties": {
                "observations": {"type": "array", "items": {"type": "object", "properties": {
                    name: {"type": "string"} for name in COLUMNS}}}}}},
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
             responses={200: {"model": schemas.FeedAnswer}, 408: {"description": "Body not sent in time"},
                        409: {"description": "Same Idempotency-Key still running"},
                        413: {"description": "Body over the size limit"}, 415: {"description": "Not JSON or CSV"}})
async def post_observations(
    source: Source, request: Request, session: SessionDep, principal: Writer, dry_run: bool = False,
    decimal: Annotated[DecimalSeparator | None, Query(description=(
        "How the file writes fractions: `comma` (Dutch: `1.234,5`, `.` groups thousands, so `7.912` is 7912) or "
        "`point` (`1,234.5`). Without it the first value that reads one way only decides for the file; a value "
        "that reads two ways (`7.912`) while nothing decided is refused, never guessed."))] = None,
    idempotency_key: IdempotencyKeyHeader = None,
) -> JSONResponse:
    """Post figures, all or nothing: a bad row anywhere gets 422 listing every bad row, and nothing is written.

    JSON `{"observations": [{measure, region, period, occupation, value, status, action, missing_reason}]}` or
    CSV with those column names (`,` or `;`, UTF-8 with or without BOM; numbers as `decimal` says). A figure equal
    to the latest revision changes nothing; another value, status or missing reason is a new revision; action `D`
    withdraws the figure. Values fit their measure (a count is whole and >= 0, a share 0 to 1); periods after the
    end of next year only for measures that take forecasts; a merged-away municipality only for periods that end
    before its merger (the error names its successor).
    """
    require_source(principal, source)
    content_type = _feed_format(request)
    key = validate_key(idempotency_key)
    settings = request.app.state.settings
    # The whole body first, before the session takes a connection: a slow upload holds none.
    try:
        body = await SpooledBody.read(request.stream(), settings.feed_spool_memory_bytes)
    except ClientDisconnect:  # nobody hears the answer; it is logged as what it is, not as a server error
        raise Problem(400, "Client disconnected", "The client went away before its body was whole; nothing was "
                      "written.", type="client-disconnected") from None
    try:
        result = await ingest(session, FeedRequest(
            source=source, subject=principal.subject, content_type=content_type, dry_run=dry_run,
            idempotency_key=key, statement_timeout_ms=settings.feed_statement_timeout_ms, decimal=decimal,
            max_row_chars=settings.feed_csv_max_row_chars,
        ), body)
    finally:
        body.close()
    headers = {"Idempotent-Replayed": "true"} if result.replayed else {}
    return JSONResponse(result.body, status_code=result.status_code, headers=headers)


@router.get("/batches/{batch_id}", tags=["feeds"], responses={403: {"description": "No metrics:write or admin"}})
async def get_batch(batch_id: uuid.UUID, session: SessionDep, principal: AuthenticatedPrincipal) -> schemas.BatchOut:
    """A feed's batch, for its own source's feed token (metrics:write with the source) or a metrics:admin.

    A batch of another source answers 404, as one that does not exist: a feed learns nothing of others.
    """
    if principal.has("metrics:admin"):
        return await find_batch(session, batch_id, sources=None)
    if not principal.has("metrics:write"):
        raise forbidden("Reading a batch needs metrics:write for its source, or metrics:admin.")
    return await find_batch(session, batch_id, sources=principal.sources)


PeriodQuery = Annotated[str | None, Query(max_length=10, description="2012, 2012-Q3, 2012-07 or a CBS code")]
FromQuery = Annotated[str | None, Query(alias="from", max_length=10)]
FrequencyQuery = Annotated[SeriesFrequency | None, Query(
    description="The points' frequency; without it the finest that has figures (never mixed in one series)")]
AsOf = Annotated[JsonDateTime | None, Query(
    description="Answer as the API did at this moment (revisions recorded by then)")]
SeriesSource = Annotated[str | None, Query(pattern=schemas.SOURCE_PATTERN, description=(
    "The provider whose figures to serve (uwv, cbs); without it the measure's primary source. The answer names it"))]


def _json(encoded: bytes) -> Response:
    # Encoded by the domain (and kept there for the next read): sent as it is, not validated again.
    return Response(encoded, media_type="application/json")


@router.get("/series", tags=["series"], response_model=schemas.Series)
async def get_series(request: Request, session: ReadSessionDep, measure: str, region: str, occupation: str = "total",
                     from_: FromQuery = None, to: PeriodQuery = None, frequency: FrequencyQuery = None,
                     as_of: AsOf = None, source: SeriesSource = None) -> Response:
    """Latest figures per period, with aggregates summed from members (marked derived), share of `total`, change.

    One frequency per series: `frequency`, else the one `from`/`to` are written in, else the finest with figures.
    One source per series: `source`, else the measure's primary source; sums and shares stay within it.
    """
    return _json(await series_cache.encoded_series(session, SeriesRequest(
        measure=measure, region=region, occupation=occupation, from_=from_, to=to, as_of=as_of, frequency=frequency,
        source=source), request.app.state.series_cache))


@router.post("/series/query", tags=["series"], response_model=schemas.SeriesList)
async def query_series(request: Request, body: schemas.SeriesQuery, session: ReadSessionDep) -> Response:
    """Many series in one call (the gateway's batching); answered in the order asked. A public read."""
    return _json(await series_cache.encoded_many(session, [SeriesRequest(
        measure=spec.measure, region=spec.region, occupation=spec.occupation, from_=spec.from_, to=spec.to,
        as_of=spec.as_of, frequency=spec.frequency, source=spec.source) for spec in body.series],
        request.app.state.series_cache))


@router.get("/observations", tags=["series"])
async def get_observations(
    session: ReadSessionDep, measure: str | None = None, region: str | None = None, occupation: str | None = None,
    from_: FromQuery = None, to: PeriodQuery = None, source: SeriesSource = None, as_of: AsOf = None,
    history: Annotated[bool, Query(description="Every revision, withdrawals included, not only the latest")] = False,
    limit: Limit = 100, cursor: Cursor = None,
) -> Page[schemas.ObservationOut]:
    """Figures as the feeds posted them (nothing derived): every source's own, or one source's with `source`."""
    items, next_cursor = await observations.list_observations(
        session, measure=measure, region=region, occupation=occupation, from_=from_, to=to, source=source,
        as_of=as_of, history=history, limit=limit, cursor=cursor)
    return Page(items=items, next_cursor=next_cursor)
