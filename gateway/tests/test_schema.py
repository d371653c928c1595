"""The schema over faked services: shapes, cross-service fields, connections, batching, federation."""

from gateway.schema import SDL_PATH, sdl
from gateway.tests.fakes import CONTACTS_TOKEN, FakeServices
from gateway.tests.support import DASHBOARD, graphql, open_gateway


async def test_dashboard_joins_the_three_services(gateway, services):
    async with gateway() as client:
        answer = await graphql(client, DASHBOARD, {"slug": "noordvleugel", "first": 10})
    assert "errors" not in answer
    pact = answer["data"]["pact"]
    assert pact["name"] == "Techniekpact noordvleugel" and pact["parent"] is None
    assert pact["region"]["name"] == "Noordvleugel"
    assert {member["code"] for member in pact["region"]["members"]} == {"PV24", "PV26", "PV27"}
    lines = pact["actionLines"]
    assert [line["number"] for line in lines] == [1, 2, 3]
    # The goals as actions_api measures them: the gateway shows its figures, it computes none.
    from_series, from_reports = lines[0]["goals"]
    assert from_series["actual"] == {"value": 420.0, "period": "2016", "source": "series", "derived": True}
    assert (from_series["progress"], from_series["progressNote"]) == (-0.58, None)
    assert from_reports["actual"] == {"value": 31.0, "period": "2016", "source": "reported", "derived": False}
    assert from_reports["targets"] == [{"period": "2020", "value": 40.0, "kind": "level"}]
    assert from_reports["window"] == {"start": "2013", "end": "2020"} and from_reports["progress"] == 0.4
    assert from_reports["baseline"] == {"value": 25.0, "year": 2013}
    actions = pact["actions"]["edges"]
    assert [edge["node"]["number"] for edge in actions] == [1, 2, 3]
    first = actions[0]["node"]
    lead_id = services.actions[0]["participants"][0]["organisation_id"]
    assert first["lead"]["id"] == lead_id
    assert first["lead"]["name"] == services.organisations[lead_id]["name"]
    assert first["lead"]["municipality"]["code"].startswith("GM")
    assert [p["role"] for p in first["participants"]] == ["lead", "participant", "participant"]
    assert first["participants"][2] == {"role": "participant", "organisationKind": "mbo", "label": "MBO-instellingen",
                                        "organisation": None}
    assert [lead["organisation"]["id"] for lead in first["leads"]] == [lead_id]
    assert first["milestones"][0]["due"] == {"kind": "month", "value": "2014-10", "label": "oktober 2014"}
    assert answer["extensions"]["cost"]["estimated"] > 0


async def test_same_dashboard_with_3_and_300_actions_makes_the_same_number_of_requests():
    counts = {}
    for size in (3, 300):
        services = FakeServices()
        services.add_pact("national", actions=0)
        services.add_pact("small-or-large", actions=size, parent="national", organisations=40)
        async with open_gateway(services) as client:
            answer = await graphql(client, DASHBOARD, {"slug": "small-or-large", "first": 100})
            metrics = (await client.get("/metrics")).text
        assert "errors" not in answer
        assert len(answer["data"]["pact"]["actions"]["edges"]) == min(size, 100)
        counts[size] = services.count()
        assert answer["extensions"]["downstream"]["requests"] == services.count()
        assert _downstream_total(metrics) == services.count()
    assert counts[3] == counts[300]
    # One request per loader batch: pact, parent and children, lines (with their goals measured by
    # actions_api), actions page, organisations, regions (pact, members, municipalities), milestones.
    assert counts[3] <= 11


def _downstream_total(metrics: str) -> int:
    return int(sum(float(line.rsplit(" ", 1)[1]) for line in metrics.splitlines()
                   if line.startswith("gateway_downstream_requests_total{")))


