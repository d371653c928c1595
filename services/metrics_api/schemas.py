"""Request and response bodies of the metrics API."""

import uuid
from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from common.json_types import JsonDateTime
from services.metrics_api.domain import (
    MeasureKind,
    MissingReason,
    ObservationStatus,
    RegionKind,
    SeriesFrequency,
    ValueType,
)

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]
SOURCE_PATTERN = r"^[a-z0-9][a-z0-9_.-]{0,99}$"
SourceCode = Annotated[str, StringConstraints(pattern=SOURCE_PATTERN)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RegionIn(Strict):
    code: Code | None = Field(None, description="Optional; if given, the code in the path")
    name: Name
    kind: RegionKind
    parent: Code | None = Field(None, description="The region this one lies in, e.g. a municipality's province")
    members: list[Code] = Field(default_factory=list, max_length=1000,
                                description="Only for kind `aggregate`: the regions it sums")
    valid_from: date | None = Field(None, description="The day the region came into being, when known")
    valid_to: date | None = Field(
        None, description="The day it stopped existing (a merged-away municipality: CBS's einddatum, exclusive); "
                          "feeds may use its code only for periods that end before this day")
    successor: Code | None = Field(None, description="The region a merged-away one became part of (needs valid_to)")


class RegionOut(BaseModel):
    code: str
    name: str
    kind: RegionKind
    parent: str | None
    members: list[str]
    member_of: list[str] = Field(description="Aggregates this region is a member of")
    valid_from: date | None
    valid_to: date | None
    successor: str | None
    version: int


class MeasureIn(Strict):
    code: Code | None = Field(None, description="Optional; if given, the code in the path")
    name: Name
    unit: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]
    unit_multiplier: int = Field(0, ge=-9, le=12, description="Values are in units of 10**unit_multiplier")
    kind: MeasureKind = Field(description="flow: arose in the period; stock: at the period's end")
    value_type: ValueType = Field(
        ValueType.COUNT, description="count: whole numbers >= 0, adds up; amount: adds up; share: 0-1, never summed")
    forecasts_allowed: bool = Field(
        False, description="Whether feeds may post periods after the end of next year (forecasts) for this measure")
    primary_source: SourceCode | None = Field(
        None, description="The source whose figures a series serves when the reader names none (a source that has "
                          "posted figures); without it, the first source that posted figures of the measure")


class MeasureOut(BaseModel):
    code: str
    name: str
    unit: str
    unit_multiplier: int
    kind: MeasureKind
    value_type: ValueType
    forecasts_allowed: bool
    primary_source: str | None = Field(description="As a metrics:admin set it; null: the first source serves")
    first_source: str | None = Field(description="The first source that posted figures of the measure")
    serving_source: str | None = Field(
        description="The source a series serves without `source=`: primary_source, else first_source")
    version: int


class OccupationIn(Strict):
    code: Code | None = Field(None, description="Optional; if given, the code in the path")
    name: Name
    parent: Code | None = None
    members: list[Code] = Field(default_factory=list, max_length=1000,
                                description="Classes this one is the sum of, when it is defined that way")


class OccupationOut(BaseModel):
    code: str
    name: str
    parent: str | None
    members: list[str]
    version: int


class FeedAnswer(BaseModel):
    batch_id: uuid.UUID | None = Field(description="null for a dry run")
    received: int
    inserted: int
    revised: int
    unchanged: int
    dry_run: bool = False


class BatchOut(BaseModel):
    id: uuid.UUID
    source: str
    subject: str
    received_at: datetime
    content_type: str
    idempotency_key: str | None
    received: int
    inserted: int
    revised: int
    unchanged: int


class ObservationOut(BaseModel):
    measure: str
    region: str
    occupation: str
    period: str
    value: int | float | None
    status: ObservationStatus
    missing_reason: MissingReason | None
    revision: int
    withdrawn: bool
    source: str
    batch_id: uuid.UUID
    recorded_at: datetime


class SeriesPoint(BaseModel):
    period: str
    value: int | float | None
    status: ObservationStatus | None
    revision: int | None = Field(description="null for a derived point")
    derived: bool
    share: float | None = Field(
        description="value / the `total` class's value, same region and period; null when that is not 0 to 1")
    change: float | None = Field(description="value minus the previous period's value")
    missing_reason: MissingReason | None


class Series(BaseModel):
    measure: str
    region: str
    occupation: str
    source: str | None = Field(
        description="The source whose figures these are: the one asked for, else the measure's primary source "
                    "(null while no source has posted figures of the measure)")
    unit: str
    unit_multiplier: int
    kind: MeasureKind
    frequency: SeriesFrequency | None = Field(
        description="The frequency of every point: the one asked for, else the finest that has figures")
    derived: bool = Field(description="true when any point is summed from member regions or classes")
    points: list[SeriesPoint]


class SeriesSpec(Strict):
    measure: Code
    region: Code
    occupation: Code = "total"
    from_: Code | None = Field(None, alias="from")
    to: Code | None = None
    frequency: SeriesFrequency | None = None
    as_of: JsonDateTime | None = None
    source: SourceCode | None = Field(None, description="The provider whose figures to serve; else the primary one")


class SeriesQuery(Strict):
    series: list[SeriesSpec] = Field(max_length=500)


class SeriesList(BaseModel):
    series: list[Series]
