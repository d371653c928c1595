"""The seed: a faithful, consistent transcription of the two plans in ../shared/seeds/, and its
loading through the real services on a database of its own (`empty_stack`: empty at the start, so
the figures can be checked exactly and nothing another test does interferes)."""

import asyncio
import copy
import csv
import io
import json
import os
import signal
import subprocess
import sys
import uuid

import asyncpg
import httpx
import openpyxl
import pytest

from cli.processes import Stack, free_port
from cli.seed.checks import problems
from cli.seed.documents import read_seed
from cli.seed.load import PARTNER_SOURCE, SCOPES, SeedLoader
from common.auth import issue_token
from common.postgres_server import asyncpg_dsn, drop_database, with_database
from common.settings import DEVELOPMENT_JWT_SECRET


@pytest.fixture(scope="module")
def seed():
    return read_seed()


def test_the_seed_files_are_consistent(seed):
    assert problems(seed) == []


def test_pact_tree(seed):
    assert [(d.pact["slug"], d.pact["parent"], d.pact["level"]) for d in seed.pacts] == [
        ("techniekpact", None, "national"),
        ("techniekpact-mra", "techniekpact", "regional"),
        ("techniekpact-noordvleugel", "techniekpact", "regional"),
        ("techniekpact-gooi-vechtstreek", "techniekpact-mra", "subregional"),
    ]
    assert seed.pact("techniekpact").pact["signed_on"].isoformat() == "2013-05-13"


def test_the_seed_leaves_empty_the_dates_the_plans_do_not_give(seed):
    """Neither plan gives Noordvleugel's or Gooi & Vechtstreek's start, nor the Metropoolregio pact's end."""
    assert seed.pact("techniekpact-noordvleugel").pact["period_start"] is None
    assert seed.pact("techniekpact-gooi-vechtstreek").pact["period_start"] is None
    assert (seed.pact("techniekpact-mra").pact["period_start"], seed.pact("techniekpact-mra").pact["period_end"]) == \
        (None, None)
    # "2020": the national goals' year and the Gooi & Vechtstreek plan's title
    assert {seed.pact(slug).pact["period_end"].isoformat() for slug in (
        "techniekpact", "techniekpact-noordvleugel", "techniekpact-gooi-vechtstreek")} == {"2020-12-31"}
    assert all(goal["baseline"] is None or goal["baseline"]["year"] is None
               for line in seed.pact("techniekpact-noordvleugel").lines for goal in line["goals"])


def test_noordvleugel_lines_goals_and_actions(seed):
    noordvleugel = seed.pact("techniekpact-noordvleugel")
    assert [(line["number"], line["name"]) for line in noordvleugel.lines] == [
        (1, "Kiezen voor techniek"), (2, "Leren in de techniek"), (3, "Werken in de techniek")]
    goals = {goal["name"][:20]: goal for line in noordvleugel.lines for goal in line["goals"]}
    assert all(goal["scope"] == "national" for goal in goals.values())
    pupils = goals["Van 25% naar 40% lee"]
    assert pupils["baseline"]["value"] == 25 and pupils["targets"] == [{"period": "2020", "value": 40}]
    assert pupils["series"]["measure"] == "pupils_choosing_technology"
    graduates = next(goal for name, goal in goals.items() if name.startswith("percentage afgestude"))
    assert (graduates["baseline"]["value"], graduates["targets"][0]["value"]) == (50, 75)
    assert goals["10.000 werkzoekenden"]["targets"][0]["value"] == 10000
    assert goals["30.000 werknemers wo"]["targets"][0]["value"] == 30000

    assert [action["number"] for action in noordvleugel.actions] == list(range(1, 9))
    assert [action["line"] for action in noordvleugel.actions] == [1, 1, 1, 2, 2, 2, 3, 3]
    assert all(action["description"] and action["ambition"] and action["operational_goals"]
               for action in noordvleugel.actions)


