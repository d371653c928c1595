"""Pact memberships: an organisation can leave and join again, but is a current member only once."""

import uuid
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from common.problems import conflict, field_error, invalid, not_found
from services.partners_api.domain import organisations
from services.partners_api.models import Membership, Organisation
from services.partners_api.repository import memberships as repository
from services.partners_api.repository.organisations import record_change
from services.partners_api.schemas.memberships import MembershipCreate, MembershipLeave


async def pact_members(session: AsyncSession, pact: str, *, current: bool | None, limit: int,
                       cursor: str | None) -> tuple[list[tuple[Membership, Organisation]], str | None]:
    return await repository.pact_members_page(session, pact, current=current, limit=limit, cursor=cursor)


async def of_organisations(session: AsyncSession, organisation_ids: list[uuid.UUID]) -> list[Membership]:
    return await repository.memberships_of(session, organisation_ids)


async def join_pact(session: AsyncSession, pact: str, body: MembershipCreate, who: str) -> Membership:
    organisation = await organisations.existing(session, body.organisation_id, "organisation_id")
    return await join(session, organisation.id, pact, body.joined_on, who)


async def join(session: AsyncSession, organisation_id: uuid.UUID, pact: str, joined_on: date, who: str) -> Membership:
    current = await repository.current_membership(session, organisation_id, pact)
    if current is not None:
        raise conflict(f"The organisation is a member of '{pact}' already (since {current.joined_on}).",
                       membership_id=str(current.id))
    membership = Membership(id=uuid.uuid4(), organisation_id=organisation_id, pact=pact, joined_on=joined_on)
    record_change(session, organisation_id, who, "joined", field="memberships",
                  new={"pact": pact, "joined_on": joined_on.isoformat()})
    await repository.add_membership(session, membership)
    return membership


async def leave_pact(session: AsyncSession, membership_id: uuid.UUID, body: MembershipLeave,
                     who: str) -> Membership:
    membership = await repository.membership_for_update(session, membership_id)
    if membership is None:
        raise not_found("membership", membership_id)
    if membership.left_on is not None:
        raise conflict(f"The membership ended on {membership.left_on} already.")
    if body.left_on < membership.joined_on:
        raise invalid([field_error("left_on", f"Must not be before joined_on ({membership.joined_on}).")])
    membership.left_on = body.left_on
    record_change(session, membership.organisation_id, who, "left", field="memberships",
                  new={"pact": membership.pact, "left_on": body.left_on.isoformat()})
    await repository.save_membership(session)
    return membership
