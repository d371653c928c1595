"""HTTP surface of partners_api: parse, authorise, call the domain, shape the answer."""

import math
import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Header, Path, Query, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy.ext.asyncio import AsyncSession

from common.auth import Principal, require_scope, require_source
from common.database import SessionDep, get_database
from common.etags import IfMatch, check_if_match, etag
from common.idempotency import IdempotencyKeys, fingerprint, validate_key
from common.observability import count_batch
from common.pagination import DEFAULT_PAGE_SIZE, Cursor, Keyset, Limit, Page, encode_cursor
from common.problems import Problem
from common.query_lists import MAX_LIST_ITEMS, uuid_list
from services.partners_api import schemas
from services.partners_api.actions_client import ActionsClient
from services.partners_api.domain import SignupStatus
from services.partners_api.domain import contacts as contact_rules
from services.partners_api.domain import memberships as membership_rules
from services.partners_api.domain import merging as merge_rules
from services.partners_api.domain import organisations as organisation_rules
from services.partners_api.domain import push as push_rules
from services.partners_api.domain import sectors as sector_rules
from services.partners_api.domain import signups as signup_rules
from services.partners_api.domain import survivorship as survivorship_rules
from services.partners_api.domain import sync_sessions as sync_rules
from services.partners_api.metrics_client import MetricsClient
from services.partners_api.models import Organisation, OrganisationChange, Signup, idempotency_keys

router = APIRouter(prefix="/v1")

# Machine clients push for their sources and do nothing else; a coordinator's registry work needs
# partners:admin; personal data needs contacts:read besides (README, "Who may do what").
Pusher = Annotated[Principal, Depends(require_scope("partners:write"))]
Admin = Annotated[Principal, Depends(require_scope("partners:admin"))]
ContactReader = Annotated[Principal, Depends(require_scope("contacts:read"))]
SourcePath = Annotated[str, Path(min_length=1, max_length=100, pattern=r"^[a-z0-9][a-z0-9_.-]*$",
                                 description="The pushing system, e.g. `hilversum`")]
PactPath = Annotated[str, Path(min_length=1, max_length=100, pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$",
                               description="The pact's slug (actions_api owns pacts)")]
OrganisationIds = Annotated[str, Query(
    description=f"Fetch-many: up to {MAX_LIST_ITEMS} comma-separated organisation ids")]

_keys = IdempotencyKeys(idempotency_keys)


def _metrics(request: Request) -> MetricsClient:
    """metrics_api's region registry, which municipality codes are checked against."""
    return request.app.state.metrics_api


Regions = Annotated[MetricsClient, Depends(_metrics)]


def _organisation(organisation: Organisation, response: Response,
                  asked_for: uuid.UUID | None = None) -> schemas.Organisation:
    """The organisation with its ETag; asked for by a merged duplicate's id, it says so."""
    response.headers["ETag"] = etag(organisation.version)
    return _redirected(organisation, asked_for, response)


def _redirected(organisation: Organisation, asked_for: uuid.UUID | None,
                response: Response | None = None) -> schemas.Organisation:
    body = schemas.Organisation.model_validate(organisation)
    if asked_for is None or asked_for == organisation.id:
        return body
    if response is not None:
        response.headers["Content-Location"] = f"/v1/organisations/{organisation.id}"
    return body.model_copy(update={"redirected_from": asked_for})


def _change(change: OrganisationChange) -> schemas.Change:
    return schemas.Change(id=change.id, organisation_id=change.organisation_id, changed_at=change.changed_at,
                          changed_by=change.changed_by, source=change.source, action=change.action,
                          field=change.field, old=change.old_value, new=change.new_value)


# --- organisations -----------------------------------------------------------------------------

@router.get("/organisations", tags=["organisations"], response_model=Page[schemas.Organisation])
async def list_organisations(
    session: SessionDep,
    ids: Annotated[str | None, Query(
        description=f"Fetch-many: up to {MAX_LIST_ITEMS} comma-separated ids, no pagination")] = None,
    kind: str | None = None,
    sector: str | None = None,
    municipality: Annotated[str | None, Query(description="Municipality code, e.g. GM0402")] = None,
    pact: Annotated[str | None, Query(description="Current members of the pact with this slug")] = None,
    active: bool | None = None,
    search: Annotated[str | None, Query(max_length=200, description="Part of the name")] = None,
    limit: Limit = DEFAULT_PAGE_SIZE,
    cursor: Cursor = None,
) -> Page[schemas.Organisation]:
    if ids is not None:
        found = await organisation_rules.by_ids(session, uuid_list(ids, "ids"))
        return Page(items=[_redirected(organisation, asked_for) for asked_for, organisation in found])
    rows, next_cursor = await organisation_rules.page(
        session, kind=kind, sector=sector, municipality=municipality, pact=pact, active=active, search=search,
        limit=limit, cursor=cursor)
    return Page(items=[schemas.Organisation.model_validate(o) for o in rows], next_cursor=next_cursor)


