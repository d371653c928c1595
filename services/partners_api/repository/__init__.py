"""All SQL of partners_api, one module per aggregate as in domain/; the only layer that touches the session.

Functions here flush; the request's session commits once (common/database.py).
"""

import uuid
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

Row = TypeVar("Row")


async def rows_of_organisations(session: AsyncSession, model: type[Row], owner: InstrumentedAttribute[uuid.UUID],
                                organisation_ids: list[uuid.UUID], *then_by: InstrumentedAttribute[Any]) -> list[Row]:
    """Fetch-many: the rows whose `owner` is one of these organisations, grouped by organisation."""
    if not organisation_ids:
        return []
    statement = select(model).where(owner.in_(organisation_ids)).order_by(owner, *then_by)
    return list((await session.scalars(statement)).all())
