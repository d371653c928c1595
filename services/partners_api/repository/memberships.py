"""Pact memberships (a pact is a slug: actions_api owns pacts)."""

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from common.pagination import Keyset, page_of
from services.partners_api.models import Membership, Organisation
from services.partners_api.repository import rows_of_organisations

_BY_JOINING = Keyset(Membership.joined_on, Membership.id)


async def pact_members_page(session: AsyncSession, pact: str, *, current: bool | None, limit: int,
                            cursor: str | None) -> tuple[list[tuple[Membership, Organisation]], str | None]:
    statement = (select(Membership, Organisation).join(Organisation, Organisation.id == Membership.organisation_id)
                 .where(Membership.pact == pact))
    if current is True:
        statement = statement.where(Membership.left_on.is_(None))
    elif current is False:
        statement = statement.where(Membership.left_on.is_not(None))
    paged = _BY_JOINING.paged(statement, cursor, limit)
    rows: list[tuple[Membership, Organisation]] = [(row[0], row[1]) for row in (await session.execute(paged)).all()]
    return page_of(rows, limit, key=lambda row: [row[0].joined_on, row[0].id])


async def memberships_of(session: AsyncSession, organisation_ids: list[uuid.UUID]) -> list[Membership]:
    return await rows_of_organisations(session, Membership, Membership.organisation_id, organisation_ids,
                                       Membership.joined_on, Membership.id)


async def current_membership(session: AsyncSession, organisation_id: uuid.UUID, pact: str) -> Membership | None:
    return await session.scalar(select(Membership).where(
        Membership.organisation_id == organisation_id, Membership.pact == pact, Membership.left_on.is_(None)))


async def membership_for_update(session: AsyncSession, membership_id: uuid.UUID) -> Membership | None:
    return await session.scalar(select(Membership).where(Membership.id == membership_id).with_for_update())


async def add_membership(session: AsyncSession, membership: Membership) -> None:
    session.add(membership)
    await session.flush()


async def save_membership(session: AsyncSession) -> None:
    await session.flush()