@router.post("/organisations", tags=["organisations"], status_code=201, response_model=schemas.Organisation)
async def create_organisation(body: schemas.OrganisationCreate, session: SessionDep, principal: Admin,
                              response: Response, regions: Regions) -> schemas.Organisation:
    organisation = await organisation_rules.create(session, regions, body, principal.subject)
    response.headers["Location"] = f"/v1/organisations/{organisation.id}"
    return _organisation(organisation, response)


@router.get("/organisations/{organisation_id}", tags=["organisations"], response_model=schemas.Organisation)
async def get_organisation(organisation_id: uuid.UUID, session: SessionDep, response: Response) -> schemas.Organisation:
    """By a merged duplicate's id: the survivor, with `redirected_from` and `Content-Location`."""
    return _organisation(await organisation_rules.get(session, organisation_id), response, organisation_id)


@router.patch("/organisations/{organisation_id}", tags=["organisations"], response_model=schemas.Organisation)
async def update_organisation(organisation_id: uuid.UUID, body: schemas.OrganisationPatch, session: SessionDep,
                              principal: Admin, response: Response, regions: Regions,
                              if_match: IfMatch = None) -> schemas.Organisation:
    """Needs `If-Match`. The fields sent become locked: the sources' records no longer decide them.
    Fields taken out of `locked_fields` go back to what the sources hold at once."""
    organisation = await organisation_rules.get(session, organisation_id, for_update=True)
    check_if_match(if_match, organisation.version)
    organisation = await organisation_rules.update(session, regions, organisation, body, principal.subject)
    return _organisation(organisation, response)


@router.post("/organisations/{organisation_id}/archive", tags=["organisations"], response_model=schemas.Organisation)
async def archive_organisation(organisation_id: uuid.UUID, session: SessionDep, principal: Admin,
                               response: Response) -> schemas.Organisation:
    organisation = await organisation_rules.get(session, organisation_id, for_update=True)
    organisation = await organisation_rules.archive(session, organisation, principal.subject)
    return _organisation(organisation, response)


@router.get("/organisations/{organisation_id}/history", tags=["organisations"], response_model=Page[schemas.Change])
async def organisation_history(organisation_id: uuid.UUID, session: SessionDep, limit: Limit = DEFAULT_PAGE_SIZE,
                               cursor: Cursor = None) -> Page[schemas.Change]:
    """Every change, oldest first: who (the token's subject), when, which field, old and new value."""
    changes, next_cursor = await organisation_rules.history(session, organisation_id, limit=limit, cursor=cursor)
    return Page(items=[_change(change) for change in changes], next_cursor=next_cursor)


@router.get("/organisations/{organisation_id}/sources", tags=["organisations"],
            response_model=Page[schemas.SourceRecord])
async def organisation_sources(organisation_id: uuid.UUID, session: SessionDep) -> Page[schemas.SourceRecord]:
    """Which pushing systems hold the organisation, under which external id, in order of precedence;
    withdrawn ones included."""
    found = await organisation_rules.sources(session, organisation_id)
    return Page(items=[schemas.SourceRecord.model_validate(record) for record in found])


@router.put("/organisations/{organisation_id}/precedence", tags=["organisations"],
            response_model=Page[schemas.SourceRecord])
async def set_precedence(organisation_id: uuid.UUID, body: schemas.Precedence, session: SessionDep,
                         principal: Admin) -> Page[schemas.SourceRecord]:
    """Which source's values the organisation serves first: every source that holds it, once, highest first."""
    found = await survivorship_rules.set_precedence(session, organisation_id, body.sources, principal.subject)
    return Page(items=[schemas.SourceRecord.model_validate(record) for record in found])


