"""HTTP endpoints of the actions API under /v1: parse the request, authorize, call the domain, answer."""

import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import Annotated, Protocol, TypeVar

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from common.auth import OptionalPrincipal, Principal, require_scope
from common.database import ReadSessionDep, SessionDep
from common.etags import IfMatch, check_if_match, etag
from common.json_types import JsonDate
from common.pagination import DEFAULT_PAGE_SIZE, Cursor, Limit, Page
from common.problems import field_error, invalid
from common.query_lists import optional_choice_list, optional_split_list, optional_uuid_list, split_list, uuid_list
from services.actions_api.domain import (
    ActionStatus,
    ParticipationRole,
    ReportState,
    actions,
    agenda,
    goals,
    lines,
    milestones,
    pacts,
    reports,
    results,
)
from services.actions_api.metrics_client import MetricsClient
from services.actions_api.partners_client import PartnersClient
from services.actions_api.schemas.actions import (
    ActionIn,
    ActionOut,
    ActionPatch,
    ParticipationOut,
    ParticipationsMove,
    ParticipationsMoved,
    StatusIn,
)
from services.actions_api.schemas.agenda import AgendaIn, AgendaOut
from services.actions_api.schemas.goals import GoalIn, GoalOut, GoalPatch
from services.actions_api.schemas.lines import LineIn, LineOut
from services.actions_api.schemas.milestones import MilestoneIn, MilestoneOut, MilestonePatch
from services.actions_api.schemas.pacts import PactIn, PactOut, PactPatch
from services.actions_api.schemas.reports import GoalReportIn, ReportIn, ReportOut, ReportPatch, ReviewIn
from services.actions_api.schemas.results import ResultIn, ResultOut, ResultPatch

router = APIRouter(prefix="/v1")

Writer = Annotated[Principal, Depends(require_scope("actions:write"))]
Approver = Annotated[Principal, Depends(require_scope("actions:approve"))]
# The partner registry's coordinators: they merge duplicate organisations, and participations follow.
PartnerAdmin = Annotated[Principal, Depends(require_scope("partners:admin"))]


# Dependencies are coroutines: FastAPI runs a plain function in its thread pool, a hop that cost more
# than the lookup (bench/gateway_queries.py).
async def _partners(request: Request) -> PartnersClient:
    return request.app.state.partners


Partners = Annotated[PartnersClient, Depends(_partners)]


async def _metrics(request: Request) -> MetricsClient:
    return request.app.state.metrics_api


# Goals and results pointing at a series are measured there: reads of them go through this client.
Metrics = Annotated[MetricsClient, Depends(_metrics)]


class _Versioned(Protocol):
    @property
    def version(self) -> int: ...


Row = TypeVar("Row", bound=_Versioned)
Out = TypeVar("Out", bound=_Versioned)


def _with_etag(response: Response, out: Out) -> Out:
    response.headers["ETag"] = etag(out.version)
    return out


async def _changed(response: Response, if_match: str | None, loading: Awaitable[Row],
                   change: Callable[[Row], Awaitable[Out]], *, if_match_required: bool = True) -> Out:
    """The sequence of every change to a resource: load it, check If-Match, change it, answer with its ETag."""
    row = await loading
    check_if_match(if_match, row.version, required=if_match_required)
    return _with_etag(response, await change(row))


def _json(body: BaseModel, version: int | None = None) -> Response:
    """Serialize once: a returned model would be dumped and validated again against the response model."""
    headers = {"ETag": etag(version)} if version is not None else None
    return Response(body.model_dump_json(), media_type="application/json", headers=headers)


IdsQuery = Annotated[str | None, Query(description="Fetch many: comma-separated ids (at most 500), no pagination")]
SlugsQuery = Annotated[str, Query(alias="pacts", description="Fetch many: comma-separated pact slugs (at most 500)")]
ActionIdsQuery = Annotated[str, Query(description="Comma-separated action ids (at most 500)")]


# --- Pacts ------------------------------------------------------------------------------------


@router.get("/pacts", tags=["pacts"], response_model=Page[PactOut])
async def list_pacts(session: ReadSessionDep,
                     slugs: Annotated[str | None, Query(description="Fetch many: comma-separated slugs")] = None,
                     parent: Annotated[str | None, Query(description="Only the pacts under this pact (slug)")] = None,
                     limit: Limit = DEFAULT_PAGE_SIZE, cursor: Cursor = None) -> Response:
    return _json(await pacts.list_pacts(session, slugs=optional_split_list(slugs, "slugs"), parent=parent,
                                        limit=limit, cursor=cursor))


@router.post("/pacts", status_code=201, tags=["pacts"])
async def create_pact(body: PactIn, session: SessionDep, partners: Partners, response: Response,
                      _: Writer) -> PactOut:
    return _with_etag(response, await pacts.create_pact(session, partners, body))


