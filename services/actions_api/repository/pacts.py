"""SQL of pacts."""

import uuid
from collections.abc import Sequence

from sqlalchemy import RowMapping, Select, bindparam, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from common.pagination import Keyset, page_of
from services.actions_api.models import Pact

PactRow = tuple[Pact, str | None]  # a pact and its parent's slug

BY_SLUG = Keyset(Pact.slug)


# Built once: an aliased entity adapts every column again each time it is made, which was a fifth of a
# pact read's CPU (statements are immutable, so one serves every request).
_PARENT = aliased(Pact)
WITH_PARENT_SLUG: Select[Pact, str] = select(Pact, _PARENT.slug).outerjoin(_PARENT, Pact.parent_id == _PARENT.id)
_CHILDREN = (select(Pact.parent_id, Pact.slug).where(Pact.parent_id.in_(bindparam("ids", expanding=True)))
             .order_by(Pact.slug))
_CHILD = aliased(Pact)
# The fetch-many as answered (PactOut's fields), children included: one statement instead of two, rows
# instead of ORM objects (the gateway asks for a dashboard's pact and its parent this way).
_ANSWERED_BY_SLUGS = (
    select(Pact.id, Pact.slug, Pact.name, Pact.level, _PARENT.slug.label("parent"), Pact.region, Pact.period_start,
           Pact.period_end, Pact.signed_on, Pact.source_document, Pact.coordinator_id.label("coordinator"),
           func.array(select(_CHILD.slug).where(_CHILD.parent_id == Pact.id).order_by(_CHILD.slug)
                      .scalar_subquery()).label("children"),
           Pact.version)
    .outerjoin(_PARENT, Pact.parent_id == _PARENT.id)
    .where(Pact.slug.in_(bindparam("slugs", expanding=True))).order_by(Pact.slug)
)


async def by_slug(session: AsyncSession, slug: str) -> Pact | None:
    return await session.scalar(select(Pact).where(Pact.slug == slug))


async def slug_taken(session: AsyncSession, slug: str) -> bool:
    return bool(await session.scalar(select(exists().where(Pact.slug == slug))))


async def row_of(session: AsyncSession, slug: str) -> PactRow | None:
    return (await session.execute(WITH_PARENT_SLUG.where(Pact.slug == slug))).one_or_none()


async def answered_by_slugs(session: AsyncSession, slugs: Sequence[str]) -> Sequence[RowMapping]:
    """The pacts of these slugs, by slug, as rows named after PactOut's fields (children as an array)."""
    return (await session.execute(_ANSWERED_BY_SLUGS, {"slugs": list(slugs)})).mappings().all()


async def page(session: AsyncSession, *, parent: str | None, cursor: str | None,
               limit: int) -> tuple[list[PactRow], str | None]:
    statement = WITH_PARENT_SLUG
    if parent is not None:
        statement = statement.where(Pact.parent_id.in_(select(Pact.id).where(Pact.slug == parent)))
    found = (await session.execute(BY_SLUG.paged(statement, cursor, limit))).all()
    return page_of(found, limit, key=lambda row: [row[0].slug])


async def children(session: AsyncSession,
                   pact_ids: Sequence[uuid.UUID]) -> Sequence[tuple[uuid.UUID | None, str]]:
    """(parent id, child slug) of the pacts under these, by slug."""
    return (await session.execute(_CHILDREN, {"ids": list(pact_ids)})).all()
