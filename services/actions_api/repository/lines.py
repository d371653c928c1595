"""SQL of action lines."""

import uuid
from collections.abc import Sequence
from decimal import Decimal

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.actions_api.models import Action, ActionLine, Pact

LineRow = tuple[ActionLine, str]  # a line and its pact's slug


async def number_taken(session: AsyncSession, pact_id: uuid.UUID, number: int) -> bool:
    return bool(await session.scalar(select(exists().where(ActionLine.pact_id == pact_id,
                                                           ActionLine.number == number))))


async def id_of(session: AsyncSession, pact_id: uuid.UUID, number: int) -> uuid.UUID | None:
    return await session.scalar(select(ActionLine.id).where(ActionLine.pact_id == pact_id,
                                                            ActionLine.number == number))


async def row_of(session: AsyncSession, line_id: uuid.UUID) -> LineRow | None:
    return (await session.execute(select(ActionLine, Pact.slug).join(Pact)
                                  .where(ActionLine.id == line_id))).one_or_none()


async def rows_of_pacts(session: AsyncSession, slugs: Sequence[str]) -> Sequence[LineRow]:
    return (await session.execute(select(ActionLine, Pact.slug).join(Pact).where(Pact.slug.in_(slugs))
                                  .order_by(Pact.slug, ActionLine.number))).all()


async def actions_progress(session: AsyncSession,
                           line_ids: Sequence[uuid.UUID]) -> Sequence[tuple[uuid.UUID | None, str, Decimal]]:
    """(line id, status, progress) of every action under these lines."""
    return (await session.execute(select(Action.line_id, Action.status, Action.progress)
                                  .where(Action.line_id.in_(line_ids)))).all()
