"""Indicators of goals and results: how reported values over periods make an actual.

The gateway runs its own copy of the "sum or latest" rule; both are checked against
tests/goal_actual_cases.json. Periods are compared as spans of time (Period.sort_key), never as text.
"""

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from common.periods import parse_period
from services.actions_api.domain import Aggregation
from services.actions_api.models import Goal, Result
from services.actions_api.repository import reports as report_rows
from services.actions_api.schemas.indicators import IndicatorIn


@dataclass(frozen=True)
class ReportedValue:
    period: str
    value: Decimal
    reported_on: date


def reported_per_period(values: Iterable[ReportedValue]) -> list[tuple[str, Decimal]]:
    """One value per period in time order, the most recently reported one winning (a later report corrects).

    Of two reports on the same day the one given last wins.
    """
    latest: dict[str, ReportedValue] = {}
    for item in values:
        kept = latest.get(item.period)
        if kept is None or item.reported_on >= kept.reported_on:
            latest[item.period] = item
    ordered = sorted(latest.values(), key=lambda item: parse_period(item.period).sort_key)
    return [(item.period, item.value) for item in ordered]


def indicator_actual(aggregation: str, per_period: Sequence[tuple[str, Decimal]]) -> Decimal | None:
    """Values that add up over periods are summed; for a level (a percentage, a count at a date) the latest counts."""
    if not per_period:
        return None
    if aggregation == Aggregation.sum:
        return sum((value for _, value in per_period), Decimal(0))
    return per_period[-1][1]


def reported_and_actual(aggregation: str, values: Iterable[ReportedValue]) -> dict[str, Any]:
    per_period = reported_per_period(values)
    return {"reported": [{"period": period, "value": value} for period, value in per_period],
            "actual": indicator_actual(aggregation, per_period)}


async def approved_values(session: AsyncSession,
                          subject_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[ReportedValue]]:
    """Values of approved reports per goal or result: the only ones that count toward an actual."""
    values: dict[uuid.UUID, list[ReportedValue]] = defaultdict(list)
    if subject_ids:
        for subject_id, reported_on, items in await report_rows.approved_values(session, subject_ids):
            values[subject_id].extend(ReportedValue(item["period"], Decimal(item["value"]), reported_on)
                                      for item in items)
    return values


# --- An indicator as columns of a goal or result row, and back ----------------------------------


def indicator_columns(body: IndicatorIn) -> dict[str, Any]:
    return {
        "unit": body.unit, "measure_kind": body.measure_kind, "ascending": body.ascending,
        "baseline_value": body.baseline.value if body.baseline else None,
        "baseline_year": body.baseline.year if body.baseline else None,
        "targets": [{"period": t.period, "value": str(t.value)} for t in body.targets],
        "aggregation": body.aggregation,
        "series_measure": body.series.measure if body.series else None,
        "series_region": body.series.region if body.series else None,
        "series_occupation": body.series.occupation if body.series else None,
    }


def indicator_fields(row: Goal | Result) -> dict[str, Any]:
    return {
        "unit": row.unit, "measure_kind": row.measure_kind, "ascending": row.ascending,
        "baseline": ({"value": row.baseline_value, "year": row.baseline_year}
                     if row.baseline_value is not None else None),
        "targets": row.targets, "aggregation": row.aggregation,
        "series": ({"measure": row.series_measure, "region": row.series_region, "occupation": row.series_occupation}
                   if row.series_measure else None),
    }


def indicator_input(row: Goal | Result) -> dict[str, Any]:
    """The stored indicator as a request body would give it, to check a PATCH's outcome whole."""
    fields = indicator_fields(row)
    return {**fields, "targets": [{"period": t["period"], "value": t["value"]} for t in fields["targets"]]}
