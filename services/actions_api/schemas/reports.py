"""Bodies of progress reports."""

import uuid
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, Field, PlainValidator, StringConstraints, WithJsonSchema
from pydantic_core import PydanticCustomError

from common.json_types import JsonDate
from services.actions_api.domain import ReportState, ReportSubject
from services.actions_api.schemas import Strict, Text
from services.actions_api.schemas.indicators import PeriodValue

UNDER_AN_ACTION = [subject for subject in ReportSubject if subject is not ReportSubject.goal]
_EXPECTED = ", ".join(f"'{subject}'" for subject in UNDER_AN_ACTION[:-1]) + f" or '{UNDER_AN_ACTION[-1]}'"


def _under_an_action(value: Any) -> ReportSubject:
    if value not in UNDER_AN_ACTION:
        raise PydanticCustomError("literal_error", "Input should be {expected}", {"expected": _EXPECTED})
    return ReportSubject(value)


# What a report made under an action is about: the action itself, or one of its milestones or results.
# A goal's reports are made on the goal (POST /v1/goals/{goal_id}/progress-reports).
ActionReportSubject = Annotated[
    ReportSubject, PlainValidator(_under_an_action),
    WithJsonSchema({"type": "string", "enum": [subject.value for subject in UNDER_AN_ACTION]}),
]


class ReportIn(Strict):
    subject: ActionReportSubject = ReportSubject.action
    subject_id: uuid.UUID | None = Field(default=None,
                                         description="The milestone or result; the action itself when omitted")
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
    subject: ReportSubject
    subject_id: uuid.UUID
    reported_on: date
    status: str | None
    note: str | None
    values: list[PeriodValue]
    state: ReportState
    author: str
    submitted_at: datetime | None
    reviewed_by: str | None
    reviewed_at: datetime | None
    review_note: str | None
    version: int
