"""Request and response bodies of the actions API (shapes agreed in briefs/contracts.md)."""

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    StringConstraints,
    ValidationInfo,
    field_validator,
)

from common.json_types import JsonBool, JsonDate, JsonInt
from services.actions_api import rules

Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", max_length=100)]
RegionCode = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{2,50}$")]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=20_000)]
Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
# Exact decimals inside; plain JSON numbers outside (integers stay integers: 10000, not 10000.0).
Number = Annotated[Decimal, PlainSerializer(
    lambda v: int(v) if v == v.to_integral_value() else float(v), return_type=int | float, when_used="json")]

PactLevel = Literal["national", "regional", "subregional"]
Role = Literal["lead", "participant", "coordination"]
MeasureKind = Literal["number", "percentage", "qualitative"]
Aggregation = Literal["sum", "latest"]
ActionStatus = Literal["planned", "in_progress", "delayed", "achieved", "stopped"]
MilestoneStatus = Literal["open", "met", "dropped"]
Subject = Literal["action", "milestone", "result"]
AgendaKind = Literal["signing", "meeting", "stakeholder_meeting", "monitoring", "deadline", "other"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- Pacts ------------------------------------------------------------------------------------


class PactIn(Strict):
    slug: Slug
    name: Name
    level: PactLevel
    parent: Slug | None = None
    region: RegionCode | None = None
    period_start: JsonDate | None = None
    period_end: JsonDate | None = None
    signed_on: JsonDate | None = None
    source_document: Annotated[str, StringConstraints(max_length=500)] | None = None

    @field_validator("period_end")
    @classmethod
    def _period_in_order(cls, value: date | None, info: ValidationInfo) -> date | None:
        start = info.data.get("period_start")
        if value and start and value < start:
            raise ValueError("The period ends before it starts.")
        return value


class PactPatch(Strict):
    name: Name | None = None
    region: RegionCode | None = None
    period_start: JsonDate | None = None
    period_end: JsonDate | None = None
    signed_on: JsonDate | None = None
    source_document: Annotated[str, StringConstraints(max_length=500)] | None = None


class PactOut(BaseModel):
    id: uuid.UUID
    slug: str
    name: str
    level: PactLevel
    parent: str | None
    region: str | None
    period_start: date | None
    period_end: date | None
    signed_on: date | None
    source_document: str | None
    children: list[str]
    version: int


# --- Indicators: goals and results ------------------------------------------------------------


class Baseline(Strict):
    value: Number
    year: JsonInt(ge=1900, le=2200) | None = Field(default=None, description="Null when the plan gives no year")


class PeriodValue(Strict):
    period: Annotated[str, StringConstraints(strip_whitespace=True, max_length=10)]
    value: Number

    @field_validator("period")
    @classmethod
    def _period(cls, value: str) -> str:
        return rules.parse_period(value.upper()).value


class Target(PeriodValue):
    period: Annotated[str, StringConstraints(strip_whitespace=True, max_length=10)] | None = Field(
        description="Null when the plan names a target without a year")

    @field_validator("period")
    @classmethod
    def _period(cls, value: str | None) -> str | None:
        return None if value is None else rules.parse_period(value.upper()).value


class SeriesRef(Strict):
    measure: Code
    region: RegionCode
    occupation: Code = "total"


class IndicatorIn(Strict):
    unit: Annotated[str, StringConstraints(strip_whitespace=True, max_length=50)] | None = None
    measure_kind: MeasureKind = "number"
    ascending: JsonBool = True
    baseline: Baseline | None = None
    targets: list[Target] = Field(default_factory=list, max_length=100)
    aggregation: Aggregation = "latest"
    series: SeriesRef | None = None

    # Field validators (not a model validator) so an error names the field it is about.
    @field_validator("baseline", "series")
    @classmethod
    def _fits_measure_kind(cls, value, info: ValidationInfo):
        kind = info.data.get("measure_kind")
        if value is not None and kind == "qualitative":
            raise ValueError("A qualitative indicator has no numeric baseline or series.")
        if kind == "percentage" and isinstance(value, Baseline) and not 0 <= value.value <= 100:
            raise ValueError("A percentage lies between 0 and 100.")
        return value

    @field_validator("targets")
    @classmethod
    def _targets(cls, value: list[Target], info: ValidationInfo) -> list[Target]:
        periods = [target.period for target in value]
        if len(periods) != len(set(periods)):
            raise ValueError("One target per period.")
        kind = info.data.get("measure_kind")
        if value and kind == "qualitative":
            raise ValueError("A qualitative indicator has no numeric targets.")
        if kind == "percentage" and any(not 0 <= target.value <= 100 for target in value):
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


class GoalIn(IndicatorIn):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
    scope: Literal["national", "regional"] = "regional"


class GoalPatch(Strict):
    """Fields to change; the goal as changed is checked whole, as on creation."""

    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)] | None = None
    scope: Literal["national", "regional"] | None = None
    unit: Annotated[str, StringConstraints(strip_whitespace=True, max_length=50)] | None = None
    measure_kind: MeasureKind | None = None
    ascending: JsonBool | None = None
    baseline: Baseline | None = None
    targets: list[Target] | None = Field(default=None, max_length=100)
    aggregation: Aggregation | None = None
    series: SeriesRef | None = None


