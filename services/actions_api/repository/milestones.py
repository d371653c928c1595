"""SQL of milestones."""

import uuid
from collections.abc import Sequence
from decimal import Decimal

from sqlalchemy import bindparam, select
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.ext.asyncio import AsyncSession

from services.actions_api.domain import MilestoneStatus
from services.actions_api.models import Milestone

# Built once (see repository/lines.py): every read of actions asks for their next milestones.
_OF_ACTIONS = (select(Milestone).where(Milestone.action_id.in_(bindparam("ids", expanding=True)))
               .order_by(Milestone.action_id, Milestone.due_by, Milestone.created_at))
_NEXT_OPEN = (select(Milestone)
              .where(Milestone.action_id.in_(bindparam("ids", expanding=True)),
                     Milestone.status == MilestoneStatus.open)
              .order_by(Milestone.action_id, Milestone.due_by, Milestone.id).ext(distinct_on(Milestone.action_id)))


async def progress_of(session: AsyncSession,
                      action_id: uuid.UUID) -> Sequence[tuple[str, Decimal, int | None, int | None]]:
    """(status, weight, target count, reached count) of the action's milestones."""
    return (await session.execute(
        select(Milestone.status, Milestone.weight, Milestone.target_count, Milestone.reached_count)
        .where(Milestone.action_id == action_id)
    )).all()


async def of_actions(session: AsyncSession, action_ids: Sequence[uuid.UUID]) -> Sequence[Milestone]:
    return (await session.scalars(_OF_ACTIONS, {"ids": list(action_ids)})).all()


async def next_open(session: AsyncSession, action_ids: Sequence[uuid.UUID]) -> Sequence[Milestone]:
    """The earliest open milestone of each action, in one query (DISTINCT ON)."""
    return (await session.scalars(_NEXT_OPEN, {"ids": list(action_ids)})).all()
