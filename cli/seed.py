"""`techniekpact seed`: the two real pacts in `seeds/` (YAML), loaded through the services' own APIs.

The YAML is the transcription of the plans; this module reads it, checks it for internal
consistency (every reference resolves, every code has its shape, the printed UWV totals equal the
sum of their parts) and sends it to the services the way any client would, so every validation of
the services applies. Every write is create-if-absent or an upsert that leaves unchanged data alone,
which is what makes a second run change nothing.
"""

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

SEED_DIR = Path(__file__).resolve().parent.parent / "seeds"

ORGANISATION_KINDS = {
    "company", "primary_school", "secondary_school", "vmbo", "mbo", "hbo", "university", "municipality",
    "province", "economic_board", "employer_organisation", "sector_fund", "intermediary", "knowledge_institute",
    "training_company", "other",
}
REGION_KINDS = {"country", "province", "labour_market_region", "municipality", "aggregate"}
ROLES = {"lead", "participant", "coordination"}
DUE_KINDS = {"date": r"\d{4}-\d{2}-\d{2}", "month": r"\d{4}-(0[1-9]|1[0-2])", "quarter": r"\d{4}-Q[1-4]",
             "half": r"\d{4}-H[12]", "year": r"\d{4}"}
PACT_LEVELS = {"national", "regional", "subregional"}
MEASURE_KINDS = {"number", "percentage", "qualitative"}
_REGION_CODE = {
    "country": re.compile(r"^NL\d{2}$"),
    "province": re.compile(r"^PV\d{2}$"),
    "municipality": re.compile(r"^GM\d{4}$"),
    "labour_market_region": re.compile(r"^AM\d{2}$"),
    "aggregate": re.compile(r"^[a-z][a-z0-9-]*$"),
}
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")

# The sources the seed writes as: its own partner records, and the UWV figures under UWV's name.
PARTNER_SOURCE = "seed"


@dataclass
class PactDocument:
    """One file under seeds/pacts/: a pact, or (the first file) several without actions."""

    pact: dict[str, Any]
    lines: list[dict[str, Any]] = field(default_factory=list)
    actions: list[dict[str, Any]] = field(default_factory=list)
    agenda: list[dict[str, Any]] = field(default_factory=list)
    members: dict[str, Any] | None = None
    kopgroep: list[str] = field(default_factory=list)


@dataclass
class Seed:
    regions: list[dict[str, Any]]
    measures: list[dict[str, Any]]
    occupations: list[dict[str, Any]]
    observation_source: str
    observations: list[dict[str, Any]]
    derived_as_printed: dict[str, Any]
    organisations: list[dict[str, Any]]
    pacts: list[PactDocument]

    def pact(self, slug: str) -> PactDocument:
        return next(document for document in self.pacts if document.pact["slug"] == slug)


class SeedError(Exception):
    """The seed files are inconsistent, or a service refused them; one line per problem."""


def read_seed(directory: Path = SEED_DIR) -> Seed:
    metrics = _yaml(directory / "metrics.yaml")
    table = metrics["observations"]
    observations = [
        {"measure": table["measure"], "region": region, "period": table["period"], "occupation": occupation,
         "value": value, "status": table["status"]}
        for region, by_occupation in table["values"].items() for occupation, value in by_occupation.items()
    ]
    pacts: list[PactDocument] = []
    for path in sorted((directory / "pacts").glob("*.yaml")):
        data = _yaml(path)
        if "pacts" in data:
            pacts.extend(PactDocument(pact=pact) for pact in data["pacts"])
        else:
            pacts.append(PactDocument(pact=data["pact"], lines=data.get("lines", []), actions=data.get("actions", []),
                                      agenda=data.get("agenda", []), members=data.get("members"),
                                      kopgroep=data.get("kopgroep", [])))
    return Seed(regions=metrics["regions"], measures=metrics["measures"], occupations=metrics["occupations"],
                observation_source=table["source"], observations=observations,
                derived_as_printed=table.get("derived_as_printed", {}),
                organisations=_yaml(directory / "organisations.yaml")["organisations"], pacts=pacts)


