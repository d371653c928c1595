"""Contact persons: personal data, only with contacts:read."""

import uuid
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, StringConstraints, WithJsonSchema

from services.partners_api.schemas import ContactName, Email, Strict, blank_to_none


class ContactCreate(Strict):
    name: ContactName
    role: Annotated[Annotated[str, StringConstraints(max_length=200)] | None, BeforeValidator(blank_to_none)] = None
    email: Email = None
    # A blank phone means "not given" (None), so the documented pattern admits blanks too.
    phone: Annotated[Annotated[str, StringConstraints(pattern=r"^\+?[0-9 ()-]{6,40}$")] | None,
                     BeforeValidator(blank_to_none),
                     WithJsonSchema({"anyOf": [{"type": "string", "pattern": r"^(\+?[0-9 ()-]{6,40}|\s*)$"},
                                               {"type": "null"}], "title": "Phone"})] = None


class Contact(BaseModel):
    id: uuid.UUID
    organisation_id: uuid.UUID
    name: str
    role: str | None
    email: str | None
    phone: str | None

    model_config = ConfigDict(from_attributes=True)


