"""Bodies of milestones and their due moments."""

import uuid
from datetime import date
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from common.json_types import JsonDate
from services.actions_api.domain import MilestoneStatus, MomentKind
from services.actions_api.schemas import Number, ReachedCount, Strict, TargetCount


class Due(BaseModel):
    kind: MomentKind
    value: str
    label: str | None


class DueIn(Strict):
    kind: MomentKind | None = None
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


class MilestoneIn(Strict):
    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
    due: Annotated[str, StringConstraints(max_length=200)] | DueIn
    target_count: TargetCount | None = None
    reached_count: ReachedCount | None = None
    status: MilestoneStatus = MilestoneStatus.open
    met_on: JsonDate | None = None
    weight: Decimal = Field(default=Decimal(1), ge=0, le=1000)


class MilestonePatch(Strict):
    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)] | None = None
    due: Annotated[str, StringConstraints(max_length=200)] | DueIn | None = None
    target_count: TargetCount | None = None
    reached_count: ReachedCount | None = None
    status: MilestoneStatus | None = None
    met_on: JsonDate | None = None
    weight: Decimal | None = Field(default=None, ge=0, le=1000)
