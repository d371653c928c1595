"""How the types read the services' JSON: dates, numbers, one record by its key."""

from collections.abc import Callable
from datetime import date
from typing import Any, TypeVar

from strawberry.dataloader import DataLoader

Record = TypeVar("Record")
Node = TypeVar("Node")


def as_date(value: Any) -> date | None:
    return date.fromisoformat(value[:10]) if isinstance(value, str) and value else None


def as_float(value: Any) -> float | None:
    """Decimals come as JSON numbers or as text."""
    return None if value is None else float(value)


async def load_one(loader: DataLoader[str, Record | None], key: Any,
                   wrap: Callable[[Record], Node]) -> Node | None:
    """The node of `key` (an id, slug or code a record names), or None when there is none."""
    if not key:
        return None
    found = await loader.load(str(key))
    return wrap(found) if found else None
