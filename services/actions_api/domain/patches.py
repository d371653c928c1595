"""What every PATCH checks: no nulls where a value is required, and the outcome valid as a whole."""

from collections.abc import Iterable
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from common.problems import field_error, invalid

M = TypeVar("M", bound=BaseModel)


def refuse_nulls(changes: dict[str, Any], fields: Iterable[str], reason: str = "May not be null.") -> None:
    nulls = [field for field in fields if field in changes and changes[field] is None]
    if nulls:
        raise invalid([field_error(field, reason) for field in nulls])


def revalidate(model: type[M], data: dict[str, Any]) -> M:
    """A resource as a PATCH leaves it, checked whole as on creation; errors name the field."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise invalid([field_error(".".join(str(part) for part in error["loc"]) or "body",
                                   error["msg"].removeprefix("Value error, "))
                       for error in exc.errors()]) from None