def _yaml(path: Path) -> dict[str, Any]:
    try:
        with path.open(encoding="utf-8") as stream:
            return yaml.safe_load(stream)
    except (OSError, yaml.YAMLError) as exc:
        raise SeedError(f"cannot read {path}: {exc}") from None


def problems(seed: Seed) -> list[str]:
    """Everything inconsistent in the seed files, as sentences naming the place; empty when sound."""
    found: list[str] = []
    regions = {region["code"]: region for region in seed.regions}
    if len(regions) != len(seed.regions):
        found.append("regions: a code appears twice")
    for region in seed.regions:
        pattern = _REGION_CODE.get(region.get("kind"))
        if pattern is None:
            found.append(f"region {region['code']}: unknown kind {region.get('kind')!r}")
        elif not pattern.match(region["code"]):
            found.append(f"region {region['code']}: not a {region['kind']} code")
        for member in region.get("members", []):
            if member not in regions:
                found.append(f"region {region['code']}: member {member} is not a region")
    measures = {measure["code"] for measure in seed.measures}
    occupations = {occupation["code"]: occupation for occupation in seed.occupations}
    for occupation in seed.occupations:
        if occupation.get("parent") is not None and occupation["parent"] not in occupations:
            found.append(f"occupation {occupation['code']}: parent {occupation['parent']} unknown")
    for row in seed.observations:
        for key, known in (("measure", measures), ("region", regions), ("occupation", occupations)):
            if row[key] not in known:
                found.append(f"observation {row['region']}/{row['occupation']}: {key} {row[key]} unknown")
    found += _printed_totals_problems(seed, regions)

    organisations = {organisation["external_id"]: organisation for organisation in seed.organisations}
    if len(organisations) != len(seed.organisations):
        found.append("organisations: an external_id appears twice")
    names: dict[str, str] = {}
    for organisation in seed.organisations:
        where = f"organisation {organisation['external_id']}"
        if not _SLUG.match(organisation["external_id"]):
            found.append(f"{where}: external_id is not a lowercase slug")
        if organisation.get("kind") not in ORGANISATION_KINDS:
            found.append(f"{where}: unknown kind {organisation.get('kind')!r}")
        code = organisation.get("municipality_code")
        if code is not None and regions.get(code, {}).get("kind") != "municipality":
            found.append(f"{where}: municipality_code {code} is not a municipality in metrics.yaml")
        for spelling in (organisation["name"], *organisation.get("also_written", [])):
            other = names.setdefault(spelling.casefold(), organisation["external_id"])
            if other != organisation["external_id"]:
                found.append(f"{where}: the name {spelling!r} is also {other}'s")

    slugs: set[str] = set()
    for document in seed.pacts:
        pact = document.pact
        where = f"pact {pact['slug']}"
        if pact.get("parent") is not None and pact["parent"] not in slugs:
            found.append(f"{where}: parent {pact['parent']} must come before it")
        slugs.add(pact["slug"])
        if pact.get("level") not in PACT_LEVELS:
            found.append(f"{where}: unknown level {pact.get('level')!r}")
        if pact.get("region") is not None and pact["region"] not in regions:
            found.append(f"{where}: region {pact['region']} unknown")
        found += _pact_problems(document, organisations, regions, measures, occupations)
    referred = {participant["organisation"] for document in seed.pacts for action in document.actions
                for participant in action.get("participants", []) if "organisation" in participant}
    referred |= {external_id for document in seed.pacts
                 for external_id in [*(document.members or {}).get("organisations", []), *document.kopgroep]}
    for external_id in organisations.keys() - referred:
        found.append(f"organisation {external_id}: no pact refers to it")
    return found


