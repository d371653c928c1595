"""SQL of milestones."""

import uuid
from collections.abc import Sequence
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.ext.asyncio import AsyncSession

from services.actions_api.domain import MilestoneStatus
from services.actions_api.models import Milestone


async def progress_of(session: AsyncSession,
                      action_id: uuid.UUID) -> Sequence[tuple[str, Decimal, int | None, int | None]]:
    """(status, weight, target count, reached count) of the action's milestones."""
    return (await session.execute(
        select(Milestone.status, Milestone.weight, Milestone.target_count, Milestone.reached_count)
        .where(Milestone.action_id == action_id)
    )).all()


async def of_actions(session: AsyncSession, action_ids: Sequence[uuid.UUID]) -> Sequence[Milestone]:
    return (await session.scalars(select(Milestone).where(Milestone.action_id.in_(action_ids))
                                  .order_by(Milestone.action_id, Milestone.due_by, Milestone.created_at))).all()


async def next_open(session: AsyncSession, action_ids: Sequence[uuid.UUID]) -> Sequence[Milestone]:
    """The earliest open milestone of each action, in one query (DISTINCT ON)."""
    return (await session.scalars(
        select(Milestone).where(Milestone.action_id.in_(action_ids), Milestone.status == MilestoneStatus.open)
        .order_by(Milestone.action_id, Milestone.due_by, Milestone.id).ext(distinct_on(Milestone.action_id))
    )).all()