def test_noordvleugel_action_4_campus_initiatives_lead_it(seed):
    action = seed.pact("techniekpact-noordvleugel").actions[3]
    assert action["title"] == "Campusvorming in beroepsonderwijs op basis van regionale speerpunten"
    assert len(action["campus_initiatives"]) == 9
    leads = [p["organisation"] for p in action["participants"] if p["role"] == "lead"]
    assert leads == action["campus_initiatives"]
    coordination = {p["organisation"] for p in action["participants"] if p["role"] == "coordination"}
    assert coordination == {"amsterdam-economic-board", "economic-board-utrecht", "cockpit-overleg-boards-nhn"}
    [goal] = action["operational_goals"]
    assert goal["due"] == {"kind": "year", "value": "2014", "label": "eind 2014"} and goal["target_count"] == 4


def test_noordvleugel_leads_as_the_resume_names_them(seed):
    leads = {action["number"]: sorted(p["organisation"] for p in action["participants"] if p["role"] == "lead")
             for action in seed.pact("techniekpact-noordvleugel").actions}
    assert leads[1] == ["techniekraad-noord-holland"]
    assert leads[2] == ["economic-board-utrecht", "techniekraad-noord-holland"]
    assert leads[3] == ["hogeschool-utrecht"]
    assert leads[5] == ["economic-board-utrecht", "gemeente-amsterdam"]
    assert leads[6] == ["talent-voor-techniek"]
    assert leads[7] == ["gemeente-utrecht", "provincie-utrecht"]
    # "bestaande regionale campusinitiatieven": no single lead, the nine initiatives together
    campus = sorted(seed.pact("techniekpact-noordvleugel").actions[3]["campus_initiatives"])
    assert leads[4] == leads[8] == campus and len(campus) == 9


def test_noordvleugel_goals_read_their_series_in_their_own_unit_and_window(seed):
    goals = {goal["name"][:20]: goal for line in seed.pact("techniekpact-noordvleugel").lines for goal in line["goals"]}
    # metrics_api serves shares 0..1: the percentage goals read them times 100
    assert goals["Van 25% naar 40% lee"]["series"]["scale"] == 100
    # the summed goals count from the national pact's signing year, not from whatever was recorded before
    assert goals["10.000 werkzoekenden"]["window"] == goals["30.000 werknemers wo"]["window"] == {"start": "2013"}


def test_noordvleugel_agenda_2013(seed):
    agenda = seed.pact("techniekpact-noordvleugel").agenda
    assert len(agenda) == 6
    assert agenda[0]["date"].isoformat() == "2013-05-13" and agenda[0]["kind"] == "signing"
    assert all(item["date"].year == 2013 for item in agenda)
    # The plan names a day only for the signing: the others fall on the first of the month their words begin in.
    assert [item["date"].day for item in agenda] == [13, 1, 1, 1, 1, 1]


def test_gooi_vechtstreek_actions_results_and_members(seed):
    plan = seed.pact("techniekpact-gooi-vechtstreek")
    assert len(plan.actions) == 12
    assert [sum(1 for a in plan.actions if a["line"] == n) for n in (1, 2, 3)] == [4, 6, 2]
    assert all(action["aim"] and action["description"] and action["results"] and action["participants"]
               for action in plan.actions)
    numbered = {(r["indicator"]["targets"][0]["period"], r["indicator"]["targets"][0]["value"])
                for action in plan.actions for r in action["results"] if r["indicator"].get("targets")}
    assert numbered == {(None, 6), ("2016", 10), ("2016", 80)}
    # "10% meer ... in 2016" is a change of +10% from the baseline; "80% ... stroomt door" a level.
    kinds = {r["description"][:22]: r["indicator"]["targets"][0].get("kind", "level")
             for action in plan.actions for r in action["results"] if r["indicator"].get("targets")}
    assert kinds == {"Wetenschap en Technolo": "level", "10% meer leerlingen ki": "relative_change",
                     "In 2016 10% meer uitst": "relative_change", "In 2016 stroomt 80% va": "level"}
    assert plan.coordinator["organisation"] == "techniekpact-gv"
    assert plan.coordinator["contact"] == {"name": "Marcel Schilders", "role": "projectleider Techniekpact G&V",
                                           "email": "marcel@pradus.nl", "phone": "06-20611968"}
    assert len(plan.members["organisations"]) == 32
    assert plan.members["joined_on"].isoformat() == "2014-09-01"


