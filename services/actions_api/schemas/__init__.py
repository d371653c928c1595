"""Request and response bodies of the actions API, one module per aggregate as in domain/; here the field types
they share. Their vocabularies are the domain's (services/actions_api/domain/__init__.py)."""

from decimal import Decimal
from typing import TYPE_CHECKING, Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, PlainSerializer, StringConstraints

from common.json_types import JsonInt
from common.periods import parse_period

Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", max_length=100)]
RegionCode = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{2,50}$")]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=20_000)]
Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
# Exact decimals inside; plain JSON numbers outside (integers stay integers: 10000, not 10000.0).
Number = Annotated[Decimal, PlainSerializer(
    lambda v: int(v) if v == v.to_integral_value() else float(v), return_type=int | float, when_used="json")]

if TYPE_CHECKING:  # mypy cannot read a type built by a call; to it these are the plain ints they hold
    Year = int
    LineNumber = int
    ActionNumber = int
    TargetCount = int
    ReachedCount = int
else:
    Year = JsonInt(ge=1900, le=2200)
    LineNumber = JsonInt(ge=1, le=1000)
    ActionNumber = JsonInt(ge=1, le=100_000)
    TargetCount = JsonInt(ge=1, le=1_000_000_000)
    ReachedCount = JsonInt(ge=0, le=1_000_000_000)


def _canonical_period(value: str) -> str:
    return str(parse_period(value))


# A period of a value or target, in any form common.periods reads, served canonically (2016, 2016-Q3, 2016-07).
Period = Annotated[str, StringConstraints(strip_whitespace=True, max_length=10), AfterValidator(_canonical_period)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")
