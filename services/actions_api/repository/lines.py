"""SQL of action lines."""

import uuid
from collections.abc import Sequence
from decimal import Decimal

from sqlalchemy import bindparam, exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.actions_api.models import Action, ActionLine, Pact

LineRow = tuple[ActionLine, str]  # a line and its pact's slug

# The reads of a dashboard, built once with expanding parameters: building a statement per request
# cost more CPU than PostgreSQL spent running it (bench/gateway_queries.py).
_OF_PACTS = (select(ActionLine, Pact.slug).join(Pact).where(Pact.slug.in_(bindparam("slugs", expanding=True)))
             .order_by(Pact.slug, ActionLine.number))
_ACTIONS_PROGRESS = (select(Action.line_id, Action.status, Action.progress)
                     .where(Action.line_id.in_(bindparam("ids", expanding=True))))


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
    return (await session.execute(_OF_PACTS, {"slugs": list(slugs)})).all()


async def actions_progress(session: AsyncSession,
                           line_ids: Sequence[uuid.UUID]) -> Sequence[tuple[uuid.UUID | None, str, Decimal]]:
    """(line id, status, progress) of every action under these lines."""
    return (await session.execute(_ACTIONS_PROGRESS, {"ids": list(line_ids)})).all()
