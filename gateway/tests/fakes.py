"""A fake of the three services' REST APIs (contracts.md shapes), for httpx.MockTransport.

It fakes services, not a database: the gateway's unit tests need answers in the agreed shapes,
a count of the requests made, and services that are down, slow or refusing. The end-to-end tests
(test_end_to_end.py) run the real services on a real PostgreSQL.
"""

import asyncio
import json
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx

HOSTS = {"actions.test": "actions_api", "partners.test": "partners_api", "metrics.test": "metrics_api"}
URLS = {"actions_api_url": "http://actions.test", "partners_api_url": "http://partners.test:8002",
        "metrics_api_url": "http://metrics.test"}
CONTACTS_TOKEN = "Bearer may-read-contacts"
WRITER_TOKEN = "Bearer may-write-actions"

ORGANISATION_KINDS = ["company", "mbo", "municipality", "vmbo", "hbo"]
MUNICIPALITIES = ["GM0402", "GM0406", "GM0417"]


def problem(status: int, title: str, detail: str, **extra: Any) -> httpx.Response:
    body = {"type": f"https://techniekpact.nl/problems/{title.lower().replace(' ', '-')}", "title": title,
            "status": status, "detail": detail, **extra}
    return httpx.Response(status, json=body, headers={"content-type": "application/problem+json"})


def page(items: list[Any], params: httpx.QueryParams) -> httpx.Response:
    limit = int(params.get("limit", 50))
    start = int(params.get("cursor") or 0)
    chunk = items[start:start + limit]
    next_cursor = str(start + limit) if start + limit < len(items) else None
    return httpx.Response(200, json={"items": chunk, "next_cursor": next_cursor})


def ids(params: httpx.QueryParams, name: str) -> list[str] | None:
    value = params.get(name)
    return value.split(",") if value is not None else None


@dataclass
class Call:
    service: str
    method: str
    path: str
    params: dict[str, str]
    headers: dict[str, str]


