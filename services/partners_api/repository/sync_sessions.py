"""Sync sessions' SQL: the sessions themselves through the ORM (a few rows), the external ids pushed
into them set-based from the push's staging table, on the asyncpg connection under the session."""

import uuid
from datetime import timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from common.database import driver_connection
from services.partners_api.models import SyncSession, SyncSessionRecord

# The push's staging table (repository/push.py) holds each record's external id once.
_NOTE_PUSHED = """
INSERT INTO sync_session_records (session_id, external_id)
SELECT $1::uuid, external_id FROM push_records
ON CONFLICT DO NOTHING
"""
# Sessions that expired leave their noted ids behind until someone opens a session; a bounded number each time.
_PURGE_EXPIRED = """
DELETE FROM sync_session_records r
 USING (SELECT id FROM sync_sessions WHERE closed_at IS NULL AND expires_at < now() LIMIT 100) ended
 WHERE r.session_id = ended.id
"""


async def open_session(session: AsyncSession, source: str, who: str, lifetime: timedelta) -> SyncSession:
    await (await driver_connection(session)).execute(_PURGE_EXPIRED)
    sync = SyncSession(source=source, opened_by=who, expires_at=func.now() + lifetime, pushes=0)
    session.add(sync)
    await session.flush()
    await session.refresh(sync)
    return sync


async def find(session: AsyncSession, source: str, session_id: uuid.UUID, *, lock: bool = False) -> SyncSession | None:
    """The source's session with this id (another source's is not found), locked for the transaction if asked."""
    query = select(SyncSession).where(SyncSession.id == session_id, SyncSession.source == source)
    if lock:
        query = query.with_for_update()
    return (await session.execute(query.execution_options(populate_existing=True))).scalar_one_or_none()


async def has_expired(session: AsyncSession, sync: SyncSession) -> bool:
    return bool(await session.scalar(select(SyncSession.expires_at < func.now()).where(SyncSession.id == sync.id)))


async def note_pushed(session: AsyncSession, sync: SyncSession, lifetime: timedelta) -> None:
    """The external ids this push staged belong to the session; a push keeps it alive `lifetime` longer."""
    await (await driver_connection(session)).execute(_NOTE_PUSHED, sync.id)
    await session.execute(update(SyncSession).where(SyncSession.id == sync.id).values(
        pushes=SyncSession.pushes + 1, expires_at=func.now() + lifetime))


async def records_pushed(session: AsyncSession, session_id: uuid.UUID) -> int:
    return int(await session.scalar(
        select(func.count()).select_from(SyncSessionRecord).where(SyncSessionRecord.session_id == session_id)) or 0)


async def close(session: AsyncSession, sync: SyncSession, who: str, withdrawn: int) -> SyncSession:
    """Closed, with its counts; the external ids noted for it are deleted."""
    records = await records_pushed(session, sync.id)
    await session.execute(update(SyncSession).where(SyncSession.id == sync.id).values(
        closed_at=func.now(), closed_by=who, records=records, withdrawn=withdrawn))
    await session.execute(delete(SyncSessionRecord).where(SyncSessionRecord.session_id == sync.id))
    await session.refresh(sync)
    return sync
