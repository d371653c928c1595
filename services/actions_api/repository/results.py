"""SQL of results."""

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.actions_api.models import Result


async def of_actions(session: AsyncSession, action_ids: Sequence[uuid.UUID]) -> Sequence[Result]:
    return (await session.scalars(select(Result).where(Result.action_id.in_(action_ids))
                                  .order_by(Result.action_id, Result.created_at, Result.id))).all()
