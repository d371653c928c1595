"""Organisations of the registry: reading, a coordinator's edits, merging duplicates, conflicts, contacts."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from common.database import ReadSessionDep, SessionDep
from common.etags import IfMatch, check_if_match, etag
from common.pagination import DEFAULT_PAGE_SIZE, Cursor, Keyset, Limit, Page, encode_cursor
from common.query_lists import MAX_LIST_ITEMS, uuid_list
from services.partners_api import models
from services.partners_api.domain import contacts as contact_rules
from services.partners_api.domain import merging as merge_rules
from services.partners_api.domain import organisations as organisation_rules
from services.partners_api.domain import survivorship as survivorship_rules
from services.partners_api.routes.dependencies import Admin, ContactReader, OrganisationIds, Regions
from services.partners_api.schemas.contacts import Contact, ContactCreate
from services.partners_api.schemas.organisations import (
    Change,
    Conflict,
    Organisation,
    OrganisationCreate,
    OrganisationMerge,
    OrganisationPatch,
    Precedence,
    SourceRecord,
)

router = APIRouter()

def _organisation(organisation: models.Organisation, response: Response,
                  asked_for: uuid.UUID | None = None) -> Organisation:
    """The organisation with its ETag; asked for by a merged duplicate's id, it says so."""
    response.headers["ETag"] = etag(organisation.version)
    return _redirected(organisation, asked_for, response)


def _redirected(organisation: models.Organisation, asked_for: uuid.UUID | None,
                response: Response | None = None) -> Organisation:
    body = Organisation.model_validate(organisation)
    if asked_for is None or asked_for == organisation.id:
        return body
    if response is not None:
        response.headers["Content-Location"] = f"/v1/organisations/{organisation.id}"
    return body.model_copy(update={"redirected_from": asked_for})


def _json(page: Page[Organisation]) -> Response:
    """Encoded once: a returned model would be validated again against the response model (the same bytes)."""
    return Response(page.model_dump_json(), media_type="application/json")


def _change(change: models.OrganisationChange) -> Change:
    return Change(id=change.id, organisation_id=change.organisation_id, changed_at=change.changed_at,
                          changed_by=change.changed_by, source=change.source, action=change.action,
                          field=change.field, old=change.old_value, new=change.new_value)




@router.get("/organisations", tags=["organisations"], response_model=Page[Organisation])
async def list_organisations(
    session: ReadSessionDep,
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
) -> Response:
    if ids is not None:
        return _json(Page(items=await organisation_rules.by_ids(session, uuid_list(ids, "ids"))))
    rows, next_cursor = await organisation_rules.page(
        session, kind=kind, sector=sector, municipality=municipality, pact=pact, active=active, search=search,
        limit=limit, cursor=cursor)
    return _json(Page(items=[Organisation.model_validate(o) for o in rows], next_cursor=next_cursor))


@router.post("/organisations", tags=["organisations"], status_code=201, response_model=Organisation)
async def create_organisation(body: OrganisationCreate, session: SessionDep, principal: Admin,
                              response: Response, regions: Regions) -> Organisation:
    organisation = await organisation_rules.create(session, regions, body, principal.subject)
    response.headers["Location"] = f"/v1/organisations/{organisation.id}"
    return _organisation(organisation, response)


@router.get("/organisations/{organisation_id}", tags=["organisations"], response_model=Organisation)
async def get_organisation(organisation_id: uuid.UUID, session: SessionDep, response: Response) -> Organisation:
    """By a merged duplicate's id: the survivor, with `redirected_from` and `Content-Location`."""
    return _organisation(await organisation_rules.get(session, organisation_id), response, organisation_id)


@router.patch("/organisations/{organisation_id}", tags=["organisations"], response_model=Organisation)
async def update_organisation(organisation_id: uuid.UUID, body: OrganisationPatch, session: SessionDep,
                              principal: Admin, response: Response, regions: Regions,
                              if_match: IfMatch = None) -> Organisation:
    """Needs `If-Match`. The fields sent become locked: the sources' records no longer decide them.
    Fields taken out of `locked_fields` go back to what the sources hold at once."""
    organisation = await organisation_rules.get(session, organisation_id, for_update=True)
    check_if_match(if_match, organisation.version)
    organisation = await organisation_rules.update(session, regions, organisation, body, principal.subject)
    return _organisation(organisation, response)


@router.post("/organisations/{organisation_id}/archive", tags=["organisations"], response_model=Organisation)
async def archive_organisation(organisation_id: uuid.UUID, session: SessionDep, principal: Admin,
                               response: Response) -> Organisation:
    organisation = await organisation_rules.get(session, organisation_id, for_update=True)
    organisation = await organisation_rules.archive(session, organisation, principal.subject)
    return _organisation(organisation, response)


