"""Sign-ups ("Meedoen?") from the public."""

import uuid

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from common.pagination import Keyset, page_of
from services.partners_api.models import Signup

_BY_ARRIVAL = Keyset(Signup.created_at, Signup.id)


async def add_signup(session: AsyncSession, signup: Signup) -> None:
    session.add(signup)
    await session.flush()


async def signups_page(session: AsyncSession, *, status: str | None, limit: int,
                       cursor: str | None) -> tuple[list[Signup], str | None]:
    statement = select(Signup)
    if status is not None:
        statement = statement.where(Signup.status == status)
    rows = (await session.scalars(_BY_ARRIVAL.paged(statement, cursor, limit))).all()
    return page_of(rows, limit, key=lambda row: [row.created_at, row.id])


async def signup_for_update(session: AsyncSession, signup_id: uuid.UUID) -> Signup | None:
    return await session.scalar(select(Signup).where(Signup.id == signup_id).with_for_update())


async def save_decision(session: AsyncSession, signup: Signup) -> None:
    """Stamp the decision with the database's clock, flush, reload."""
    signup.decided_at = func.now()
    await session.flush()
    await session.refresh(signup)
