"""The registry's rules for single records: organisations, history, memberships, contacts, sign-ups.

Functions here only flush; the request's session commits once (common/database.py). The bulk
municipal push lives in push.py: it works set-based in SQL, not record by record.
"""

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, exists, func, select, text, tuple_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from common.pagination import decode_cursor, encode_cursor
from common.problems import conflict, field_error, invalid, not_found
from services.partners_api import schemas
from services.partners_api.models import (
    KINDS,
    ORGANISATION_FIELDS,
    Contact,
    Membership,
    Organisation,
    OrganisationChange,
    Signup,
    SourceRecord,
)
from services.partners_api.push import PUSH_LOCK

REQUIRED_FIELDS = ("name", "kind", "sectors", "active")


def snapshot(organisation: Organisation) -> dict[str, Any]:
    return {field: getattr(organisation, field) for field in ORGANISATION_FIELDS}


def _record(session: AsyncSession, organisation_id: uuid.UUID, who: str, action: str, *,
            field: str | None = None, old: Any = None, new: Any = None) -> None:
    session.add(OrganisationChange(organisation_id=organisation_id, changed_by=who, action=action,
                                   field=field, old_value=old, new_value=new))


# --- organisations -----------------------------------------------------------------------------

async def get_organisation(session: AsyncSession, organisation_id: uuid.UUID, *, for_update: bool = False) -> Organisation:
    statement = select(Organisation).where(Organisation.id == organisation_id)
    if for_update:
        statement = statement.with_for_update()
    organisation = await session.scalar(statement)
    if organisation is None:
        raise not_found("organisation", organisation_id)
    return organisation


def _escape_like(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def list_organisations(
    session: AsyncSession, *, kind: str | None, sector: str | None, municipality: str | None, pact: str | None,
    active: bool | None, search: str | None, limit: int, cursor: str | None,
) -> tuple[list[Organisation], str | None]:
    if kind is not None and kind not in KINDS:
        raise invalid([field_error("kind", f"One of: {', '.join(KINDS)}.", **{"in": "query"})])
    statement = select(Organisation)
    if kind is not None:
        statement = statement.where(Organisation.kind == kind)
    if sector is not None:
        statement = statement.where(Organisation.sectors.contains([sector.strip().lower()]))
    if municipality is not None:
        statement = statement.where(Organisation.municipality_code == municipality.strip().upper())
    if pact is not None:
        statement = statement.where(exists().where(
            Membership.organisation_id == Organisation.id, Membership.pact == pact, Membership.left_on.is_(None)))
    if active is not None:
        statement = statement.where(Organisation.active.is_(active))
    if search:
        statement = statement.where(Organisation.name.ilike(f"%{_escape_like(search.strip())}%", escape="\\"))
    after = decode_cursor(cursor, 2)
    if after is not None:
        statement = statement.where(tuple_(Organisation.name, Organisation.id) > (after[0], _cursor_uuid(after[1])))
    rows = list((await session.scalars(statement.order_by(Organisation.name, Organisation.id).limit(limit + 1))).all())
    next_cursor = encode_cursor([rows[limit - 1].name, rows[limit - 1].id]) if len(rows) > limit else None
    return rows[:limit], next_cursor


def _cursor_uuid(value: Any) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise invalid([field_error("cursor", "Not a cursor this list gave out.", **{"in": "query"})]) from None


def parse_ids(raw: str, parameter: str = "ids") -> list[uuid.UUID]:
    parts = [part.strip() for part in raw.split(",") if part.strip()]
    if len(parts) > schemas.MAX_IDS:
        raise invalid([field_error(parameter, f"At most {schemas.MAX_IDS} ids per call.", **{"in": "query"})])
    ids = []
    for part in parts:
        try:
            ids.append(uuid.UUID(part))
        except ValueError:
            raise invalid([field_error(parameter, f"'{part}' is not a UUID.", **{"in": "query"})]) from None
    return ids


async def organisations_by_ids(session: AsyncSession, ids: list[uuid.UUID]) -> list[Organisation]:
    if not ids:
        return []
    return list((await session.scalars(select(Organisation).where(Organisation.id.in_(ids)))).all())


async def _refuse_taken_kvk(session: AsyncSession, kvk_number: str | None, own_id: uuid.UUID | None = None) -> None:
    if kvk_number is None:
        return
    # The lock pushes take: a push cannot give this KvK number away between our check and our commit.
    await session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:lock))"), {"lock": PUSH_LOCK})
    holder = await session.scalar(select(Organisation.id).where(Organisation.kvk_number == kvk_number))
    if holder is not None and holder != own_id:
        raise conflict(f"KvK number {kvk_number} belongs to organisation {holder} already.",
                       field="kvk_number", organisation_id=str(holder))


