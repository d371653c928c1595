"""Bodies of results."""

import uuid
from typing import Annotated

from pydantic import Field, StringConstraints

from services.actions_api.domain import MeasureKind
from services.actions_api.schemas import Strict
from services.actions_api.schemas.indicators import Indicator, IndicatorIn, Measurement


class ResultIndicatorIn(IndicatorIn):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)] | None = None


class ResultIn(Strict):
    description: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
    indicator: ResultIndicatorIn = Field(
        default_factory=lambda: ResultIndicatorIn(measure_kind=MeasureKind.qualitative),
        description="How the result is measured; qualitative when omitted")


class ResultPatch(Strict):
    description: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)] | None = None
    indicator: ResultIndicatorIn | None = Field(default=None, description="Replaces the whole indicator")


class ResultIndicator(Indicator):
    name: str | None


class ResultOut(Measurement):
    id: uuid.UUID
    action_id: uuid.UUID
    description: str
    indicator: ResultIndicator
    version: int
