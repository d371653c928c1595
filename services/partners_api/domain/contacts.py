"""Contact persons: personal data, readable only with contacts:read and erased for real."""

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from common.problems import not_found
from services.partners_api.domain import organisations
from services.partners_api.models import Contact
from services.partners_api.repository import contacts as repository
from services.partners_api.schemas.contacts import ContactCreate


async def of_organisation(session: AsyncSession, organisation_id: uuid.UUID) -> list[Contact]:
    await organisations.get(session, organisation_id)
    return await repository.contacts_of(session, [organisation_id])


async def of_organisations(session: AsyncSession, organisation_ids: list[uuid.UUID]) -> list[Contact]:
    return await repository.contacts_of(session, organisation_ids)


async def add(session: AsyncSession, organisation_id: uuid.UUID, body: ContactCreate) -> Contact:
    await organisations.get(session, organisation_id)
    contact = Contact(id=uuid.uuid4(), organisation_id=organisation_id, **body.model_dump())
    await repository.add_contact(session, contact)
    return contact


async def add_unless_known(session: AsyncSession, organisation_id: uuid.UUID, name: str, email: str) -> None:
    """A sign-up's contact person, unless the organisation knows that email address already."""
    if not await repository.has_contact_with_email(session, organisation_id, email):
        await repository.add_contact(session, Contact(id=uuid.uuid4(), organisation_id=organisation_id,
                                                      name=name, email=email))


async def erase(session: AsyncSession, contact_id: uuid.UUID) -> None:
    """The row goes, not a flag: the history never holds a contact's personal data either."""
    if not await repository.delete_contact(session, contact_id):
        raise not_found("contact", contact_id)
