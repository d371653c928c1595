"""Contact persons: personal data, erased for real."""

import uuid

from sqlalchemy import delete, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.partners_api.models import Contact
from services.partners_api.repository import rows_of_organisations


async def contacts_of(session: AsyncSession, organisation_ids: list[uuid.UUID]) -> list[Contact]:
    return await rows_of_organisations(session, Contact, Contact.organisation_id, organisation_ids,
                                       Contact.name, Contact.id)


async def has_contact_with_email(session: AsyncSession, organisation_id: uuid.UUID, email: str) -> bool:
    return bool(await session.scalar(select(exists().where(
        Contact.organisation_id == organisation_id, func.lower(Contact.email) == email.lower()))))


async def add_contact(session: AsyncSession, contact: Contact) -> None:
    session.add(contact)
    await session.flush()


async def delete_contact(session: AsyncSession, contact_id: uuid.UUID) -> bool:
    """True when there was such a contact."""
    erased = await session.scalar(delete(Contact).where(Contact.id == contact_id).returning(Contact.id))
    return erased is not None