@router.post("/organisations/{organisation_id}/merge", tags=["organisations"], response_model=schemas.Organisation,
             responses={409: {"description": "Already merged, or both are current members of a pact"},
                        503: {"description": "actions_api did not answer; nothing was merged"}})
async def merge_organisations(organisation_id: uuid.UUID, body: schemas.OrganisationMerge, request: Request,
                              session: SessionDep, principal: Admin, response: Response) -> schemas.Organisation:
    """Merge the duplicate into this organisation: its source records, memberships, contacts, sign-ups
    and action participations move here, and its id redirects here from now on."""
    survivor = await merge_rules.merge(session, request.app.state.actions, organisation_id, body.duplicate_id,
                                       principal)
    return _organisation(survivor, response)


_BY_ORGANISATION = Keyset(Organisation.id)


@router.get("/conflicts", tags=["organisations"], response_model=Page[schemas.Conflict])
async def conflicts(session: SessionDep, principal: Admin,
                    organisation_id: Annotated[uuid.UUID | None, Query(description="One organisation's")] = None,
                    limit: Limit = DEFAULT_PAGE_SIZE, cursor: Cursor = None) -> Page[schemas.Conflict]:
    """Organisations whose holding sources disagree, field by field, for a coordinator to settle
    (by locking a value or setting precedence)."""
    after = _BY_ORGANISATION.decode(cursor)
    found, more = await survivorship_rules.conflicts(session, organisation_id=organisation_id,
                                                     after=after[0] if after else None, limit=limit)
    return Page(items=[schemas.Conflict.model_validate(item, from_attributes=True) for item in found],
                next_cursor=encode_cursor([found[-1].organisation_id]) if more else None)


# --- the municipal push ------------------------------------------------------------------------

# The body is read raw (its bytes are the idempotency fingerprint, and errors must carry the record
# index), so its schema is declared here, inline, for the OpenAPI document. Its enums refer to the
# document's components (the organisation bodies put them there): an inline `$defs` would not resolve.
_PUSH_RECORD = schemas.PushRecord.model_json_schema(ref_template="#/components/schemas/{model}")
_PUSH_RECORD.pop("$defs", None)
_PUSH_BODY = {"requestBody": {"required": True, "content": {"application/json": {"schema": {
    "type": "object", "additionalProperties": False, "required": ["records"],
    "properties": {"records": {"type": "array", "maxItems": schemas.MAX_PUSH_RECORDS, "items": _PUSH_RECORD}}}}}}}


_PUSH_RESPONSES: dict[int | str, dict[str, Any]] = {
    422: {"description": "Invalid records (each listed with index, field, reason); nothing written"},
    403: {"description": "The token may not write for this source"},
    409: {"description": "A request with this Idempotency-Key is still running"}}
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=255)]
ConfirmWithdraw = Annotated[bool, Query(
    description="With a full sync: allow withdrawing more than the configured share of the source's records")]


async def _keyed(request: Request, session: AsyncSession, source: str, idempotency_key: str | None,
                 answer_for: Callable[[bytes], Awaitable[dict[str, Any]]], *parts: str) -> Response:
    """The answer to a bulk write, once per `Idempotency-Key` (the key's scope is the source's pushes):
    the same request again gets the first answer, another body with the key 422."""
    key = validate_key(idempotency_key)
    # The body first: while it arrives, the request holds no connection and no transaction (the key's claim opens one).
    body = await request.body()
    claim = await _keys.claim(session, scope=f"push:{source}", key=key) if key is not None else None
    request_fingerprint = fingerprint(source, *parts, body)
    if claim is not None and (stored := claim.replay(request_fingerprint)) is not None:
        return JSONResponse(stored.body, status_code=stored.status_code, headers={"Idempotent-Replayed": "true"})
    answer = await answer_for(body)
    if claim is not None:
        await claim.remember(session, request_fingerprint, 200, answer)
    return Response(orjson.dumps(answer), media_type="application/json")


def _full_sync(request: Request, confirm_withdraw: bool) -> push_rules.FullSync:
    return push_rules.FullSync(confirm_withdraw, request.app.state.settings.max_withdraw_share)


def _session_lifetime(request: Request) -> timedelta:
    return timedelta(seconds=request.app.state.settings.sync_session_ttl_seconds)


@router.put("/sources/{source}/organisations", tags=["push"], response_model=schemas.PushAnswer,
            openapi_extra=_PUSH_BODY, responses=_PUSH_RESPONSES)
