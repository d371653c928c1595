"""Organisations, their history and their source records."""

import uuid
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from common.database import advisory_xact_lock
from common.pagination import Keyset, page_of
from services.partners_api.models import Membership, Organisation, OrganisationChange, SourceRecord

# Pushes and single-record writes that set a KvK number take this one lock, so that neither can
# give a KvK number away between the other's check and its commit.
KVK_LOCK = "partners:push"
_KVK_INDEX = "uq_organisations_kvk_number"

_BY_NAME = Keyset(Organisation.name, Organisation.id)
_CHANGES_IN_ORDER = Keyset(OrganisationChange.id)


async def take_kvk_lock(session: AsyncSession) -> None:
    await advisory_xact_lock(session, KVK_LOCK)


async def organisation(session: AsyncSession, organisation_id: uuid.UUID, *,
                       for_update: bool = False) -> Organisation | None:
    statement = select(Organisation).where(Organisation.id == organisation_id)
    if for_update:
        statement = statement.with_for_update()
    return await session.scalar(statement)


def _escape_like(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def organisations_page(
    session: AsyncSession, *, kind: str | None, sector: str | None, municipality_code: str | None,
    member_of: str | None, active: bool | None, name_part: str | None, limit: int, cursor: str | None,
) -> tuple[list[Organisation], str | None]:
    statement = select(Organisation)
    if kind is not None:
        statement = statement.where(Organisation.kind == kind)
    if sector is not None:
        statement = statement.where(Organisation.sectors.contains([sector]))
    if municipality_code is not None:
        statement = statement.where(Organisation.municipality_code == municipality_code)
    if member_of is not None:
        statement = statement.where(exists().where(
            Membership.organisation_id == Organisation.id, Membership.pact == member_of, Membership.left_on.is_(None)))
    if active is not None:
        statement = statement.where(Organisation.active.is_(active))
    if name_part:
        statement = statement.where(Organisation.name.ilike(f"%{_escape_like(name_part)}%", escape="\\"))
    rows = (await session.scalars(_BY_NAME.paged(statement, cursor, limit))).all()
    return page_of(rows, limit, key=lambda row: [row.name, row.id])


async def organisations_by_ids(session: AsyncSession, ids: list[uuid.UUID]) -> list[Organisation]:
    if not ids:
        return []
    return list((await session.scalars(select(Organisation).where(Organisation.id.in_(ids)))).all())


async def organisation_with_kvk_number(session: AsyncSession, kvk_number: str) -> Organisation | None:
    return await session.scalar(select(Organisation).where(Organisation.kvk_number == kvk_number))


async def add_organisation(session: AsyncSession, organisation: Organisation) -> bool:
    """Insert it; False when a concurrent writer took its KvK number after our check."""
    session.add(organisation)
    return await _flush_unless_kvk_taken(session)


async def save_organisation(session: AsyncSession, organisation: Organisation) -> bool:
    """Flush what changed (SQLAlchemy raises the version) and reload it; False as add_organisation."""
    if not await _flush_unless_kvk_taken(session):
        return False
    await session.refresh(organisation)
    return True


async def _flush_unless_kvk_taken(session: AsyncSession) -> bool:
    try:
        await session.flush()
    except IntegrityError as exc:
        if _KVK_INDEX in str(exc.orig):
            return False
        raise
    return True


def record_change(session: AsyncSession, organisation_id: uuid.UUID, who: str, action: str, *,
                  field: str | None = None, old: Any = None, new: Any = None) -> None:
    session.add(OrganisationChange(organisation_id=organisation_id, changed_by=who, action=action,
                                   field=field, old_value=old, new_value=new))


async def changes_page(session: AsyncSession, organisation_id: uuid.UUID, *, limit: int,
                       cursor: str | None) -> tuple[list[OrganisationChange], str | None]:
    statement = select(OrganisationChange).where(OrganisationChange.organisation_id == organisation_id)
    rows = (await session.scalars(_CHANGES_IN_ORDER.paged(statement, cursor, limit))).all()
    return page_of(rows, limit, key=lambda row: [row.id])


async def source_records_of(session: AsyncSession, organisation_id: uuid.UUID) -> list[SourceRecord]:
    return list((await session.scalars(select(SourceRecord).where(SourceRecord.organisation_id == organisation_id)
                                       .order_by(SourceRecord.source, SourceRecord.external_id))).all())
