"""Loading a checked Seed through the services' HTTP APIs, as any client would: every write creates
what is absent or upserts, leaving unchanged data alone, so a second run changes nothing."""

import json
import threading
import uuid
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from cli.api import Service, batches, id_lists
from cli.seed.changes import indicator_body, indicator_differs, pact_changes
from cli.seed.checks import problems
from cli.seed.documents import PactDocument, Record, Seed, SeedError
from services.metrics_api.domain import RegionKind

# contacts:read for the coordinator's contact person: read, so that a second run writes it no second time.
SCOPES = ["metrics:admin", "metrics:write", "partners:write", "partners:admin", "contacts:read", "actions:write"]
# The sources the seed writes as: its own partner records, and the UWV figures under UWV's name.
PARTNER_SOURCE = "seed"
# Independent writes (the actions of a pact, their milestones, the members) go a few at a time:
# most of a seed's time is request round trips, which overlap well across three services.
WORKERS = 4
# A region's parent and members are of a kind loaded before it.
REGION_LOAD_ORDER = [RegionKind.COUNTRY, RegionKind.PROVINCE, RegionKind.LABOUR_MARKET_REGION, RegionKind.MUNICIPALITY,
                     RegionKind.AGGREGATE]
_TALLY_LOCK = threading.Lock()


def _concurrently(work: Callable[[Any], Any], items: Iterable[Any]) -> list[Any]:
    """work(item) for every item, WORKERS at a time; the results in the items' order, the first error raised."""
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        return list(pool.map(work, items))