async def push_organisations(source: SourcePath, request: Request, session: SessionDep, principal: Pusher,
                             regions: Regions, withdraw_missing: bool = False,
                             confirm_withdraw: ConfirmWithdraw = False,
                             idempotency_key: IdempotencyKey = None) -> Response:
    """Upsert the source's records by `external_id`; each organisation is the merge of its sources'
    records. With `withdraw_missing=true` it is a full sync, ending this source's claim on what is
    missing (at most 10,000 records: a larger full sync is a sync session). All or nothing;
    `Idempotency-Key` makes a retry safe."""
    require_source(principal, source)

    async def answer_for(body: bytes) -> dict[str, Any]:
        records = await push_rules.read(session, body, regions)
        outcome = await push_rules.push(session, source=source, records=records, who=principal.subject,
                                        full_sync=_full_sync(request, confirm_withdraw) if withdraw_missing else None)
        count_batch("organisations", source, len(records))
        return outcome.answer()

    return await _keyed(request, session, source, idempotency_key, answer_for, str(withdraw_missing),
                        str(confirm_withdraw))


def _sync_session(state: sync_rules.SessionState) -> schemas.SyncSessionState:
    sync = state.sync
    return schemas.SyncSessionState(
        id=sync.id, source=sync.source, status=state.status, opened_by=sync.opened_by, opened_at=sync.opened_at,
        expires_at=sync.expires_at, pushes=sync.pushes, records=state.records, closed_at=sync.closed_at,
        closed_by=sync.closed_by, withdrawn=sync.withdrawn)


_SESSION_RESPONSES: dict[int | str, dict[str, Any]] = {
    403: {"description": "The token may not write for this source"},
    404: {"description": "No sync session of this source has this id"},
    409: {"description": "The session is closed or expired (nothing written), or the Idempotency-Key is in use"}}


@router.post("/sources/{source}/sync-sessions", tags=["push"], status_code=201,
             response_model=schemas.SyncSessionState, responses={403: _SESSION_RESPONSES[403]})
async def open_sync_session(source: SourcePath, request: Request, session: SessionDep,
                            principal: Pusher) -> schemas.SyncSessionState:
    """Open a full sync of any size: push the records into it in as many pushes as needed, then close it."""
    require_source(principal, source)
    return _sync_session(await sync_rules.open_session(session, source, principal.subject,
                                                       _session_lifetime(request)))


@router.get("/sources/{source}/sync-sessions/{session_id}", tags=["push"], response_model=schemas.SyncSessionState,
            responses={403: _SESSION_RESPONSES[403], 404: _SESSION_RESPONSES[404]})
async def sync_session_state(source: SourcePath, session_id: uuid.UUID, session: SessionDep,
                             principal: Pusher) -> schemas.SyncSessionState:
    require_source(principal, source)
    return _sync_session(await sync_rules.state(session, source, session_id))


@router.put("/sources/{source}/sync-sessions/{session_id}/organisations", tags=["push"],
            response_model=schemas.PushAnswer, openapi_extra=_PUSH_BODY,
            responses={**_PUSH_RESPONSES, **_SESSION_RESPONSES})
async def push_into_sync_session(source: SourcePath, session_id: uuid.UUID, request: Request, session: SessionDep,
                                 principal: Pusher, regions: Regions,
                                 idempotency_key: IdempotencyKey = None) -> Response:
    """A push as `PUT /v1/sources/{source}/organisations` (upserts, all or nothing, `Idempotency-Key`),
    whose external ids the session notes: closing it withdraws what none of its pushes held."""
    require_source(principal, source)

    async def answer_for(body: bytes) -> dict[str, Any]:
        records = await push_rules.read(session, body, regions)
        outcome = await sync_rules.push(session, source=source, session_id=session_id, records=records,
                                        who=principal.subject, lifetime=_session_lifetime(request))
        count_batch("organisations", source, len(records))
        return outcome.answer()

    return await _keyed(request, session, source, idempotency_key, answer_for, "sync-session", str(session_id))


@router.post("/sources/{source}/sync-sessions/{session_id}/close", tags=["push"],
             response_model=schemas.SyncSessionClosed,
             responses={**_SESSION_RESPONSES, 422: {"description": "It would withdraw more than the allowed share "
                                                                   "without confirm_withdraw; nothing written"}})
