"""Goals of an action line: indicators whose actual comes from approved reports (or a metrics series)."""

import uuid
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from common.problems import not_found
from services.actions_api.domain.indicators import indicator_columns, indicator_fields, indicator_input, measurements
from services.actions_api.domain.patches import refuse_nulls, revalidate
from services.actions_api.metrics_client import MetricsClient
from services.actions_api.models import Goal
from services.actions_api.repository import goals as goal_rows
from services.actions_api.repository import lines as line_rows
from services.actions_api.repository import rows
from services.actions_api.schemas.goals import GoalIn, GoalOut, GoalPatch


def new_goal(line_id: uuid.UUID, body: GoalIn) -> Goal:
    return Goal(line_id=line_id, name=body.name, scope=body.scope, **indicator_columns(body))


async def create_goal(session: AsyncSession, metrics: MetricsClient, line_id: uuid.UUID, body: GoalIn) -> GoalOut:
    row = await line_rows.row_of(session, line_id)
    if row is None:
        raise not_found("action line", line_id)
    goal = new_goal(line_id, body)
    await rows.save(session, goal)
    return (await goals_out(session, metrics, [(goal, row[1])]))[0]


async def goal_by_id(session: AsyncSession, goal_id: uuid.UUID) -> Goal:
    return await rows.get(session, Goal, goal_id, "goal")


async def patch_goal(session: AsyncSession, metrics: MetricsClient, goal: Goal, body: GoalPatch) -> GoalOut:
    changes = body.model_dump(exclude_unset=True)
    refuse_nulls(changes, ["name", "scope", "measure_kind", "ascending", "targets", "aggregation"])
    checked = revalidate(GoalIn, {"name": goal.name, "scope": goal.scope, **indicator_input(goal), **changes})
    goal.name, goal.scope = checked.name, checked.scope
    for column, value in indicator_columns(checked).items():
        setattr(goal, column, value)
    await rows.flush(session)
    return (await list_goals(session, metrics, ids=[goal.id], series=None))[0]


async def list_goals(session: AsyncSession, metrics: MetricsClient, *, ids: list[uuid.UUID] | None,
                     series: list[goal_rows.SeriesKey] | None) -> list[GoalOut]:
    return await goals_out(session, metrics, await goal_rows.rows_of(session, ids=ids, series=series))


async def goals_out(session: AsyncSession, metrics: MetricsClient, found: Sequence[goal_rows.GoalRow]) -> list[GoalOut]:
    measured = await measurements(session, metrics, [goal for goal, _ in found])
    return [GoalOut(id=goal.id, line_id=goal.line_id, pact=slug, name=goal.name, scope=goal.scope,
                    version=goal.version, **indicator_fields(goal), **measured[goal.id])
            for goal, slug in found]
