"""Checking the seed files before anything is sent: every reference resolves, every word is one the
services know (their own vocabularies, imported), every code has its shape, the printed totals add up."""

import re
from enum import StrEnum

from pydantic import BaseModel, ValidationError

from cli.seed.documents import PactDocument, Record, Seed
from services.actions_api.domain import MeasureKind, PactLevel, ParticipationRole
from services.actions_api.domain.moments import moment
from services.actions_api.schemas.goals import GoalIn
from services.actions_api.schemas.results import ResultIndicatorIn
from services.metrics_api.domain import REGION_CODE_PATTERNS, RegionKind
from services.partners_api.domain import OrganisationKind

_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")
INDICATOR_FIELDS = frozenset(ResultIndicatorIn.model_fields)


def _known(vocabulary: type[StrEnum]) -> frozenset[str]:
    return frozenset(vocabulary)


def problems(seed: Seed) -> list[str]:
    """Everything inconsistent in the seed files, as sentences naming the place; empty when sound."""
    regions = {region["code"]: region for region in seed.regions}
    occupations = {occupation["code"]: occupation for occupation in seed.occupations}
    organisations = {organisation["external_id"]: organisation for organisation in seed.organisations}
    found = _region_problems(seed, regions)
    found += _observation_problems(seed, regions, occupations)
    found += _printed_totals_problems(seed, regions)
    found += _organisation_problems(seed, organisations, regions)
    measures = {measure["code"] for measure in seed.measures}
    slugs: set[str] = set()
    for document in seed.pacts:
        pact = document.pact
        where = f"pact {pact['slug']}"
        if pact.get("parent") is not None and pact["parent"] not in slugs:
            found.append(f"{where}: parent {pact['parent']} must come before it")
        slugs.add(pact["slug"])
        if pact.get("level") not in _known(PactLevel):
            found.append(f"{where}: unknown level {pact.get('level')!r}")
        if pact.get("region") is not None and pact["region"] not in regions:
            found.append(f"{where}: region {pact['region']} unknown")
        found += _pact_problems(document, organisations, regions, measures, occupations)
    referred = {participant["organisation"] for document in seed.pacts for action in document.actions
                for participant in action.get("participants", []) if "organisation" in participant}
    referred |= {external_id for document in seed.pacts
                 for external_id in [*(document.members or {}).get("organisations", []), *document.kopgroep]}
    referred |= {document.coordinator["organisation"] for document in seed.pacts if document.coordinator}
    for external_id in organisations.keys() - referred:
        found.append(f"organisation {external_id}: no pact refers to it")
    return found


def _region_problems(seed: Seed, regions: dict[str, Record]) -> list[str]:
    found = []
    if len(regions) != len(seed.regions):
        found.append("regions: a code appears twice")
    for region in seed.regions:
        kind = region.get("kind")
        if kind not in _known(RegionKind):
            found.append(f"region {region['code']}: unknown kind {kind!r}")
        elif not REGION_CODE_PATTERNS[RegionKind(kind)][0].match(region["code"]):
            found.append(f"region {region['code']}: not a {kind} code")
        for member in region.get("members", []):
            if member not in regions:
                found.append(f"region {region['code']}: member {member} is not a region")
        if region.get("parent") is not None and region["parent"] not in regions:
            found.append(f"region {region['code']}: parent {region['parent']} is not a region")
    return found


def _observation_problems(seed: Seed, regions: dict[str, Record], occupations: dict[str, Record]) -> list[str]:
    found = []
    for occupation in seed.occupations:
        for other in [occupation.get("parent"), *occupation.get("members", [])]:
            if other is not None and other not in occupations:
                found.append(f"occupation {occupation['code']}: {other} is not an occupation class")
    measures = {measure["code"] for measure in seed.measures}
    for row in seed.observations:
        for key, known in (("measure", measures), ("region", regions.keys()), ("occupation", occupations.keys())):
            if row[key] not in known:
                found.append(f"observation {row['region']}/{row['occupation']}: {key} {row[key]} unknown")
    return found


def _printed_totals_problems(seed: Seed, regions: dict[str, Record]) -> list[str]:
    """The plan's table prints sums and shares: the transcribed parts must add up to them."""
    found = []
    value = {(row["region"], row["occupation"]): row["value"] for row in seed.observations}
    printed = seed.derived_as_printed
    technical = ("technical_industry", "ict")
    for aggregate, by_occupation in printed.get("aggregates", {}).items():
        for occupation, total in by_occupation.items():
            summed = sum(value.get((member, occupation), 0) for member in regions[aggregate]["members"])
            if summed != total:
                found.append(f"observations: {aggregate} {occupation} sums to {summed}, the plan prints {total}")
    for region, total in printed.get("technical_industry_plus_ict", {}).items():
        members = regions[region].get("members") or [region]
        summed = sum(value.get((member, occupation), 0) for member in members for occupation in technical)
        if summed != total:
            found.append(f"observations: {region} technical_industry + ict is {summed}, the plan prints {total}")
    for region, percent in printed.get("share_percent", {}).items():
        members = regions[region].get("members") or [region]
        part = sum(value.get((member, occupation), 0) for member in members for occupation in technical)
        whole = sum(value.get((member, "total"), 0) for member in members)
        if round(100 * part / whole) != percent:
            found.append(f"observations: {region} share is {100 * part / whole:.1f}%, the plan prints {percent}%")
    return found


