"""What a cached answer was built from, and what a change event drops: tags on both sides.

An answer read through the services carries tags named after the entity types of the change feeds (the
services' table names, common/changes.py):
- `{service}:{entity}:{id}`: it shows that entity; any event naming the id drops it;
- `{service}:{entity}:+`: it lists entities of the type, or looked one up that was not there; a
  created or deleted one drops it;
- `{service}:{entity}:*`: it holds something of the type it cannot name (a roll-up, a filter or sort
  on a field that may change, an embedded row without its id); every event of the type drops it;
- `{service}:*`: it holds something of that service the gateway cannot name at all; every event of
  the service drops it;
- `{service}`: always, so that the gateway's own mutations and a restarted stream drop every answer
  read from that service.
A series is tagged by its measure (`metrics_api:series:{measure}`) whatever its region or class: a
derived region sums its members, so a figure of one region changes the answers about others.

Where a read is not known here (a new path, or a call that failed) the answer carries `{service}:*`: any
event from that service drops it. Likewise an event of an entity type not listed in ENTITIES
drops everything read from its service. Both fall back to dropping more, never less.
"""

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

ACTIONS, PARTNERS, METRICS = "actions_api", "partners_api", "metrics_api"
SERIES = "series"
# metrics_api's feed names each series it changed (`series`, "{measure}/{region}/{occupation}"); an
# observation, by its primary key ("{measure},{region},...").
SERIES_EVENTS = {SERIES: "/", "observations": ","}
# Every entity type each service's feed records (its tables). One not listed drops the whole service.
ENTITIES = {
    ACTIONS: frozenset({"pacts", "action_lines", "goals", "actions", "participations", "milestones", "results",
                        "progress_reports", "agenda_items"}),
    PARTNERS: frozenset({"organisations", "source_records", "organisation_changes", "contacts", "memberships",
                         "sectors", "signups"}),
    METRICS: frozenset({"regions", "region_members", "measures", "occupations", "occupation_members", "batches",
                        "observations", SERIES}),
}
# What every series (and a goal's or result's measured actual) also depends on: which figures are served
# (a measure's primary source), and how regions and classes sum.
SERIES_REFERENCE = tuple(f"{METRICS}:{entity}:*" for entity in
                         ("regions", "region_members", "occupations", "occupation_members"))
# Filters of `GET /v1/actions` on fields that never change: other filters, and a partial page (sorted by
# a number that may change), depend on every action.
ACTIONS_STABLE_FILTERS = frozenset({"pact", "limit"})
MAX_NAMED = 1000
# An answer not to keep at all: what it lacks comes back with no change event.
UNCACHEABLE = "!"


def item(service: str, entity: str, identifier: object) -> str:
    return f"{service}:{entity}:{identifier}"


def listed(service: str, entity: str) -> str:
    return f"{service}:{entity}:+"


def any_of(service: str, entity: str) -> str:
    return f"{service}:{entity}:*"


def everything_of(service: str) -> str:
    return f"{service}:*"


def series_of(measure: str) -> set[str]:
    return {item(METRICS, SERIES, measure), item(METRICS, "measures", measure), *SERIES_REFERENCE}


@dataclass
class Read:
    """One read the gateway sent while answering a query; `answer` stays None when it failed."""

    service: str
    path: str
    params: Mapping[str, Any]
    body: Any
    answer: Any = None


def tags_of_events(service: str, events: Iterable[Mapping[str, Any]]) -> set[str]:
    """The tags a page of one service's change events drops. Past MAX_NAMED ids of one type (a large push)
    the type as a whole is dropped instead: every entry showing any entity of it."""
    tags: set[str] = set()
    named: dict[str, set[str]] = defaultdict(set)
    for event in events:
        entity, ids = str(event["entity"]), [str(one) for one in event["ids"]]
        if entity not in ENTITIES.get(service, ()):
            tags.add(service)
            continue
        tags.add(everything_of(service))
        if service == METRICS and entity in SERIES_EVENTS:
            measures = {identifier.split(SERIES_EVENTS[entity])[0] for identifier in ids}
            if not all(measures):
                tags.add(service)
            tags |= {item(METRICS, SERIES, measure) for measure in measures} | {any_of(METRICS, SERIES)}
            continue
        tags.add(any_of(service, entity))
        if event["operation"] != "updated":
            tags.add(listed(service, entity))
        named[entity].update(ids)
    for entity, names in named.items():
        tags |= {f"{service}:{entity}"} if len(names) > MAX_NAMED else {item(service, entity, one) for one in names}
    return tags


def tags_of_reads(reads: Iterable[Read]) -> frozenset[str]:
    tags: set[str] = set()
    for read in reads:
        tags |= _tags_of_read(read) if read.answer is not None else {everything_of(read.service)}
    # An entity's tag implies its type's (dropped by an event naming too many to list), and any tag of a
    # service implies the service's own (its stream restarting, or an own mutation, drops it).
    tags |= {tag.rsplit(":", 1)[0] for tag in tags if tag.count(":") == 2 and tag[-1] not in "*+"}
    tags |= {tag.split(":", 1)[0] for tag in tags}
    return frozenset(tags)


def _items(answer: Any, key: str = "items") -> list[dict[str, Any]]:
    found = answer.get(key) if isinstance(answer, dict) else answer
    return [one for one in found or [] if isinstance(one, dict)]


def _keys(params: Mapping[str, Any], name: str) -> list[str]:
    return [key for key in str(params.get(name) or "").split(",") if key]


def _ids(service: str, entity: str, records: Iterable[Mapping[str, Any]], field: str = "id") -> set[str]:
    return {item(service, entity, record[field]) for record in records if record.get(field) is not None}