@router.get("/pacts/{slug}", tags=["pacts"], response_model=PactOut)
async def get_pact(slug: str, session: ReadSessionDep) -> Response:
    out = await pacts.get_pact(session, slug)
    return _json(out, out.version)


@router.patch("/pacts/{slug}", tags=["pacts"])
async def patch_pact(slug: str, body: PactPatch, session: SessionDep, partners: Partners, response: Response,
                     _: Writer, if_match: IfMatch = None) -> PactOut:
    return await _changed(response, if_match, pacts.pact_by_slug(session, slug),
                          lambda pact: pacts.patch_pact(session, partners, pact, body))


Key = TypeVar("Key")
Listing = Callable[[AsyncSession, MetricsClient, list[Key]], Awaitable[Sequence[BaseModel]]]


def _unmeasured(listing: Callable[[AsyncSession, list[Key]], Awaitable[Sequence[BaseModel]]]) -> Listing[Key]:
    """A listing of what holds no indicators, so reads nothing from metrics_api."""
    return lambda session, _, keys: listing(session, keys)


def _listed_per_pact(collection: str, tag: str, page: type[BaseModel], listing: Listing[str]) -> None:
    """GET /pacts/{slug}/<collection> (404 for an unknown pact) and GET /<collection>?pacts= (unknown ones absent)."""

    async def of_one_pact(slug: str, session: ReadSessionDep, metrics: Metrics) -> Response:
        await pacts.pact_by_slug(session, slug)
        return _json(Page(items=await listing(session, metrics, [slug])))

    async def of_pacts(session: ReadSessionDep, metrics: Metrics, slugs: SlugsQuery) -> Response:
        return _json(Page(items=await listing(session, metrics, split_list(slugs, "pacts"))))

    name = collection.replace("-", "_")
    router.get(f"/pacts/{{slug}}/{collection}", tags=[tag], response_model=page, name=f"list_{name}")(of_one_pact)
    router.get(f"/{collection}", tags=[tag], response_model=page, name=f"list_{name}_of_pacts")(of_pacts)


_listed_per_pact("lines", "action lines", Page[LineOut], lines.list_lines)
_listed_per_pact("agenda", "agenda", Page[AgendaOut], _unmeasured(agenda.list_agenda))


@router.post("/pacts/{slug}/lines", status_code=201, tags=["action lines"])
async def create_line(slug: str, body: LineIn, session: SessionDep, metrics: Metrics, response: Response,
                      _: Writer) -> LineOut:
    return _with_etag(response, await lines.create_line(session, metrics, slug, body))


@router.post("/pacts/{slug}/agenda", status_code=201, tags=["agenda"])
async def create_agenda_item(slug: str, body: AgendaIn, session: SessionDep, _: Writer) -> AgendaOut:
    return await agenda.create_agenda_item(session, slug, body)


# --- Goals ------------------------------------------------------------------------------------


@router.post("/lines/{line_id}/goals", status_code=201, tags=["goals"])
async def create_goal(line_id: uuid.UUID, body: GoalIn, session: SessionDep, metrics: Metrics, response: Response,
                      _: Writer) -> GoalOut:
    return _with_etag(response, await goals.create_goal(session, metrics, line_id, body))


def _series_keys(series: str) -> list[tuple[str, str, str]]:
    """measure:region[:occupation] items; the occupation is `total` when left out."""
    keys = []
    for item in split_list(series, "series"):
        parts = item.split(":")
        if len(parts) == 2:
            parts.append("total")
        if len(parts) != 3 or not all(parts):
            raise invalid([field_error("series", f"'{item}' is not measure:region[:occupation].", **{"in": "query"})])
        keys.append((parts[0], parts[1], parts[2]))
    return keys


@router.get("/goals", tags=["goals"], response_model=Page[GoalOut])
async def list_goals(
    session: ReadSessionDep, metrics: Metrics, ids: IdsQuery = None,
    series: Annotated[str | None, Query(
        description="The goals that point at these series: comma-separated measure:region:occupation")] = None,
) -> Response:
    if ids is None and series is None:
        raise invalid([field_error("ids", "Give ids or series.", **{"in": "query"})])
    keys = None if series is None else _series_keys(series)
    return _json(Page(items=await goals.list_goals(session, metrics, ids=optional_uuid_list(ids, "ids"), series=keys)))


@router.patch("/goals/{goal_id}", tags=["goals"])
async def patch_goal(goal_id: uuid.UUID, body: GoalPatch, session: SessionDep, metrics: Metrics,
                     response: Response, _: Writer, if_match: IfMatch = None) -> GoalOut:
    return await _changed(response, if_match, goals.goal_by_id(session, goal_id),
                          lambda goal: goals.patch_goal(session, metrics, goal, body))


