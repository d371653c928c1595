"""SQL of pacts."""

import uuid
from collections.abc import Sequence

from sqlalchemy import Select, exists, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from common.pagination import Keyset, page_of
from services.actions_api.models import Pact

PactRow = tuple[Pact, str | None]  # a pact and its parent's slug

BY_SLUG = Keyset(Pact.slug)


def _with_parent_slug() -> Select[Pact, str]:
    parent = aliased(Pact)
    return select(Pact, parent.slug).outerjoin(parent, Pact.parent_id == parent.id)


async def by_slug(session: AsyncSession, slug: str) -> Pact | None:
    return await session.scalar(select(Pact).where(Pact.slug == slug))


async def slug_taken(session: AsyncSession, slug: str) -> bool:
    return bool(await session.scalar(select(exists().where(Pact.slug == slug))))


async def row_of(session: AsyncSession, slug: str) -> PactRow | None:
    return (await session.execute(_with_parent_slug().where(Pact.slug == slug))).one_or_none()


async def rows_of(session: AsyncSession, slugs: Sequence[str]) -> Sequence[PactRow]:
    return (await session.execute(_with_parent_slug().where(Pact.slug.in_(slugs)).order_by(Pact.slug))).all()


async def page(session: AsyncSession, *, parent: str | None, cursor: str | None,
               limit: int) -> tuple[list[PactRow], str | None]:
    statement = _with_parent_slug()
    if parent is not None:
        statement = statement.where(Pact.parent_id.in_(select(Pact.id).where(Pact.slug == parent)))
    found = (await session.execute(BY_SLUG.paged(statement, cursor, limit))).all()
    return page_of(found, limit, key=lambda row: [row[0].slug])


async def children(session: AsyncSession,
                   pact_ids: Sequence[uuid.UUID]) -> Sequence[tuple[uuid.UUID | None, str]]:
    """(parent id, child slug) of the pacts under these, by slug."""
    return (await session.execute(select(Pact.parent_id, Pact.slug).where(Pact.parent_id.in_(pact_ids))
                                  .order_by(Pact.slug))).all()
