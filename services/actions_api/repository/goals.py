"""SQL of goals."""

import uuid
from collections.abc import Sequence

from sqlalchemy import bindparam, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from services.actions_api.models import ActionLine, Goal, Pact

GoalRow = tuple[Goal, str]  # a goal and its pact's slug
SeriesKey = tuple[str, str, str]  # measure, region, occupation

# Built once (see repository/lines.py).
_OF_LINES = (select(Goal).where(Goal.line_id.in_(bindparam("ids", expanding=True)))
             .order_by(Goal.created_at, Goal.id))


async def of_lines(session: AsyncSession, line_ids: Sequence[uuid.UUID]) -> Sequence[Goal]:
    return (await session.scalars(_OF_LINES, {"ids": list(line_ids)})).all()


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
