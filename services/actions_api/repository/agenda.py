"""SQL of pacts' agendas."""

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.actions_api.models import AgendaItem, Pact


async def items_of_pacts(session: AsyncSession, slugs: Sequence[str]) -> Sequence[tuple[AgendaItem, str]]:
    return (await session.execute(select(AgendaItem, Pact.slug).join(Pact).where(Pact.slug.in_(slugs))
                                  .order_by(Pact.slug, AgendaItem.on, AgendaItem.created_at))).all()
