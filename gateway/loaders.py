"""DataLoaders over the services' fetch-many calls, made fresh for every GraphQL request.

A loader collects the keys its resolvers ask for within one tick of the event loop and fetches
them with one request (`?ids=a,b,c`, `?action_ids=...`, `POST /v1/series/query`), so a query
costs a number of downstream requests set by its shape, not by the length of its lists. Being
per request, a loader's cache never outlives the request nor leaks one caller's data to another.
"""

import asyncio
from collections import defaultdict
from collections.abc import Awaitable, Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from strawberry.dataloader import DataLoader

from gateway.downstream import DownstreamSession, ServiceRefused

# The services take up to 500 ids on a fetch-many call (contracts.md); 200 uuids keep the URL
# under 8 KB, which every HTTP server in the path accepts.
MAX_IDS_PER_REQUEST = 200
# Lists that are never long (pacts, regions of one kind): one page holds them all.
WHOLE_LIST_LIMIT = 500

Json = dict[str, Any]


def items_of(answer: Any) -> list[Json]:
    """A list endpoint answers `{"items": [...], "next_cursor": ...}`; tolerate a bare list too."""
    if isinstance(answer, dict):
        return list(answer.get("items") or [])
    return list(answer or [])


def chunks(keys: Sequence[str], size: int = MAX_IDS_PER_REQUEST) -> list[Sequence[str]]:
    return [keys[start:start + size] for start in range(0, len(keys), size)]


class SeriesKey(NamedTuple):
    measure: str
    region: str
    occupation: str
    start: str | None = None
    end: str | None = None


class PageKey(NamedTuple):
    """One page of a list endpoint: its filters (sorted pairs, so equal pages share a request)."""

    service: str
    path: str
    filters: tuple[tuple[str, Any], ...]
    limit: int
    cursor: str | None


@dataclass
class Loaders:
    pacts: DataLoader[str, Json | None]
    actions: DataLoader[str, Json | None]
    goals: DataLoader[str, Json | None]
    organisations: DataLoader[str, Json | None]
    regions: DataLoader[str, Json | None]
    lines_by_pact: DataLoader[str, list[Json]]
    agenda_by_pact: DataLoader[str, list[Json]]
    milestones_by_action: DataLoader[str, list[Json]]
    results_by_action: DataLoader[str, list[Json]]
    reports_by_action: DataLoader[str, list[Json]]
    memberships_by_organisation: DataLoader[str, list[Json]]
    participations_by_organisation: DataLoader[str, list[Json]]
    contacts_by_organisation: DataLoader[str, list[Json]]
    series: DataLoader[SeriesKey, Json | None]
    pages: DataLoader[PageKey, Json]


def create_loaders(calls: DownstreamSession) -> Loaders:
    def by_key(service: str, path: str, param: str, key_field: str) -> DataLoader[str, Json | None]:
        async def load(keys: list[str]) -> list[Json | None]:
            found: dict[str, Json] = {}
            for answer in await _gather_chunks(keys, lambda chunk: calls.get(service, path, {param: ",".join(chunk)})):
                found.update((str(item[key_field]), item) for item in items_of(answer))
            return [found.get(key) for key in keys]

        return DataLoader(load_fn=load)

    def grouped(service: str, path: str, param: str, group_field: str) -> DataLoader[str, list[Json]]:
        async def load(keys: list[str]) -> list[list[Json]]:
            groups: dict[str, list[Json]] = defaultdict(list)
            for answer in await _gather_chunks(keys, lambda chunk: calls.get(service, path, {param: ",".join(chunk)})):
                for item in items_of(answer):
                    groups[str(item[group_field])].append(item)
            return [groups.get(key, []) for key in keys]

        return DataLoader(load_fn=load)

    async def load_series(keys: list[SeriesKey]) -> list[Json | None | Exception]:
        specs = [{name: value for name, value in (("measure", key.measure), ("region", key.region),
                                                  ("occupation", key.occupation), ("from", key.start),
                                                  ("to", key.end)) if value is not None} for key in keys]
        try:
            answer = await calls.query("metrics_api", "/v1/series/query", {"series": specs})
        except ServiceRefused as refused:
            # metrics_api refuses the whole batch when one series names an unknown measure or region:
            # that one gets the refusal, the others are asked again.
            bad = _refused_indices(refused, len(keys))
            if refused.status != 422 or not bad:
                raise
            good = [index for index in range(len(keys)) if index not in bad]
            found: list[Json | None | Exception] = [
                ServiceRefused(refused.service, 422, {**refused.problem, "errors": bad[index]}) if index in bad else None
                for index in range(len(keys))
            ]
            if good:
                again = await calls.query("metrics_api", "/v1/series/query", {"series": [specs[i] for i in good]})
                for index, series in zip(good, (again or {}).get("series") or [], strict=False):
                    found[index] = series
            return found
        series = list((answer or {}).get("series") or [])
        # Answered in the order asked.
        return [series[index] if index < len(series) else None for index in range(len(keys))]

    async def load_pages(keys: list[PageKey]) -> list[Json]:
        return list(await asyncio.gather(*(
            calls.get(key.service, key.path, {**dict(key.filters), "limit": key.limit, "cursor": key.cursor})
            for key in keys
        )))

    return Loaders(
        pacts=by_key("actions_api", "/v1/pacts", "slugs", "slug"),
        actions=by_key("actions_api", "/v1/actions", "ids", "id"),
        goals=by_key("actions_api", "/v1/goals", "ids", "id"),
        organisations=by_key("partners_api", "/v1/organisations", "ids", "id"),
        regions=by_key("metrics_api", "/v1/regions", "codes", "code"),
        lines_by_pact=grouped("actions_api", "/v1/lines", "pacts", "pact"),
        agenda_by_pact=grouped("actions_api", "/v1/agenda", "pacts", "pact"),
        milestones_by_action=grouped("actions_api", "/v1/milestones", "action_ids", "action_id"),
        results_by_action=grouped("actions_api", "/v1/results", "action_ids", "action_id"),
        reports_by_action=grouped("actions_api", "/v1/progress-reports", "action_ids", "action_id"),
        memberships_by_organisation=grouped("partners_api", "/v1/memberships", "organisation_ids", "organisation_id"),
        participations_by_organisation=grouped("actions_api", "/v1/participations", "organisation_ids",
                                               "organisation_id"),
        contacts_by_organisation=grouped("partners_api", "/v1/contacts", "organisation_ids", "organisation_id"),
        series=DataLoader(load_fn=load_series),
        pages=DataLoader(load_fn=load_pages),
    )


async def _gather_chunks(keys: list[str], fetch: Callable[[Sequence[str]], Awaitable[Any]]) -> list[Any]:
    return list(await asyncio.gather(*(fetch(chunk) for chunk in chunks(_unique(keys)))))


def _unique(keys: Iterable[Hashable]) -> list[Any]:
    return list(dict.fromkeys(keys))


def _refused_indices(refused: ServiceRefused, count: int) -> dict[int, list[Json]]:
    """The problem's errors by the index of the series they name (`series.3.region`)."""
    bad: dict[int, list[Json]] = defaultdict(list)
    for error in refused.problem.get("errors") or []:
        parts = str(error.get("field", "")).split(".")
        if len(parts) >= 2 and parts[0] == "series" and parts[1].isdigit() and int(parts[1]) < count:
            bad[int(parts[1])].append({**error, "field": ".".join(parts[2:]) or error.get("field")})
    return dict(bad)
