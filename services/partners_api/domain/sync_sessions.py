"""Sync sessions: a full sync of any size (issue 22).

A full sync in one push (`withdraw_missing=true`) holds at most 10,000 records. A session takes as
many pushes as the source needs:

1. open it (`POST /v1/sources/{source}/sync-sessions`);
2. push the records into it, in any number of pushes, each one a push as any other (upserts,
   all or nothing, idempotent per `Idempotency-Key`); the session notes the external ids;
3. close it: only then are the source's records that no push of the session held withdrawn, with
   the rule of a one-push full sync (more than `MAX_WITHDRAW_SHARE` of the source's records only
   with `confirm_withdraw=true`; refused: 422, nothing written, the session stays open).

A session nobody closes withdraws nothing: it expires `SYNC_SESSION_TTL_SECONDS` after it was opened
or last pushed into, and can then be neither pushed into nor closed (409). A session is its
source's: another source's id is not found (404). Pushes and closings take the registry's lock
first (as every push does), then the session's row, so a push into a session that is being closed
waits and then finds it closed.
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from common.problems import Problem, not_found
from services.partners_api.domain import push as push_rules
from services.partners_api.models import SyncSession
from services.partners_api.repository import sync_sessions as repository
from services.partners_api.repository.organisations import take_kvk_lock
from services.partners_api.schemas.push import PushRow


@dataclass(frozen=True)
class SessionState:
    sync: SyncSession
    status: str
    records: int


async def open_session(session: AsyncSession, source: str, who: str, lifetime: timedelta) -> SessionState:
    return SessionState(await repository.open_session(session, source, who, lifetime), "open", 0)


async def _open(session: AsyncSession, source: str, session_id: uuid.UUID) -> SyncSession:
    """The source's session, locked, if it is still open; 404 or 409 otherwise (nothing written)."""
    await take_kvk_lock(session)
    sync = await repository.find(session, source, session_id, lock=True)
    if sync is None:
        raise not_found(f"sync session of {source}", session_id)
    if sync.closed_at is not None:
        raise Problem(409, "Sync session closed", f"Sync session {session_id} was closed at "
                      f"{sync.closed_at.isoformat()}; open a new one. Nothing was written.",
                      type="sync-session-closed", closed_at=sync.closed_at.isoformat())
    if await repository.has_expired(session, sync):
        raise Problem(409, "Sync session expired", f"Sync session {session_id} expired at "
                      f"{sync.expires_at.isoformat()} and withdrew nothing; open a new one. Nothing was written.",
                      type="sync-session-expired", expires_at=sync.expires_at.isoformat())
    return sync


async def state(session: AsyncSession, source: str, session_id: uuid.UUID) -> SessionState:
    sync = await repository.find(session, source, session_id)
    if sync is None:
        raise not_found(f"sync session of {source}", session_id)
    if sync.closed_at is not None:
        return SessionState(sync, "closed", sync.records or 0)
    status = "expired" if await repository.has_expired(session, sync) else "open"
    return SessionState(sync, status, await repository.records_pushed(session, sync.id))


async def push(session: AsyncSession, *, source: str, session_id: uuid.UUID, records: Sequence[PushRow], who: str,
               lifetime: timedelta) -> push_rules.PushOutcome:
    """A push into the session: the records are upserted as by any push, and noted for its close."""
    await push_rules.stage(session, records)
    sync = await _open(session, source, session_id)
    outcome = await push_rules.push_staged(session, source=source, records=records, who=who, full_sync=None)
    await repository.note_pushed(session, sync, lifetime)
    return outcome


async def close(session: AsyncSession, *, source: str, session_id: uuid.UUID, who: str,
                full_sync: push_rules.FullSync) -> tuple[SessionState, push_rules.PushOutcome]:
    """Withdraw the source's records no push of the session held, then close it."""
    sync = await _open(session, source, session_id)
    await push_rules.refuse_mass_withdrawal(session, source, full_sync, sync.id)
    outcome = push_rules.PushOutcome()
    push_rules.count_withdrawn(outcome, await push_rules.end_missing_claims(session, source, who, sync.id))
    sync = await repository.close(session, sync, who, outcome.counts[push_rules.RecordOutcome.WITHDRAWN])
    return SessionState(sync, "closed", sync.records or 0), outcome