async def create_organisation(session: AsyncSession, body: schemas.OrganisationCreate, who: str) -> Organisation:
    await _refuse_taken_kvk(session, body.kvk_number)
    organisation = Organisation(id=uuid.uuid4(), locked_fields=[], version=1, **body.model_dump())
    session.add(organisation)
    await _flush_guarding_kvk(session, body.kvk_number)
    _record(session, organisation.id, who, "created", new=_jsonable(snapshot(organisation)))
    await session.flush()
    await session.refresh(organisation)
    return organisation


async def _flush_guarding_kvk(session: AsyncSession, kvk_number: str | None) -> None:
    """A concurrent writer may take the KvK number between our check and our flush."""
    try:
        await session.flush()
    except IntegrityError as exc:
        if "uq_organisations_kvk_number" in str(exc.orig):
            raise conflict(f"KvK number {kvk_number} belongs to another organisation already.",
                           field="kvk_number") from None
        raise


def _jsonable(values: dict[str, Any]) -> dict[str, Any]:
    return {key: (list(value) if isinstance(value, (list, tuple)) else value) for key, value in values.items()}


async def update_organisation(session: AsyncSession, organisation: Organisation, patch: schemas.OrganisationPatch,
                              who: str) -> Organisation:
    sent = patch.model_fields_set - {"locked_fields"}
    nulls = [field for field in sent if field in REQUIRED_FIELDS and getattr(patch, field) is None]
    if nulls:
        raise invalid([field_error(field, "Must not be null.") for field in sorted(nulls)])
    if "kvk_number" in sent:
        await _refuse_taken_kvk(session, patch.kvk_number, organisation.id)

    changed = False
    for field in ORGANISATION_FIELDS:
        if field not in sent:
            continue
        old, new = getattr(organisation, field), getattr(patch, field)
        if old != new:
            _record(session, organisation.id, who, "updated", field=field, old=_plain(old), new=_plain(new))
            setattr(organisation, field, new)
            changed = True

    # What a coordinator sends by hand is what they vouch for: pushes must not overwrite it.
    base = set(patch.locked_fields) if patch.locked_fields is not None else set(organisation.locked_fields)
    locked = sorted(base | sent, key=ORGANISATION_FIELDS.index)
    if locked != list(organisation.locked_fields):
        _record(session, organisation.id, who, "locked", field="locked_fields",
                old=list(organisation.locked_fields), new=locked)
        organisation.locked_fields = locked
        changed = True

    if changed:
        organisation.version += 1
        organisation.updated_at = func.now()
        await _flush_guarding_kvk(session, patch.kvk_number)
        await session.refresh(organisation)
    return organisation


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, (list, tuple)) else value


async def archive_organisation(session: AsyncSession, organisation: Organisation, who: str) -> Organisation:
    """Inactive, and locked so: a push that still lists it as active does not bring it back."""
    locked = sorted(set(organisation.locked_fields) | {"active"}, key=ORGANISATION_FIELDS.index)
    if organisation.active or list(organisation.locked_fields) != locked:
        if organisation.active:
            _record(session, organisation.id, who, "archived", field="active", old=True, new=False)
        organisation.active = False
        organisation.locked_fields = locked
        organisation.version += 1
        organisation.updated_at = func.now()
        await session.flush()
        await session.refresh(organisation)
    return organisation


async def history(session: AsyncSession, organisation_id: uuid.UUID, *, limit: int,
                  cursor: str | None) -> tuple[list[schemas.Change], str | None]:
    await get_organisation(session, organisation_id)
    statement = select(OrganisationChange).where(OrganisationChange.organisation_id == organisation_id)
    after = decode_cursor(cursor, 1)
    if after is not None:
        if not isinstance(after[0], int):
            raise invalid([field_error("cursor", "Not a cursor this list gave out.", **{"in": "query"})])
        statement = statement.where(OrganisationChange.id > after[0])
    rows = list((await session.scalars(statement.order_by(OrganisationChange.id).limit(limit + 1))).all())
    next_cursor = encode_cursor([rows[limit - 1].id]) if len(rows) > limit else None
    changes = [
        schemas.Change(id=row.id, organisation_id=row.organisation_id, changed_at=row.changed_at,
                       changed_by=row.changed_by, source=row.source, action=row.action, field=row.field,
                       old=row.old_value, new=row.new_value)
        for row in rows[:limit]
    ]
    return changes, next_cursor


