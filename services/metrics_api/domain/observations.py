"""Observations as the feeds posted them: nothing derived, the latest revision or every one."""

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from common.problems import field_error, invalid
from services.metrics_api.domain.series import as_utc, period_bounds, served_number
from services.metrics_api.repository import series as repository
from services.metrics_api.schemas import ObservationOut


async def list_observations(session: AsyncSession, *, measure: str | None, region: str | None,
                            occupation: str | None, from_: str | None, to: str | None, source: str | None,
                            as_of: datetime | None, history: bool, limit: int,
                            cursor: str | None) -> tuple[list[ObservationOut], str | None]:
    start, end = period_bounds(from_, to)
    if source is not None and not await repository.known_codes(session, (), (), [source]):
        raise invalid([field_error("source", f"Unknown source '{source}': no feed has posted figures for it.",
                                   **{"in": "query"})])
    bound = start or end
    rows, next_cursor = await repository.observations(
        session, measure=measure, region=region, occupation=occupation,
        frequency=bound.frequency.value if bound is not None else None,
        start=str(start) if start is not None else None, end=str(end) if end is not None else None,
        source=source, as_of=as_utc(as_of), history=history, limit=limit, cursor=cursor)
    items = [ObservationOut(measure=r.measure, region=r.region, occupation=r.occupation, period=r.period,
                            value=served_number(r.value), status=r.status, missing_reason=r.missing_reason,
                            revision=r.revision, withdrawn=r.withdrawn, source=r.source, batch_id=r.batch_id,
                            recorded_at=r.recorded_at) for r in rows]
    return items, next_cursor
