"""`techniekpact seed`: the two real pacts in `seeds/` (YAML), loaded through the services' own APIs.

The YAML is the transcription of the plans; this module reads it, checks it for internal
consistency (every reference resolves, every code has its shape, the printed UWV totals equal the
sum of their parts) and sends it to the services the way any client would, so every validation of
the services applies. Every write is create-if-absent or an upsert that leaves unchanged data alone,
which is what makes a second run change nothing.
"""

import json
import re
import threading
import uuid
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import yaml
from tenacity import retry, retry_if_exception_type, retry_if_result, stop_after_attempt, wait_exponential

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
INDICATOR_FIELDS = {"name", "unit", "measure_kind", "ascending", "baseline", "targets", "aggregation", "series"}
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
        if region.get("parent") is not None and region["parent"] not in regions:
            found.append(f"region {region['code']}: parent {region['parent']} is not a region")
    measures = {measure["code"] for measure in seed.measures}
    occupations = {occupation["code"]: occupation for occupation in seed.occupations}
    for occupation in seed.occupations:
        for other in [occupation.get("parent"), *occupation.get("members", [])]:
            if other is not None and other not in occupations:
                found.append(f"occupation {occupation['code']}: {other} is not an occupation class")
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
            if "kind" in participant and not str(participant["kind"]).strip():
                found.append(f"{where}: a participant's kind is the plan's words for it, not empty")
        for external_id in action.get("campus_initiatives", []):
            if external_id not in organisations:
                found.append(f"{where}: campus initiative {external_id} is not in organisations.yaml")
        for goal in action.get("operational_goals", []):
            due = goal["due"]
            pattern = DUE_KINDS.get(due.get("kind"))
            if pattern is None or not re.fullmatch(pattern, str(due.get("value"))):
                found.append(f"{where}: operational goal due {due} is not a {due.get('kind')}")
        for result in action.get("results", []):
            indicator = result["indicator"]
            if indicator.get("measure_kind") not in MEASURE_KINDS or not indicator.keys() <= INDICATOR_FIELDS:
                found.append(f"{where}: result {result['description'][:40]!r}: indicator fields {sorted(indicator)}")
    members = (document.members or {}).get("organisations", [])
    if len(set(members)) != len(members):
        found.append(f"pact {slug}: a member appears twice")
    for external_id in [*members, *document.kopgroep]:
        if external_id not in organisations:
            found.append(f"pact {slug}: member {external_id} is not in organisations.yaml")
    return found


# --- loading through the services' APIs ------------------------------------------------------

SCOPES = ["metrics:admin", "metrics:write", "partners:write", "actions:write"]
# Independent writes (the actions of a pact, their milestones, the members) go a few at a time:
# most of a seed's time is request round trips, which overlap well across three services.
WORKERS = 4
_TALLY_LOCK = threading.Lock()


def _concurrently(work: Callable[[Any], Any], items: Iterable[Any]) -> list[Any]:
    """work(item) for every item, WORKERS at a time; the results in the items' order, the first error raised."""
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        return list(pool.map(work, items))


def _retryable(response: httpx.Response) -> bool:
    """A proxy's 5xx; or 409 for a keyed write: the same Idempotency-Key is still running."""
    return response.status_code in {502, 503, 504} or (
        response.status_code == 409 and "idempotency-key" in response.request.headers)