@dataclass
class FakeServices:
    pacts: dict[str, dict] = field(default_factory=dict)
    lines: dict[str, list[dict]] = field(default_factory=dict)
    actions: list[dict] = field(default_factory=list)
    milestones: list[dict] = field(default_factory=list)
    results: list[dict] = field(default_factory=list)
    reports: list[dict] = field(default_factory=list)
    organisations: dict[str, dict] = field(default_factory=dict)
    memberships: list[dict] = field(default_factory=list)
    contacts: list[dict] = field(default_factory=list)
    regions: dict[str, dict] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    down: set[str] = field(default_factory=set)
    slow: set[str] = field(default_factory=set)
    broken: bool = False

    # --- data -------------------------------------------------------------------------------------

    def add_regions(self) -> None:
        for code, name, kind, members in [
            ("NL01", "Nederland", "country", []), ("PV27", "Noord-Holland", "province", []),
            ("PV24", "Flevoland", "province", []), ("PV26", "Utrecht", "province", []),
            ("noordvleugel", "Noordvleugel", "aggregate", ["PV24", "PV26", "PV27"]),
            ("GM0402", "Hilversum", "municipality", []), ("GM0406", "Huizen", "municipality", []),
            ("GM0417", "Laren", "municipality", []),
        ]:
            self.regions[code] = {"code": code, "name": name, "kind": kind, "members": members}

    def add_organisations(self, count: int) -> list[str]:
        made = []
        for index in range(count):
            organisation_id = str(uuid.uuid4())
            self.organisations[organisation_id] = {
                "id": organisation_id, "name": f"Organisatie {index}", "kind": ORGANISATION_KINDS[index % 5],
                "sectors": ["metal"], "kvk_number": f"{10000000 + index}", "brin_code": None, "oin": None,
                "municipality_code": MUNICIPALITIES[index % 3], "website": None, "email": None, "active": True,
                "locked_fields": [], "version": 1, "created_at": "2026-11-01T00:00:00Z",
                "updated_at": "2026-11-01T00:00:00Z",
            }
            self.contacts.append({"id": str(uuid.uuid4()), "organisation_id": organisation_id,
                                  "name": f"Contact {index}", "role": "coordinator",
                                  "email": f"contact{index}@example.nl", "phone": "035-0000000"})
            made.append(organisation_id)
        return made

    def add_pact(self, slug: str, actions: int, *, parent: str | None = None, organisations: int = 12) -> None:
        if not self.regions:
            self.add_regions()
        partner_ids = self.add_organisations(organisations)
        self.pacts[slug] = {
            "id": str(uuid.uuid4()), "slug": slug, "name": f"Techniekpact {slug}", "level": "regional",
            "parent": parent, "region": "noordvleugel", "period_start": "2014-01-01", "period_end": "2020-12-31",
            "signed_on": "2014-05-13", "source_document": f"{slug}.pdf", "children": [],
        }
        if parent:
            self.pacts[parent]["children"].append(slug)
        self.lines[slug] = []
        for number, name in enumerate(["Kiezen voor techniek", "Leren in de techniek", "Werken in de techniek"], 1):
            line_id = str(uuid.uuid4())
            # As actions_api serves them: measured there, in the goal's unit and window.
            goals = [
                {"id": str(uuid.uuid4()), "line_id": line_id, "pact": slug, "name": f"Vacatures techniek {number}",
                 "unit": "vacancies", "measure_kind": "number", "ascending": True, "scope": "regional",
                 "baseline": {"value": 1000, "year": 2012},
                 "targets": [{"period": "2020", "value": 2000, "kind": "level"}], "aggregation": "latest",
                 "series": {"measure": "vacancies_new", "region": "noordvleugel", "occupation": "technical_industry",
                            "scale": 1},
                 "window": {"start": "2012", "end": "2020"}, "reported": [],
                 "actual": {"value": 420, "period": "2016", "source": "series", "derived": True},
                 "progress": -0.58, "progress_note": None},
                {"id": str(uuid.uuid4()), "line_id": line_id, "pact": slug, "name": f"Leerlingen techniek {number}",
                 "unit": "%", "measure_kind": "percentage", "ascending": True, "scope": "regional",
                 "baseline": {"value": 25, "year": 2013},
                 "targets": [{"period": "2020", "value": 40, "kind": "level"}], "aggregation": "latest",
                 "series": None, "window": {"start": "2013", "end": "2020"},
                 "reported": [{"period": "2015", "value": 29}, {"period": "2016", "value": 31}],
                 "actual": {"value": 31, "period": "2016", "source": "reported", "derived": False},
                 "progress": 0.4, "progress_note": None},
            ]
            self.lines[slug].append({"id": line_id, "pact": slug, "number": number, "name": name,
                                     "aim": "Meer mensen kiezen voor techniek", "goals": goals})
        for number in range(1, actions + 1):
            action_id = str(uuid.uuid4())
            lead, partner = partner_ids[number % len(partner_ids)], partner_ids[(number + 1) % len(partner_ids)]
            self.actions.append({
                "id": action_id, "pact": slug, "line_number": number % 3 + 1, "number": number,
                "title": f"Actie {number}", "description": "Wat is het", "aim": None, "ambition": "Meer techniek",
                "status": "running", "progress": 0.5, "version": 1,
                "participants": [
                    {"role": "lead", "organisation_id": lead, "organisation_kind": None, "label": None},
                    {"role": "participant", "organisation_id": partner, "organisation_kind": None, "label": None},
                    {"role": "participant", "organisation_id": None, "organisation_kind": "mbo",
                     "label": "MBO-instellingen"},
                ],
                "next_milestone": None,
            })
            for index in range(2):
                self.milestones.append({
                    "id": str(uuid.uuid4()), "action_id": action_id, "title": f"Mijlpaal {index}",
                    "due": {"kind": "month", "value": "2014-10", "label": "oktober 2014"}, "due_by": "2014-10-31",
                    "target_count": 4, "reached_count": 2, "status": "open", "met_on": None, "overdue": False,
                    "weight": 1, "version": 1,
                })
            self.results.append({"id": str(uuid.uuid4()), "action_id": action_id,
                                 "description": "10% meer leerlingen kiezen techniek", "indicator": None,
                                 "actual": None})
        for organisation_id in partner_ids:
            self.memberships.append({"id": str(uuid.uuid4()), "organisation_id": organisation_id, "pact": slug,
                                     "joined_on": "2014-09-01", "left_on": None})

    # --- transport --------------------------------------------------------------------------------

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def count(self, service: str | None = None) -> int:
        return sum(1 for call in self.calls if service is None or call.service == service)

    async def handle(self, request: httpx.Request) -> httpx.Response:
        service = HOSTS[request.url.host]
        self.calls.append(Call(service, request.method, request.url.path, dict(request.url.params),
                               dict(request.headers)))
        if service in self.down:
            raise httpx.ConnectError("connection refused", request=request)
        if service in self.slow:
            await asyncio.Event().wait()  # never answers: only the gateway's time budget ends this
        handler = getattr(self, f"_{service}")
        return handler(request, request.url.path.removeprefix("/v1/").split("/"), request.url.params)

    def _actions_api(self, request: httpx.Request, path: list[str], params: httpx.QueryParams) -> httpx.Response:
        match request.method, path:
            case "GET", ["pacts"]:
                wanted = ids(params, "slugs")
                items = [pact for slug, pact in self.pacts.items() if wanted is None or slug in wanted]
                if params.get("parent"):
                    items = [pact for pact in items if pact["parent"] == params["parent"]]
                return page(items, params)
            case "GET", ["lines"]:
                return httpx.Response(200, json={"items": [line for slug in ids(params, "pacts") or []
                                                           for line in self.lines.get(slug, [])]})
            case "GET", ["agenda"]:
                return httpx.Response(200, json={"items": [
                    {"id": f"agenda-{slug}", "pact": slug, "on": "2014-05-13", "label": "Ondertekening",
                     "kind": "signing"} for slug in ids(params, "pacts") or [] if slug in self.pacts]})
            case "GET", ["actions"]:
                wanted = ids(params, "ids")
                if wanted is not None:
                    items = [action for action in self.actions if action["id"] in wanted]
                    if self.broken:
                        items = [{key: value for key, value in action.items() if key != "title"} for action in items]
                    return httpx.Response(200, json={"items": items, "next_cursor": None})
                items = [action for action in self.actions
                         if action["pact"] == params.get("pact", action["pact"])
                         and str(action["line_number"]) == params.get("line", str(action["line_number"]))
                         and action["status"] == params.get("status", action["status"])]
                return page(items, params)
            case "GET", [("milestones" | "results" | "progress-reports") as kind]:
                source = {"milestones": self.milestones, "results": self.results,
                          "progress-reports": self.reports}[kind]
                wanted = set(ids(params, "action_ids") or [])
                return httpx.Response(200, json={"items": [item for item in source if item["action_id"] in wanted]})
            case "GET", ["participations"]:
                wanted = set(ids(params, "organisation_ids") or [])
                items = [{"action_id": action["id"], "organisation_id": participant["organisation_id"],
                          "role": participant["role"]}
                         for action in self.actions for participant in action["participants"]
                         if participant["organisation_id"] in wanted]
                return httpx.Response(200, json={"items": items})
            case "POST", ["pacts", slug, "actions"]:
                if refused := self._refuse_writer(request):
                    return refused
                body = json.loads(request.content)
                if not body.get("title"):
                    return problem(422, "Validation failed", "The request has invalid fields.",
                                   errors=[{"field": "title", "reason": "Field required"}])
                action = {"id": str(uuid.uuid4()), "pact": slug, "line_number": body.pop("line", None),
                          "description": None, "aim": None, "ambition": None, "status": "planned", "progress": 0,
                          "version": 1, "participants": body.get("participants", []), "next_milestone": None, **body}
                self.actions.append(action)
                return httpx.Response(201, json=action, headers={"ETag": '"1"'})
            case "PATCH", ["actions", action_id]:
                if refused := self._refuse_writer(request):
                    return refused
                action = next(action for action in self.actions if action["id"] == action_id)
                if request.headers.get("if-match") != f'"{action["version"]}"':
                    return problem(412, "Precondition failed", "The resource has changed since you read it.",
                                   current_etag=f'"{action["version"]}"')
                action.update(json.loads(request.content), version=action["version"] + 1)
                return httpx.Response(200, json=action)
        return problem(404, "Not found", f"No route {request.url.path}.")

    def _refuse_writer(self, request: httpx.Request) -> httpx.Response | None:
        authorization = request.headers.get("authorization")
        if authorization is None:
            return problem(401, "Unauthorized", "This needs a bearer token.")
        if authorization != WRITER_TOKEN:
            return problem(403, "Forbidden", "The token lacks the scope actions:write.")
        return None

    def _partners_api(self, request: httpx.Request, path: list[str], params: httpx.QueryParams) -> httpx.Response:
        match request.method, path:
            case "GET", ["organisations"]:
                wanted = ids(params, "ids")
                if wanted is not None:
                    return httpx.Response(200, json={"items": [self.organisations[key] for key in wanted
                                                               if key in self.organisations]})
                items = [item for item in self.organisations.values()
                         if item["kind"] == params.get("kind", item["kind"])
                         and item["municipality_code"] == params.get("municipality", item["municipality_code"])
                         and params.get("search", "").lower() in item["name"].lower()]
                return page(items, params)
            case "GET", ["memberships"]:
                wanted = set(ids(params, "organisation_ids") or [])
                return httpx.Response(200, json={"items": [item for item in self.memberships
                                                           if item["organisation_id"] in wanted]})
            case "GET", ["pacts", slug, "members"]:
                items = [{**item, "organisation": self.organisations[item["organisation_id"]]}
                         for item in self.memberships if item["pact"] == slug]
                return page(items, params)
            case "GET", ["contacts"]:
                authorization = request.headers.get("authorization")
                if authorization is None:
                    return problem(401, "Unauthorized", "Contact persons need a token with contacts:read.")
                if authorization != CONTACTS_TOKEN:
                    return problem(403, "Forbidden", "The token lacks the scope contacts:read.")
                wanted = set(ids(params, "organisation_ids") or [])
                return httpx.Response(200, json={"items": [item for item in self.contacts
                                                           if item["organisation_id"] in wanted]})
            case "POST", ["pacts", slug, "signups"]:
                return httpx.Response(202, json={"id": str(uuid.uuid4()), "status": "pending"})
        return problem(404, "Not found", f"No route {request.url.path}.")

    def _metrics_api(self, request: httpx.Request, path: list[str], params: httpx.QueryParams) -> httpx.Response:
        match request.method, path:
            case "GET", ["regions"]:
                wanted = ids(params, "codes")
                items = [region for code, region in self.regions.items()
                         if (wanted is None or code in wanted) and region["kind"] == params.get("kind", region["kind"])]
                return page(items, params)
            case "POST", ["series", "query"]:
                asked = json.loads(request.content)["series"]
                unknown = [{"field": f"series.{index}.region", "reason": f"No region {one['region']}."}
                           for index, one in enumerate(asked) if one["region"] not in self.regions]
                if unknown:
                    return problem(422, "Validation failed", "The request has invalid fields.", errors=unknown)
                return httpx.Response(200, json={"series": [self._series(one) for one in asked]})
        return problem(404, "Not found", f"No route {request.url.path}.")

    @staticmethod
    def _series(asked: dict) -> dict:
        years = range(2012, 2017)
        total = {year: 1000.0 + 100 * (year - 2012) for year in years}
        points = [{"period": str(year), "value": total[year] * (0.3 if asked["occupation"] != "total" else 1),
                   "status": "final", "revision": 1, "derived": asked["region"] == "noordvleugel",
                   "share": 0.3 if asked["occupation"] != "total" else None, "missing_reason": None}
                  for year in years]
        return {"measure": asked["measure"], "region": asked["region"], "occupation": asked["occupation"],
                "unit": "vacancies", "derived": asked["region"] == "noordvleugel", "points": points}

