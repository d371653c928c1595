"""An indicator as goals and results carry it: unit, baseline, targets, window, how its actual is made."""

from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, Field, StringConstraints, ValidationInfo, field_validator

from common.json_types import JsonBool
from common.periods import parse_period
from services.actions_api.domain import ActualSource, Aggregation, MeasureKind, ProgressNote, TargetKind
from services.actions_api.schemas import Code, Number, Period, RegionCode, Strict, Year

PERCENT_RANGE = (Decimal(0), Decimal(100))


class Baseline(Strict):
    value: Number
    year: Year | None = Field(default=None, description="Null when the plan gives no year")


class PeriodValue(Strict):
    period: Period
    value: Number


class Target(Strict):
    period: Period | None = Field(description="Null when the plan names a target without a year")
    value: Number
    kind: TargetKind = Field(default=TargetKind.level, description=(
        "level: the value to reach (\"40% in 2020\"); change: the value added to the baseline, in the unit; "
        "relative_change: the change in percent of the baseline (\"10% meer in 2016\" is 10)"))


class SeriesRef(Strict):
    measure: Code
    region: RegionCode
    occupation: Code = "total"
    scale: Annotated[Number, Field(gt=0, le=1_000_000)] = Field(default=Decimal(1), description=(
        "Multiplies the series' values into the indicator's unit: 100 for a share (0..1) read as a percentage"))


class Window(Strict):
    """The periods an indicator's actual counts, both ends included; an open end is null."""

    start: Period | None = None
    end: Period | None = None


def _in_percent_range(target: Target, baseline: Baseline | None) -> bool:
    if target.kind == TargetKind.level:
        level: Decimal | None = target.value
    elif baseline is None:
        level = None
    elif target.kind == TargetKind.change:
        level = baseline.value + target.value
    else:
        level = baseline.value * (1 + target.value / 100)
    return level is None or PERCENT_RANGE[0] <= level <= PERCENT_RANGE[1]


class IndicatorIn(Strict):
    unit: Annotated[str, StringConstraints(strip_whitespace=True, max_length=50)] | None = None
    measure_kind: MeasureKind = MeasureKind.number
    ascending: JsonBool = True
    baseline: Baseline | None = None
    targets: list[Target] = Field(default_factory=list, max_length=100)
    aggregation: Aggregation = Aggregation.latest
    series: SeriesRef | None = None
    window: Window | None = Field(default=None, validate_default=True, description=(
        "Declared bounds of the periods counted; by default from the baseline's year to the latest target's period"))

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
        if any(target.kind == TargetKind.relative_change and target.value <= -100 for target in value):
            raise ValueError("A relative change is more than -100 (percent of the baseline).")
        if kind == MeasureKind.percentage and not all(_in_percent_range(t, info.data.get("baseline")) for t in value):
            raise ValueError("A percentage lies between 0 and 100.")
        return value

    @field_validator("window")
    @classmethod
    def _window(cls, value: Window | None, info: ValidationInfo) -> Window | None:
        start = value.start if value and value.start else None
        end = value.end if value and value.end else None
        if start and end and parse_period(end).ends_on < parse_period(start).starts_on:
            raise ValueError("The window ends before it starts.")
        baseline = info.data.get("baseline")
        if start is None and baseline is not None and baseline.year is not None:
            start = str(baseline.year)
        elif start and baseline is not None and baseline.year is not None and start != str(baseline.year):
            raise ValueError("The window starts at the baseline's year; leave start out or give that year.")
        if start is None and info.data.get("aggregation") == Aggregation.sum and info.data.get("series"):
            # Summing a shared series from its first period would count what happened before the goal was set.
            raise ValueError("A summed indicator read from a series needs the window's start (or a baseline year).")
        return value


class Actual(BaseModel):
    value: Number
    period: str = Field(description="The latest period counted")
    source: ActualSource
    derived: bool = Field(description="Summed by metrics_api from member regions or classes")


class Indicator(BaseModel):
    unit: str | None
    measure_kind: MeasureKind
    ascending: bool
    baseline: Baseline | None
    targets: list[Target]
    aggregation: Aggregation
    series: SeriesRef | None
    window: Window = Field(description="The periods counted: as declared, else baseline year to latest target")


class Measurement(BaseModel):
    """What actions_api measures of an indicator: the same rule for every client."""

    reported: list[PeriodValue] = Field(description="Approved reported values, one per period in time order")
    actual: Actual | None = Field(description="Within the window: the sum or the latest value, in the unit")
    progress: Number | None = Field(description="The share of the way from the baseline to the (last) target: "
                                                "(actual - baseline) / (target - baseline); 1 at the target")
    progress_note: ProgressNote | None = Field(description="Why progress is null")
