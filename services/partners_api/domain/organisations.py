"""Organisations by hand: one row however many systems push it, every change kept in its history.

What a coordinator sends by hand (creating or changing an organisation) is what they vouch for:
those fields are locked, and the sources' records no longer decide them (domain/survivorship.py).
Reads and writes by the id of a merged duplicate reach its survivor.
"""

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from common.problems import Problem, conflict, field_error, invalid, not_found
from services.partners_api.domain import ORGANISATION_FIELDS, OrganisationKind, municipalities, sectors, survivorship
from services.partners_api.models import Organisation, OrganisationChange, SourceRecord
from services.partners_api.repository import organisations as repository
from services.partners_api.schemas.organisations import Organisation as OrganisationOut
from services.partners_api.schemas.organisations import OrganisationCreate, OrganisationPatch

REQUIRED_FIELDS = ("name", "kind", "sectors", "active")


def _plain(value: Any) -> Any:
    """JSON-ready for the history: arrays as lists, kinds as their codes."""
    if isinstance(value, list | tuple):
        return list(value)
    return str(value) if isinstance(value, OrganisationKind) else value


def snapshot(organisation: Organisation) -> dict[str, Any]:
    return {field: _plain(getattr(organisation, field)) for field in ORGANISATION_FIELDS}


async def get(session: AsyncSession, organisation_id: uuid.UUID, *, for_update: bool = False) -> Organisation:
    organisation = await repository.organisation(session, organisation_id, for_update=for_update)
    if organisation is None:
        raise not_found("organisation", organisation_id)
    return organisation


async def existing(session: AsyncSession, organisation_id: uuid.UUID, field: str) -> Organisation:
    """The organisation a request body names; 422 on that field when there is none."""
    organisation = await repository.organisation(session, organisation_id)
    if organisation is None:
        raise invalid([field_error(field, f"No organisation {organisation_id}.")])
    return organisation


async def page(
    session: AsyncSession, *, kind: str | None, sector: str | None, municipality: str | None, pact: str | None,
    active: bool | None, search: str | None, limit: int, cursor: str | None,
) -> tuple[list[Organisation], str | None]:
    if kind is not None and kind not in set(OrganisationKind):
        raise invalid([field_error("kind", f"One of: {', '.join(OrganisationKind)}.", **{"in": "query"})])
    return await repository.organisations_page(
        session, kind=kind, sector=None if sector is None else sector.strip().lower(),
        municipality_code=None if municipality is None else municipality.strip().upper(),
        member_of=pact, active=active, name_part=search.strip() if search else None, limit=limit, cursor=cursor)


async def by_ids(session: AsyncSession, ids: list[uuid.UUID]) -> list[OrganisationOut]:
    """The organisations of these ids; a merged duplicate's id answers with its survivor, `redirected_from` it.

    Built from the rows as they are (the columns hold the declared types, the kind one of the
    vocabulary's by the table's CHECK), not validated again."""
    answers = []
    for asked_for, row in await repository.answered_by_ids(session, ids):
        values = {name: row[name] for name in repository.ANSWERED_COLUMNS}
        values["kind"] = OrganisationKind(values["kind"])
        values["redirected_from"] = None if asked_for == row["id"] else asked_for
        answers.append(OrganisationOut.model_construct(**values))
    return answers


async def _refuse_taken_kvk(session: AsyncSession, kvk_number: str | None, own_id: uuid.UUID | None = None) -> None:
    if kvk_number is None:
        return
    await repository.take_kvk_lock(session)
    holder = await repository.organisation_with_kvk_number(session, kvk_number)
    if holder is not None and holder.id != own_id:
        raise conflict(f"KvK number {kvk_number} belongs to organisation {holder.id} already.",
                       field="kvk_number", organisation_id=str(holder.id))


def _kvk_taken_meanwhile(kvk_number: str | None) -> Problem:
    return conflict(f"KvK number {kvk_number} belongs to another organisation already.", field="kvk_number")