def _printed_totals_problems(seed: Seed, regions: dict[str, dict[str, Any]]) -> list[str]:
    """The plan's table prints sums and shares: the transcribed parts must add up to them."""
    found = []
    value = {(row["region"], row["occupation"]): row["value"] for row in seed.observations}
    printed = seed.derived_as_printed
    for aggregate, by_occupation in printed.get("aggregates", {}).items():
        for occupation, total in by_occupation.items():
            summed = sum(value.get((member, occupation), 0) for member in regions[aggregate]["members"])
            if summed != total:
                found.append(f"observations: {aggregate} {occupation} sums to {summed}, the plan prints {total}")
    for region, total in printed.get("technical_industry_plus_ict", {}).items():
        members = regions[region].get("members") or [region]
        summed = sum(value.get((member, occupation), 0) for member in members for occupation in ("technical_industry", "ict"))
        if summed != total:
            found.append(f"observations: {region} technical_industry + ict is {summed}, the plan prints {total}")
    for region, percent in printed.get("share_percent", {}).items():
        members = regions[region].get("members") or [region]
        part = sum(value.get((member, occupation), 0) for member in members for occupation in ("technical_industry", "ict"))
        whole = sum(value.get((member, "total"), 0) for member in members)
        if round(100 * part / whole) != percent:
            found.append(f"observations: {region} share is {100 * part / whole:.1f}%, the plan prints {percent}%")
    return found


def _pact_problems(document: PactDocument, organisations: dict, regions: dict, measures: set, occupations: dict) -> list[str]:
    found = []
    slug = document.pact["slug"]
    lines = {line["number"] for line in document.lines}
    if len(lines) != len(document.lines):
        found.append(f"pact {slug}: a line number appears twice")
    for line in document.lines:
        for goal in line.get("goals", []):
            where = f"pact {slug} line {line['number']} goal {goal['name'][:40]!r}"
            if goal.get("measure_kind") not in MEASURE_KINDS:
                found.append(f"{where}: unknown measure_kind")
            series = goal.get("series")
            if series and (series["measure"] not in measures or series["region"] not in regions
                           or series["occupation"] not in occupations):
                found.append(f"{where}: series {series} names an unknown code")
    numbers = [action["number"] for action in document.actions]
    if len(set(numbers)) != len(numbers):
        found.append(f"pact {slug}: an action number appears twice")
    for action in document.actions:
        where = f"pact {slug} action {action['number']}"
        if action.get("line") not in lines:
            found.append(f"{where}: line {action.get('line')} is not a line of the pact")
        for participant in action.get("participants", []):
            if participant.get("role") not in ROLES:
                found.append(f"{where}: unknown role {participant.get('role')!r}")
            if ("organisation" in participant) == ("kind" in participant):
                found.append(f"{where}: a participant needs an organisation or a kind, not both")
            if "organisation" in participant and participant["organisation"] not in organisations:
                found.append(f"{where}: organisation {participant['organisation']} is not in organisations.yaml")
            if "kind" in participant and participant["kind"] not in ORGANISATION_KINDS:
                found.append(f"{where}: unknown organisation kind {participant['kind']!r}")
        for external_id in action.get("campus_initiatives", []):
            if external_id not in organisations:
                found.append(f"{where}: campus initiative {external_id} is not in organisations.yaml")
        for goal in action.get("operational_goals", []):
            due = goal["due"]
            pattern = DUE_KINDS.get(due.get("kind"))
            if pattern is None or not re.fullmatch(pattern, str(due.get("value"))):
                found.append(f"{where}: operational goal due {due} is not a {due.get('kind')}")
        for result in action.get("results", []):
            if result["indicator"].get("measure_kind") not in MEASURE_KINDS:
                found.append(f"{where}: result {result['description'][:40]!r} has an unknown measure_kind")
    members = (document.members or {}).get("organisations", [])
    if len(set(members)) != len(members):
        found.append(f"pact {slug}: a member appears twice")
    for external_id in [*members, *document.kopgroep]:
        if external_id not in organisations:
            found.append(f"pact {slug}: member {external_id} is not in organisations.yaml")
    return found