async def close_sync_session(source: SourcePath, session_id: uuid.UUID, request: Request, session: SessionDep,
                             principal: Pusher, confirm_withdraw: ConfirmWithdraw = False,
                             idempotency_key: IdempotencyKey = None) -> Response:
    """Withdraw the source's records that no push of the session held (ending this source's claim
    only), and close it. `Idempotency-Key` makes a retry safe."""
    require_source(principal, source)

    async def answer_for(_body: bytes) -> dict[str, Any]:
        state, outcome = await sync_rules.close(session, source=source, session_id=session_id,
                                                who=principal.subject, full_sync=_full_sync(request, confirm_withdraw))
        return {**_sync_session(state).model_dump(mode="json"), "results": outcome.results}

    return await _keyed(request, session, source, idempotency_key, answer_for, "close", str(session_id),
                        str(confirm_withdraw))


# --- the sector list ----------------------------------------------------------------------------

SectorPath = Annotated[str, Path(pattern=schemas.SECTOR_CODE_PATTERN, max_length=50,
                                 description="The sector's code, e.g. `installation`")]


@router.get("/sectors", tags=["sectors"], response_model=Page[schemas.Sector])
async def list_sectors(session: SessionDep) -> Page[schemas.Sector]:
    """The codes organisations, push records and sign-ups may carry in `sectors`, by code."""
    return Page(items=[schemas.Sector.model_validate(row) for row in await sector_rules.listed(session)])


@router.put("/sectors/{code}", tags=["sectors"], response_model=schemas.Sector,
            responses={201: {"description": "Created"}, 412: {"description": "Stale If-Match"},
                       428: {"description": "A change without If-Match"}})
async def put_sector(code: SectorPath, body: schemas.SectorIn, session: SessionDep, principal: Admin,
                     response: Response, if_match: IfMatch = None) -> schemas.Sector:
    """Add a sector to the list (201) or rename it (200; a change needs `If-Match`, the same content
    again is a no-op). Codes are never removed."""
    row, created = await sector_rules.put(session, code, body, if_match)
    response.status_code = 201 if created else 200
    response.headers["ETag"] = etag(row.version)
    return schemas.Sector.model_validate(row)


# --- memberships -------------------------------------------------------------------------------

@router.get("/pacts/{pact}/members", tags=["memberships"], response_model=Page[schemas.MemberOfPact])
async def pact_members(pact: PactPath, session: SessionDep,
                       current: Annotated[bool | None, Query(description="true: not left; false: left")] = None,
                       limit: Limit = DEFAULT_PAGE_SIZE, cursor: Cursor = None) -> Page[schemas.MemberOfPact]:
    rows, next_cursor = await membership_rules.pact_members(session, pact, current=current, limit=limit, cursor=cursor)
    items = [schemas.MemberOfPact(**schemas.Membership.model_validate(m).model_dump(),
                                  organisation=schemas.Organisation.model_validate(o)) for m, o in rows]
    return Page(items=items, next_cursor=next_cursor)


@router.post("/pacts/{pact}/members", tags=["memberships"], status_code=201, response_model=schemas.Membership)
async def join_pact(pact: PactPath, body: schemas.MembershipCreate,
                    session: SessionDep, principal: Admin) -> schemas.Membership:
    return schemas.Membership.model_validate(await membership_rules.join_pact(session, pact, body, principal.subject))


@router.get("/memberships", tags=["memberships"], response_model=Page[schemas.Membership])
async def memberships(session: SessionDep, organisation_ids: OrganisationIds) -> Page[schemas.Membership]:
    found = await membership_rules.of_organisations(session, uuid_list(organisation_ids, "organisation_ids"))
    return Page(items=[schemas.Membership.model_validate(m) for m in found])


@router.post("/memberships/{membership_id}/leave", tags=["memberships"], response_model=schemas.Membership)
async def leave_pact(membership_id: uuid.UUID, body: schemas.MembershipLeave, session: SessionDep,
                     principal: Admin) -> schemas.Membership:
    membership = await membership_rules.leave_pact(session, membership_id, body, principal.subject)
    return schemas.Membership.model_validate(membership)


# --- contacts: personal data, only with contacts:read ------------------------------------------

@router.get("/organisations/{organisation_id}/contacts", tags=["contacts"], response_model=Page[schemas.Contact])
async def organisation_contacts(organisation_id: uuid.UUID, session: SessionDep,
                                principal: ContactReader) -> Page[schemas.Contact]:
    found = await contact_rules.of_organisation(session, organisation_id)
    return Page(items=[schemas.Contact.model_validate(c) for c in found])


