"""Bodies of a pact's agenda items."""

import uuid
from datetime import date
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from common.json_types import JsonDate
from services.actions_api.domain import AgendaKind
from services.actions_api.schemas import Strict


class AgendaIn(Strict):
    on: JsonDate
    when: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] | None = Field(
        default=None, description="The moment as the plan wrote it, when it gave no exact day")
    label: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
    kind: AgendaKind = AgendaKind.meeting


class AgendaOut(BaseModel):
    id: uuid.UUID
    pact: str
    on: date
    when: str | None
    label: str
    kind: AgendaKind
    version: int
