"""Reading one row by id, and writing rows: the part every aggregate shares."""

import uuid
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from common.problems import not_found
from services.actions_api.models import Base

R = TypeVar("R", bound=Base)


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