@dataclass
class Tally:
    """What one kind of thing did during a run: created, updated, unchanged."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def add(self, outcome: str, count: int = 1) -> None:
        with _TALLY_LOCK:
            setattr(self, outcome, getattr(self, outcome) + count)

    @property
    def changed(self) -> int:
        return self.created + self.updated


class ServiceError(SeedError):
    def __init__(self, response: httpx.Response) -> None:
        try:
            problem = response.json()
        except ValueError:
            problem = {"detail": response.text[:300]}
        errors = "; ".join(f"{e.get('field', e.get('index', ''))}: {e.get('reason', e.get('msg', ''))}"
                           for e in (problem.get("errors") or [])[:10]) if isinstance(problem, dict) else ""
        detail = problem.get("detail") or problem.get("title") if isinstance(problem, dict) else str(problem)
        super().__init__(f"{response.request.method} {response.request.url} answered {response.status_code}: "
                         f"{detail}{' (' + errors + ')' if errors else ''}")
        self.status_code = response.status_code


class _Api:
    """One service: JSON in and out, a service error as one SeedError line."""

    def __init__(self, base_url: str, token: str, transport: httpx.BaseTransport | None = None) -> None:
        self.client = httpx.Client(base_url=base_url, timeout=60, transport=transport,
                                   headers={"Authorization": f"Bearer {token}"})

    def request(self, method: str, path: str, *, ok: tuple[int, ...] = (200, 201, 202), **kwargs) -> Any:
        try:
            response = self._send(method, path, **kwargs)
        except httpx.TransportError as exc:
            raise SeedError(f"cannot reach {self.client.base_url}: {exc}") from None
        if response.status_code == 404 and 404 in ok:
            return None
        if response.status_code not in ok:
            raise ServiceError(response)
        return response.json() if response.content else None

    @retry(retry=retry_if_exception_type(httpx.TransportError) | retry_if_result(_retryable),
           stop=stop_after_attempt(5), wait=wait_exponential(multiplier=0.5, max=8), reraise=True,
           retry_error_callback=lambda state: state.outcome.result())
    def _send(self, method: str, path: str, **kwargs) -> httpx.Response:
        # Retried as it is, Idempotency-Key included: a write that did happen is answered, not redone.
        return self.client.request(method, path, **kwargs)

    def items(self, path: str, **params) -> list[dict[str, Any]]:
        """Every item of a paginated list."""
        items, cursor = [], None
        while True:
            page = self.request("GET", path, params={**params, "limit": 500, **({"cursor": cursor} if cursor else {})})
            items += page["items"]
            cursor = page.get("next_cursor")
            if not cursor:
                return items

    def close(self) -> None:
        self.client.close()


def _key() -> str:
    """A fresh Idempotency-Key per bulk write of a run, kept across that write's retries. (A key
    derived from the content would make a second run replay the first run's answer, "created",
    instead of hearing "unchanged".)"""
    return f"seed-{uuid.uuid4().hex}"


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))


def _differs(wanted: dict[str, Any], current: dict[str, Any]) -> bool:
    """Does the service hold something else than what the seed says for these fields?"""
    for field_name, value in wanted.items():
        have = current.get(field_name)
        if isinstance(value, list) and isinstance(have, list):
            if sorted(map(str, value)) != sorted(map(str, have)):
                return True
        elif isinstance(value, (int, float)) and have is not None:
            if float(value) != float(have):
                return True
        elif value != have:
            return True
    return False


class SeedLoader:
    """Sends a Seed to the three services; every step creates what is absent and leaves the rest."""

    def __init__(self, seed: Seed, *, actions_url: str, partners_url: str, metrics_url: str, token: str,
                 say=lambda message: None) -> None:
        self.seed = seed
        self.actions = _Api(actions_url, token)
        self.partners = _Api(partners_url, token)
        self.metrics = _Api(metrics_url, token)
        self.say = say
        # in the order a run loads them, so the summary reads top to bottom
        self.tallies: dict[str, Tally] = {name: Tally() for name in (
            "occupations", "measures", "regions", "observations", "organisations", "pacts", "action lines", "goals",
            "actions", "operational goals", "results", "agenda items", "memberships")}
        self.organisation_ids: dict[str, str] = {}

    def tally(self, name: str) -> Tally:
        return self.tallies[name]

    def check(self) -> None:
        problems_found = problems(self.seed)
        if problems_found:
            raise SeedError("the seed files are inconsistent: " + "; ".join(problems_found[:5]))

    def close(self) -> None:
        for api in (self.actions, self.partners, self.metrics):
            api.close()

    def run(self) -> dict[str, Tally]:
        self.check()
        try:
            self.load_reference()
            self.say("metrics: the UWV figures")
            self.load_observations()
            self.load_organisations()
            for document in self.seed.pacts:
                self.load_pact(document)
            for document in self.seed.pacts:
                self.load_members(document)
        finally:
            self.close()
        return self.tallies

    # metrics_api ---------------------------------------------------------------------------

    def _put_reference(self, kind: str, path: str, records: list[dict[str, Any]], level: Callable[[dict], int]) -> None:
        """PUT what is absent or different (with If-Match: the seed's word replaces a hand edit),
        level by level: the parents and members a code names exist before it."""
        current = {item["code"]: item for item in self.metrics.items(path)}

        def put(record: dict[str, Any]) -> None:
            body = {key: value for key, value in record.items() if key != "code"}
            existing = current.get(record["code"])
            if existing is not None and not _differs(body, existing):
                self.tally(kind).add("unchanged")
                return
            headers = {"If-Match": f'"{existing["version"]}"'} if existing is not None else {}
            self.metrics.request("PUT", f"{path}/{record['code']}", json=body, headers=headers)
            self.tally(kind).add("created" if existing is None else "updated")

        for depth in sorted({level(record) for record in records}):
            _concurrently(put, [record for record in records if level(record) == depth])

    def load_reference(self) -> None:
        self.say("metrics: occupation classes, measures, regions")
        self._put_reference("occupations", "/v1/occupations", self.seed.occupations,
                            lambda item: 2 if item.get("members") else int(item.get("parent") is not None))
        self._put_reference("measures", "/v1/measures", self.seed.measures, lambda item: 0)
        order = ["country", "province", "labour_market_region", "municipality", "aggregate"]
        self._put_reference("regions", "/v1/regions", self.seed.regions, lambda item: order.index(item["kind"]))

    def load_observations(self) -> None:
        """Through the feed, unless the service serves these very figures already: a feed post is
        logged as a batch even when every row is unchanged, and a rerun must write nothing."""
        tally = self.tally("observations")
        served = self.metrics.request("POST", "/v1/series/query", json={"series": [
            {"measure": row["measure"], "region": row["region"], "occupation": row["occupation"],
             "from": row["period"], "to": row["period"]} for row in self.seed.observations]})["series"]
        points = {(series["measure"], series["region"], series["occupation"]): series["points"] for series in served}
        if all([(point["value"], point["status"], point["derived"]) for point in points.get(
                   (row["measure"], row["region"], row["occupation"]), [])] == [(row["value"], row["status"], False)]
               for row in self.seed.observations):
            tally.add("unchanged", len(self.seed.observations))
            return
        body = {"observations": self.seed.observations}
        answer = self.metrics.request("POST", f"/v1/feeds/{self.seed.observation_source}/observations", json=body,
                                      headers={"Idempotency-Key": _key()})
        tally.add("created", answer.get("inserted", 0))
        tally.add("updated", answer.get("revised", 0))
        tally.add("unchanged", answer.get("unchanged", 0))

    # partners_api --------------------------------------------------------------------------

    def load_organisations(self) -> None:
        self.say("partners: organisations")
        records = [{key: value for key, value in organisation.items() if key != "also_written"}
                   for organisation in self.seed.organisations]
        body = {"records": records}
        answer = self.partners.request(
            "PUT", f"/v1/sources/{PARTNER_SOURCE}/organisations", params={"withdraw_missing": "true"}, json=body,
            headers={"Idempotency-Key": _key()})
        tally = self.tally("organisations")
        for outcome in ("created", "updated", "unchanged"):
            tally.add(outcome, answer.get(outcome, 0))
        self.organisation_ids = {result["external_id"]: result["id"] for result in answer["results"]}

    def load_members(self, document: PactDocument) -> None:
        if not document.members:
            return
        slug = document.pact["slug"]
        present = {member["organisation_id"] for member in self.partners.items(f"/v1/pacts/{slug}/members")}
        wanted = [self.organisation_ids[external_id] for external_id in document.members["organisations"]]
        self.tally("memberships").add("unchanged", sum(1 for organisation_id in wanted if organisation_id in present))

        def join(organisation_id: str) -> None:
            self.partners.request("POST", f"/v1/pacts/{slug}/members", json={
                "organisation_id": organisation_id, "joined_on": str(document.members["joined_on"])})
            self.tally("memberships").add("created")

        _concurrently(join, [organisation_id for organisation_id in wanted if organisation_id not in present])

    # actions_api ---------------------------------------------------------------------------

    def load_pact(self, document: PactDocument) -> None:
        pact = _jsonable(document.pact)
        slug = pact["slug"]
        self.say(f"actions: {slug}")
        if self.actions.request("GET", f"/v1/pacts/{slug}", ok=(200, 404)) is None:
            self.actions.request("POST", "/v1/pacts", json=pact)
            self.tally("pacts").add("created")
        else:
            self.tally("pacts").add("unchanged")
        self.load_lines(slug, document.lines)
        self.load_actions(slug, document.actions)
        self.load_agenda(slug, document.agenda)

    def load_lines(self, slug: str, lines: list[dict[str, Any]]) -> None:
        current = {line["number"]: line for line in self.actions.request("GET", f"/v1/pacts/{slug}/lines")["items"]}
        absent_goals = []
        for line in lines:
            existing = current.get(line["number"])
            if existing is None:
                existing = self.actions.request("POST", f"/v1/pacts/{slug}/lines", json={
                    "number": line["number"], "name": line["name"], "aim": line.get("aim")})
                self.tally("action lines").add("created")
            else:
                self.tally("action lines").add("unchanged")
            have = {goal["name"] for goal in existing.get("goals", [])}
            self.tally("goals").add("unchanged", sum(1 for goal in line.get("goals", []) if goal["name"] in have))
            absent_goals += [(existing["id"], goal) for goal in line.get("goals", []) if goal["name"] not in have]

        def create_goal(item: tuple[str, dict[str, Any]]) -> None:
            self.actions.request("POST", f"/v1/lines/{item[0]}/goals", json=_jsonable(item[1]))
            self.tally("goals").add("created")

        _concurrently(create_goal, absent_goals)

    def load_actions(self, slug: str, actions: list[dict[str, Any]]) -> None:
        current = {(action["line_number"], action["number"]): action
                   for action in self.actions.items("/v1/actions", pact=slug)}

        def create_if_absent(action: dict[str, Any]) -> tuple[dict[str, Any], str]:
            existing = current.get((action["line"], action["number"]))
            if existing is not None:
                self.tally("actions").add("unchanged")
                return action, existing["id"]
            body = {
                "line": action["line"], "number": action["number"], "title": action["title"],
                "description": action.get("description"), "aim": action.get("aim"), "ambition": action.get("ambition"),
                "participants": [self._participant(participant) for participant in action.get("participants", [])],
            }
            answer = self.actions.request("POST", f"/v1/pacts/{slug}/actions", json=body)
            self.tally("actions").add("created")
            return action, answer["id"]

        self._load_children(_concurrently(create_if_absent, actions))

    def _participant(self, participant: dict[str, Any]) -> dict[str, Any]:
        return {"role": participant["role"],
                "organisation_id": self.organisation_ids[participant["organisation"]] if "organisation" in participant else None,
                "organisation_kind": participant.get("kind"), "label": participant.get("label")}

    def _load_children(self, actions: list[tuple[dict[str, Any], str]]) -> None:
        """Milestones (operational goals) and results of each action, created when absent."""
        if not actions:
            return
        ids = [action_id for _, action_id in actions]
        milestones, results = set(), set()
        for chunk in range(0, len(ids), 100):
            joined = ",".join(ids[chunk:chunk + 100])
            milestones |= {(m["action_id"], m["title"]) for m in self.actions.items("/v1/milestones", action_ids=joined)}
            results |= {(r["action_id"], r["description"]) for r in self.actions.items("/v1/results", action_ids=joined)}
        writes = []
        for action, action_id in actions:
            for goal in action.get("operational_goals", []):
                if (action_id, goal["title"]) in milestones:
                    self.tally("operational goals").add("unchanged")
                else:
                    writes.append(("operational goals", f"/v1/actions/{action_id}/milestones", goal))
            for result in action.get("results", []):
                if (action_id, result["description"]) in results:
                    self.tally("results").add("unchanged")
                else:
                    writes.append(("results", f"/v1/actions/{action_id}/results", result))

        def create(write: tuple[str, str, dict[str, Any]]) -> None:
            self.actions.request("POST", write[1], json=_jsonable(write[2]))
            self.tally(write[0]).add("created")

        _concurrently(create, writes)

    def load_agenda(self, slug: str, agenda: list[dict[str, Any]]) -> None:
        current = {(item["on"], item["label"]) for item in self.actions.items(f"/v1/pacts/{slug}/agenda")}
        bodies = [{"on": str(item["date"]), "when": item.get("when"), "label": item["label"], "kind": item["kind"]}
                  for item in agenda]
        self.tally("agenda items").add("unchanged", sum(1 for body in bodies if (body["on"], body["label"]) in current))

        def create(body: dict[str, Any]) -> None:
            self.actions.request("POST", f"/v1/pacts/{slug}/agenda", json=body)
            self.tally("agenda items").add("created")

        _concurrently(create, [body for body in bodies if (body["on"], body["label"]) not in current])


def database_is_empty(actions_url: str) -> bool:
    """No pact yet: the first start of a fresh database (a seed always creates pacts)."""
    try:
        page = httpx.get(f"{actions_url}/v1/pacts", params={"limit": 1}, timeout=10)
    except httpx.TransportError as exc:
        raise SeedError(f"cannot reach {actions_url}: {exc}") from None
    if page.status_code != 200:
        raise ServiceError(page)
    return not page.json()["items"]