def test_every_organisation_once(seed):
    by_name = {o["name"]: o for o in seed.organisations}
    assert len(by_name) == len(seed.organisations) == 87
    # named in several actions and in the joined list: one organisation
    mbo_college = [p for d in seed.pacts for a in d.actions for p in a["participants"]
                   if p.get("organisation") == "mbo-college-hilversum"]
    assert len(mbo_college) == 10
    assert by_name["MBO College Hilversum"]["municipality_code"] == "GM0402"
    assert by_name["OBM Midden Nederland"]["also_written"] == ["Opleidingsbedrijf Metaal Midden Nederland"]


def test_regions_and_the_uwv_table(seed):
    regions = {r["code"]: r for r in seed.regions}
    assert sum(1 for r in seed.regions if r["kind"] == "province") == 12
    assert regions["noordvleugel"]["members"] == ["PV24", "PV26", "PV27"]
    assert set(regions["gooi-en-vechtstreek"]["members"]) == {"GM0376", "GM1942", "GM0402", "GM0406", "GM0417", "GM1696"}
    assert "metropoolregio-amsterdam" in regions
    assert len(seed.observations) == 12
    total = {r["region"]: r["value"] for r in seed.observations if r["occupation"] == "total"}
    assert total == {"NL01": 341490, "PV24": 8740, "PV26": 25295, "PV27": 46989}
    assert sum(total[code] for code in regions["noordvleugel"]["members"]) == 81024


@pytest.mark.parametrize("break_it, expected", [
    (lambda s: s.pact("techniekpact-noordvleugel").actions[0]["participants"].append(
        {"role": "lead", "organisation": "nobody"}), "organisation nobody is not in organisations.yaml"),
    (lambda s: s.organisations.append(dict(s.organisations[0])), "an external_id appears twice"),
    (lambda s: s.organisations[0].update(municipality_code="GM9999"), "GM9999 is not a municipality"),
    (lambda s: s.observations[3].update(value=1), "noordvleugel total sums to"),
    (lambda s: s.pact("techniekpact-noordvleugel").actions[7].update(line=4), "line 4 is not a line"),
    (lambda s: s.pact("techniekpact-noordvleugel").actions[7]["operational_goals"][0]["due"].update(value="2014-13"),
     "is not a year"),
    (lambda s: s.regions.append({"code": "PV1", "name": "x", "kind": "province"}), "PV1: not a province code"),
    # what actions_api would refuse: a summed series counted from its first period, a target of no kind
    (lambda s: s.pact("techniekpact-noordvleugel").lines[2]["goals"][0].pop("window"), "window: Value error"),
    (lambda s: s.pact("techniekpact-gooi-vechtstreek").actions[1]["results"][0]["indicator"]["targets"][0].update(
        kind="meer"), "targets.0.kind"),
    (lambda s: s.pact("techniekpact-gooi-vechtstreek").coordinator.update(organisation="nobody"),
     "coordinator nobody is not in organisations.yaml"),
])
def test_the_checks_catch_mistakes(seed, break_it, expected):
    broken = copy.deepcopy(seed)
    break_it(broken)
    assert any(expected in problem for problem in problems(broken)), problems(broken)


# --- loading through the real services -------------------------------------------------------