async def sources_of(session: AsyncSession, organisation_id: uuid.UUID) -> list[SourceRecord]:
    await get_organisation(session, organisation_id)
    return list((await session.scalars(select(SourceRecord).where(SourceRecord.organisation_id == organisation_id)
                                       .order_by(SourceRecord.source, SourceRecord.external_id))).all())


# --- memberships -------------------------------------------------------------------------------

async def pact_members(session: AsyncSession, pact: str, *, current: bool | None, limit: int,
                       cursor: str | None) -> tuple[list[tuple[Membership, Organisation]], str | None]:
    statement = (select(Membership, Organisation).join(Organisation, Organisation.id == Membership.organisation_id)
                 .where(Membership.pact == pact))
    if current is True:
        statement = statement.where(Membership.left_on.is_(None))
    elif current is False:
        statement = statement.where(Membership.left_on.is_not(None))
    after = decode_cursor(cursor, 2)
    if after is not None:
        try:
            joined = date.fromisoformat(str(after[0]))
        except ValueError:
            raise invalid([field_error("cursor", "Not a cursor this list gave out.", **{"in": "query"})]) from None
        statement = statement.where(tuple_(Membership.joined_on, Membership.id) > (joined, _cursor_uuid(after[1])))
    rows = [tuple(row) for row in (await session.execute(
        statement.order_by(Membership.joined_on, Membership.id).limit(limit + 1))).all()]
    next_cursor = None
    if len(rows) > limit:
        last = rows[limit - 1][0]
        next_cursor = encode_cursor([last.joined_on.isoformat(), last.id])
    return rows[:limit], next_cursor


async def memberships_of(session: AsyncSession, organisation_ids: list[uuid.UUID]) -> list[Membership]:
    if not organisation_ids:
        return []
    return list((await session.scalars(
        select(Membership).where(Membership.organisation_id.in_(organisation_ids))
        .order_by(Membership.organisation_id, Membership.joined_on, Membership.id))).all())


async def join_pact(session: AsyncSession, pact: str, body: schemas.MembershipCreate, who: str) -> Membership:
    organisation = await session.scalar(select(Organisation).where(Organisation.id == body.organisation_id))
    if organisation is None:
        raise invalid([field_error("organisation_id", f"No organisation {body.organisation_id}.")])
    return await _join(session, organisation.id, pact, body.joined_on, who)


async def _join(session: AsyncSession, organisation_id: uuid.UUID, pact: str, joined_on: date, who: str) -> Membership:
    current = await session.scalar(select(Membership).where(
        Membership.organisation_id == organisation_id, Membership.pact == pact, Membership.left_on.is_(None)))
    if current is not None:
        raise conflict(f"The organisation is a member of '{pact}' already (since {current.joined_on}).",
                       membership_id=str(current.id))
    membership = Membership(id=uuid.uuid4(), organisation_id=organisation_id, pact=pact, joined_on=joined_on)
    session.add(membership)
    _record(session, organisation_id, who, "joined", field="memberships", new={"pact": pact, "joined_on": joined_on.isoformat()})
    await session.flush()
    return membership


async def leave_pact(session: AsyncSession, membership_id: uuid.UUID, body: schemas.MembershipLeave, who: str) -> Membership:
    membership = await session.scalar(select(Membership).where(Membership.id == membership_id).with_for_update())
    if membership is None:
        raise not_found("membership", membership_id)
    if membership.left_on is not None:
        raise conflict(f"The membership ended on {membership.left_on} already.")
    if body.left_on < membership.joined_on:
        raise invalid([field_error("left_on", f"Must not be before joined_on ({membership.joined_on}).")])
    membership.left_on = body.left_on
    _record(session, membership.organisation_id, who, "left", field="memberships",
            new={"pact": membership.pact, "left_on": body.left_on.isoformat()})
    await session.flush()
    return membership


# --- contacts (personal data) ------------------------------------------------------------------

