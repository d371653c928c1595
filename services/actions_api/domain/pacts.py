"""Pacts: a national, regional or subregional agreement, each under one of a higher level."""

import uuid
from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from common.pagination import Page
from common.problems import conflict, field_error, invalid, not_found
from services.actions_api.domain import PactLevel
from services.actions_api.domain.patches import refuse_nulls, revalidate
from services.actions_api.models import Pact
from services.actions_api.partners_client import PartnersClient
from services.actions_api.repository import pacts as pact_rows
from services.actions_api.repository import rows
from services.actions_api.schemas.pacts import PactIn, PactOut, PactPatch

LEVEL_RANK = {level: rank for rank, level in enumerate(PactLevel)}


async def pact_by_slug(session: AsyncSession, slug: str) -> Pact:
    pact = await pact_rows.by_slug(session, slug)
    if pact is None:
        raise not_found("pact", slug)
    return pact


async def _check_coordinator(partners: PartnersClient, coordinator: uuid.UUID | None) -> None:
    """The coordinating organisation must exist in partners_api; asked before anything is written."""
    if coordinator is not None and await partners.unknown([coordinator]):
        raise invalid([field_error("coordinator", "No organisation with this id in the partner registry.")],
                      detail="Unknown organisation; nothing was written.")


async def create_pact(session: AsyncSession, partners: PartnersClient, body: PactIn) -> PactOut:
    if await pact_rows.slug_taken(session, body.slug):
        raise conflict(f"A pact with slug '{body.slug}' exists already.")
    parent_id = None
    if body.parent is not None:
        parent = await pact_rows.by_slug(session, body.parent)
        if parent is None:
            raise invalid([field_error("parent", f"No pact with slug '{body.parent}'.")])
        if LEVEL_RANK[PactLevel(parent.level)] >= LEVEL_RANK[body.level]:
            raise invalid([field_error("parent", f"A {body.level} pact cannot sit under a {parent.level} pact.")])
        parent_id = parent.id
    await _check_coordinator(partners, body.coordinator)
    pact = Pact(slug=body.slug, name=body.name, level=body.level, parent_id=parent_id, region=body.region,
                period_start=body.period_start, period_end=body.period_end, signed_on=body.signed_on,
                source_document=body.source_document, coordinator_id=body.coordinator)
    await rows.save(session, pact)
    return (await _pacts_out(session, [(pact, body.parent)]))[0]


async def get_pact(session: AsyncSession, slug: str) -> PactOut:
    row = await pact_rows.row_of(session, slug)
    if row is None:
        raise not_found("pact", slug)
    return (await _pacts_out(session, [row]))[0]


async def patch_pact(session: AsyncSession, partners: PartnersClient, pact: Pact, body: PactPatch) -> PactOut:
    changes = body.model_dump(exclude_unset=True)
    refuse_nulls(changes, ["name"])
    current = {"slug": pact.slug, "name": pact.name, "level": pact.level, "region": pact.region,
               "period_start": pact.period_start, "period_end": pact.period_end, "signed_on": pact.signed_on,
               "source_document": pact.source_document, "coordinator": pact.coordinator_id}
    checked = revalidate(PactIn, {**current, **changes})
    if "coordinator" in changes and checked.coordinator != pact.coordinator_id:
        await _check_coordinator(partners, checked.coordinator)
    for field in changes:
        setattr(pact, "coordinator_id" if field == "coordinator" else field, getattr(checked, field))
    await rows.flush(session)
    return await get_pact(session, pact.slug)


async def list_pacts(session: AsyncSession, *, slugs: list[str] | None, parent: str | None,
                     limit: int, cursor: str | None) -> Page[PactOut]:
    if slugs is not None:
        return Page(items=await pacts_of_slugs(session, slugs))
    page, next_cursor = await pact_rows.page(session, parent=parent, cursor=cursor, limit=limit)
    return Page(items=await _pacts_out(session, page), next_cursor=next_cursor)


async def pacts_of_slugs(session: AsyncSession, slugs: list[str]) -> list[PactOut]:
    """The fetch-many, from one statement's rows as they are (the columns hold the declared types, the
    level one of the vocabulary's by the table's CHECK), not validated again."""
    answers = []
    for row in await pact_rows.answered_by_slugs(session, slugs):
        values = dict(row)
        values["level"] = PactLevel(values["level"])
        answers.append(PactOut.model_construct(**values))
    return answers


async def _pacts_out(session: AsyncSession, found: Sequence[pact_rows.PactRow]) -> list[PactOut]:
    children: dict[uuid.UUID | None, list[str]] = defaultdict(list)
    if found:
        for parent_id, slug in await pact_rows.children(session, [pact.id for pact, _ in found]):
            children[parent_id].append(slug)
    return [PactOut(id=p.id, slug=p.slug, name=p.name, level=p.level, parent=parent_slug, region=p.region,
                    period_start=p.period_start, period_end=p.period_end, signed_on=p.signed_on,
                    source_document=p.source_document, coordinator=p.coordinator_id, children=children[p.id],
                    version=p.version)
            for p, parent_slug in found]
