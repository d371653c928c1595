"""Keyset pagination behind opaque cursors: `?limit=&cursor=`, answered with `next_cursor`.

A list declares its sort key once as a `Keyset` of columns. The cursor is the key of the last row
served, JSON in URL-safe base64; on the way back in, every value is checked against its column's
type, so a crafted cursor is a 422 naming `cursor`, never a query the database refuses.
"""

import base64
import binascii
import json
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel
from sqlalchemy import ColumnElement, Select, literal, tuple_

from common.problems import Problem, field_error, invalid
from common.request_limits import MAX_PAGE_SIZE

T = TypeVar("T")
R = TypeVar("R")
S = TypeVar("S", bound=Select)  # any select: one entity, several, or columns

DEFAULT_PAGE_SIZE = 50
MAX_CURSOR_LENGTH = 512

Limit = Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, description="Items per page")]
Cursor = Annotated[str | None, Query(max_length=MAX_CURSOR_LENGTH, description="`next_cursor` of the previous page")]


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = None


def cursor_refused() -> Problem:
    return invalid([field_error("cursor", "Not a cursor this list gave out.", **{"in": "query"})])


def encode_cursor(values: Sequence[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(values), default=str).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None, length: int) -> list[Any] | None:
    """The raw sort key the previous page ended on, or None for the first page."""
    if cursor is None:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, binascii.Error, RecursionError):
        raise cursor_refused() from None
    if not isinstance(values, list) or len(values) != length:
        raise cursor_refused()
    return values


def _typed(value: Any, python_type: type) -> Any:
    if value is None or isinstance(value, bool | dict | list):
        raise ValueError
    if python_type is bool:
        raise ValueError
    if python_type is int:
        if not isinstance(value, int) or not -(2**63) <= value < 2**63:
            raise ValueError
        return value
    if not isinstance(value, str):
        raise ValueError
    if python_type is str:
        return value
    if python_type is uuid.UUID:
        return uuid.UUID(value)
    if python_type is datetime:
        return datetime.fromisoformat(value)
    if python_type is date:
        return date.fromisoformat(value)
    raise ValueError


@dataclass(frozen=True)
class Keyset:
    """The sort key of a list, ascending; the last column must make it unique."""

    columns: tuple[ColumnElement[Any], ...]

    def __init__(self, *columns: Any) -> None:
        object.__setattr__(self, "columns", tuple(columns))

    def decode(self, cursor: str | None) -> list[Any] | None:
        values = decode_cursor(cursor, len(self.columns))
        if values is None:
            return None
        try:
            return [_typed(value, column.type.python_type) for value, column in zip(values, self.columns, strict=True)]
        except (ValueError, TypeError, OverflowError):
            raise cursor_refused() from None

    def paged(self, statement: S, cursor: str | None, limit: int) -> S:
        """The statement ordered by the key, after the cursor's row, one row past the page."""
        after = self.decode(cursor)
        if after is not None:
            bound = [literal(value, type_=column.type) for value, column in zip(after, self.columns, strict=True)]
            statement = statement.where(tuple_(*self.columns) > tuple_(*bound))
        return statement.order_by(*self.columns).limit(limit + 1)


def page_of(rows: Sequence[R], limit: int, key: Callable[[R], Sequence[Any]]) -> tuple[list[R], str | None]:
    """The page and the cursor of the next one (None on the last page), from `limit + 1` rows."""
    page = list(rows[:limit])
    next_cursor = encode_cursor(key(page[-1])) if len(rows) > limit else None
    return page, next_cursor