class GoalOut(Indicator):
    id: uuid.UUID
    line_id: uuid.UUID
    pact: str
    name: str
    scope: Literal["national", "regional"]
    reported: list[PeriodValue]
    actual: Number | None
    version: int


# --- Action lines -----------------------------------------------------------------------------


class LineIn(Strict):
    number: JsonInt(ge=1, le=1000)
    name: Name
    aim: Text | None = None
    goals: list[GoalIn] = Field(default_factory=list, max_length=50)


class LineOut(BaseModel):
    id: uuid.UUID
    pact: str
    number: int
    name: str
    aim: str | None
    goals: list[GoalOut]
    progress: Number | None
    version: int


# --- Actions ----------------------------------------------------------------------------------


class ParticipantIn(Strict):
    role: Role
    organisation_id: uuid.UUID | None = None
    organisation_kind: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)] | None = Field(
        default=None, validate_default=True,
        description="A kind of organisation as the plan names it (\"MBO-instellingen\") when it names no one")
    label: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)] | None = None

    @field_validator("organisation_kind")
    @classmethod
    def _one_party(cls, value: str | None, info: ValidationInfo) -> str | None:
        if "organisation_id" not in info.data:
            return value  # the id itself was invalid and is reported already
        if (info.data["organisation_id"] is None) == (value is None):
            raise ValueError("Give either organisation_id or organisation_kind.")
        return value


class Participant(BaseModel):
    role: Role
    organisation_id: uuid.UUID | None
    organisation_kind: str | None
    label: str | None


class ActionIn(Strict):
    number: JsonInt(ge=1, le=100_000) | None = None
    line: JsonInt(ge=1, le=1000) | None = Field(default=None, description="The number of an action line of the same pact")
    title: Title
    description: Text | None = None
    aim: Text | None = None
    ambition: Text | None = None
    status: ActionStatus = "planned"
    participants: list[ParticipantIn] = Field(default_factory=list, max_length=500)


class ActionPatch(Strict):
    number: JsonInt(ge=1, le=100_000) | None = None
    line: JsonInt(ge=1, le=1000) | None = None
    title: Title | None = None
    description: Text | None = None
    aim: Text | None = None
    ambition: Text | None = None
    participants: list[ParticipantIn] | None = Field(default=None, max_length=500)


class StatusIn(Strict):
    status: ActionStatus


class Due(BaseModel):
    kind: Literal["date", "month", "quarter", "half", "year"]
    value: str
    label: str | None


class DueIn(Strict):
    kind: Literal["date", "month", "quarter", "half", "year"] | None = None
    value: Annotated[str, StringConstraints(strip_whitespace=True, max_length=10)] | None = None
    label: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] | None = None


class MilestoneOut(BaseModel):
    id: uuid.UUID
    action_id: uuid.UUID
    title: str
    due: Due
    due_by: date
    target_count: int | None
    reached_count: int | None
    status: MilestoneStatus
    met_on: date | None
    overdue: bool
    weight: Number
    version: int