@router.post("/goals/{goal_id}/progress-reports", status_code=201, tags=["progress reports"])
async def create_goal_report(goal_id: uuid.UUID, body: GoalReportIn, session: SessionDep,
                             principal: Writer) -> ReportOut:
    return await reports.create_goal_report(session, principal, goal_id, body)


# --- Actions ----------------------------------------------------------------------------------


@router.get("/actions", tags=["actions"], response_model=Page[ActionOut])
async def list_actions(
    session: ReadSessionDep,
    ids: IdsQuery = None,
    pact: Annotated[str | None, Query(description="The pact's slug")] = None,
    status: Annotated[str | None, Query(description="Comma-separated statuses")] = None,
    line: Annotated[int | None, Query(ge=1, le=1000, description="Action line number")] = None,
    organisation: Annotated[uuid.UUID | None, Query(description="Actions this organisation takes part in")] = None,
    role: Annotated[str | None, Query(
        description="With organisation: only these roles (lead, participant, coordination)")] = None,
    overdue: Annotated[bool | None, Query(description="Actions with (or without) an open milestone past due")] = None,
    due_before: Annotated[JsonDate | None, Query(
        description="Actions with an open milestone due before this day (overdue ones included)")] = None,
    limit: Limit = DEFAULT_PAGE_SIZE, cursor: Cursor = None,
) -> Response:
    return _json(await actions.list_actions(
        session, ids=optional_uuid_list(ids, "ids"), pact=pact,
        statuses=optional_choice_list(status, "status", ActionStatus), line=line, organisation=organisation,
        roles=optional_choice_list(role, "role", ParticipationRole), overdue=overdue, due_before=due_before,
        limit=limit, cursor=cursor,
    ))


@router.post("/pacts/{slug}/actions", status_code=201, tags=["actions"])
async def create_action(slug: str, body: ActionIn, session: SessionDep, partners: Partners, response: Response,
                        _: Writer) -> ActionOut:
    return _with_etag(response, await actions.create_action(session, partners, slug, body))


@router.get("/actions/{action_id}", tags=["actions"], response_model=ActionOut)
async def get_action(action_id: uuid.UUID, session: ReadSessionDep) -> Response:
    out = await actions.get_action(session, action_id)
    return _json(out, out.version)


@router.patch("/actions/{action_id}", tags=["actions"])
async def patch_action(action_id: uuid.UUID, body: ActionPatch, session: SessionDep,
                       partners: Partners, response: Response, _: Writer, if_match: IfMatch = None) -> ActionOut:
    return await _changed(response, if_match, actions.action_by_id(session, action_id),
                          lambda action: actions.patch_action(session, partners, action, body))


@router.post("/actions/{action_id}/status", tags=["actions"],
             responses={409: {"description": "The transition is not allowed; `allowed` lists those that are"}})
async def set_status(action_id: uuid.UUID, body: StatusIn, session: SessionDep,
                     response: Response, _: Writer, if_match: IfMatch = None) -> ActionOut:
    return await _changed(response, if_match, actions.action_by_id(session, action_id),
                          lambda action: actions.set_status(session, action, body.status), if_match_required=False)


@router.get("/participations", tags=["actions"], response_model=Page[ParticipationOut])
async def list_participations(
    session: ReadSessionDep,
    organisation_ids: Annotated[str, Query(description="Comma-separated organisation ids (at most 500)")],
) -> Response:
    return _json(Page(items=await actions.participations_of(session, uuid_list(organisation_ids, "organisation_ids"))))


@router.post("/participations/move", tags=["actions"])
async def move_participations(body: ParticipationsMove, session: SessionDep, _: PartnerAdmin) -> ParticipationsMoved:
    """Called by partners_api when a coordinator merges two organisations: every participation of the
    duplicate now names the survivor. Moving again moves nothing."""
    return ParticipationsMoved(moved=await actions.move_participations(session, body))


# --- Milestones -------------------------------------------------------------------------------


def _listed_by_action(collection: str, tag: str, page: type[BaseModel], listing: Listing[uuid.UUID]) -> None:
    """GET /<collection>?action_ids=: what hangs off these actions, fetched many at once."""

    async def of_actions(session: ReadSessionDep, metrics: Metrics, action_ids: ActionIdsQuery) -> Response:
        return _json(Page(items=await listing(session, metrics, uuid_list(action_ids, "action_ids"))))

    router.get(f"/{collection}", tags=[tag], response_model=page, name=f"list_{collection}")(of_actions)


_listed_by_action("milestones", "milestones", Page[MilestoneOut], _unmeasured(milestones.list_milestones))
_listed_by_action("results", "results", Page[ResultOut], results.list_results)