async def contacts_of(session: AsyncSession, organisation_ids: list[uuid.UUID]) -> list[Contact]:
    if not organisation_ids:
        return []
    return list((await session.scalars(
        select(Contact).where(Contact.organisation_id.in_(organisation_ids))
        .order_by(Contact.organisation_id, Contact.name, Contact.id))).all())


async def add_contact(session: AsyncSession, organisation_id: uuid.UUID, body: schemas.ContactCreate) -> Contact:
    await get_organisation(session, organisation_id)
    contact = Contact(id=uuid.uuid4(), organisation_id=organisation_id, **body.model_dump())
    session.add(contact)
    await session.flush()
    return contact


async def erase_contact(session: AsyncSession, contact_id: uuid.UUID) -> None:
    """The row goes, not a flag: the history never holds a contact's personal data either."""
    result = await session.execute(delete(Contact).where(Contact.id == contact_id))
    if not result.rowcount:
        raise not_found("contact", contact_id)


# --- sign-ups ("Meedoen?") ---------------------------------------------------------------------

async def create_signup(session: AsyncSession, pact: str, body: schemas.SignupCreate) -> Signup:
    signup = Signup(id=uuid.uuid4(), pact=pact, status="pending", **body.model_dump())
    session.add(signup)
    await session.flush()
    return signup


async def list_signups(session: AsyncSession, *, status: str | None, limit: int,
                       cursor: str | None) -> tuple[list[Signup], str | None]:
    statement = select(Signup)
    if status is not None:
        statement = statement.where(Signup.status == status)
    after = decode_cursor(cursor, 2)
    if after is not None:
        try:
            created = datetime.fromisoformat(str(after[0]))
        except ValueError:
            raise invalid([field_error("cursor", "Not a cursor this list gave out.", **{"in": "query"})]) from None
        statement = statement.where(tuple_(Signup.created_at, Signup.id) > (created, _cursor_uuid(after[1])))
    rows = list((await session.scalars(statement.order_by(Signup.created_at, Signup.id).limit(limit + 1))).all())
    next_cursor = None
    if len(rows) > limit:
        last = rows[limit - 1]
        next_cursor = encode_cursor([last.created_at.isoformat(), last.id])
    return rows[:limit], next_cursor


async def _pending_signup(session: AsyncSession, signup_id: uuid.UUID) -> Signup:
    signup = await session.scalar(select(Signup).where(Signup.id == signup_id).with_for_update())
    if signup is None:
        raise not_found("sign-up", signup_id)
    if signup.status != "pending":
        raise conflict(f"The sign-up was {signup.status} already.", signup_status=signup.status)
    return signup


async def approve_signup(session: AsyncSession, signup_id: uuid.UUID, body: schemas.SignupApprove, who: str) -> Signup:
    signup = await _pending_signup(session, signup_id)
    if body.organisation_id is not None:
        organisation = await session.scalar(select(Organisation).where(Organisation.id == body.organisation_id))
        if organisation is None:
            raise invalid([field_error("organisation_id", f"No organisation {body.organisation_id}.")])
    else:
        organisation = None
        if signup.kvk_number is not None:
            organisation = await session.scalar(select(Organisation).where(Organisation.kvk_number == signup.kvk_number))
        if organisation is None:
            organisation = await create_organisation(session, schemas.OrganisationCreate(
                name=signup.organisation_name, kind=signup.kind, municipality_code=signup.municipality_code,
                kvk_number=signup.kvk_number), who)
    membership = await _join(session, organisation.id, signup.pact, body.joined_on or date.today(), who)
    already_known = await session.scalar(select(exists().where(
        Contact.organisation_id == organisation.id, func.lower(Contact.email) == signup.contact_email.lower())))
    if not already_known:
        session.add(Contact(id=uuid.uuid4(), organisation_id=organisation.id, name=signup.contact_name,
                            email=signup.contact_email))
    signup.status = "approved"
    signup.organisation_id = organisation.id
    signup.membership_id = membership.id
    signup.decided_by = who
    signup.decided_at = func.now()
    await session.flush()
    await session.refresh(signup)
    return signup


async def reject_signup(session: AsyncSession, signup_id: uuid.UUID, body: schemas.SignupReject, who: str) -> Signup:
    signup = await _pending_signup(session, signup_id)
    signup.status = "rejected"
    signup.reason = body.reason
    signup.decided_by = who
    signup.decided_at = func.now()
    await session.flush()
    await session.refresh(signup)
    return signup

