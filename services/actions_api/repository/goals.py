"""SQL of goals."""

import uuid
from collections.abc import Sequence

from sqlalchemy import select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from services.actions_api.models import ActionLine, Goal, Pact

GoalRow = tuple[Goal, str]  # a goal and its pact's slug
SeriesKey = tuple[str, str, str]  # measure, region, occupation


async def of_lines(session: AsyncSession, line_ids: Sequence[uuid.UUID]) -> Sequence[Goal]:
    return (await session.scalars(select(Goal).where(Goal.line_id.in_(line_ids))
                                  .order_by(Goal.created_at, Goal.id))).all()


async def rows_of(session: AsyncSession, *, ids: Sequence[uuid.UUID] | None,
                  series: Sequence[SeriesKey] | None) -> Sequence[GoalRow]:
    statement = (select(Goal, Pact.slug).join(ActionLine, Goal.line_id == ActionLine.id)
                 .join(Pact, ActionLine.pact_id == Pact.id).order_by(Pact.slug, ActionLine.number, Goal.created_at))
    if ids is not None:
        statement = statement.where(Goal.id.in_(ids))
    if series is not None:
        statement = statement.where(tuple_(Goal.series_measure, Goal.series_region, Goal.series_occupation)
                                    .in_(series))
    return (await session.execute(statement)).all()