async def test_connections_page_with_first_and_after(gateway, services):
    services.add_pact("groot", actions=45)
    query = """query($after: String) { actions(pact: "groot", first: 20, after: $after) {
        pageInfo { hasNextPage endCursor } edges { cursor node { number } } nodes { number } } }"""
    seen, after = [], None
    async with gateway() as client:
        for _ in range(3):
            page = (await graphql(client, query, {"after": after}))["data"]["actions"]
            seen += [edge["node"]["number"] for edge in page["edges"]]
            assert [node["number"] for node in page["nodes"]] == [edge["node"]["number"] for edge in page["edges"]]
            after = page["pageInfo"]["endCursor"]
            if not page["pageInfo"]["hasNextPage"]:
                break
        assert seen == list(range(1, 46))
        # Any edge's cursor resumes right after it.
        first_page = (await graphql(client, query, {"after": None}))["data"]["actions"]["edges"]
        resumed = (await graphql(client, query, {"after": first_page[4]["cursor"]}))["data"]["actions"]["edges"]
        assert [edge["node"]["number"] for edge in resumed][:3] == [6, 7, 8]
        bad = await graphql(client, query, {"after": "not-a-cursor"})
    assert bad["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_organisation_joins_memberships_actions_and_region(gateway, services):
    organisation_id = services.actions[0]["participants"][0]["organisation_id"]
    query = """query($id: ID!) { organisation(id: $id) { name kind municipality { name }
        memberships { joinedOn pact { slug name } } actions { number title } } }"""
    async with gateway() as client:
        answer = await graphql(client, query, {"id": organisation_id})
    organisation = answer["data"]["organisation"]
    assert organisation["kind"] in {"COMPANY", "MBO", "MUNICIPALITY", "VMBO", "HBO"}
    assert organisation["memberships"] == [{"joinedOn": "2014-09-01",
                                            "pact": {"slug": "noordvleugel", "name": "Techniekpact noordvleugel"}}]
    assert {action["number"] for action in organisation["actions"]} >= {1}


async def test_organisations_regions_and_series(gateway, services):
    query = """{ organisations(municipality: "GM0402", first: 2) { edges { node { name municipality { name } } }
                   pageInfo { hasNextPage } }
                 regions(kind: MUNICIPALITY) { code name }
                 region(code: "noordvleugel") { kind series(measure: "vacancies_new", occupation: "ict", from: "2012")
                   { unit derived points { period value share derived } } }
                 series(measure: "vacancies_new", region: "PV27") { region { name } points { period value share } }
                 pacts { slug children { slug } agenda { on label kind } actionLines { number } } }"""
    async with gateway() as client:
        answer = await graphql(client, query)
    data = answer["data"]
    assert "errors" not in answer
    assert all(edge["node"]["municipality"]["name"] == "Hilversum" for edge in data["organisations"]["edges"])
    assert data["organisations"]["pageInfo"]["hasNextPage"] is True
    assert {region["code"] for region in data["regions"]} == {"GM0402", "GM0406", "GM0417"}
    assert data["region"]["kind"] == "AGGREGATE" and data["region"]["series"]["derived"] is True
    assert data["region"]["series"]["points"][0]["share"] == 0.3
    assert data["series"]["region"]["name"] == "Noord-Holland"
    assert data["series"]["points"][-1] == {"period": "2016", "value": 1400.0, "share": None}
    assert data["pacts"] == [{"slug": "noordvleugel", "children": [], "actionLines": [{"number": n} for n in (1, 2, 3)],
                              "agenda": [{"on": "2014-05-13", "label": "Ondertekening", "kind": "signing"}]}]


async def test_federation_service_and_entities_batched(gateway, services):
    organisation_ids = list(services.organisations)[:3]
    query = """query($reps: [_Any!]!) { _service { sdl }
        _entities(representations: $reps) {
          ... on Organisation { name } ... on Pact { name } ... on Region { name } } }"""
    representations = [{"__typename": "Organisation", "id": key} for key in organisation_ids]
    representations += [{"__typename": "Pact", "slug": "noordvleugel"}, {"__typename": "Region", "code": "PV27"}]
    async with gateway() as client:
        answer = await graphql(client, query, {"reps": representations})
    assert '@key(fields: "id")' in answer["data"]["_service"]["sdl"]
    assert [entity["name"] for entity in answer["data"]["_entities"]] == [
        *(services.organisations[key]["name"] for key in organisation_ids), "Techniekpact noordvleugel",
        "Noord-Holland"]
    assert services.count("partners_api") == 1


def test_exported_sdl_is_current():
    assert SDL_PATH.read_text() == sdl(), "run `python -m gateway.schema` and commit gateway/schema.graphql"


async def test_a_series_the_metrics_service_does_not_know_fails_alone(gateway, services):
    query = """{ known: series(measure: "vacancies_new", region: "PV27") { points { period } }
                 unknown: series(measure: "vacancies_new", region: "GM9999") { points { period } }
                 region(code: "PV26") { series(measure: "vacancies_open") { unit } } }"""
    async with gateway() as client:
        answer = await graphql(client, query)
    assert answer["data"]["known"]["points"] and answer["data"]["region"]["series"]["unit"] == "vacancies"
    assert answer["data"]["unknown"] is None
    [error] = answer["errors"]
    assert error["path"] == ["unknown"] and error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["problem"]["errors"] == [{"field": "region", "reason": "No region GM9999."}]
    # regions; the root series, refused, then again without the unknown one; the region's series
    assert services.count("metrics_api") == 4


async def test_lines_and_agenda_of_many_pacts_take_one_request_each(gateway, services):
    for index in range(5):
        services.add_pact(f"regio-{index}", actions=1, parent="noordvleugel", organisations=2)
    async with gateway() as client:
        answer = await graphql(client, "{ pacts { slug actionLines { goals { name } } agenda { label } } }")
    assert len(answer["data"]["pacts"]) == 6 and "errors" not in answer
    assert [call.path for call in services.calls] == ["/v1/pacts", "/v1/lines", "/v1/agenda"]


async def test_a_pacts_coordinator_and_its_contacts_only_with_contacts_read(gateway, services):
    coordinator = next(iter(services.organisations))
    services.pacts["noordvleugel"]["coordinator"] = coordinator
    query = '{ pact(slug: "noordvleugel") { coordinator { id name contacts { name email } } } }'
    async with gateway() as client:
        public = await graphql(client, query)
        allowed = await graphql(client, query, headers={"Authorization": CONTACTS_TOKEN})
    assert public["data"]["pact"]["coordinator"]["id"] == coordinator
    assert public["data"]["pact"]["coordinator"]["contacts"] is None
    assert public["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert "errors" not in allowed
    assert allowed["data"]["pact"]["coordinator"]["contacts"] == [{"name": "Contact 0", "email": "contact0@example.nl"}]
