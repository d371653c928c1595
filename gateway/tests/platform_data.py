"""Data for the end-to-end tests and bench/gateway_queries.py, made through the services' REST APIs
as the platform's clients make it: regions, measures and figures in metrics_api, organisations in
partners_api, pacts with lines, goals, actions and milestones in actions_api."""

import asyncio

import httpx

from common.auth import issue_token
from common.settings import DEVELOPMENT_JWT_SECRET

YEARS = range(2012, 2017)


def bearer(*scopes: str, sources: list[str] | None = None, subject: str = "e2e-coordinator") -> dict[str, str]:
    token = issue_token(DEVELOPMENT_JWT_SECRET, subject=subject, scopes=list(scopes), sources=sources)
    return {"Authorization": f"Bearer {token}"}


def ok(response: httpx.Response) -> dict:
    assert response.status_code in (200, 201, 202), f"{response.request.method} {response.request.url}: {response.text}"
    return response.json()


async def put_reference_data(metrics: httpx.AsyncClient) -> None:
    admin = bearer("metrics:admin")
    for code, body in [
        ("total", {"name": "Totaal"}),
        ("technical_industry", {"name": "Technische en industriële beroepen", "parent": "total"}),
    ]:
        await metrics.put(f"/v1/occupations/{code}", json=body, headers=admin)
    await metrics.put("/v1/measures/vacancies_new", headers=admin,
                      json={"name": "Ontstane vacatures", "unit": "vacatures", "kind": "flow"})
    for code, body in [
        ("NL01", {"name": "Nederland", "kind": "country"}),
        ("PV24", {"name": "Flevoland", "kind": "province", "parent": "NL01"}),
        ("PV26", {"name": "Utrecht", "kind": "province", "parent": "NL01"}),
        ("PV27", {"name": "Noord-Holland", "kind": "province", "parent": "NL01"}),
        ("GM0402", {"name": "Hilversum", "kind": "municipality", "parent": "PV27"}),
        ("noordvleugel", {"name": "Noordvleugel", "kind": "aggregate", "members": ["PV24", "PV26", "PV27"]}),
    ]:
        answer = await metrics.put(f"/v1/regions/{code}", json=body, headers=admin)
        assert answer.status_code in (200, 201, 428), answer.text  # 428: there already, from an earlier module
    observations = [
        {"measure": "vacancies_new", "region": region, "period": str(year), "occupation": occupation,
         "value": (1000 if occupation == "total" else 300) + 10 * (year - 2012), "status": "final"}
        for region in ("PV24", "PV26", "PV27") for occupation in ("total", "technical_industry") for year in YEARS
    ]
    ok(await metrics.post("/v1/feeds/uwv/observations", json={"observations": observations},
                          headers=bearer("metrics:write", sources=["uwv"])))


async def register_organisations(partners: httpx.AsyncClient, count: int) -> list[str]:
    kinds = ["company", "mbo", "vmbo", "hbo", "municipality"]

    async def one(index: int) -> str:
        return ok(await partners.post("/v1/organisations", headers=bearer("partners:admin"), json={
            "name": f"E2E organisatie {index}", "kind": kinds[index % 5], "municipality_code": "GM0402",
            "sectors": ["metal"]}))["id"]

    return list(await asyncio.gather(*(one(index) for index in range(count))))


async def make_pact(actions_api: httpx.AsyncClient, slug: str, parent: str | None, actions: int,
                    organisations: list[str], complete: int = 100) -> None:
    """Actions numbered up to `complete` have a lead, a partner and a milestone; the others only a kind of
    partner, which spares actions_api's per-write check of organisation ids (a slow path)."""
    writer = bearer("actions:write")
    ok(await actions_api.post("/v1/pacts", headers=writer, json={
        "slug": slug, "name": f"Techniekpact {slug}", "level": "regional" if parent else "national",
        "parent": parent, "region": "noordvleugel" if parent else "NL01", "signed_on": "2014-05-13",
    }))
    if parent is None:
        return
    for number, name in enumerate(["Kiezen voor techniek", "Leren in de techniek", "Werken in de techniek"], 1):
        ok(await actions_api.post(f"/v1/pacts/{slug}/lines", headers=writer, json={
            "number": number, "name": name, "goals": [
                {"name": "Technische vacatures", "unit": "vacatures", "baseline": {"value": 900, "year": 2012},
                 "targets": [{"period": "2020", "value": 1200}],
                 "series": {"measure": "vacancies_new", "region": "noordvleugel", "occupation": "technical_industry"}},
                {"name": "Leerlingen kiezen techniek", "unit": "%", "measure_kind": "percentage",
                 "baseline": {"value": 25, "year": 2013}, "targets": [{"period": "2020", "value": 40}]},
            ]}))

    async def one(number: int) -> None:
        participants = [{"role": "participant", "organisation_kind": "MBO-instellingen"}]
        if number <= complete:
            participants[:0] = [
                {"role": "lead", "organisation_id": organisations[number % len(organisations)]},
                {"role": "participant", "organisation_id": organisations[(number + 7) % len(organisations)]},
            ]
        action = ok(await actions_api.post(f"/v1/pacts/{slug}/actions", headers=writer, json={
            "number": number, "title": f"Actie {number}", "line": number % 3 + 1, "participants": participants}))
        if number <= complete:
            ok(await actions_api.post(f"/v1/actions/{action['id']}/milestones", headers=writer, json={
                "title": "Campus operationeel", "due": {"kind": "month", "value": "2014-10"}}))

    numbers = list(range(1, actions + 1))
    for start in range(0, len(numbers), 20):
        await asyncio.gather(*(one(number) for number in numbers[start:start + 20]))
