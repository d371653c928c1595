"""Sign-ups ("Meedoen?"), which a coordinator approves or rejects."""

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

from common.json_types import JsonDate
from services.partners_api.domain import OrganisationKind, SignupStatus
from services.partners_api.schemas import (
    MUNICIPALITY,
    ContactName,
    EmailAddress,
    KvkNumber,
    Name,
    Sectors,
    Strict,
    blank_to_none,
    matching,
)


class SignupCreate(Strict):
    organisation_name: Name
    kind: OrganisationKind
    municipality_code: Annotated[str, StringConstraints(strip_whitespace=True), AfterValidator(
        matching(MUNICIPALITY, "a municipality code is GM and 4 digits, e.g. GM0402", upper=True))]
    kvk_number: KvkNumber = None
    sectors: Sectors = Field(default=[], description="Codes of the sector list (GET /v1/sectors)")
    contact_name: ContactName
    contact_email: EmailAddress
    message: Annotated[Annotated[str, StringConstraints(max_length=2000)] | None,
                       BeforeValidator(blank_to_none)] = None


class SignupAccepted(BaseModel):
    id: uuid.UUID
    status: Literal[SignupStatus.PENDING]


class Signup(BaseModel):
    id: uuid.UUID
    pact: str
    organisation_name: str
    kind: OrganisationKind
    municipality_code: str
    kvk_number: str | None
    sectors: list[str]
    contact_name: str | None = Field(description="Personal data: null unless the token carries contacts:read")
    contact_email: str | None = Field(description="Personal data: null unless the token carries contacts:read")
    message: str | None
    status: SignupStatus
    organisation_id: uuid.UUID | None
    membership_id: uuid.UUID | None
    decided_by: str | None
    decided_at: datetime | None
    reason: str | None
    created_at: datetime

    model_config = ConfigDict(from_attributes=True)


class SignupApprove(Strict):
    """Link to an existing organisation, or (without one) to the one with the sign-up's KvK number,
    or else create it; the membership starts on `joined_on` (today when not given)."""

    organisation_id: uuid.UUID | None = None
    joined_on: JsonDate | None = None


class SignupReject(Strict):
    reason: Annotated[str | None, StringConstraints(max_length=2000)] = None
