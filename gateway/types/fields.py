"""How the types read the services' JSON: dates, numbers, one record by its key."""

import asyncio
import math
from collections.abc import Awaitable, Callable, Sequence
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, TypeAlias, TypeVar

from strawberry.dataloader import DataLoader
from strawberry.types.nodes import SelectedField, Selection

from gateway.downstream import DownstreamError

Record = TypeVar("Record")
Node = TypeVar("Node")
Value = TypeVar("Value")
Result = TypeVar("Result")
# What a resolver written as a plain function returns: its value, or an awaitable graphql-core awaits.
Soon: TypeAlias = Result | Awaitable[Result]


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


def then(awaitable: Awaitable[Value], convert: Callable[[Value], Result]) -> Soon[Result]:
    """`convert` of what `awaitable` gives: at once when it is a finished future (a loader's record that
    is already fetched), else through a coroutine that awaits it.

    The resolvers of fields inside lists (an action's lead and milestones, a participant's organisation)
    are plain functions returning this, rather than coroutines: graphql-core calls a plain resolver
    without a coroutine of its own, Strawberry without its await wrappers, so each such field costs a
    fraction of what an `async def` one does, and nothing at all to await where the value is known."""
    if isinstance(awaitable, asyncio.Future) and awaitable.done():
        return convert(awaitable.result())
    return _converted(awaitable, convert)


async def _converted(awaitable: Awaitable[Value], convert: Callable[[Value], Result]) -> Result:
    return convert(await awaitable)


def load_soon(loader: DataLoader[str, Record | None], key: Any, wrap: Callable[[Record], Node]) -> Soon[Node | None]:
    """`load_one` for a plain resolver: None at once when there is no key."""
    if not key:
        return None
    return then(loader.load(str(key)), lambda found: wrap(found) if found else None)


def _fields(selections: Sequence[Selection]) -> list[SelectedField]:
    """The fields of a selection, through its fragments; none that an @include or @skip decides at run time."""
    found: list[SelectedField] = []
    for item in selections:
        if item.directives:
            continue
        if isinstance(item, SelectedField):
            found.append(item)
        else:
            found += _fields(item.selections)
    return found


def below(selections: Sequence[Selection], *names: str) -> list[SelectedField]:
    """The fields selected inside the fields named `names`, one level each (`below(s, "edges", "node")`):
    what a resolver may fetch ahead for its children. Where the selection is only known at run time
    (a directive), nothing is found, so nothing is fetched that the query may not need."""
    level = _fields(selections)
    for name in names:
        level = [child for field in level if field.name == name for child in _fields(field.selections)]
    return level
