"""The municipal push and sync sessions: bulk writes of one source, once per Idempotency-Key."""

import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Header, Query, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from common.auth import require_source
from common.database import SessionDep
from common.idempotency import IdempotencyKeys, fingerprint, validate_key
from common.observability import count_batch
from services.partners_api import models
from services.partners_api.domain import push as push_rules
from services.partners_api.domain import sync_sessions as sync_rules
from services.partners_api.routes.dependencies import Pusher, Regions, SourcePath
from services.partners_api.schemas.push import (
    MAX_PUSH_RECORDS,
    PushAnswer,
    PushRecord,
    SyncSessionClosed,
    SyncSessionState,
)

router = APIRouter()

IDEMPOTENCY_KEYS = IdempotencyKeys(models.idempotency_keys)


# The body is read raw (its bytes are the idempotency fingerprint, and errors must carry the record
# index), so its schema is declared here, inline, for the OpenAPI document. Its enums refer to the
# document's components (the organisation bodies put them there): an inline `$defs` would not resolve.
_PUSH_RECORD = PushRecord.model_json_schema(ref_template="#/components/schemas/{model}")
_PUSH_RECORD.pop("$defs", None)
_PUSH_BODY = {"requestBody": {"required": True, "content": {"application/json": {"schema": {
    "type": "object", "additionalProperties": False, "required": ["records"],
    "properties": {"records": {"type": "array", "maxItems": MAX_PUSH_RECORDS, "items": _PUSH_RECORD}}}}}}}


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
    claim = await IDEMPOTENCY_KEYS.claim(session, scope=f"push:{source}", key=key) if key is not None else None
    request_fingerprint = fingerprint(source, *parts, body)
    if claim is not None and (stored := claim.replay(request_fingerprint)) is not None:
        return Response(stored.content, status_code=stored.status_code, media_type="application/json",
                        headers={"Idempotent-Replayed": "true"})
    # Encoded once: the same bytes are stored for a retry and sent now.
    content = orjson.dumps(await answer_for(body))
    if claim is not None:
        await claim.remember(session, request_fingerprint, 200, content)
    return Response(content, media_type="application/json")


def _full_sync(request: Request, confirm_withdraw: bool) -> push_rules.FullSync:
    return push_rules.FullSync(confirm_withdraw, request.app.state.settings.max_withdraw_share)


def _session_lifetime(request: Request) -> timedelta:
    return timedelta(seconds=request.app.state.settings.sync_session_ttl_seconds)


@router.put("/sources/{source}/organisations", tags=["push"], response_model=PushAnswer,
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


def _sync_session(state: sync_rules.SessionState) -> SyncSessionState:
    sync = state.sync
    return SyncSessionState(
        id=sync.id, source=sync.source, status=state.status, opened_by=sync.opened_by, opened_at=sync.opened_at,
        expires_at=sync.expires_at, pushes=sync.pushes, records=state.records, closed_at=sync.closed_at,
        closed_by=sync.closed_by, withdrawn=sync.withdrawn)


_SESSION_RESPONSES: dict[int | str, dict[str, Any]] = {
    403: {"description": "The token may not write for this source"},
    404: {"description": "No sync session of this source has this id"},
    409: {"description": "The session is closed or expired (nothing written), or the Idempotency-Key is in use"}}


@router.post("/sources/{source}/sync-sessions", tags=["push"], status_code=201,
             response_model=SyncSessionState, responses={403: _SESSION_RESPONSES[403]})
async def open_sync_session(source: SourcePath, request: Request, session: SessionDep,
                            principal: Pusher) -> SyncSessionState:
    """Open a full sync of any size: push the records into it in as many pushes as needed, then close it."""
    require_source(principal, source)
    return _sync_session(await sync_rules.open_session(session, source, principal.subject,
                                                       _session_lifetime(request)))


@router.get("/sources/{source}/sync-sessions/{session_id}", tags=["push"], response_model=SyncSessionState,
            responses={403: _SESSION_RESPONSES[403], 404: _SESSION_RESPONSES[404]})
async def sync_session_state(source: SourcePath, session_id: uuid.UUID, session: SessionDep,
                             principal: Pusher) -> SyncSessionState:
    require_source(principal, source)
    return _sync_session(await sync_rules.state(session, source, session_id))


@router.put("/sources/{source}/sync-sessions/{session_id}/organisations", tags=["push"],
            response_model=PushAnswer, openapi_extra=_PUSH_BODY,
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
             response_model=SyncSessionClosed,
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


