"""Indicators of goals and results: their columns, and their measurement by the rule of domain/measuring.py.

A goal or result that points at a metrics series is measured there (read through MetricsClient, one
query for all the indicators of a read); otherwise, and where the series has no value in the
window, by its approved progress reports.
"""

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from common.periods import parse_period
from services.actions_api.domain import ActualSource, ProgressNote
from services.actions_api.domain.measuring import (
    Measured,
    TargetValue,
    Window,
    actual_of,
    per_period,
    progress_of,
    scaled,
    window_of,
)
from services.actions_api.metrics_client import MetricsClient, MetricsUnavailable, SeriesAsk
from services.actions_api.models import Goal, Result
from services.actions_api.repository import reports as report_rows
from services.actions_api.schemas.indicators import IndicatorIn


async def approved_values(session: AsyncSession, subject_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[Measured]]:
    """Values of approved reports per goal or result: the only ones that count toward an actual."""
    values: dict[uuid.UUID, list[Measured]] = defaultdict(list)
    if subject_ids:
        for subject_id, reported_on, items in await report_rows.approved_values(session, subject_ids):
            values[subject_id].extend(Measured(item["period"], Decimal(item["value"]), reported_on)
                                      for item in items)
    return values


def _targets(row: Goal | Result) -> list[TargetValue]:
    return [TargetValue(target["period"], Decimal(str(target["value"])), target.get("kind", "level"))
            for target in row.targets]


def _window(row: Goal | Result) -> Window:
    return window_of(row.baseline_year, _targets(row), row.window_start, row.window_end)


def _series_ask(row: Goal | Result) -> SeriesAsk | None:
    if not row.series_measure or not row.series_region:
        return None
    window = _window(row)
    return SeriesAsk(row.series_measure, row.series_region, row.series_occupation or "total",
                     parse_period(window.start).year if window.start else None,
                     parse_period(window.end).year if window.end else None)


async def measurements(session: AsyncSession, metrics: MetricsClient,
                       indicators: Sequence[Goal | Result]) -> dict[uuid.UUID, dict[str, Any]]:
    """Per goal or result: its reported values, actual, progress and the reason for a missing progress."""
    reported = await approved_values(session, [row.id for row in indicators])
    asks = {row.id: ask for row in indicators if (ask := _series_ask(row)) is not None}
    try:
        series: dict[SeriesAsk, list[Measured] | None] | None = await metrics.series(list(asks.values()))
    except MetricsUnavailable:
        series = None
    found = {}
    for row in indicators:
        window = _window(row)
        actual, unmeasured = None, ProgressNote.not_measured
        if row.id in asks:
            points = series.get(asks[row.id]) if series is not None else None
            if points is not None:
                actual = actual_of(scaled(points, row.series_scale), row.aggregation, window, ActualSource.series)
            else:
                unmeasured = ProgressNote.series_unavailable if series is None else ProgressNote.series_unknown
        if actual is None:
            actual = actual_of(reported[row.id], row.aggregation, window, ActualSource.reported)
        progress = progress_of(row.measure_kind, row.baseline_value, _targets(row), actual, unmeasured)
        found[row.id] = {
            "reported": [{"period": item.period, "value": item.value} for item in per_period(reported[row.id])],
            "actual": asdict(actual) if actual is not None else None,
            "progress": progress.value, "progress_note": progress.note,
        }
    return found


# --- An indicator as columns of a goal or result row, and back ----------------------------------


def indicator_columns(body: IndicatorIn) -> dict[str, Any]:
    return {
        "unit": body.unit, "measure_kind": body.measure_kind, "ascending": body.ascending,
        "baseline_value": body.baseline.value if body.baseline else None,
        "baseline_year": body.baseline.year if body.baseline else None,
        "targets": [{"period": t.period, "value": str(t.value), "kind": t.kind} for t in body.targets],
        "aggregation": body.aggregation,
        "series_measure": body.series.measure if body.series else None,
        "series_region": body.series.region if body.series else None,
        "series_occupation": body.series.occupation if body.series else None,
        "series_scale": body.series.scale if body.series else Decimal(1),
        "window_start": body.window.start if body.window else None,
        "window_end": body.window.end if body.window else None,
    }


def _declared(row: Goal | Result) -> dict[str, Any]:
    """The indicator as stored: as a request body gives it."""
    return {
        "unit": row.unit, "measure_kind": row.measure_kind, "ascending": row.ascending,
        "baseline": ({"value": row.baseline_value, "year": row.baseline_year}
                     if row.baseline_value is not None else None),
        "targets": [{"period": t["period"], "value": t["value"], "kind": t.get("kind", "level")} for t in row.targets],
        "aggregation": row.aggregation,
        "series": ({"measure": row.series_measure, "region": row.series_region, "occupation": row.series_occupation,
                    "scale": row.series_scale} if row.series_measure else None),
    }


def indicator_fields(row: Goal | Result) -> dict[str, Any]:
    """The indicator as served: its window as it counts (declared, else baseline year to latest target)."""
    window = _window(row)
    return {**_declared(row), "window": {"start": window.start, "end": window.end}}


def indicator_input(row: Goal | Result) -> dict[str, Any]:
    """The stored indicator as a request body would give it, to check a PATCH's outcome whole."""
    declared = ({"start": row.window_start, "end": row.window_end}
                if row.window_start is not None or row.window_end is not None else None)
    return {**_declared(row), "window": declared}