def _by_keys(read: Read, entity: str, param: str, field: str) -> set[str]:
    """A fetch-many by key: the records found, and the type's list when a key found none."""
    records = _items(read.answer)
    tags = _ids(read.service, entity, records, field)
    if set(_keys(read.params, param)) - {str(record.get(field)) for record in records}:
        tags.add(listed(read.service, entity))
    return tags


def _measured(records: Iterable[Mapping[str, Any]]) -> set[str]:
    """A goal or result: its actual comes from approved reports, or from the metrics series it names."""
    tags = {any_of(ACTIONS, "progress_reports")}
    for record in records:
        series = record.get("series")
        if isinstance(series, dict) and series.get("measure"):
            tags |= series_of(str(series["measure"]))
        elif series is not None:
            tags.add(everything_of(METRICS))
        if record.get("progress_note") == "series_unavailable":
            tags.add(UNCACHEABLE)  # actions_api could not reach metrics_api: no event will say it can again
    return tags


def _actions(read: Read) -> set[str]:
    records = _items(read.answer)
    # Embedded without ids: participants, the next milestone and overdue (of any milestone), the line's number.
    tags = _ids(ACTIONS, "actions", records) | {any_of(ACTIONS, entity) for entity in
                                                 ("participations", "milestones", "action_lines")}
    if "ids" in read.params:
        return tags | ({listed(ACTIONS, "actions")} if set(_keys(read.params, "ids")) -
                       {str(record.get("id")) for record in records} else set())
    partial = read.params.get("cursor") is not None or (isinstance(read.answer, dict)
                                                        and read.answer.get("next_cursor") is not None)
    if partial or set(read.params) - ACTIONS_STABLE_FILTERS - {"cursor"}:
        return tags | {any_of(ACTIONS, "actions")}
    return tags | {listed(ACTIONS, "actions")}


def _lines(read: Read) -> set[str]:
    lines = _items(read.answer)
    goals = [goal for line in lines for goal in _items(line, "goals")]
    # A line's progress rolls up its actions'.
    return (_ids(ACTIONS, "action_lines", lines) | _ids(ACTIONS, "goals", goals) | _measured(goals)
            | {listed(ACTIONS, "action_lines"), listed(ACTIONS, "goals"), any_of(ACTIONS, "actions")})


def _grouped(entity: str, *more: str) -> Any:
    """The records of a type under given owners (which never change): new ones, and the ones shown."""
    def tags(read: Read) -> set[str]:
        records = _items(read.answer)
        found = _ids(read.service, entity, records) | {listed(read.service, entity)}
        return found | {any_of(read.service, other) for other in more}
    return tags


def _results(read: Read) -> set[str]:
    return _grouped("results")(read) | _measured(_items(read.answer))


def _organisations(read: Read) -> set[str]:
    if "ids" not in read.params:  # filtered by kind, municipality, a search: fields that change
        return {any_of(PARTNERS, "organisations")} | _ids(PARTNERS, "organisations", _items(read.answer))
    # A merged duplicate's id answers with the survivor: both are named.
    found = _items(read.answer)
    return (_by_keys(read, "organisations", "ids", "id") | _ids(PARTNERS, "organisations", found, "redirected_from")
            | {item(PARTNERS, "organisations", key) for key in _keys(read.params, "ids")})


def _members(read: Read) -> set[str]:
    # A merge moves memberships to the survivor; the embedded organisation changes on its own.
    organisations = [one["organisation"] for one in _items(read.answer) if isinstance(one.get("organisation"), dict)]
    return {any_of(PARTNERS, "memberships")} | _ids(PARTNERS, "organisations", organisations)


def _series(read: Read) -> set[str]:
    specs = read.body.get("series") if isinstance(read.body, dict) else None
    if not isinstance(specs, list) or not all(isinstance(spec, dict) and spec.get("measure") for spec in specs):
        return {everything_of(METRICS)}
    return set().union(*(series_of(str(spec["measure"])) for spec in specs))


def _everything(*entities: str) -> Any:
    return lambda read: {any_of(read.service, entity) for entity in entities}


RULES = {
    (ACTIONS, "/v1/pacts"): lambda read: (_ids(ACTIONS, "pacts", _items(read.answer))
                                          | {listed(ACTIONS, "pacts")}),  # slug and parent never change
    (ACTIONS, "/v1/lines"): _lines,
    (ACTIONS, "/v1/agenda"): _grouped("agenda_items"),
    (ACTIONS, "/v1/actions"): _actions,
    (ACTIONS, "/v1/milestones"): _grouped("milestones"),
    (ACTIONS, "/v1/results"): _results,
    # Only approved reports are public: one approved joins a list without being named in it.
    (ACTIONS, "/v1/progress-reports"): _everything("progress_reports"),
    (ACTIONS, "/v1/participations"): _everything("participations"),
    (PARTNERS, "/v1/organisations"): _organisations,
    (PARTNERS, "/v1/memberships"): _members,
    (PARTNERS, "/v1/contacts"): _everything("contacts"),
    (PARTNERS, "/v1/signups"): _everything("signups", "memberships"),
    (METRICS, "/v1/regions"): _everything("regions", "region_members"),
    (METRICS, "/v1/measures"): _everything("measures"),
    (METRICS, "/v1/occupations"): _everything("occupations", "occupation_members"),
    (METRICS, "/v1/series/query"): _series,
}


def _tags_of_read(read: Read) -> set[str]:
    rule = RULES.get((read.service, read.path))
    if rule is None and read.service == PARTNERS and read.path.startswith("/v1/pacts/") \
            and read.path.endswith("/members"):
        rule = _members
    return set(rule(read)) if rule is not None else {everything_of(read.service)}
