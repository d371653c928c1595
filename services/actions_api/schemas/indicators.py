"""An indicator as goals and results carry it: unit, baseline, targets, how its actual is made."""

from typing import Annotated, Any

from pydantic import BaseModel, Field, StringConstraints, ValidationInfo, field_validator

from common.json_types import JsonBool
from services.actions_api.domain import Aggregation, MeasureKind
from services.actions_api.schemas import Code, Number, Period, RegionCode, Strict, Year


class Baseline(Strict):
    value: Number
    year: Year | None = Field(default=None, description="Null when the plan gives no year")


class PeriodValue(Strict):
    period: Period
    value: Number


class Target(Strict):
    period: Period | None = Field(description="Null when the plan names a target without a year")
    value: Number


class SeriesRef(Strict):
    measure: Code
    region: RegionCode
    occupation: Code = "total"


class IndicatorIn(Strict):
    unit: Annotated[str, StringConstraints(strip_whitespace=True, max_length=50)] | None = None
    measure_kind: MeasureKind = MeasureKind.number
    ascending: JsonBool = True
    baseline: Baseline | None = None
    targets: list[Target] = Field(default_factory=list, max_length=100)
    aggregation: Aggregation = Aggregation.latest
    series: SeriesRef | None = None

    # Field validators (not a model validator) so an error names the field it is about.
    @field_validator("baseline", "series")
    @classmethod
    def _fits_measure_kind(cls, value: Any, info: ValidationInfo) -> Any:
        kind = info.data.get("measure_kind")
        if value is not None and kind == MeasureKind.qualitative:
            raise ValueError("A qualitative indicator has no numeric baseline or series.")
        if kind == MeasureKind.percentage and isinstance(value, Baseline) and not 0 <= value.value <= 100:
            raise ValueError("A percentage lies between 0 and 100.")
        return value

    @field_validator("targets")
    @classmethod
    def _targets(cls, value: list[Target], info: ValidationInfo) -> list[Target]:
        periods = [target.period for target in value]
        if len(periods) != len(set(periods)):
            raise ValueError("One target per period.")
        kind = info.data.get("measure_kind")
        if value and kind == MeasureKind.qualitative:
            raise ValueError("A qualitative indicator has no numeric targets.")
        if kind == MeasureKind.percentage and any(not 0 <= target.value <= 100 for target in value):
            raise ValueError("A percentage lies between 0 and 100.")
        return value


class Indicator(BaseModel):
    unit: str | None
    measure_kind: MeasureKind
    ascending: bool
    baseline: Baseline | None
    targets: list[Target]
    aggregation: Aggregation
    series: SeriesRef | None
