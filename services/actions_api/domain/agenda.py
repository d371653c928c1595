"""A pact's agenda: signings, meetings, monitoring moments and deadlines."""

from sqlalchemy.ext.asyncio import AsyncSession

from services.actions_api.domain.pacts import pact_by_slug
from services.actions_api.models import AgendaItem
from services.actions_api.repository import agenda as agenda_rows
from services.actions_api.repository import rows
from services.actions_api.schemas.agenda import AgendaIn, AgendaOut


async def list_agenda(session: AsyncSession, slugs: list[str]) -> list[AgendaOut]:
    """The agenda items of these pacts, by pact and date."""
    return [_agenda_out(item, slug) for item, slug in await agenda_rows.items_of_pacts(session, slugs)]


async def create_agenda_item(session: AsyncSession, slug: str, body: AgendaIn) -> AgendaOut:
    pact = await pact_by_slug(session, slug)
    item = AgendaItem(pact_id=pact.id, on=body.on, when=body.when, label=body.label, kind=body.kind)
    await rows.save(session, item)
    return _agenda_out(item, slug)


def _agenda_out(item: AgendaItem, slug: str) -> AgendaOut:
    return AgendaOut(id=item.id, pact=slug, on=item.on, when=item.when, label=item.label, kind=item.kind,
                     version=item.version)