def seed_token(seed) -> str:
    return issue_token(DEVELOPMENT_JWT_SECRET, subject="seed-test", scopes=SCOPES,
                       sources=[PARTNER_SOURCE, seed.observation_source])


def loader_for(stack: Stack, seed) -> SeedLoader:
    return SeedLoader(seed, actions_url=stack.url("actions_api"), partners_url=stack.url("partners_api"),
                      metrics_url=stack.url("metrics_api"), token=seed_token(seed))


async def _fingerprint(url: str) -> dict[str, tuple[int, str]]:
    """Per table of the three schemas: its row count and a digest of every row's content (so any
    write that changed a value or an updated_at shows). Idempotency keys are left out: each run's
    bulk writes carry keys of their own, which the services keep for a while by design."""
    connection = await asyncpg.connect(asyncpg_dsn(url))
    try:
        tables = await connection.fetch(
            "SELECT schemaname, tablename FROM pg_tables"
            " WHERE schemaname IN ('actions', 'partners', 'metrics') AND tablename <> 'idempotency_keys'")
        found = {}
        for row in tables:
            name = f'"{row["schemaname"]}"."{row["tablename"]}"'
            found[name] = tuple(await connection.fetchrow(
                f"SELECT count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM {name} t"))
        return found
    finally:
        await connection.close()


def fingerprint(stack: Stack) -> dict[str, tuple[int, str]]:
    return asyncio.run(_fingerprint(stack.database_url))


@pytest.fixture(scope="module")
def seeded(empty_stack, seed):
    """The seed loaded once on the empty database, and what that run reported."""
    return loader_for(empty_stack, seed).run()


