"""Bodies of action lines."""

import uuid

from pydantic import BaseModel, Field

from services.actions_api.schemas import LineNumber, Name, Number, Strict, Text
from services.actions_api.schemas.goals import GoalIn, GoalOut


class LineIn(Strict):
    number: LineNumber
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