def _organisation_problems(seed: Seed, organisations: dict[str, Record], regions: dict[str, Record]) -> list[str]:
    found = []
    if len(organisations) != len(seed.organisations):
        found.append("organisations: an external_id appears twice")
    names: dict[str, str] = {}
    for organisation in seed.organisations:
        where = f"organisation {organisation['external_id']}"
        if not _SLUG.match(organisation["external_id"]):
            found.append(f"{where}: external_id is not a lowercase slug")
        if organisation.get("kind") not in _known(OrganisationKind):
            found.append(f"{where}: unknown kind {organisation.get('kind')!r}")
        code = organisation.get("municipality_code")
        if code is not None and regions.get(code, {}).get("kind") != RegionKind.MUNICIPALITY:
            found.append(f"{where}: municipality_code {code} is not a municipality in metrics.yaml")
        for spelling in (organisation["name"], *organisation.get("also_written", [])):
            other = names.setdefault(spelling.casefold(), organisation["external_id"])
            if other != organisation["external_id"]:
                found.append(f"{where}: the name {spelling!r} is also {other}'s")
    return found


def _refusals(schema: type[BaseModel], record: Record) -> list[str]:
    """What the actions service would refuse in this goal or indicator, field by field."""
    try:
        schema.model_validate(record)
    except ValidationError as exc:
        return [f"{'.'.join(map(str, error['loc']))}: {error['msg']}" for error in exc.errors()]
    return []


def _is_not_a_moment(due: Record) -> bool:
    """Not a due moment the actions service takes: a kind it knows and a value of that kind."""
    try:
        moment(str(due.get("kind")), str(due.get("value")))
    except ValueError:
        return True
    return False


def _pact_problems(document: PactDocument, organisations: dict[str, Record], regions: dict[str, Record],
                   measures: set[str], occupations: dict[str, Record]) -> list[str]:
    found = []
    slug = document.pact["slug"]
    lines = {line["number"] for line in document.lines}
    if len(lines) != len(document.lines):
        found.append(f"pact {slug}: a line number appears twice")
    for line in document.lines:
        for goal in line.get("goals", []):
            where = f"pact {slug} line {line['number']} goal {goal['name'][:40]!r}"
            if goal.get("measure_kind") not in _known(MeasureKind):
                found.append(f"{where}: unknown measure_kind")
            found += [f"{where}: {refusal}" for refusal in _refusals(GoalIn, goal)]
            series = goal.get("series")
            if series and (series["measure"] not in measures or series["region"] not in regions
                           or series["occupation"] not in occupations):
                found.append(f"{where}: series {series} names an unknown code")
    numbers = [action["number"] for action in document.actions]
    if len(set(numbers)) != len(numbers):
        found.append(f"pact {slug}: an action number appears twice")
    for action in document.actions:
        found += _action_problems(f"pact {slug} action {action['number']}", action, lines, organisations)
    members = (document.members or {}).get("organisations", [])
    if len(set(members)) != len(members):
        found.append(f"pact {slug}: a member appears twice")
    for external_id in [*members, *document.kopgroep]:
        if external_id not in organisations:
            found.append(f"pact {slug}: member {external_id} is not in organisations.yaml")
    coordinator = document.coordinator or {}
    if coordinator and coordinator.get("organisation") not in organisations:
        found.append(f"pact {slug}: coordinator {coordinator.get('organisation')} is not in organisations.yaml")
    if coordinator.get("contact") and not str(coordinator["contact"].get("name") or "").strip():
        found.append(f"pact {slug}: the coordinator's contact needs the name the plan gives")
    return found


def _action_problems(where: str, action: Record, lines: set[int], organisations: dict[str, Record]) -> list[str]:
    found = []
    if action.get("line") not in lines:
        found.append(f"{where}: line {action.get('line')} is not a line of the pact")
    for participant in action.get("participants", []):
        if participant.get("role") not in _known(ParticipationRole):
            found.append(f"{where}: unknown role {participant.get('role')!r}")
        if ("organisation" in participant) == ("kind" in participant):
            found.append(f"{where}: a participant needs an organisation or a kind, not both")
        if "organisation" in participant and participant["organisation"] not in organisations:
            found.append(f"{where}: organisation {participant['organisation']} is not in organisations.yaml")
        if "kind" in participant and not str(participant["kind"]).strip():
            found.append(f"{where}: a participant's kind is the plan's words for it, not empty")
    for external_id in action.get("campus_initiatives", []):
        if external_id not in organisations:
            found.append(f"{where}: campus initiative {external_id} is not in organisations.yaml")
    for goal in action.get("operational_goals", []):
        if _is_not_a_moment(goal["due"]):
            found.append(f"{where}: operational goal due {goal['due']} is not a {goal['due'].get('kind')}")
    for result in action.get("results", []):
        indicator = result["indicator"]
        if indicator.get("measure_kind") not in _known(MeasureKind) or not indicator.keys() <= INDICATOR_FIELDS:
            found.append(f"{where}: result {result['description'][:40]!r}: indicator fields {sorted(indicator)}")
        found += [f"{where}: result {result['description'][:40]!r}: {refusal}"
                  for refusal in _refusals(ResultIndicatorIn, indicator)]
    return found
