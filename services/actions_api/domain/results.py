"""Results of an action: an indicator measured by approved progress reports (or a metrics series)."""

import uuid
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from services.actions_api.domain.indicators import indicator_columns, indicator_fields, measurements
from services.actions_api.domain.patches import refuse_nulls
from services.actions_api.metrics_client import MetricsClient
from services.actions_api.models import Action, Result
from services.actions_api.repository import results as result_rows
from services.actions_api.repository import rows
from services.actions_api.schemas.results import ResultIn, ResultOut, ResultPatch


async def create_result(session: AsyncSession, metrics: MetricsClient, action_id: uuid.UUID,
                        body: ResultIn) -> ResultOut:
    action = await rows.get(session, Action, action_id, "action")
    result = Result(action_id=action.id, description=body.description, indicator_name=body.indicator.name,
                    **indicator_columns(body.indicator))
    await rows.save(session, result)
    return (await _results_out(session, metrics, [result]))[0]


async def result_by_id(session: AsyncSession, result_id: uuid.UUID) -> Result:
    return await rows.get(session, Result, result_id, "result")


async def patch_result(session: AsyncSession, metrics: MetricsClient, result: Result, body: ResultPatch) -> ResultOut:
    refuse_nulls(body.model_dump(exclude_unset=True), ["description", "indicator"])
    if body.description is not None:
        result.description = body.description
    if body.indicator is not None:
        result.indicator_name = body.indicator.name
        for column, value in indicator_columns(body.indicator).items():
            setattr(result, column, value)
    await rows.flush(session)
    return (await _results_out(session, metrics, [result]))[0]


async def list_results(session: AsyncSession, metrics: MetricsClient, action_ids: list[uuid.UUID]) -> list[ResultOut]:
    return await _results_out(session, metrics, await result_rows.of_actions(session, action_ids))


async def _results_out(session: AsyncSession, metrics: MetricsClient, results: Sequence[Result]) -> list[ResultOut]:
    measured = await measurements(session, metrics, results)
    return [ResultOut(id=r.id, action_id=r.action_id, description=r.description,
                      indicator={"name": r.indicator_name, **indicator_fields(r)},
                      version=r.version, **measured[r.id])
            for r in results]
