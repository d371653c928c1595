"""HTTP endpoints of the actions API under /v1: parse, authorize, call service.py, answer."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel

from common.auth import OptionalPrincipal, Principal, require_scope
from common.database import SessionDep
from common.etags import etag, require_if_match
from common.pagination import DEFAULT_PAGE_SIZE, Cursor, Limit, Page
from common.problems import field_error, invalid
from services.actions_api import rules, service
from services.actions_api.partners import PartnersClient
from services.actions_api.schemas import (
    ActionIn,
    ActionOut,
    ActionPatch,
    AgendaIn,
    AgendaOut,
    GoalIn,
    GoalOut,
    GoalPatch,
    GoalReportIn,
    LineIn,
    LineOut,
    MilestoneIn,
    MilestoneOut,
    MilestonePatch,
    PactIn,
    PactOut,
    PactPatch,
    ParticipationOut,
    ReportIn,
    ReportOut,
    ReportPatch,
    ResultIn,
    ResultOut,
    ResultPatch,
    ReviewIn,
    Role,
    StatusIn,
)

router = APIRouter(prefix="/v1")

Writer = Annotated[Principal, Depends(require_scope("actions:write"))]
Approver = Annotated[Principal, Depends(require_scope("actions:approve"))]
MAX_IDS = 500


def _partners(request: Request) -> PartnersClient:
    return request.app.state.partners


Partners = Annotated[PartnersClient, Depends(_partners)]


def _split(value: str, field: str) -> list[str]:
    items = [item.strip() for item in value.split(",") if item.strip()]
    if len(items) > MAX_IDS:
        raise invalid([field_error(field, f"At most {MAX_IDS} values per call.", **{"in": "query"})])
    return items


def _uuids(value: str | None, field: str) -> list[uuid.UUID] | None:
    if value is None:
        return None
    try:
        return [uuid.UUID(item) for item in _split(value, field)]
    except ValueError:
        raise invalid([field_error(field, "A comma-separated list of UUIDs.", **{"in": "query"})]) from None


def _choices(value: str | None, field: str, allowed: list[str]) -> list[str] | None:
    if value is None:
        return None
    items = _split(value, field)
    bad = [item for item in items if item not in allowed]
    if bad:
        raise invalid([field_error(field, f"Unknown: {', '.join(bad)}; one of {', '.join(allowed)}.", **{"in": "query"})])
    return items


def _with_etag(response: Response, version: int) -> None:
    response.headers["ETag"] = etag(version)


def _json(body: BaseModel, version: int | None = None) -> Response:
    """Serialize once: a returned model would be dumped and validated again against the response model."""
    headers = {"ETag": etag(version)} if version is not None else None
    return Response(body.model_dump_json(), media_type="application/json", headers=headers)


IdsQuery = Annotated[str | None, Query(description="Fetch many: comma-separated ids (at most 500), no pagination")]


# --- Pacts ------------------------------------------------------------------------------------


@router.get("/pacts", tags=["pacts"], response_model=Page[PactOut])
async def list_pacts(session: SessionDep,
                     slugs: Annotated[str | None, Query(description="Fetch many: comma-separated slugs")] = None,
                     parent: Annotated[str | None, Query(description="Only the pacts under this pact (slug)")] = None,
                     limit: Limit = DEFAULT_PAGE_SIZE, cursor: Cursor = None) -> Response:
    return _json(await service.list_pacts(session, slugs=_split(slugs, "slugs") if slugs is not None else None,
                                          parent=parent, limit=limit, cursor=cursor))


@router.post("/pacts", status_code=201, tags=["pacts"])
async def create_pact(body: PactIn, session: SessionDep, response: Response, _: Writer) -> PactOut:
    out = await service.create_pact(session, body)
    _with_etag(response, out.version)
    return out


@router.get("/pacts/{slug}", tags=["pacts"], response_model=PactOut)
async def get_pact(slug: str, session: SessionDep) -> Response:
    out = await service.get_pact(session, slug)
    return _json(out, out.version)


@router.patch("/pacts/{slug}", tags=["pacts"])
async def patch_pact(slug: str, body: PactPatch, request: Request, session: SessionDep, response: Response,
                     _: Writer) -> PactOut:
    pact = await service.pact_by_slug(session, slug)
    require_if_match(request, pact.version)
    out = await service.patch_pact(session, pact, body)
    _with_etag(response, out.version)
    return out


@router.get("/pacts/{slug}/lines", tags=["action lines"], response_model=Page[LineOut])
async def list_lines(slug: str, session: SessionDep) -> Response:
    return _json(Page(items=await service.list_lines(session, [slug], one_pact=True)))


SlugsQuery = Annotated[str, Query(description="Fetch many: comma-separated pact slugs (at most 500)")]


@router.get("/lines", tags=["action lines"], response_model=Page[LineOut])
async def list_lines_of_pacts(session: SessionDep, pacts: SlugsQuery) -> Response:
    return _json(Page(items=await service.list_lines(session, _split(pacts, "pacts"), one_pact=False)))


@router.post("/pacts/{slug}/lines", status_code=201, tags=["action lines"])
async def create_line(slug: str, body: LineIn, session: SessionDep, response: Response, _: Writer) -> LineOut:
    out = await service.create_line(session, slug, body)
    _with_etag(response, out.version)
    return out


@router.get("/pacts/{slug}/agenda", tags=["agenda"], response_model=Page[AgendaOut])
async def list_agenda(slug: str, session: SessionDep) -> Response:
    return _json(Page(items=await service.list_agenda(session, [slug], one_pact=True)))


@router.get("/agenda", tags=["agenda"], response_model=Page[AgendaOut])
async def list_agenda_of_pacts(session: SessionDep, pacts: SlugsQuery) -> Response:
    return _json(Page(items=await service.list_agenda(session, _split(pacts, "pacts"), one_pact=False)))


@router.post("/pacts/{slug}/agenda", status_code=201, tags=["agenda"])
async def create_agenda_item(slug: str, body: AgendaIn, session: SessionDep, _: Writer) -> AgendaOut:
    return await service.create_agenda_item(session, slug, body)


# --- Goals ------------------------------------------------------------------------------------


@router.post("/lines/{line_id}/goals", status_code=201, tags=["goals"])
async def create_goal(line_id: uuid.UUID, body: GoalIn, session: SessionDep, response: Response, _: Writer) -> GoalOut:
    out = await service.create_goal(session, line_id, body)
    _with_etag(response, out.version)
    return out


@router.get("/goals", tags=["goals"], response_model=Page[GoalOut])
async def list_goals(
    session: SessionDep, ids: IdsQuery = None,
    series: Annotated[str | None, Query(
        description="The goals that point at these series: comma-separated measure:region:occupation")] = None,
) -> Response:
    if ids is None and series is None:
        raise invalid([field_error("ids", "Give ids or series.", **{"in": "query"})])
    keys = None
    if series is not None:
        keys = []
        for item in _split(series, "series"):
            parts = item.split(":")
            if len(parts) == 2:
                parts.append("total")
            if len(parts) != 3 or not all(parts):
                raise invalid([field_error("series", f"'{item}' is not measure:region[:occupation].", **{"in": "query"})])
            keys.append(tuple(parts))
    return _json(Page(items=await service.list_goals(session, ids=_uuids(ids, "ids"), series=keys)))


@router.patch("/goals/{goal_id}", tags=["goals"])
async def patch_goal(goal_id: uuid.UUID, body: GoalPatch, request: Request, session: SessionDep,
                     response: Response, _: Writer) -> GoalOut:
    goal = await service.goal_by_id(session, goal_id)
    require_if_match(request, goal.version)
    out = await service.patch_goal(session, goal, body)
    _with_etag(response, out.version)
    return out


@router.post("/goals/{goal_id}/progress-reports", status_code=201, tags=["progress reports"])
async def create_goal_report(goal_id: uuid.UUID, body: GoalReportIn, session: SessionDep,
                             principal: Writer) -> ReportOut:
    return await service.create_goal_report(session, principal, goal_id, body)


# --- Actions ----------------------------------------------------------------------------------


@router.get("/actions", tags=["actions"], response_model=Page[ActionOut])
async def list_actions(
    session: SessionDep,
    ids: IdsQuery = None,
    pact: Annotated[str | None, Query(description="The pact's slug")] = None,
    status: Annotated[str | None, Query(description="Comma-separated statuses")] = None,
    line: Annotated[int | None, Query(ge=1, le=1000, description="Action line number")] = None,
    organisation: Annotated[uuid.UUID | None, Query(description="Actions this organisation takes part in")] = None,
    role: Annotated[str | None, Query(description="With organisation: only these roles (lead, participant, coordination)")] = None,
    overdue: Annotated[bool | None, Query(description="Actions with (or without) an open milestone past due")] = None,
    limit: Limit = DEFAULT_PAGE_SIZE, cursor: Cursor = None,
) -> Response:
    return _json(await service.list_actions(
        session, ids=_uuids(ids, "ids"), pact=pact,
        statuses=_choices(status, "status", list(rules.ActionStatus)), line=line, organisation=organisation,
        roles=_choices(role, "role", list(Role.__args__)), overdue=overdue, limit=limit, cursor=cursor,
    ))


@router.post("/pacts/{slug}/actions", status_code=201, tags=["actions"])
async def create_action(slug: str, body: ActionIn, session: SessionDep, partners: Partners, response: Response,
                        _: Writer) -> ActionOut:
    out = await service.create_action(session, partners, slug, body)
    _with_etag(response, out.version)
    return out


@router.get("/actions/{action_id}", tags=["actions"], response_model=ActionOut)
async def get_action(action_id: uuid.UUID, session: SessionDep) -> Response:
    out = await service.get_action(session, action_id)
    return _json(out, out.version)


@router.patch("/actions/{action_id}", tags=["actions"])
async def patch_action(action_id: uuid.UUID, body: ActionPatch, request: Request, session: SessionDep,
                       partners: Partners, response: Response, _: Writer) -> ActionOut:
    action = await service.action_by_id(session, action_id)
    require_if_match(request, action.version)
    out = await service.patch_action(session, partners, action, body)
    _with_etag(response, out.version)
    return out


@router.post("/actions/{action_id}/status", tags=["actions"],
             responses={409: {"description": "The transition is not allowed; `allowed` lists those that are"}})
async def set_status(action_id: uuid.UUID, body: StatusIn, request: Request, session: SessionDep,
                     response: Response, _: Writer) -> ActionOut:
    action = await service.action_by_id(session, action_id)
    if request.headers.get("if-match") is not None:
        require_if_match(request, action.version)
    out = await service.set_status(session, action, body.status)
    _with_etag(response, out.version)
    return out


@router.get("/participations", tags=["actions"], response_model=Page[ParticipationOut])
async def list_participations(
    session: SessionDep,
    organisation_ids: Annotated[str, Query(description="Comma-separated organisation ids (at most 500)")],
) -> Response:
    return _json(Page(items=await service.participations_of(session, _uuids(organisation_ids, "organisation_ids") or [])))


# --- Milestones -------------------------------------------------------------------------------


ActionIdsQuery = Annotated[str, Query(description="Comma-separated action ids (at most 500)")]


@router.get("/milestones", tags=["milestones"], response_model=Page[MilestoneOut])
async def list_milestones(session: SessionDep, action_ids: ActionIdsQuery) -> Response:
    return _json(Page(items=await service.list_milestones(session, _uuids(action_ids, "action_ids") or [])))


@router.post("/actions/{action_id}/milestones", status_code=201, tags=["milestones"])
async def create_milestone(action_id: uuid.UUID, body: MilestoneIn, session: SessionDep, response: Response,
                           _: Writer) -> MilestoneOut:
    out = await service.create_milestone(session, action_id, body)
    _with_etag(response, out.version)
    return out


@router.get("/milestones/{milestone_id}", tags=["milestones"], response_model=MilestoneOut)
async def get_milestone(milestone_id: uuid.UUID, session: SessionDep) -> Response:
    out = service.milestone_out(await service.milestone_by_id(session, milestone_id))
    return _json(out, out.version)


@router.patch("/milestones/{milestone_id}", tags=["milestones"])
async def patch_milestone(milestone_id: uuid.UUID, body: MilestonePatch, request: Request, session: SessionDep,
                          response: Response, _: Writer) -> MilestoneOut:
    milestone = await service.milestone_by_id(session, milestone_id)
    require_if_match(request, milestone.version)
    out = await service.patch_milestone(session, milestone, body)
    _with_etag(response, out.version)
    return out


# --- Results ----------------------------------------------------------------------------------


@router.get("/results", tags=["results"], response_model=Page[ResultOut])
async def list_results(session: SessionDep, action_ids: ActionIdsQuery) -> Response:
    return _json(Page(items=await service.list_results(session, _uuids(action_ids, "action_ids") or [])))


@router.post("/actions/{action_id}/results", status_code=201, tags=["results"])
async def create_result(action_id: uuid.UUID, body: ResultIn, session: SessionDep, response: Response,
                        _: Writer) -> ResultOut:
    out = await service.create_result(session, action_id, body)
    _with_etag(response, out.version)
    return out


@router.patch("/results/{result_id}", tags=["results"])
async def patch_result(result_id: uuid.UUID, body: ResultPatch, request: Request, session: SessionDep,
                       response: Response, _: Writer) -> ResultOut:
    result = await service.result_by_id(session, result_id)
    require_if_match(request, result.version)
    out = await service.patch_result(session, result, body)
    _with_etag(response, out.version)
    return out


# --- Progress reports -------------------------------------------------------------------------


@router.get("/progress-reports", tags=["progress reports"], response_model=Page[ReportOut],
            description="Drafts are listed only for callers with actions:write or actions:approve.")
async def list_reports(
    session: SessionDep, principal: OptionalPrincipal,
    action_ids: Annotated[str | None, Query(description="Comma-separated action ids (at most 500)")] = None,
    subject_ids: Annotated[str | None, Query(description="Comma-separated milestone, result or goal ids")] = None,
    state: Annotated[str | None, Query(description="Comma-separated states")] = None,
) -> Response:
    if action_ids is None and subject_ids is None:
        raise invalid([field_error("action_ids", "Give action_ids or subject_ids.", **{"in": "query"})])
    return _json(Page(items=await service.list_reports(
        session, principal, action_ids=_uuids(action_ids, "action_ids"),
        subject_ids=_uuids(subject_ids, "subject_ids"), states=_choices(state, "state", list(rules.ReportState)),
    )))


@router.get("/progress-reports/{report_id}", tags=["progress reports"])
async def get_report(report_id: uuid.UUID, session: SessionDep, principal: OptionalPrincipal) -> ReportOut:
    return service.report_out(await service.report_by_id(session, report_id, principal))


@router.post("/actions/{action_id}/progress-reports", status_code=201, tags=["progress reports"])
async def create_report(action_id: uuid.UUID, body: ReportIn, session: SessionDep, principal: Writer) -> ReportOut:
    return await service.create_report(session, principal, action_id, body)


@router.patch("/progress-reports/{report_id}", tags=["progress reports"],
              description="Only a draft or returned report can be changed (409 otherwise).")
async def patch_report(report_id: uuid.UUID, body: ReportPatch, request: Request, session: SessionDep,
                       response: Response, principal: Writer) -> ReportOut:
    report = await service.report_by_id(session, report_id, principal)
    require_if_match(request, report.version)
    out = await service.patch_report(session, report, body)
    _with_etag(response, out.version)
    return out


@router.post("/progress-reports/{report_id}/submit", tags=["progress reports"])
async def submit_report(report_id: uuid.UUID, session: SessionDep, principal: Writer) -> ReportOut:
    return await service.submit_report(session, await service.report_by_id(session, report_id, principal))


@router.post("/progress-reports/{report_id}/approve", tags=["progress reports"],
             description="Only approved reports count: toward a result's or goal's actual, an action's status, "
                         "a milestone's status and count.")
async def approve_report(report_id: uuid.UUID, session: SessionDep, principal: Approver,
                         body: ReviewIn | None = None) -> ReportOut:
    report = await service.report_by_id(session, report_id, principal)
    return await service.approve_report(session, principal, report, body.note if body else None)


@router.post("/progress-reports/{report_id}/return", tags=["progress reports"])
async def return_report(report_id: uuid.UUID, session: SessionDep, principal: Approver,
                        body: ReviewIn | None = None) -> ReportOut:
    report = await service.report_by_id(session, report_id, principal)
    return await service.return_report(session, principal, report, body.note if body else None)
