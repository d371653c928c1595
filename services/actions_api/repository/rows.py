"""Reading one row by id, and writing rows: the part every aggregate shares."""

import uuid
from typing import Any, TypeVar, TypeVarTuple, cast

from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession

from common.pagination import Keyset
from common.problems import not_found
from services.actions_api.models import Base

R = TypeVar("R", bound=Base)
Columns = TypeVarTuple("Columns")


async def get(session: AsyncSession, model: type[R], row_id: uuid.UUID, noun: str) -> R:
    """The row with this id; 404 naming the noun when there is none."""
    row = await session.get(model, row_id)
    if row is None:
        raise not_found(noun, row_id)
    return row


async def save(session: AsyncSession, *rows: Base) -> None:
    session.add_all(rows)
    await session.flush()


async def flush(session: AsyncSession) -> None:
    await session.flush()


def paged(keyset: Keyset, statement: Select[*Columns], cursor: str | None,
          limit: int) -> Select[*Columns]:
    """Keyset.paged, keeping the statement's column types (common types it as a select of one column)."""
    return cast("Select[*Columns]", keyset.paged(cast("Select[Any]", statement), cursor, limit))
