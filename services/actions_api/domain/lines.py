"""Action lines of a pact, with their goals and the progress of their actions."""

import uuid
from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from common.problems import conflict
from services.actions_api.domain.goals import goals_out, new_goal
from services.actions_api.domain.pacts import pact_by_slug
from services.actions_api.domain.progress import line_progress
from services.actions_api.metrics_client import MetricsClient
from services.actions_api.models import ActionLine
from services.actions_api.repository import goals as goal_rows
from services.actions_api.repository import lines as line_rows
from services.actions_api.repository import rows
from services.actions_api.schemas.goals import GoalOut
from services.actions_api.schemas.lines import LineIn, LineOut


async def create_line(session: AsyncSession, metrics: MetricsClient, slug: str, body: LineIn) -> LineOut:
    pact = await pact_by_slug(session, slug)
    if await line_rows.number_taken(session, pact.id, body.number):
        raise conflict(f"Pact '{slug}' has an action line {body.number} already.")
    line = ActionLine(pact_id=pact.id, number=body.number, name=body.name, aim=body.aim)
    await rows.save(session, line)
    await rows.save(session, *(new_goal(line.id, goal) for goal in body.goals))
    return (await _lines_out(session, metrics, [(line, slug)]))[0]


async def list_lines(session: AsyncSession, metrics: MetricsClient, slugs: list[str]) -> list[LineOut]:
    """The lines of these pacts, by pact and number."""
    return await _lines_out(session, metrics, await line_rows.rows_of_pacts(session, slugs))


async def _lines_out(session: AsyncSession, metrics: MetricsClient,
                     found: Sequence[line_rows.LineRow]) -> list[LineOut]:
    ids = [line.id for line, _ in found]
    slugs = {line.id: slug for line, slug in found}
    goals: dict[uuid.UUID, list[GoalOut]] = defaultdict(list)
    progress: dict[uuid.UUID | None, list[tuple[str, Decimal]]] = defaultdict(list)
    if ids:
        goal_list = await goal_rows.of_lines(session, ids)
        for goal in await goals_out(session, metrics, [(goal, slugs[goal.line_id]) for goal in goal_list]):
            goals[goal.line_id].append(goal)
        for line_id, status, value in await line_rows.actions_progress(session, ids):
            progress[line_id].append((status, value))
    return [LineOut(id=line.id, pact=slug, number=line.number, name=line.name, aim=line.aim,
                    goals=goals[line.id], progress=line_progress(progress[line.id]), version=line.version)
            for line, slug in found]