async def create(session: AsyncSession, registry: municipalities.RegistrySource, body: OrganisationCreate,
                 who: str) -> Organisation:
    """A new organisation; the fields the body sets are locked (an approved sign-up's too)."""
    await sectors.check(session, body.sectors)
    await municipalities.check(registry, body.municipality_code)
    await _refuse_taken_kvk(session, body.kvk_number)
    sent = body.model_fields_set & set(ORGANISATION_FIELDS)
    organisation = Organisation(id=uuid.uuid4(), locked_fields=_locked(sent), **body.model_dump())
    if not await repository.add_organisation(session, organisation):
        raise _kvk_taken_meanwhile(body.kvk_number)
    repository.record_change(session, organisation.id, who, "created", new=snapshot(organisation))
    await repository.save_organisation(session, organisation)
    return organisation


def _locked(fields: set[str]) -> list[str]:
    return sorted(fields, key=ORGANISATION_FIELDS.index)


async def update(session: AsyncSession, registry: municipalities.RegistrySource, organisation: Organisation,
                 patch: OrganisationPatch, who: str) -> Organisation:
    sent = patch.model_fields_set - {"locked_fields"}
    nulls = [field for field in sent if field in REQUIRED_FIELDS and getattr(patch, field) is None]
    if nulls:
        raise invalid([field_error(field, "Must not be null.") for field in sorted(nulls)])
    if "sectors" in sent:
        await sectors.check(session, patch.sectors)
    if "municipality_code" in sent and patch.municipality_code != organisation.municipality_code:
        await municipalities.check(registry, patch.municipality_code)
    if "kvk_number" in sent:
        await _refuse_taken_kvk(session, patch.kvk_number, organisation.id)

    changed = False
    for field in ORGANISATION_FIELDS:
        if field not in sent:
            continue
        old, new = getattr(organisation, field), getattr(patch, field)
        if old != new:
            repository.record_change(session, organisation.id, who, "updated", field=field,
                                     old=_plain(old), new=_plain(new))
            setattr(organisation, field, new)
            changed = True

    # What a coordinator sends by hand is what they vouch for: pushes must not overwrite it.
    before_locked = list(organisation.locked_fields)
    base = set(patch.locked_fields) if patch.locked_fields is not None else set(organisation.locked_fields)
    locked = _locked(base | sent)
    if locked != list(organisation.locked_fields):
        repository.record_change(session, organisation.id, who, "locked", field="locked_fields",
                                 old=list(organisation.locked_fields), new=locked)
        organisation.locked_fields = locked
        changed = True

    if changed and not await repository.save_organisation(session, organisation):
        raise _kvk_taken_meanwhile(patch.kvk_number)
    if set(locked) < set(before_locked):
        # Unlocked fields go back to what the sources hold.
        await survivorship.merge_again(session, [organisation.id], who, None, "unlocked")
        await repository.refresh(session, organisation)
    return organisation


async def archive(session: AsyncSession, organisation: Organisation, who: str) -> Organisation:
    """Inactive, and locked so: a push that still lists it as active does not bring it back."""
    locked = _locked(set(organisation.locked_fields) | {"active"})
    if organisation.active or list(organisation.locked_fields) != locked:
        if organisation.active:
            repository.record_change(session, organisation.id, who, "archived", field="active", old=True, new=False)
        organisation.active = False
        organisation.locked_fields = locked
        await repository.save_organisation(session, organisation)
    return organisation


async def history(session: AsyncSession, organisation_id: uuid.UUID, *, limit: int,
                  cursor: str | None) -> tuple[list[OrganisationChange], str | None]:
    organisation = await get(session, organisation_id)
    return await repository.changes_page(session, organisation.id, limit=limit, cursor=cursor)


async def sources(session: AsyncSession, organisation_id: uuid.UUID) -> list[SourceRecord]:
    organisation = await get(session, organisation_id)
    return await repository.source_records_of(session, organisation.id)
