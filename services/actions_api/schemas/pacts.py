"""Bodies of pacts."""

import uuid
from datetime import date
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints, ValidationInfo, field_validator

from common.json_types import JsonDate
from services.actions_api.domain import PactLevel
from services.actions_api.schemas import Name, RegionCode, Slug, Strict

COORDINATOR = ("The organisation (its partners_api id) that coordinates the pact: the one to contact to join it "
               "(\"Meedoen?\"); its contact persons are personal data, shown with contacts:read")


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
    coordinator: uuid.UUID | None = Field(default=None, description=COORDINATOR)

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
    coordinator: uuid.UUID | None = Field(default=None, description=COORDINATOR)


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
    coordinator: uuid.UUID | None
    children: list[str]
    version: int