def get(stack: Stack, service: str, path: str, **params) -> dict:
    response = httpx.get(f"{stack.url(service)}{path}", params=params, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.e2e
def test_the_seed_loads_on_an_empty_database(empty_stack, seeded):
    created = {name: tally.created for name, tally in seeded.items()}
    # The migrations load CBS's registry (the country, provinces, municipalities): the seed adds the aggregates.
    assert created == {"occupations": 4, "measures": 6, "regions": 3, "observations": 12, "organisations": 87,
                       "pacts": 4, "action lines": 6, "goals": 9, "actions": 20, "operational goals": 14,
                       "results": 12, "agenda items": 6, "memberships": 32, "contacts": 1}
    pacts = {p["slug"]: p for p in get(empty_stack, "actions_api", "/v1/pacts")["items"]}
    assert sorted(pacts["techniekpact"]["children"]) == ["techniekpact-mra", "techniekpact-noordvleugel"]
    assert pacts["techniekpact-gooi-vechtstreek"]["parent"] == "techniekpact-mra"


@pytest.mark.e2e
def test_a_second_run_changes_nothing(empty_stack, seeded):
    """Through the command itself: every count "unchanged", and every table's rows and updated_at as they were."""
    before = fingerprint(empty_stack)
    result = subprocess.run(
        [sys.executable, "-m", "cli.main", "seed"], capture_output=True, text=True, timeout=120,
        env={**os.environ, "ACTIONS_API_URL": empty_stack.url("actions_api"),
             "PARTNERS_API_URL": empty_stack.url("partners_api"), "METRICS_API_URL": empty_stack.url("metrics_api")})
    assert result.returncode == 0, result.stderr
    rows = {line.split("│")[1].strip(): [cell.strip() for cell in line.split("│")[2:5]]
            for line in result.stdout.splitlines() if line.count("│") == 5}
    assert rows["actions"] == ["0", "0", "20"] and rows["organisations"] == ["0", "0", "87"]
    assert all(created == updated == "0" for created, updated, _ in rows.values()), result.stdout
    assert fingerprint(empty_stack) == before


def organisation_names(stack: Stack, ids: list[str]) -> list[str]:
    found = {o["id"]: o["name"] for o in get(stack, "partners_api", "/v1/organisations", ids=",".join(ids))["items"]}
    return [found[i] for i in ids]


def noordvleugel_action(stack: Stack, number: int) -> dict:
    actions = get(stack, "actions_api", "/v1/actions", pact="techniekpact-noordvleugel", limit=100)["items"]
    return next(action for action in actions if action["number"] == number)


@pytest.mark.e2e
def test_action_4_is_led_by_the_regional_campus_initiatives(empty_stack, seeded):
    action = noordvleugel_action(empty_stack, 4)
    assert action["title"] == "Campusvorming in beroepsonderwijs op basis van regionale speerpunten"
    assert action["line_number"] == 2
    leads = organisation_names(empty_stack, [p["organisation_id"] for p in action["participants"] if p["role"] == "lead"])
    assert leads == [
        "Campusinitiatief Engineering and Materials (IJmond)", "Campusinitiatief voeding (Zaanstad)",
        "Campusinitiatief creatieve industrie (Amsterdam)", "Campusinitiatief big data/robotica (Almere)",
        "Campusinitiatief composieten (Airport Lelystad)", "Campusinitiatief maritiem (Den Helder)",
        "Campusinitiatief agritech (Noord-Holland noord)", "Automotive College (Nieuwegein: ROC Midden-Nederland/InnoVAM)",
        "Campusinitiatief life sciences (Utrecht Science Park/De Uithof)"]
    assert "- composieten (Airport Lelystad)" in action["description"]
    coordination = organisation_names(empty_stack, [p["organisation_id"] for p in action["participants"]
                                                    if p["role"] == "coordination"])
    assert coordination == ["Amsterdam Economic Board", "Economic Board Utrecht", "cockpit overleg Boards Noord-Holland Noord"]
    assert {p["organisation_kind"] for p in action["participants"] if p["organisation_kind"]} == {
        "HBO-instellingen", "MBO-instellingen", "regionale bedrijven", "gemeenten en provincies"}


@pytest.mark.e2e
def test_action_8_operational_goal(empty_stack, seeded):
    action = noordvleugel_action(empty_stack, 8)
    [milestone] = get(empty_stack, "actions_api", "/v1/milestones", action_ids=action["id"])["items"]
    assert milestone["title"].startswith("Eind 2014: 4 regionale campussen in een operationeel stadium, waarvan")
    assert milestone["due"] == {"kind": "year", "value": "2014", "label": "eind 2014"}
    assert milestone["due_by"] == "2014-12-31" and milestone["target_count"] == 4
    uwv = [p for p in action["participants"] if p["organisation_id"]
           and organisation_names(empty_stack, [p["organisation_id"]]) == ["UWV"]]
    assert len(uwv) == 1 and uwv[0]["role"] == "participant"


@pytest.mark.e2e
def test_the_32_joined_gooi_vechtstreek_partners(empty_stack, seeded):
    members = get(empty_stack, "partners_api", "/v1/pacts/techniekpact-gooi-vechtstreek/members", limit=100)["items"]
    assert len(members) == 32 and {m["joined_on"] for m in members} == {"2014-09-01"}
    names = {m["organisation"]["name"] for m in members}
    assert {"Aalbers Bouw", "Casparus College", "Nobel/Pink Elephant", "Uneto-VNI, afd. G&V"} <= names
    # the joined school is the same organisation as the one taking part in three actions
    casparus = next(m["organisation"] for m in members if m["organisation"]["name"] == "Casparus College")
    taking_part = get(empty_stack, "actions_api", "/v1/participations", organisation_ids=casparus["id"])["items"]
    actions = get(empty_stack, "actions_api", "/v1/actions", ids=",".join(p["action_id"] for p in taking_part))["items"]
    assert sorted(a["number"] for a in actions) == [2, 5, 6]


@pytest.mark.e2e
def test_the_2012_uwv_figures_and_noordvleugel_derived(empty_stack, seeded):
    def point(region: str, occupation: str) -> dict:
        series = get(empty_stack, "metrics_api", "/v1/series", measure="vacancies_new", region=region,
                     occupation=occupation, **{"from": "2012", "to": "2012"})
        [only] = series["points"]
        return only

    assert point("NL01", "total")["value"] == 341490
    assert point("PV27", "ict")["value"] == 1816
    total = point("noordvleugel", "total")
    assert (total["value"], total["derived"]) == (81024, True)
    assert point("noordvleugel", "technical_industry")["value"] == 31599
    technical_and_ict = point("noordvleugel", "technical_industry_ict")
    assert technical_and_ict["value"] == 35587
    assert round(100 * technical_and_ict["share"]) == 44    # "aandeel ... 44%"
    assert round(100 * point("NL01", "technical_industry_ict")["share"]) == 49


@pytest.mark.e2e
def test_every_trekker_through_graphql(empty_stack, seeded):
    answer = httpx.post(f"{empty_stack.url('gateway')}/graphql", timeout=30, json={"query": """{
        pact(slug: "techniekpact-noordvleugel") { actions(first: 10) { nodes {
            number leads { role organisationKind organisation { name } } } } } }"""}).json()
    assert "errors" not in answer, answer["errors"]
    leads = {node["number"]: [lead["organisation"]["name"] for lead in node["leads"]]
             for node in answer["data"]["pact"]["actions"]["nodes"]}
    assert leads[1] == ["Techniekraad Noord-Holland"]
    assert leads[2] == ["Economic Board Utrecht", "Techniekraad Noord-Holland"]
    assert leads[5] == ["Economic Board Utrecht", "Gemeente Amsterdam"]
    assert leads[7] == ["Gemeente Utrecht", "Provincie Utrecht"]
    assert len(leads[4]) == len(leads[8]) == 9 and leads[4] == leads[8]


@pytest.mark.e2e
def test_the_goals_say_why_they_have_no_progress_yet(empty_stack, seeded):
    lines = get(empty_stack, "actions_api", "/v1/pacts/techniekpact-noordvleugel/lines")["items"]
    goals = {goal["name"][:20]: goal for line in lines for goal in line["goals"]}
    pupils = goals["Van 25% naar 40% lee"]
    assert (pupils["actual"], pupils["progress_note"]) == (None, "not_measured")
    assert pupils["window"] == {"start": None, "end": "2020"}
    assert goals["10.000 werkzoekenden"]["progress_note"] == "no_baseline"
    action = next(a for a in get(empty_stack, "actions_api", "/v1/actions", pact="techniekpact-gooi-vechtstreek",
                                 limit=100)["items"] if a["number"] == 2)
    [more] = get(empty_stack, "actions_api", "/v1/results", action_ids=action["id"])["items"]
    assert more["indicator"]["targets"] == [{"period": "2016", "value": 10, "kind": "relative_change"}]
    assert more["progress_note"] == "no_baseline"


@pytest.mark.e2e
def test_the_meedoen_contact_is_on_the_coordinating_organisation_and_only_with_contacts_read(empty_stack, seeded):
    pact = get(empty_stack, "actions_api", "/v1/pacts/techniekpact-gooi-vechtstreek")
    assert organisation_names(empty_stack, [pact["coordinator"]]) == ["Techniekpact G&V"]
    url = f"{empty_stack.url('partners_api')}/v1/organisations/{pact['coordinator']}/contacts"
    assert httpx.get(url, timeout=10).status_code == 401
    reader = issue_token(DEVELOPMENT_JWT_SECRET, subject="reader", scopes=["contacts:read"])
    contacts = httpx.get(url, timeout=10, headers={"Authorization": f"Bearer {reader}"}).json()["items"]
    assert [(c["name"], c["role"], c["email"], c["phone"]) for c in contacts] == [
        ("Marcel Schilders", "projectleider Techniekpact G&V", "marcel@pradus.nl", "06-20611968")]


@pytest.mark.e2e
def test_run_seeds_an_empty_database_on_first_start(database_server_url):
    url = with_database(database_server_url, f"techniekpact_run_{uuid.uuid4().hex[:10]}")
    ports = [free_port() for _ in range(4)]
    runner = subprocess.Popen(
        [sys.executable, "-m", "cli.main", "run", "--gateway-port", str(ports[0]), "--actions-port", str(ports[1]),
         "--partners-port", str(ports[2]), "--metrics-port", str(ports[3])],
        env={**os.environ, "DATABASE_URL": url}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    output = []
    try:
        for line in runner.stdout:
            output.append(line)
            if "Press Ctrl-C" in line:
                break
        assert any(line.startswith("seeded: ") for line in output), "".join(output)
        pacts = httpx.get(f"http://127.0.0.1:{ports[1]}/v1/pacts", timeout=10).json()["items"]
        assert len(pacts) == 4
    finally:
        runner.send_signal(signal.SIGTERM)
        runner.wait(30)
        asyncio.run(drop_database(url))


def techniekpact(stack: Stack, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "cli.main", *args], capture_output=True, text=True, timeout=120,
        env={**os.environ, "ACTIONS_API_URL": stack.url("actions_api"), "PARTNERS_API_URL": stack.url("partners_api"),
             "METRICS_API_URL": stack.url("metrics_api")})


@pytest.mark.e2e
def test_export_actions_partners_and_a_series(empty_stack, seeded, tmp_path):
    result = techniekpact(empty_stack, "export", "actions", "--pact", "techniekpact-noordvleugel")
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [row["number"] for row in rows] == [str(n) for n in range(1, 9)]
    # every trekker: nine campus initiatives for action 4, two for actions 2, 5 and 7
    assert "Campusinitiatief maritiem (Den Helder)" in rows[3]["leads"].split("; ")
    assert len(rows[3]["leads"].split("; ")) == 9
    assert rows[1]["leads"] == "Economic Board Utrecht; Techniekraad Noord-Holland"
    assert rows[4]["leads"] == "Economic Board Utrecht; Gemeente Amsterdam"
    assert rows[6]["leads"] == "Gemeente Utrecht; Provincie Utrecht"

    result = techniekpact(empty_stack, "export", "partners", "--pact", "techniekpact-gooi-vechtstreek",
                          "--format", "json", "--output", str(tmp_path / "members.json"))
    assert result.returncode == 0, result.stderr
    assert len(json.loads((tmp_path / "members.json").read_text(encoding="utf-8"))) == 32

    result = techniekpact(empty_stack, "export", "series", "--measure", "vacancies_new", "--region", "noordvleugel",
                          "--occupation", "technical_industry_ict", "--from", "2012", "--to", "2012", "--format", "json")
    [point] = json.loads(result.stdout)
    assert (point["period"], point["value"], point["derived"]) == ("2012", 35587, True)

    result = techniekpact(empty_stack, "export", "series", "--measure", "vacancies_new")
    assert (result.returncode, result.stderr.strip()) == (1, "error: series needs --measure and --region")
    result = techniekpact(empty_stack, "export", "actions", "--format", "csv-en")
    assert (result.returncode, result.stderr.strip()) == (1, "error: unknown format 'csv-en'; choose csv, csv-nl, xlsx, json")


@pytest.mark.e2e
def test_export_for_dutch_excel_and_as_a_workbook(empty_stack, seeded, tmp_path):
    """The plan's figures as Dutch Excel shows them: 35.587 of 81.024 new vacancies, a share of 44%."""
    series = ["export", "series", "--measure", "vacancies_new", "--region", "noordvleugel",
              "--occupation", "technical_industry_ict", "--from", "2012", "--to", "2012"]
    result = techniekpact(empty_stack, *series, "--format", "csv-nl", "--output", str(tmp_path / "nl.csv"))
    assert result.returncode == 0, result.stderr
    data = (tmp_path / "nl.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    [point] = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert (point["period"], point["value"], point["derived"]) == ("2012", "35587", "ja")
    assert point["share"].startswith("0,439") and round(100 * float(point["share"].replace(",", "."))) == 44

    result = techniekpact(empty_stack, *series, "--format", "xlsx", "--output", str(tmp_path / "reeks.xlsx"))
    assert result.returncode == 0, result.stderr
    sheet = openpyxl.load_workbook(tmp_path / "reeks.xlsx")["series"]
    header = [cell.value for cell in sheet[1]]
    values = dict(zip(header, [cell.value for cell in sheet[2]], strict=True))
    assert (values["value"], values["derived"], round(100 * values["share"])) == (35587, True, 44)

    result = techniekpact(empty_stack, "export", "partners", "--pact", "techniekpact-gooi-vechtstreek",
                          "--format", "csv-nl", "--output", str(tmp_path / "leden.csv"))
    members = list(csv.DictReader(io.StringIO((tmp_path / "leden.csv").read_text(encoding="utf-8-sig")), delimiter=";"))
    assert len(members) == 32 and {member["active"] for member in members} == {"ja"}
    assert "Uneto-VNI, afd. G&V" in {member["name"] for member in members}

    result = techniekpact(empty_stack, "export", "actions", "--pact", "techniekpact-noordvleugel", "--format", "xlsx",
                          "--output", str(tmp_path / "acties.xlsx"))
    sheet = openpyxl.load_workbook(tmp_path / "acties.xlsx")["actions"]
    header = [cell.value for cell in sheet[1]]
    leads = {row[header.index("number")]: row[header.index("leads")] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert leads[7] == "Gemeente Utrecht; Provincie Utrecht" and len(leads[8].split("; ")) == 9


@pytest.mark.e2e
def test_a_database_seeded_before_is_brought_to_the_plans_words(empty_stack, seeded, seed):
    """As an earlier seed left it: Noordvleugel starting 2013-01-01, "10% meer" a level of 10%. A run corrects both."""
    writer = {"Authorization": f"Bearer {seed_token(seed)}"}
    actions = empty_stack.url("actions_api")
    pact = get(empty_stack, "actions_api", "/v1/pacts/techniekpact-noordvleugel")
    assert httpx.patch(f"{actions}/v1/pacts/techniekpact-noordvleugel", json={"period_start": "2013-01-01"}, timeout=10,
                       headers={**writer, "If-Match": f'"{pact["version"]}"'}).status_code == 200
    action = next(a for a in get(empty_stack, "actions_api", "/v1/actions", pact="techniekpact-gooi-vechtstreek",
                                 limit=100)["items"] if a["number"] == 2)
    [result] = get(empty_stack, "actions_api", "/v1/results", action_ids=action["id"])["items"]
    old = {**result["indicator"], "unit": "%", "measure_kind": "percentage", "window": None,
           "targets": [{"period": "2016", "value": 10}]}
    assert httpx.patch(f"{actions}/v1/results/{result['id']}", json={"indicator": old}, timeout=10,
                       headers={**writer, "If-Match": f'"{result["version"]}"'}).status_code == 200

    tallies = loader_for(empty_stack, seed).run()
    assert (tallies["pacts"].updated, tallies["results"].updated, tallies["goals"].updated) == (1, 1, 0)
    assert get(empty_stack, "actions_api", "/v1/pacts/techniekpact-noordvleugel")["period_start"] is None
    [fixed] = get(empty_stack, "actions_api", "/v1/results", action_ids=action["id"])["items"]
    assert fixed["indicator"]["targets"] == [{"period": "2016", "value": 10, "kind": "relative_change"}]
    assert (fixed["indicator"]["unit"], fixed["indicator"]["measure_kind"]) == ("leerlingen", "number")
