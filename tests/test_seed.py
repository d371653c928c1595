"""The seed files: a faithful, consistent transcription of the two plans in ../shared/seeds/."""

import copy

import pytest

from cli.seed import read_seed, problems


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
