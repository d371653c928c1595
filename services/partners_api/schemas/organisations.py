"""An organisation of the registry, its source records, history and conflicts."""

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from common.json_types import JsonBool
from services.partners_api.domain import OrganisationKind
from services.partners_api.schemas import (
    BrinCode,
    Email,
    KvkNumber,
    LockableField,
    MunicipalityCode,
    Name,
    Oin,
    Sectors,
    Strict,
    Website,
)


class OrganisationFields(Strict):
    name: Name
    kind: OrganisationKind
    sectors: Sectors = Field(default=[])
    kvk_number: KvkNumber = None
    brin_code: BrinCode = None
    oin: Oin = None
    municipality_code: MunicipalityCode = None
    website: Website = None
    email: Email = None
    active: JsonBool = True


class OrganisationCreate(OrganisationFields):
    pass


class OrganisationPatch(Strict):
    """Only the fields sent change, and each becomes locked against pushes; `locked_fields`, when
    sent, sets the lock list itself (send `[]` to hand a record back to its pushing systems)."""

    name: Name | None = None
    kind: OrganisationKind | None = None
    sectors: Sectors | None = None
    kvk_number: KvkNumber = None
    brin_code: BrinCode = None
    oin: Oin = None
    municipality_code: MunicipalityCode = None
    website: Website = None
    email: Email = None
    active: JsonBool | None = None
    locked_fields: list[LockableField] | None = None


class Organisation(BaseModel):
    id: uuid.UUID
    name: str
    kind: OrganisationKind
    sectors: list[str]
    kvk_number: str | None
    brin_code: str | None
    oin: str | None
    municipality_code: str | None
    website: str | None
    email: str | None
    active: bool
    locked_fields: list[str]
    version: int
    created_at: datetime
    updated_at: datetime
    redirected_from: uuid.UUID | None = Field(
        default=None, description="Set when the id asked for is a duplicate a coordinator merged into this one")

    model_config = ConfigDict(from_attributes=True)


class OrganisationMerge(Strict):
    """The duplicate to merge into this organisation (the survivor)."""

    duplicate_id: uuid.UUID


class Change(BaseModel):
    id: int
    organisation_id: uuid.UUID
    changed_at: datetime
    changed_by: str
    source: str | None
    action: str
    field: str | None
    old: Any
    new: Any


class SourceRecord(BaseModel):
    """A source's claim on an organisation (its record's values are the coordinators' to read: conflicts)."""

    source: str
    external_id: str
    precedence: int = Field(description="1 is the highest: whose values the organisation serves first")
    active: bool = Field(description="False once the source withdrew the record")
    withdrawn_at: datetime | None
    first_linked_at: datetime
    created_at: datetime
    updated_at: datetime

    model_config = ConfigDict(from_attributes=True)


SourceName = Annotated[str, StringConstraints(min_length=1, max_length=100)]


class Precedence(Strict):
    """Every source that holds the organisation, once, highest precedence first."""

    sources: Annotated[list[SourceName], Field(min_length=1, max_length=100)]


class SourceValue(BaseModel):
    source: str
    external_id: str
    precedence: int
    value: Any


class FieldConflict(BaseModel):
    field: str
    served: Any = Field(description="What the organisation serves")
    locked: bool = Field(description="A coordinator's value, whatever the sources say")
    sources: list[SourceValue] = Field(description="Each holding source's value, in order of precedence")


class Conflict(BaseModel):
    organisation_id: uuid.UUID
    name: str
    fields: list[FieldConflict]

