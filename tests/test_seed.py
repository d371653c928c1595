"""The seed: a faithful, consistent transcription of the two plans in ../shared/seeds/, and its
loading through the real services on a database of its own (empty at the start, so the figures
can be checked exactly and nothing another test does interferes)."""

import asyncio
import copy
import uuid

import asyncpg
import httpx
import pytest

from cli.migrate import upgrade_all
from cli.processes import PROCESSES, Stack, free_port
from cli.seed import PARTNER_SOURCE, SCOPES, SeedLoader, problems, read_seed
from common.auth import issue_token
from common.postgres_server import asyncpg_dsn, drop_database, ensure_database, with_database
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


def test_noordvleugel_agenda_2013(seed):
    agenda = seed.pact("techniekpact-noordvleugel").agenda
    assert len(agenda) == 6
    assert agenda[0]["date"].isoformat() == "2013-05-13" and agenda[0]["kind"] == "signing"
    assert all(item["date"].year == 2013 for item in agenda)


def test_gooi_vechtstreek_actions_results_and_members(seed):
    plan = seed.pact("techniekpact-gooi-vechtstreek")
    assert len(plan.actions) == 12
    assert [sum(1 for a in plan.actions if a["line"] == n) for n in (1, 2, 3)] == [4, 6, 2]
    assert all(action["aim"] and action["description"] and action["results"] and action["participants"]
               for action in plan.actions)
    numbered = {(r["indicator"]["targets"][0]["period"], r["indicator"]["targets"][0]["value"])
                for action in plan.actions for r in action["results"] if r["indicator"].get("targets")}
    assert numbered == {(None, 6), ("2016", 10), ("2016", 80)}
    assert len(plan.members["organisations"]) == 32
    assert plan.members["joined_on"].isoformat() == "2014-09-01"


def test_every_organisation_once(seed):
    by_name = {o["name"]: o for o in seed.organisations}
    assert len(by_name) == len(seed.organisations) == 86
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
])
def test_the_checks_catch_mistakes(seed, break_it, expected):
    broken = copy.deepcopy(seed)
    break_it(broken)
    assert any(expected in problem for problem in problems(broken)), problems(broken)


# --- loading through the real services -------------------------------------------------------

@pytest.fixture(scope="module")
def empty_stack(database_server_url, tmp_path_factory):
    url = with_database(database_server_url, f"techniekpact_seed_{uuid.uuid4().hex[:10]}")
    asyncio.run(ensure_database(url))
    upgrade_all(url)
    stack = Stack(url, {name: free_port() for name in PROCESSES}, extra_env={"ENVIRONMENT": "test"},
                  log_dir=tmp_path_factory.mktemp("seed-stack-logs"))
    stack.start()
    try:
        stack.wait_ready(timeout=60)
        yield stack
    finally:
        stack.stop()
        asyncio.run(drop_database(url))


def seed_token(seed) -> str:
    return issue_token(DEVELOPMENT_JWT_SECRET, subject="seed-test", scopes=SCOPES,
                       sources=[PARTNER_SOURCE, seed.observation_source])


def loader_for(stack: Stack, seed) -> SeedLoader:
    return SeedLoader(seed, actions_url=stack.url("actions_api"), partners_url=stack.url("partners_api"),
                      metrics_url=stack.url("metrics_api"), token=seed_token(seed))


async def _fingerprint(url: str) -> dict[str, tuple[int, str]]:
    """Per table of the three schemas: its row count and a digest of every row's content (so any
    write that changed a value or an updated_at shows)."""
    connection = await asyncpg.connect(asyncpg_dsn(url))
    try:
        tables = await connection.fetch(
            "SELECT schemaname, tablename FROM pg_tables WHERE schemaname IN ('actions', 'partners', 'metrics')")
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


@pytest.mark.e2e
def test_reference_data_and_organisations_load_once(empty_stack, seed):
    loader = loader_for(empty_stack, seed)
    try:
        loader.load_reference()
        loader.load_organisations()
        loader.load_members(seed.pact("techniekpact-gooi-vechtstreek"))
    finally:
        loader.close()
    assert loader.tallies["regions"].created == len(seed.regions)
    assert loader.tallies["organisations"].created == 86
    assert loader.tallies["memberships"].created == 32
    before = fingerprint(empty_stack)

    again = loader_for(empty_stack, seed)
    try:
        again.load_reference()
        again.load_organisations()
        again.load_members(seed.pact("techniekpact-gooi-vechtstreek"))
    finally:
        again.close()
    assert all(tally.changed == 0 for tally in again.tallies.values()), again.tallies
    assert fingerprint(empty_stack) == before

    metrics, partners = empty_stack.url("metrics_api"), empty_stack.url("partners_api")
    noordvleugel = httpx.get(f"{metrics}/v1/regions/noordvleugel").json()
    assert (noordvleugel["kind"], sorted(noordvleugel["members"])) == ("aggregate", ["PV24", "PV26", "PV27"])
    assert httpx.get(f"{metrics}/v1/regions/GM0402").json()["parent"] == "PV27"
    members = httpx.get(f"{partners}/v1/pacts/techniekpact-gooi-vechtstreek/members", params={"limit": 100}).json()["items"]
    assert len(members) == 32 and {m["joined_on"] for m in members} == {"2014-09-01"}
    assert "Casparus College" in {m["organisation"]["name"] for m in members}
    schools = httpx.get(f"{partners}/v1/organisations", params={"municipality": "GM0402", "limit": 100}).json()["items"]
    assert {"MBO College Hilversum", "Hilfertsheem-Beatrix", "Gemeente Hilversum"} <= {o["name"] for o in schools}
