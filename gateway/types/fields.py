"""How the types read the services' JSON: dates, numbers, one record by its key."""

import math
from collections.abc import Callable
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from strawberry.dataloader import DataLoader

from gateway.downstream import DownstreamError

Record = TypeVar("Record")
Node = TypeVar("Node")


def as_date(value: Any) -> date | None:
    return date.fromisoformat(value[:10]) if isinstance(value, str) and value else None


def as_float(value: Any) -> float | None:
    """Decimals come as JSON numbers or as text."""
    return None if value is None else float(value)


class ValueOutOfRange(DownstreamError):
    """A figure beyond what a GraphQL Float (a double) holds, e.g. a sum of huge counts: that one field
    is null with this error, the rest of the answer stands."""

    def __init__(self, value: Decimal) -> None:
        super().__init__(f"The value {value:.6E} is beyond the range of a GraphQL Float.")
        self.extensions = {"code": "VALUE_OUT_OF_RANGE", "value": str(value)}


def as_decimal(value: Any) -> Decimal | None:
    """A JSON number (an int of any size, a float) or a decimal text, exactly."""
    if value is None or isinstance(value, bool):
        return None
    try:
        return Decimal(value) if isinstance(value, (int, str)) else Decimal(repr(float(value)))
    except (InvalidOperation, ValueError):
        return None


def float_in_range(value: Decimal | None) -> float | None:
    if value is None:
        return None
    converted = float(value)
    if not math.isfinite(converted):
        raise ValueOutOfRange(value)
    return converted


async def load_one(loader: DataLoader[str, Record | None], key: Any,
                   wrap: Callable[[Record], Node]) -> Node | None:
    """The node of `key` (an id, slug or code a record names), or None when there is none."""
    if not key:
        return None
    found = await loader.load(str(key))
    return wrap(found) if found else None
