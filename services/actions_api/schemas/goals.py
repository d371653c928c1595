"""Bodies of goals."""

import uuid
from typing import Annotated

from pydantic import Field, StringConstraints

from common.json_types import JsonBool
from services.actions_api.domain import Aggregation, GoalScope, MeasureKind
from services.actions_api.schemas import Strict
from services.actions_api.schemas.indicators import (
    Baseline,
    Indicator,
    IndicatorIn,
    Measurement,
    SeriesRef,
    Target,
    Window,
)


class GoalIn(IndicatorIn):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
    scope: GoalScope = GoalScope.regional


class GoalPatch(Strict):
    """Fields to change; the goal as changed is checked whole, as on creation."""

    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)] | None = None
    scope: GoalScope | None = None
    unit: Annotated[str, StringConstraints(strip_whitespace=True, max_length=50)] | None = None
    measure_kind: MeasureKind | None = None
    ascending: JsonBool | None = None
    baseline: Baseline | None = None
    targets: list[Target] | None = Field(default=None, max_length=100)
    aggregation: Aggregation | None = None
    series: SeriesRef | None = None
    window: Window | None = None


class GoalOut(Indicator, Measurement):
    id: uuid.UUID
    line_id: uuid.UUID
    pact: str
    name: str
    scope: GoalScope
    version: int