class ActionOut(BaseModel):
    id: uuid.UUID
    pact: str
    line_number: int | None
    number: int
    title: str
    description: str | None
    aim: str | None
    ambition: str | None
    status: ActionStatus
    progress: Number
    overdue: bool
    version: int
    participants: list[Participant]
    next_milestone: MilestoneOut | None


class ParticipationOut(BaseModel):
    action_id: uuid.UUID
    organisation_id: uuid.UUID
    role: Role


# --- Milestones -------------------------------------------------------------------------------


class MilestoneIn(Strict):
    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
    due: Annotated[str, StringConstraints(max_length=200)] | DueIn
    target_count: JsonInt(ge=1, le=1_000_000_000) | None = None
    reached_count: JsonInt(ge=0, le=1_000_000_000) | None = None
    status: MilestoneStatus = "open"
    met_on: JsonDate | None = None
    weight: Decimal = Field(default=Decimal(1), ge=0, le=1000)


class MilestonePatch(Strict):
    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)] | None = None
    due: Annotated[str, StringConstraints(max_length=200)] | DueIn | None = None
    target_count: JsonInt(ge=1, le=1_000_000_000) | None = None
    reached_count: JsonInt(ge=0, le=1_000_000_000) | None = None
    status: MilestoneStatus | None = None
    met_on: JsonDate | None = None
    weight: Decimal | None = Field(default=None, ge=0, le=1000)


# --- Results ----------------------------------------------------------------------------------


class ResultIndicatorIn(IndicatorIn):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)] | None = None


class ResultIn(Strict):
    description: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
    indicator: ResultIndicatorIn = Field(
        default_factory=lambda: ResultIndicatorIn(measure_kind="qualitative"),
        description="How the result is measured; qualitative when omitted")


class ResultPatch(Strict):
    description: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)] | None = None
    indicator: ResultIndicatorIn | None = Field(default=None, description="Replaces the whole indicator")


class ResultIndicator(Indicator):
    name: str | None


class ResultOut(BaseModel):
    id: uuid.UUID
    action_id: uuid.UUID
    description: str
    indicator: ResultIndicator
    reported: list[PeriodValue]
    actual: Number | None
    version: int


# --- Progress reports -------------------------------------------------------------------------


class ReportIn(Strict):
    subject: Subject = "action"
    subject_id: uuid.UUID | None = Field(default=None, description="The milestone or result; the action itself when omitted")
    reported_on: JsonDate | None = Field(default=None, description="Today when omitted")
    status: Annotated[str, StringConstraints(max_length=20)] | None = Field(
        default=None, description="Proposed status: an action status, or a milestone status (open, met, dropped)")
    note: Text | None = None
    values: list[PeriodValue] = Field(default_factory=list, max_length=100)


class ReportPatch(Strict):
    """A draft or returned report, changed by its author before (re)submitting it."""

    reported_on: JsonDate | None = None
    status: Annotated[str, StringConstraints(max_length=20)] | None = None
    note: Text | None = None
    values: list[PeriodValue] | None = Field(default=None, max_length=100)


class GoalReportIn(Strict):
    reported_on: JsonDate | None = None
    note: Text | None = None
    values: list[PeriodValue] = Field(min_length=1, max_length=100)


class ReviewIn(Strict):
    note: Text | None = None


class ReportOut(BaseModel):
    id: uuid.UUID
    action_id: uuid.UUID | None
    subject: Literal["action", "milestone", "result", "goal"]
    subject_id: uuid.UUID
    reported_on: date
    status: str | None
    note: str | None
    values: list[PeriodValue]
    state: Literal["draft", "submitted", "approved", "returned"]
    author: str
    submitted_at: datetime | None
    reviewed_by: str | None
    reviewed_at: datetime | None
    review_note: str | None
    version: int


# --- Agenda -----------------------------------------------------------------------------------


class AgendaIn(Strict):
    on: JsonDate
    when: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] | None = Field(
        default=None, description="The moment as the plan wrote it, when it gave no exact day")
    label: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
    kind: AgendaKind = "meeting"


class AgendaOut(BaseModel):
    id: uuid.UUID
    pact: str
    on: date
    when: str | None
    label: str
    kind: AgendaKind
    version: int
