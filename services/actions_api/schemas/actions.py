"""Bodies of actions and their participations."""

import uuid
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints, ValidationInfo, field_validator

from services.actions_api.domain import ActionStatus, ParticipationRole
from services.actions_api.schemas import ActionNumber, LineNumber, Number, Strict, Text, Title
from services.actions_api.schemas.milestones import MilestoneOut

OrganisationKind = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class ParticipantIn(Strict):
    role: ParticipationRole
    organisation_id: uuid.UUID | None = None
    organisation_kind: OrganisationKind | None = Field(
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
    role: ParticipationRole
    organisation_id: uuid.UUID | None
    organisation_kind: str | None
    label: str | None


class ActionIn(Strict):
    number: ActionNumber | None = None
    line: LineNumber | None = Field(default=None, description="The number of an action line of the same pact")
    title: Title
    description: Text | None = None
    aim: Text | None = None
    ambition: Text | None = None
    status: ActionStatus = ActionStatus.planned
    participants: list[ParticipantIn] = Field(default_factory=list, max_length=500)


class ActionPatch(Strict):
    number: ActionNumber | None = None
    line: LineNumber | None = None
    title: Title | None = None
    description: Text | None = None
    aim: Text | None = None
    ambition: Text | None = None
    participants: list[ParticipantIn] | None = Field(default=None, max_length=500)


class StatusIn(Strict):
    status: ActionStatus


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
    allowed_statuses: list[ActionStatus] = Field(
        default_factory=list, description="The statuses it may move to from the one it has: what a report "
        "may propose, and what approving it can do")


class ParticipationOut(BaseModel):
    action_id: uuid.UUID
    organisation_id: uuid.UUID
    role: ParticipationRole


class ParticipationsMove(Strict):
    """partners_api merged `from_organisation_id` into `to_organisation_id`: its participations follow."""

    from_organisation_id: uuid.UUID
    to_organisation_id: uuid.UUID


class ParticipationsMoved(BaseModel):
    moved: int
