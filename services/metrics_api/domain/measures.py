"""Measures: what a figure counts, in which unit, and whether it is a flow or a stock."""

from sqlalchemy.ext.asyncio import AsyncSession

from common.problems import field_error, invalid
from services.metrics_api.domain import reference
from services.metrics_api.models import Measure
from services.metrics_api.repository import reference as repository
from services.metrics_api.repository import series as series_repository
from services.metrics_api.schemas import MeasureIn, MeasureOut


def _measure_out(measure: Measure) -> MeasureOut:
    return MeasureOut(code=measure.code, name=measure.name, unit=measure.unit, unit_multiplier=measure.unit_multiplier,
                      kind=measure.kind, value_type=measure.value_type,
                      forecasts_allowed=measure.forecasts_allowed, primary_source=measure.primary_source,
                      first_source=measure.first_source,
                      serving_source=measure.primary_source or measure.first_source, version=measure.version)


async def list_measures(session: AsyncSession, *, codes: list[str] | None, limit: int,
                        cursor: str | None) -> tuple[list[MeasureOut], str | None]:
    measures, next_cursor = await repository.listed(session, Measure, codes=codes, limit=limit, cursor=cursor)
    return [_measure_out(m) for m in measures], next_cursor


async def get_measure(session: AsyncSession, code: str) -> MeasureOut:
    return _measure_out(await reference.found(session, Measure, code, "measure"))


async def put_measure(session: AsyncSession, code: str, body: MeasureIn,
                      confirm_change: reference.ConfirmChange) -> tuple[MeasureOut, bool]:
    reference.check_identifier(code, body.code, "A measure code is a lowercase identifier, e.g. vacancies_new.")
    if body.primary_source is not None and not await series_repository.known_codes(
            session, (), (), [body.primary_source]):
        raise invalid([field_error("primary_source", f"Unknown source '{body.primary_source}': no feed has posted "
                                   "figures for it yet.")])
    created = await reference.create_or_replace(session, Measure, code, body.model_dump(mode="json", exclude={"code"}),
                                                confirm_change)
    return await get_measure(session, code), created