@router.get("/contacts", tags=["contacts"], response_model=Page[schemas.Contact])
async def contacts(session: SessionDep, principal: ContactReader,
                   organisation_ids: OrganisationIds) -> Page[schemas.Contact]:
    found = await contact_rules.of_organisations(session, uuid_list(organisation_ids, "organisation_ids"))
    return Page(items=[schemas.Contact.model_validate(c) for c in found])


@router.post("/organisations/{organisation_id}/contacts", tags=["contacts"], status_code=201,
             response_model=schemas.Contact)
async def add_contact(organisation_id: uuid.UUID, body: schemas.ContactCreate, session: SessionDep,
                      principal: Admin) -> schemas.Contact:
    return schemas.Contact.model_validate(await contact_rules.add(session, organisation_id, body))


@router.delete("/contacts/{contact_id}", tags=["contacts"], status_code=204)
async def erase_contact(contact_id: uuid.UUID, session: SessionDep, principal: Admin) -> Response:
    """Erases the contact person for real: the row is deleted, not flagged."""
    await contact_rules.erase(session, contact_id)
    return Response(status_code=204)


# --- sign-ups ("Meedoen?") ---------------------------------------------------------------------

async def _rate_limited(request: Request) -> None:
    # The peer's address, or the visitor's when the peer is a proxy FORWARDED_ALLOW_IPS trusts (common.app).
    visitor = request.client.host if request.client else "unknown"
    wait = await request.app.state.signup_limiter.hit(get_database(request), visitor)
    if wait > 0:
        raise Problem(429, "Too many requests", "Too many sign-ups from your address; try again later.",
                      type="rate-limited", headers={"Retry-After": str(max(1, math.ceil(wait)))})


def _actions(request: Request) -> ActionsClient:
    return request.app.state.actions


@router.post("/pacts/{pact}/signups", tags=["sign-ups"], status_code=202, response_model=schemas.SignupAccepted,
             dependencies=[Depends(_rate_limited)],
             responses={429: {"description": "Too many sign-ups from this address (see Retry-After)"},
                        422: {"description": "Invalid fields, or no pact with this slug"}})
async def sign_up(pact: PactPath, body: schemas.SignupCreate, session: SessionDep,
                  actions: Annotated[ActionsClient, Depends(_actions)], regions: Regions) -> schemas.SignupAccepted:
    """Public: no token. A coordinator approves or rejects the request later."""
    signup = await signup_rules.create(session, actions, regions, pact, body)
    return schemas.SignupAccepted(id=signup.id, status=SignupStatus.PENDING)


@router.get("/signups", tags=["sign-ups"], response_model=Page[schemas.Signup])
async def signups(session: SessionDep, principal: Admin, status: SignupStatus | None = None,
                  limit: Limit = DEFAULT_PAGE_SIZE, cursor: Cursor = None) -> Page[schemas.Signup]:
    """The contact person's name and e-mail are personal data: null unless the token carries contacts:read."""
    rows, next_cursor = await signup_rules.page(session, status=status, limit=limit, cursor=cursor)
    return Page(items=[_signup(s, principal) for s in rows], next_cursor=next_cursor)


@router.post("/signups/{signup_id}/approve", tags=["sign-ups"], response_model=schemas.Signup)
async def approve_signup(signup_id: uuid.UUID, session: SessionDep, principal: Admin, regions: Regions,
                         body: schemas.SignupApprove | None = None) -> schemas.Signup:
    signup = await signup_rules.approve(session, regions, signup_id, body or schemas.SignupApprove(), principal.subject)
    return _signup(signup, principal)


@router.post("/signups/{signup_id}/reject", tags=["sign-ups"], response_model=schemas.Signup)
async def reject_signup(signup_id: uuid.UUID, session: SessionDep, principal: Admin,
                        body: schemas.SignupReject | None = None) -> schemas.Signup:
    signup = await signup_rules.reject(session, signup_id, body or schemas.SignupReject(), principal.subject)
    return _signup(signup, principal)


def _signup(signup: Signup, principal: Principal) -> schemas.Signup:
    body = schemas.Signup.model_validate(signup)
    if principal.has("contacts:read"):
        return body
    return body.model_copy(update={"contact_name": None, "contact_email": None})
