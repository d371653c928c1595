"""The sector list."""

from typing import Annotated

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

from services.partners_api.schemas import Name, Strict, blank_to_none, plain_text

# A code as pushes write it once trimmed: no space at either end.
SECTOR_CODE_PATTERN = r"^[a-z0-9](?:[a-z0-9 &_-]{0,48}[a-z0-9&_-])?$"


class SectorIn(Strict):
    name: Annotated[Name, Field(description="The sector's name in Dutch, e.g. Installatietechniek")]
    description: Annotated[Annotated[str, StringConstraints(max_length=2000), AfterValidator(plain_text)] | None,
                           BeforeValidator(blank_to_none)] = None


class Sector(BaseModel):
    code: str
    name: str
    description: str | None
    version: int

    model_config = ConfigDict(from_attributes=True)


