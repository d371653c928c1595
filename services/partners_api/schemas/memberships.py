"""Memberships of pacts."""

import uuid
from datetime import date

from pydantic import BaseModel, ConfigDict

from common.json_types import JsonDate
from services.partners_api.schemas import Strict
from services.partners_api.schemas.organisations import Organisation


class MembershipCreate(Strict):
    organisation_id: uuid.UUID
    joined_on: JsonDate


class MembershipLeave(Strict):
    left_on: JsonDate


class Membership(BaseModel):
    id: uuid.UUID
    organisation_id: uuid.UUID
    pact: str
    joined_on: date
    left_on: date | None

    model_config = ConfigDict(from_attributes=True)


class MemberOfPact(Membership):
    organisation: Organisation