@router.get("/organisations/{organisation_id}/history", tags=["organisations"], response_model=Page[Change])
async def organisation_history(organisation_id: uuid.UUID, session: SessionDep, limit: Limit = DEFAULT_PAGE_SIZE,
                               cursor: Cursor = None) -> Page[Change]:
    """Every change, oldest first: who (the token's subject), when, which field, old and new value."""
    changes, next_cursor = await organisation_rules.history(session, organisation_id, limit=limit, cursor=cursor)
    return Page(items=[_change(change) for change in changes], next_cursor=next_cursor)


@router.get("/organisations/{organisation_id}/sources", tags=["organisations"],
            response_model=Page[SourceRecord])
async def organisation_sources(organisation_id: uuid.UUID, session: SessionDep) -> Page[SourceRecord]:
    """Which pushing systems hold the organisation, under which external id, in order of precedence;
    withdrawn ones included."""
    found = await organisation_rules.sources(session, organisation_id)
    return Page(items=[SourceRecord.model_validate(record) for record in found])


@router.put("/organisations/{organisation_id}/precedence", tags=["organisations"],
            response_model=Page[SourceRecord])
async def set_precedence(organisation_id: uuid.UUID, body: Precedence, session: SessionDep,
                         principal: Admin) -> Page[SourceRecord]:
    """Which source's values the organisation serves first: every source that holds it, once, highest first."""
    found = await survivorship_rules.set_precedence(session, organisation_id, body.sources, principal.subject)
    return Page(items=[SourceRecord.model_validate(record) for record in found])


@router.post("/organisations/{organisation_id}/merge", tags=["organisations"], response_model=Organisation,
             responses={409: {"description": "Already merged, or both are current members of a pact"},
                        503: {"description": "actions_api did not answer; nothing was merged"}})
async def merge_organisations(organisation_id: uuid.UUID, body: OrganisationMerge, request: Request,
                              session: SessionDep, principal: Admin, response: Response) -> Organisation:
    """Merge the duplicate into this organisation: its source records, memberships, contacts, sign-ups
    and action participations move here, and its id redirects here from now on."""
    survivor = await merge_rules.merge(session, request.app.state.actions, organisation_id, body.duplicate_id,
                                       principal)
    return _organisation(survivor, response)


_BY_ORGANISATION = Keyset(models.Organisation.id)


@router.get("/conflicts", tags=["organisations"], response_model=Page[Conflict])
async def conflicts(session: SessionDep, principal: Admin,
                    organisation_id: Annotated[uuid.UUID | None, Query(description="One organisation's")] = None,
                    limit: Limit = DEFAULT_PAGE_SIZE, cursor: Cursor = None) -> Page[Conflict]:
    """Organisations whose holding sources disagree, field by field, for a coordinator to settle
    (by locking a value or setting precedence)."""
    after = _BY_ORGANISATION.decode(cursor)
    found, more = await survivorship_rules.conflicts(session, organisation_id=organisation_id,
                                                     after=after[0] if after else None, limit=limit)
    return Page(items=[Conflict.model_validate(item, from_attributes=True) for item in found],
                next_cursor=encode_cursor([found[-1].organisation_id]) if more else None)



# --- contacts: personal data, only with contacts:read ------------------------------------------

@router.get("/organisations/{organisation_id}/contacts", tags=["contacts"], response_model=Page[Contact])
async def organisation_contacts(organisation_id: uuid.UUID, session: SessionDep,
                                principal: ContactReader) -> Page[Contact]:
    found = await contact_rules.of_organisation(session, organisation_id)
    return Page(items=[Contact.model_validate(c) for c in found])


@router.get("/contacts", tags=["contacts"], response_model=Page[Contact])
async def contacts(session: SessionDep, principal: ContactReader,
                   organisation_ids: OrganisationIds) -> Page[Contact]:
    found = await contact_rules.of_organisations(session, uuid_list(organisation_ids, "organisation_ids"))
    return Page(items=[Contact.model_validate(c) for c in found])


@router.post("/organisations/{organisation_id}/contacts", tags=["contacts"], status_code=201,
             response_model=Contact)
async def add_contact(organisation_id: uuid.UUID, body: ContactCreate, session: SessionDep,
                      principal: Admin) -> Contact:
    return Contact.model_validate(await contact_rules.add(session, organisation_id, body))


@router.delete("/contacts/{contact_id}", tags=["contacts"], status_code=204)
async def erase_contact(contact_id: uuid.UUID, session: SessionDep, principal: Admin) -> Response:
    """Erases the contact person for real: the row is deleted, not flagged."""
    await contact_rules.erase(session, contact_id)
    return Response(status_code=204)