@dataclass
class Tally:
    """What one kind of thing did during a run: created, updated, unchanged."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def add(self, outcome: str, count: int = 1) -> None:
        with _TALLY_LOCK:
            setattr(self, outcome, getattr(self, outcome) + count)


def _key() -> str:
    """A fresh Idempotency-Key per bulk write of a run, kept across that write's retries. (A key
    derived from the content would make a second run replay the first run's answer, "created",
    instead of hearing "unchanged".)"""
    return f"seed-{uuid.uuid4().hex}"


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))


def _differs(wanted: Record, current: Record) -> bool:
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
                 say: Callable[[str], None] = lambda message: None) -> None:
        self.seed = seed
        self.actions = Service(actions_url, token=token)
        self.partners = Service(partners_url, token=token)
        self.metrics = Service(metrics_url, token=token)
        self.say = say
        # in the order a run loads them, so the summary reads top to bottom
        self.tallies: dict[str, Tally] = {name: Tally() for name in (
            "occupations", "measures", "regions", "observations", "organisations", "pacts", "action lines", "goals",
            "actions", "operational goals", "results", "agenda items", "memberships", "contacts")}
        self.organisation_ids: dict[str, str] = {}

    def tally(self, name: str) -> Tally:
        return self.tallies[name]

    def check(self) -> None:
        problems_found = problems(self.seed)
        if problems_found:
            raise SeedError("the seed files are inconsistent: " + "; ".join(problems_found[:5]))

    def close(self) -> None:
        for service in (self.actions, self.partners, self.metrics):
            service.close()

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

    def _put_reference(self, kind: str, path: str, records: list[Record], level: Callable[[Record], int]) -> None:
        """PUT what is absent or different (with If-Match: the seed's word replaces a hand edit),
        level by level: the parents and members a code names exist before it."""
        current = {item["code"]: item for item in self.metrics.items(path)}

        def put(record: Record) -> None:
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
        self._put_reference("regions", "/v1/regions", self.seed.regions,
                            lambda item: REGION_LOAD_ORDER.index(RegionKind(item["kind"])))

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
        for _, rows in batches(self.seed.observations):
            answer = self.metrics.request("POST", f"/v1/feeds/{self.seed.observation_source}/observations",
                                          json={"observations": rows}, headers={"Idempotency-Key": _key()})
            tally.add("created", answer.get("inserted", 0))
            tally.add("updated", answer.get("revised", 0))
            tally.add("unchanged", answer.get("unchanged", 0))

    # partners_api --------------------------------------------------------------------------

    def load_organisations(self) -> None:
        self.say("partners: organisations")
        records = [{key: value for key, value in organisation.items() if key != "also_written"}
                   for organisation in self.seed.organisations]
        # One push, not batches: withdraw_missing withdraws what the push leaves out, so it must hold them all.
        answer = self.partners.request(
            "PUT", f"/v1/sources/{PARTNER_SOURCE}/organisations", params={"withdraw_missing": "true"},
            json={"records": records}, headers={"Idempotency-Key": _key()})
        tally = self.tally("organisations")
        for outcome in ("created", "updated", "unchanged"):
            tally.add(outcome, answer.get(outcome, 0))
        self.organisation_ids = {result["external_id"]: result["id"] for result in answer["results"]}

    def load_members(self, document: PactDocument) -> None:
        members = document.members
        if not members:
            return
        slug = document.pact["slug"]
        present = {member["organisation_id"] for member in self.partners.items(f"/v1/pacts/{slug}/members")}
        wanted = [self.organisation_ids[external_id] for external_id in members["organisations"]]
        self.tally("memberships").add("unchanged", sum(1 for organisation_id in wanted if organisation_id in present))

        def join(organisation_id: str) -> None:
            self.partners.request("POST", f"/v1/pacts/{slug}/members", json={
                "organisation_id": organisation_id, "joined_on": str(members["joined_on"])})
            self.tally("memberships").add("created")

        _concurrently(join, [organisation_id for organisation_id in wanted if organisation_id not in present])

    # actions_api ---------------------------------------------------------------------------

    def load_pact(self, document: PactDocument) -> None:
        pact = _jsonable(document.pact)
        if document.coordinator:
            pact["coordinator"] = self.organisation_ids[document.coordinator["organisation"]]
        slug = pact["slug"]
        self.say(f"actions: {slug}")
        served = self.actions.request("GET", f"/v1/pacts/{slug}", ok=(200, 404))
        if served is None:
            self.actions.request("POST", "/v1/pacts", json=pact)
            self.tally("pacts").add("created")
        elif changes := pact_changes(pact, served):
            self.actions.request("PATCH", f"/v1/pacts/{slug}", json=changes,
                                 headers={"If-Match": f'"{served["version"]}"'})
            self.tally("pacts").add("updated")
        else:
            self.tally("pacts").add("unchanged")
        self.load_lines(slug, document.lines)
        self.load_actions(slug, document.actions)
        self.load_agenda(slug, document.agenda)
        self.load_coordinator_contact(document)

    def load_coordinator_contact(self, document: PactDocument) -> None:
        """The contact person the plan publishes for "Meedoen?", on the coordinating organisation; by name."""
        if not document.coordinator or not document.coordinator.get("contact"):
            return
        contact = document.coordinator["contact"]
        path = f"/v1/organisations/{self.organisation_ids[document.coordinator['organisation']]}/contacts"
        if any(item["name"] == contact["name"] for item in self.partners.get(path)["items"]):
            self.tally("contacts").add("unchanged")
        else:
            self.partners.request("POST", path, json=_jsonable(contact))
            self.tally("contacts").add("created")

    def load_lines(self, slug: str, lines: list[Record]) -> None:
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
            have = {goal["name"]: goal for goal in existing.get("goals", [])}
            for goal in line.get("goals", []):
                served_goal = have.get(goal["name"])
                if served_goal is None:
                    absent_goals.append((existing["id"], goal))
                elif indicator_differs(_jsonable(goal), served_goal):
                    self._update(f"/v1/goals/{served_goal['id']}", served_goal,
                                 {**indicator_body(_jsonable(goal)), "scope": goal.get("scope", "regional")}, "goals")
                else:
                    self.tally("goals").add("unchanged")

        def create_goal(item: tuple[str, Record]) -> None:
            self.actions.request("POST", f"/v1/lines/{item[0]}/goals", json=_jsonable(item[1]))
            self.tally("goals").add("created")

        _concurrently(create_goal, absent_goals)

    def _update(self, path: str, served: Record, body: Record, kind: str) -> None:
        """A PATCH of what was seeded before in other words: the seed's words replace them."""
        self.actions.request("PATCH", path, json=body, headers={"If-Match": f'"{served["version"]}"'})
        self.tally(kind).add("updated")

    def load_actions(self, slug: str, actions: list[Record]) -> None:
        current = {(action["line_number"], action["number"]): action
                   for action in self.actions.items("/v1/actions", pact=slug)}

        def create_if_absent(action: Record) -> tuple[Record, str]:
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

    def _participant(self, participant: Record) -> Record:
        organisation = participant.get("organisation")
        return {"role": participant["role"],
                "organisation_id": self.organisation_ids[organisation] if organisation is not None else None,
                "organisation_kind": participant.get("kind"), "label": participant.get("label")}

    def _load_children(self, actions: list[tuple[Record, str]]) -> None:
        """Milestones (operational goals) and results of each action, created when absent."""
        if not actions:
            return
        ids = [action_id for _, action_id in actions]
        milestones: set[tuple[str, str]] = set()
        results: dict[tuple[str, str], Record] = {}
        for id_list in id_lists(ids):
            milestones |= {(milestone["action_id"], milestone["title"])
                           for milestone in self.actions.items("/v1/milestones", action_ids=id_list)}
            results |= {(result["action_id"], result["description"]): result
                        for result in self.actions.items("/v1/results", action_ids=id_list)}
        writes: list[tuple[str, str, Record]] = []
        for action, action_id in actions:
            for goal in action.get("operational_goals", []):
                if (action_id, goal["title"]) in milestones:
                    self.tally("operational goals").add("unchanged")
                else:
                    writes.append(("operational goals", f"/v1/actions/{action_id}/milestones", goal))
            for result in action.get("results", []):
                served = results.get((action_id, result["description"]))
                if served is None:
                    writes.append(("results", f"/v1/actions/{action_id}/results", result))
                elif indicator_differs(_jsonable(result["indicator"]), served["indicator"]):
                    self._update(f"/v1/results/{served['id']}", served,
                                 {"indicator": {**indicator_body(_jsonable(result["indicator"])),
                                                "name": result["indicator"].get("name")}}, "results")
                else:
                    self.tally("results").add("unchanged")

        def create(write: tuple[str, str, Record]) -> None:
            self.actions.request("POST", write[1], json=_jsonable(write[2]))
            self.tally(write[0]).add("created")

        _concurrently(create, writes)

    def load_agenda(self, slug: str, agenda: list[Record]) -> None:
        # By label: an item seeded before on another day of the same span is the same item, not a second one.
        current = {item["label"] for item in self.actions.items(f"/v1/pacts/{slug}/agenda")}
        bodies = [{"on": str(item["date"]), "when": item.get("when"), "label": item["label"], "kind": item["kind"]}
                  for item in agenda]
        self.tally("agenda items").add("unchanged", sum(1 for body in bodies if body["label"] in current))

        def create(body: Record) -> None:
            self.actions.request("POST", f"/v1/pacts/{slug}/agenda", json=body)
            self.tally("agenda items").add("created")

        _concurrently(create, [body for body in bodies if body["label"] not in current])


def database_is_empty(actions_url: str) -> bool:
    """No pact yet: the first start of a fresh database (a seed always creates pacts)."""
    with Service(actions_url) as actions:
        return not actions.get("/v1/pacts", limit=1)["items"]
