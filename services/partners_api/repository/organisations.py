"""Organisations, their history and their source records; reads by id follow a merge to the survivor."""

import uuid
from typing import Any

from sqlalchemy import RowMapping, bindparam, exists, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from common.database import advisory_xact_lock
from common.pagination import Keyset, page_of
from services.partners_api.models import Membership, Organisation, OrganisationChange, SourceRecord

# Pushes, and coordinators' writes to an organisation, take this one lock, so that neither can give
# a KvK number away between the other's check and its commit, nor deadlock on the rows.
KVK_LOCK = "partners:push"
_KVK_INDEX = "uq_organisations_kvk_number"

_BY_NAME = Keyset(Organisation.name, Organisation.id)
_CHANGES_IN_ORDER = Keyset(OrganisationChange.id)


async def take_kvk_lock(session: AsyncSession) -> None:
    await advisory_xact_lock(session, KVK_LOCK)


async def organisation(session: AsyncSession, organisation_id: uuid.UUID, *,
                       for_update: bool = False) -> Organisation | None:
    """The organisation, or the survivor it was merged into (merges keep redirects one step deep).

    `for_update` takes the registry's lock first, as pushes do, so that a coordinator's edit (which
    may merge the organisation again from its records) and a push always lock in the same order."""
    if for_update:
        await take_kvk_lock(session)
    found = await _one(session, organisation_id, for_update)
    if found is not None and found.merged_into is not None:
        return await _one(session, found.merged_into, for_update)
    return found


async def _one(session: AsyncSession, organisation_id: uuid.UUID, for_update: bool) -> Organisation | None:
    statement = select(Organisation).where(Organisation.id == organisation_id)
    if for_update:
        statement = statement.with_for_update()
    return await session.scalar(statement)


async def flush(session: AsyncSession) -> None:
    await session.flush()


async def refresh(session: AsyncSession, organisation: Organisation) -> None:
    """Reload a row that set-based SQL changed under the ORM."""
    await session.refresh(organisation)


def _escape_like(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def organisations_page(
    session: AsyncSession, *, kind: str | None, sector: str | None, municipality_code: str | None,
    member_of: str | None, active: bool | None, name_part: str | None, limit: int, cursor: str | None,
) -> tuple[list[Organisation], str | None]:
    statement = select(Organisation).where(Organisation.merged_into.is_(None))
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


# The answer's columns, by id: a Core statement built once (rows, not ORM objects, for the
# gateway's fetch-many of a dashboard's organisations), its ids an expanding parameter.
ANSWERED_COLUMNS = ("id", "name", "kind", "sectors", "kvk_number", "brin_code", "oin", "municipality_code",
                     "website", "email", "active", "locked_fields", "version", "created_at", "updated_at")
_ANSWERED_BY_IDS = select(*(Organisation.__table__.c[name] for name in ANSWERED_COLUMNS),
                          Organisation.merged_into).where(Organisation.id.in_(bindparam("ids", expanding=True)))


async def answered_by_ids(session: AsyncSession, ids: list[uuid.UUID]) -> list[tuple[uuid.UUID, RowMapping]]:
    """(asked id, the answer's columns) for each id known: a merged id answers with its survivor."""
    if not ids:
        return []
    found = (await session.execute(_ANSWERED_BY_IDS, {"ids": ids})).mappings().all()
    survivors = {row["id"]: row for row in found if row["merged_into"] is None}
    missing = list({row["merged_into"] for row in found if row["merged_into"] is not None} - survivors.keys())
    if missing:
        survivors.update({row["id"]: row for row in
                          (await session.execute(_ANSWERED_BY_IDS, {"ids": missing})).mappings()})
    return [(row["id"], survivors[row["merged_into"]] if row["merged_into"] is not None else row) for row in found]


async def organisation_with_kvk_number(session: AsyncSession, kvk_number: str) -> Organisation | None:
    """The organisation that serves the KvK number, or the survivor of the merged duplicate that has it."""
    found = await session.scalar(select(Organisation).where(Organisation.kvk_number == kvk_number))
    if found is not None and found.merged_into is not None:
        return await _one(session, found.merged_into, False)
    return found


async def sources_holding(session: AsyncSession, organisation_id: uuid.UUID) -> list[str]:
    """The sources whose records (not withdrawn) hold the organisation."""
    return list((await session.scalars(
        select(SourceRecord.source).distinct()
        .where(SourceRecord.organisation_id == organisation_id, SourceRecord.withdrawn_at.is_(None))
        .order_by(SourceRecord.source))).all())


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
    """The organisation's history, with that of the duplicates merged into it."""
    merged = select(Organisation.id).where(Organisation.merged_into == organisation_id)
    statement = select(OrganisationChange).where(or_(OrganisationChange.organisation_id == organisation_id,
                                                     OrganisationChange.organisation_id.in_(merged)))
    rows = (await session.scalars(_CHANGES_IN_ORDER.paged(statement, cursor, limit))).all()
    return page_of(rows, limit, key=lambda row: [row.id])


async def source_records_of(session: AsyncSession, organisation_id: uuid.UUID, *,
                            refresh: bool = False) -> list[SourceRecord]:
    """In order of precedence; `refresh` after set-based SQL changed them under the ORM."""
    statement = (select(SourceRecord).where(SourceRecord.organisation_id == organisation_id)
                 .order_by(SourceRecord.precedence, SourceRecord.id))
    if refresh:
        statement = statement.execution_options(populate_existing=True)
    return list((await session.scalars(statement)).all())
