"""DataLoaders over the services' fetch-many calls, made fresh for every GraphQL request.

A loader collects the keys its resolvers ask for within one tick of the event loop and fetches
them with one request (`?ids=a,b,c`, `?action_ids=...`, one series query), so a query costs a
number of downstream requests set by its shape, not by the length of its lists. Being per
request, a loader's cache never outlives the request nor leaks one caller's data to another.
"""

import asyncio
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple, TypeVar

from strawberry.dataloader import DataLoader

from gateway.clients import ServiceClients
from gateway.clients.actions import (
    ActionRecord,
    AgendaRecord,
    LineRecord,
    MilestoneRecord,
    PactRecord,
    ParticipationRecord,
    ReportRecord,
    ResultRecord,
)
from gateway.clients.base import Page
from gateway.clients.metrics import RegionRecord, SeriesQuery, SeriesRecord
from gateway.clients.partners import ContactRecord, MembershipRecord, OrganisationRecord

Record = TypeVar("Record", bound=Mapping[str, Any])
FetchMany = Callable[[Iterable[str]], Awaitable[list[Record]]]


class PageKey(NamedTuple):
    """One page of a list: the client's method and its filters (sorted pairs, so equal pages
    share a request)."""

    fetch: Callable[..., Awaitable[Page[Any]]]
    filters: tuple[tuple[str, Any], ...]
    limit: int
    cursor: str | None


@dataclass
class Loaders:
    pacts: DataLoader[str, PactRecord | None]
    actions: DataLoader[str, ActionRecord | None]
    organisations: DataLoader[str, OrganisationRecord | None]
    regions: DataLoader[str, RegionRecord | None]
    lines_by_pact: DataLoader[str, list[LineRecord]]
    agenda_by_pact: DataLoader[str, list[AgendaRecord]]
    milestones_by_action: DataLoader[str, list[MilestoneRecord]]
    results_by_action: DataLoader[str, list[ResultRecord]]
    reports_by_action: DataLoader[str, list[ReportRecord]]
    reports_by_subject: DataLoader[str, list[ReportRecord]]
    memberships_by_organisation: DataLoader[str, list[MembershipRecord]]
    participations_by_organisation: DataLoader[str, list[ParticipationRecord]]
    contacts_by_organisation: DataLoader[str, list[ContactRecord]]
    series: DataLoader[SeriesQuery, SeriesRecord | None]
    pages: DataLoader[PageKey, Page[Any]]


def by_key(fetch: FetchMany[Record], key_field: str) -> DataLoader[str, Record | None]:
    """Each key's one record, or None where the service has none."""
    async def load(keys: list[str]) -> list[Record | None]:
        found = {str(item[key_field]): item for item in await fetch(keys)}
        return [found.get(key) for key in keys]

    return DataLoader(load_fn=load)


def grouped(fetch: FetchMany[Record], group_field: str) -> DataLoader[str, list[Record]]:
    """Each key's records, possibly none."""
    async def load(keys: list[str]) -> list[list[Record]]:
        groups: dict[str, list[Record]] = defaultdict(list)
        for item in await fetch(keys):
            groups[str(item[group_field])].append(item)
        return [groups.get(key, []) for key in keys]

    return DataLoader(load_fn=load)


async def _load_pages(keys: list[PageKey]) -> list[Page[Any]]:
    return list(await asyncio.gather(*(
        key.fetch(**dict(key.filters), limit=key.limit, cursor=key.cursor) for key in keys
    )))


def create_loaders(clients: ServiceClients) -> Loaders:
    actions, partners, metrics = clients.actions, clients.partners, clients.metrics
    return Loaders(
        pacts=by_key(actions.pacts_by_slug, "slug"),
        actions=by_key(actions.actions_by_id, "id"),
        organisations=by_key(partners.organisations_by_id, "id"),
        regions=by_key(metrics.regions_by_code, "code"),
        lines_by_pact=grouped(actions.lines_of_pacts, "pact"),
        agenda_by_pact=grouped(actions.agenda_of_pacts, "pact"),
        milestones_by_action=grouped(actions.milestones_of_actions, "action_id"),
        results_by_action=grouped(actions.results_of_actions, "action_id"),
        reports_by_action=grouped(actions.reports_of_actions, "action_id"),
        reports_by_subject=grouped(actions.reports_of_subjects, "subject_id"),
        memberships_by_organisation=grouped(partners.memberships_of_organisations, "organisation_id"),
        participations_by_organisation=grouped(actions.participations_of_organisations, "organisation_id"),
        contacts_by_organisation=grouped(partners.contacts_of_organisations, "organisation_id"),
        series=DataLoader(load_fn=metrics.series),
        pages=DataLoader(load_fn=_load_pages),
    )