@router.post("/actions/{action_id}/milestones", status_code=201, tags=["milestones"])
async def create_milestone(action_id: uuid.UUID, body: MilestoneIn, session: SessionDep, response: Response,
                           _: Writer) -> MilestoneOut:
    return _with_etag(response, await milestones.create_milestone(session, action_id, body))


@router.get("/milestones/{milestone_id}", tags=["milestones"], response_model=MilestoneOut)
async def get_milestone(milestone_id: uuid.UUID, session: ReadSessionDep) -> Response:
    out = milestones.milestone_out(await milestones.milestone_by_id(session, milestone_id))
    return _json(out, out.version)


@router.patch("/milestones/{milestone_id}", tags=["milestones"])
async def patch_milestone(milestone_id: uuid.UUID, body: MilestonePatch, session: SessionDep,
                          response: Response, _: Writer, if_match: IfMatch = None) -> MilestoneOut:
    return await _changed(response, if_match, milestones.milestone_by_id(session, milestone_id),
                          lambda milestone: milestones.patch_milestone(session, milestone, body))


# --- Results ----------------------------------------------------------------------------------


@router.post("/actions/{action_id}/results", status_code=201, tags=["results"])
async def create_result(action_id: uuid.UUID, body: ResultIn, session: SessionDep, metrics: Metrics,
                        response: Response, _: Writer) -> ResultOut:
    return _with_etag(response, await results.create_result(session, metrics, action_id, body))


@router.patch("/results/{result_id}", tags=["results"])
async def patch_result(result_id: uuid.UUID, body: ResultPatch, session: SessionDep, metrics: Metrics,
                       response: Response, _: Writer, if_match: IfMatch = None) -> ResultOut:
    return await _changed(response, if_match, results.result_by_id(session, result_id),
                          lambda result: results.patch_result(session, metrics, result, body))


# --- Progress reports -------------------------------------------------------------------------


@router.get("/progress-reports", tags=["progress reports"], response_model=Page[ReportOut],
            description="Drafts are listed only for callers with actions:write or actions:approve.")
async def list_reports(
    session: ReadSessionDep, principal: OptionalPrincipal,
    action_ids: Annotated[str | None, Query(description="Comma-separated action ids (at most 500)")] = None,
    subject_ids: Annotated[str | None, Query(description="Comma-separated milestone, result or goal ids")] = None,
    state: Annotated[str | None, Query(description="Comma-separated states")] = None,
) -> Response:
    if action_ids is None and subject_ids is None:
        raise invalid([field_error("action_ids", "Give action_ids or subject_ids.", **{"in": "query"})])
    return _json(Page(items=await reports.list_reports(
        session, principal, action_ids=optional_uuid_list(action_ids, "action_ids"),
        subject_ids=optional_uuid_list(subject_ids, "subject_ids"),
        states=optional_choice_list(state, "state", ReportState),
    )))


@router.get("/progress-reports/{report_id}", tags=["progress reports"])
async def get_report(report_id: uuid.UUID, session: ReadSessionDep, principal: OptionalPrincipal) -> ReportOut:
    return reports.report_out(await reports.report_by_id(session, report_id, principal))


@router.post("/actions/{action_id}/progress-reports", status_code=201, tags=["progress reports"])
async def create_report(action_id: uuid.UUID, body: ReportIn, session: SessionDep, principal: Writer) -> ReportOut:
    return await reports.create_report(session, principal, action_id, body)


@router.patch("/progress-reports/{report_id}", tags=["progress reports"],
              description="Only a draft or returned report can be changed (409 otherwise).")
async def patch_report(report_id: uuid.UUID, body: ReportPatch, session: SessionDep,
                       response: Response, principal: Writer, if_match: IfMatch = None) -> ReportOut:
    return await _changed(response, if_match, reports.report_by_id(session, report_id, principal),
                          lambda report: reports.patch_report(session, report, body))


@router.post("/progress-reports/{report_id}/submit", tags=["progress reports"])
async def submit_report(report_id: uuid.UUID, session: SessionDep, principal: Writer) -> ReportOut:
    return await reports.submit_report(session, await reports.report_by_id(session, report_id, principal))


@router.post("/progress-reports/{report_id}/approve", tags=["progress reports"],
             description="Only approved reports count: toward a result's or goal's actual, an action's status, "
                         "a milestone's status and count.")
async def approve_report(report_id: uuid.UUID, session: SessionDep, principal: Approver,
                         body: ReviewIn | None = None) -> ReportOut:
    report = await reports.report_by_id(session, report_id, principal)
    return await reports.approve_report(session, principal, report, body.note if body else None)


@router.post("/progress-reports/{report_id}/return", tags=["progress reports"])
async def return_report(report_id: uuid.UUID, session: SessionDep, principal: Approver,
                        body: ReviewIn | None = None) -> ReportOut:
    report = await reports.report_by_id(session, report_id, principal)
    return await reports.return_report(session, principal, report, body.note if body else None)
