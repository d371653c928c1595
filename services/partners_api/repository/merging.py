"""SQL of merging a duplicate into its survivor: what hangs off the duplicate is re-pointed, set-based."""

import uuid

from sqlalchemy import select, text, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from services.partners_api.models import Contact, Membership, Organisation, Signup

# The duplicate's records come after the survivor's, in their own order.
_MOVE_SOURCE_RECORDS = text("""
UPDATE partners.source_records SET organisation_id = :survivor,
       precedence = precedence + (SELECT coalesce(max(precedence), 0) FROM partners.source_records
                                   WHERE organisation_id = :survivor)
 WHERE organisation_id = :duplicate
""")


async def stored_organisation(session: AsyncSession, organisation_id: uuid.UUID) -> Organisation | None:
    """The row itself, locked, not following a redirect."""
    return await session.scalar(select(Organisation).where(Organisation.id == organisation_id).with_for_update())


async def pacts_both_belong_to(session: AsyncSession, first: uuid.UUID, second: uuid.UUID) -> list[str]:
    """The pacts of which both organisations are current members."""
    other = aliased(Membership)
    statement = (select(Membership.pact).join(other, other.pact == Membership.pact)
                 .where(Membership.organisation_id == first, Membership.left_on.is_(None),
                        other.organisation_id == second, other.left_on.is_(None))
                 .order_by(Membership.pact))
    return list((await session.scalars(statement)).all())


async def move_everything(session: AsyncSession, duplicate: uuid.UUID, survivor: uuid.UUID) -> None:
    """Source records, memberships, contacts, sign-ups and earlier redirects now point at the survivor."""
    await session.execute(_MOVE_SOURCE_RECORDS, {"survivor": survivor, "duplicate": duplicate})
    for model in (Membership, Contact, Signup):
        await session.execute(update(model).where(model.organisation_id == duplicate)
                              .values(organisation_id=survivor).execution_options(synchronize_session=False))
    # Redirects stay one step deep: what was merged into the duplicate now redirects to the survivor.
    await session.execute(update(Organisation).where(Organisation.merged_into == duplicate)
                          .values(merged_into=survivor, version=Organisation.version + 1)
                          .execution_options(synchronize_session=False))
