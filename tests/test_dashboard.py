"""The pact dashboard (gateway/web): served by the gateway at `/`, beside its API routes."""

import csv
import hashlib
import io
import json
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest
import yaml
from playwright.sync_api import expect, sync_playwright

from cli.processes import PROCESSES, SERVICES, free_port
from gateway.app import WEB_DIR, create_app
from gateway.settings import GatewaySettings

IMPORT = re.compile(r"""^\s*(?:import|export)\b[^'"]*?\bfrom\s+["']([^"']+)["']""", re.MULTILINE)


@pytest.fixture
async def gateway():
    app = create_app(GatewaySettings(environment="test"))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gateway") as client:
        yield client


async def test_the_page_is_served_at_the_root(gateway):
    page = await gateway.get("/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert '<html lang="nl">' in page.text
    assert '<script type="module" src="js/main.js"></script>' in page.text
    assert 'name="viewport"' in page.text


def _modules() -> list[Path]:
    return sorted((WEB_DIR / "js").rglob("*.js"))


async def test_every_module_and_asset_is_served_with_its_type(gateway):
    for module in _modules():
        served = await gateway.get("/" + module.relative_to(WEB_DIR).as_posix())
        assert served.status_code == 200, module
        # Browsers refuse ES modules served with any other type.
        assert "javascript" in served.headers["content-type"], module
    for asset, kind in [("app.css", "text/css"), ("vendor/chart.umd.min.js", "javascript"),
                        ("vendor/js-sha256/sha256.min.mjs", "javascript")]:
        served = await gateway.get(f"/{asset}")
        assert served.status_code == 200 and kind in served.headers["content-type"], asset
    assert (WEB_DIR / "vendor" / "chart.js.LICENSE.md").read_text().startswith("The MIT License")
    assert "MIT License" in (WEB_DIR / "vendor" / "js-sha256" / "LICENSE").read_text()


def test_the_page_preloads_every_module():
    preloaded = set(re.findall(r'<link rel="modulepreload" href="([^"]+)">', (WEB_DIR / "index.html").read_text()))
    assert preloaded == {module.relative_to(WEB_DIR).as_posix() for module in _modules()}


def test_every_relative_import_points_at_a_file():
    for module in _modules():
        for target in IMPORT.findall(module.read_text()):
            assert target.startswith("."), f"{module.name} imports {target}: no bare specifiers without a build"
            assert (module.parent / target).resolve().is_file(), f"{module.name} imports missing {target}"


def test_the_report_form_offers_the_services_milestone_statuses():
    from services.actions_api.domain import MilestoneStatus

    listed = re.search(r"MILESTONE_STATUSES = \[([^\]]*)\]", (WEB_DIR / "js" / "pages" / "report_form.js").read_text())
    assert listed and set(re.findall(r'"(\w+)"', listed.group(1))) == {status.value for status in MilestoneStatus}


I18N = WEB_DIR / "js" / "i18n"
CATALOGUE_KEY = re.compile(r'^\s*"([\w.]+)":\s*(\{[^}]*\}|"(?:[^"\\]|\\.)*")', re.MULTILINE)
PLACEHOLDER = re.compile(r"\{(\w+)\}")
STRING = re.compile(r'"((?:[^"\\\n]|\\.)*)"|`((?:[^`\\]|\\.)*)`')


def _catalogue(language: str) -> dict[str, str]:
    """A message catalogue's keys, each with its text (a plural entry's forms as written)."""
    return dict(CATALOGUE_KEY.findall("".join(part.read_text() for part in sorted((I18N / language).glob("*.js")))))


def _code_strings(module: Path) -> list[str]:
    """The string literals of a module, comments left out."""
    source = re.sub(r"/\*.*?\*/", "", module.read_text(), flags=re.DOTALL)
    source = re.sub(r"(^|\s)//.*$", r"\1", source, flags=re.MULTILINE)
    return [found.group(1) if found.group(1) is not None else found.group(2) for found in STRING.finditer(source)]


def _ui_modules() -> list[Path]:
    return [module for module in _modules() if I18N not in module.parents]


def test_both_catalogues_have_the_same_keys_and_placeholders():
    dutch, english = _catalogue("nl"), _catalogue("en")
    assert len(dutch) > 300, "the catalogue's entries are read"
    assert dutch.keys() == english.keys()
    for key, text in dutch.items():
        assert set(PLACEHOLDER.findall(text)) == set(PLACEHOLDER.findall(english[key])), key
        assert text.startswith("{") == english[key].startswith("{"), f"{key}: plural forms in one language only"


def test_every_key_the_pages_use_is_in_both_catalogues():
    dutch, english = _catalogue("nl"), _catalogue("en")
    namespaces = {key.split(".")[0] for key in dutch}
    used = set(re.findall(r'data-i18n(?:-label)?="([\w.]+)"', (WEB_DIR / "index.html").read_text()))
    prefixes = set()
    for module in _ui_modules():
        for text in _code_strings(module):
            if re.fullmatch(r"[a-z][A-Za-z]*\.[\w.]+", text) and text.split(".")[0] in namespaces:
                used.add(text)
            elif found := re.fullmatch(r"([a-z][A-Za-z]*\.[\w.]*)\$\{[^}]+\}", text):  # `labour.per.${f.api}`
                prefixes.add(found.group(1))
        # A labeller's prefix: labeller("status") reads status.<code>.
        prefixes.update(f"{name}." for name in re.findall(r'labeller\("(\w+)"\)', module.read_text()))
    assert len(used) > 250
    assert sorted(used - dutch.keys()) == [] and sorted(used - english.keys()) == []
    for prefix in prefixes:
        assert any(key.startswith(prefix) for key in dutch), prefix
    assert "labour.per.month" in used or "labour.per." in prefixes


def test_no_page_module_holds_a_dutch_ui_text():
    """The texts are in the catalogues: no module outside them writes a Dutch sentence, nor any text the
    Dutch catalogue holds."""
    dutch_word = re.compile(r"\b(de|het|een|niet|geen|van|voor|naar|zijn|bij|nog|alle|met|je|wat|wie|opslaan)\b",
                            re.IGNORECASE)
    texts = {PLACEHOLDER.sub("", text).strip('"') for text in _catalogue("nl").values() if not text.startswith("{")}
    sentences = {text for text in texts if " " in text and len(text) >= 12}
    for module in _ui_modules():
        for text in _code_strings(module):
            words = re.sub(r"\$\{[^}]*\}", " ", text)
            assert not (re.search(r"[A-Za-z]\s+[A-Za-z]", words) and dutch_word.search(words)), f"{module.name}: {text!r}"
            assert text not in sentences, f"{module.name}: {text!r} belongs in the catalogue"
    # The page's own texts are the catalogue's too (index.html keeps the Dutch ones for the first paint).
    assert "Naar de inhoud" in (WEB_DIR / "index.html").read_text() and "Naar de inhoud" in texts


async def test_the_api_routes_keep_their_paths(gateway):
    assert (await gateway.get("/healthz")).status_code == 200
    assert (await gateway.get("/metrics")).status_code == 200
    answer = await gateway.post("/graphql", json={"query": "{ __typename }"})
    assert answer.status_code == 200 and answer.json()["data"] == {"__typename": "Query"}
    graphiql = await gateway.get("/graphql", headers={"Accept": "text/html"})
    assert graphiql.status_code == 200 and "graphiql" in graphiql.text.lower()
    missing = await gateway.get("/no-such-file.js")
    assert missing.status_code == 404


# --- In the browser, against a seeded stack -------------------------------------------------------

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent.parent / ".data" / "artifacts" / "dashboard"
SEEDS = Path(__file__).resolve().parent.parent / "seeds"
# axe-core 4.14 (MPL-2.0, tests/vendor/axe-core/LICENSE), unmodified from the npm registry: only tests load it.
AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
NOORDVLEUGEL = "techniekpact-noordvleugel"

needs_chromium = pytest.mark.skipif(not CHROMIUM.exists(),
                                    reason="Debian's chromium is not installed (.ci/run installs it)")


def _seed_lead_names(action_number: int) -> list[str]:
    """Action N's leads in the Noordvleugel plan, by name, read from the seed files themselves."""
    plan = yaml.safe_load((SEEDS / "pacts" / "02-techniekpact-noordvleugel.yaml").read_text())
    organisations = {o["external_id"]: o["name"]
                     for o in yaml.safe_load((SEEDS / "organisations.yaml").read_text())["organisations"]}
    action = next(a for a in plan["actions"] if a["number"] == action_number)
    return [organisations[p["organisation"]] if p.get("organisation") else p["label"]
            for p in action["participants"] if p["role"] == "lead"]


@pytest.fixture(scope="module")
def seeded_stack(empty_stack):
    """A stack on a database of its own, loaded with `techniekpact seed` as a user would."""
    seeded = subprocess.run([sys.executable, "-m", "cli.main", "seed"], env=empty_stack.environment(),
                            capture_output=True, text=True, timeout=300)
    assert seeded.returncode == 0, seeded.stdout + seeded.stderr
    return empty_stack


@pytest.fixture(scope="module")
def browser(request, seeded_stack):
    """Chromium for the module. Started after the stack (and so stopped before it): Playwright's sync
    API runs an event loop in this thread, and the stack's set-up and tear-down call asyncio.run."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    # Printed past pytest's capture, so the path shows in a plain `make test` run.
    with request.config.pluginmanager.get_plugin("capturemanager").global_and_fixture_disabled():
        print(f"\ndashboard screenshots: {ARTIFACTS}")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--headless", "--no-sandbox"])
        yield chromium
        chromium.close()


class Page:
    """A tab on the dashboard that collects script errors, so a test can assert there were none."""

    def __init__(self, browser, base_url: str, **context) -> None:
        self.context = browser.new_context(base_url=base_url, locale="nl-NL", reduced_motion="reduce", **context)
        self.tab = self.context.new_page()
        self.problems: list[str] = []
        self.tab.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        self.tab.on("console", lambda message: message.type == "error" and self.problems.append(message.text))

    def open(self, route: str, heading: str):
        self.tab.goto(f"/{route}")
        return self.ready(heading)

    def ready(self, heading: str):
        expect(self.tab.locator("main:not([aria-busy]) .page h1")).to_have_text(heading)
        return self.tab

    def use_token(self, token: str, heading: str | re.Pattern) -> None:
        """Signs in with a pasted development token (the "Ontwikkeltoken" box), then waits for the page again."""
        self.tab.locator("#token-box summary").click()
        self.tab.get_by_label("Ontwikkeltoken (JWT)").fill(token)
        self.tab.get_by_role("button", name="Token gebruiken").click()
        self.ready(heading)

    def shot(self, name: str) -> None:
        """Saves the page and checks it with axe-core against WCAG 2 A and AA (contrast, labels, roles)."""
        self.tab.screenshot(path=ARTIFACTS / f"{name}.png", full_page=True)
        self.tab.add_script_tag(path=str(AXE))
        violations = self.tab.evaluate("""async () => (await axe.run(document, {runOnly: ["wcag2a", "wcag2aa"]}))
            .violations.map(v => `${v.id}: ${v.help} (${v.nodes.map(n => n.target.join(" ")).join(", ")})`)""")
        assert violations == [], f"{name}: {violations}"


@pytest.fixture
def dashboard(browser, seeded_stack):
    page = Page(browser, seeded_stack.url("gateway"), viewport={"width": 1280, "height": 900})
    yield page
    page.context.close()
    assert page.problems == []


@needs_chromium
def test_pact_overview_shows_lines_goals_and_actions_with_their_leads(dashboard):
    tab = dashboard.open("#/", "Techniekpacten")
    dashboard.shot("01-pacten")
    tab.get_by_role("link", name="Techniekpact Noordvleugel").click()
    dashboard.ready("Techniekpact Noordvleugel")
    lines = tab.locator("section.line h3")
    expect(lines).to_have_text(["Actielijn 1: Kiezen voor techniek", "Actielijn 2: Leren in de techniek",
                                "Actielijn 3: Werken in de techniek"])
    first_goal = tab.locator(".goal").first
    expect(first_goal).to_contain_text("Nulmeting25%")
    expect(first_goal).to_contain_text("Doel40% (2020)")
    expect(first_goal.locator("progress")).to_have_accessible_name(re.compile("^Voortgang van"))
    rows = tab.locator("section.line tbody tr")
    expect(rows).to_have_count(8)
    # Every trekker of every action, as the plan names them (action 2 two, 4 and 8 nine campus initiatives).
    for number in range(1, 9):
        leads = _seed_lead_names(number)
        assert leads, f"action {number} has no lead in the seed"
        for lead in leads:
            expect(rows.nth(number - 1).locator("td").nth(3)).to_contain_text(lead)
    assert len(_seed_lead_names(2)) == 2 and len(_seed_lead_names(5)) == 2 and len(_seed_lead_names(7)) == 2
    action_4 = rows.filter(has=tab.get_by_role("link", name=re.compile("^Campusvorming")))
    # The plan gives the 10.000 job seekers no baseline: no progress, and the page says why.
    job_seekers = tab.locator(".goal").filter(has_text="10.000 werkzoekenden")
    expect(job_seekers.locator(".bar-label")).to_have_text("geen nulmeting")
    # The plan's deadlines (2013, 2014) have passed, and nothing is reported met in the seed.
    expect(action_4).to_contain_text("te laat")
    expect(action_4).to_contain_text("2014")
    dashboard.shot("02-pact-overzicht")


@needs_chromium
def test_a_measured_share_shows_as_the_goals_percentage_with_its_progress(dashboard, seeded_stack, token):
    """Noordvleugel's "Van 25% naar 40%" reads a series of shares (0..1): a measured 0.28 is 28%, 20% of the way."""
    fed = httpx.post(f"{seeded_stack.url('metrics_api')}/v1/feeds/duo/observations", timeout=30,
                     headers={"Authorization": f"Bearer {token('metrics:write', sources=['duo'])}"},
                     json={"observations": [{"measure": "pupils_choosing_technology", "region": "NL01",
                                             "period": "2016", "occupation": "total", "value": 0.28,
                                             "status": "final"}]})
    assert fed.status_code == 200, fed.text
    tab = dashboard.open(f"#/pact/{NOORDVLEUGEL}", "Techniekpact Noordvleugel")
    pupils = tab.locator(".goal").first
    expect(pupils).to_contain_text("Nu28% (2016)")
    expect(pupils.locator(".bar-label")).to_have_text("20,0%")   # (28 - 25) / (40 - 25)
    expect(pupils.locator("progress")).to_have_attribute("value", "20")


@needs_chromium
def test_a_ten_percent_more_result_says_it_has_no_baseline(dashboard):
    """Gooi & Vechtstreek action 2, "10% meer leerlingen kiezen in 2016": a change from a baseline the plan lacks."""
    tab = dashboard.open("#/pact/techniekpact-gooi-vechtstreek", "Actieplan Techniekpact Gooi & Vechtstreek 2020")
    # "Meedoen?": the plan's contact, on its coordinating organisation
    expect(tab.get_by_role("heading", name="Meedoen?").locator("+ p")).to_contain_text("Techniekpact G&V")
    tab.get_by_role("link", name="Beroepskeuzeprogramma onderbouw VMBO").click()
    dashboard.ready("Actie 2: Beroepskeuzeprogramma onderbouw VMBO")
    result = tab.locator("#resultaten ~ ul li").first
    expect(result).to_contain_text("Doel: +10% t.o.v. de nulmeting (2016)")
    expect(result.locator(".bar-label")).to_have_text("geen nulmeting")


@needs_chromium
def test_action_page_and_recording_a_progress_report(dashboard, token):
    tab = dashboard.open(f"#/pact/{NOORDVLEUGEL}", "Techniekpact Noordvleugel")
    tab.get_by_role("link", name=re.compile("^Campusvorming")).click()
    dashboard.ready("Actie 4: Campusvorming in beroepsonderwijs op basis van regionale speerpunten")
    for lead in _seed_lead_names(4):
        expect(tab.locator(".meta .lead")).to_contain_text(lead)
    expect(tab.locator("#wat + p")).to_contain_text("Campusvorming is het regionaal bijeenbrengen")
    expect(tab.locator("#ambitie + p")).to_have_text(
        "Het eindbeeld is 10 à 12 regionale campussen in de Noordvleugel, ieder met een eigen specialisatie.")
    expect(tab.locator(".timeline li").first).to_contain_text("4 regionale campussen")
    expect(tab.locator(".participants")).to_contain_text("Trekker")
    dashboard.shot("03-actie")

    # Without a token the form says what is needed and cannot be sent.
    save = tab.get_by_role("button", name="Rapportage opslaan")
    expect(save).to_be_disabled()

    # A token without the write scope: the form says what is needed and cannot be sent.
    dashboard.use_token(token("contacts:read"), ACTION_4)
    expect(tab.locator("#token-state")).to_have_text("actief")
    expect(save).to_be_disabled()
    expect(tab.locator("#report-form .notice")).to_contain_text("rapporteren vraagt de rechten actions:write")

    # Draft reports are shown to those who may write them: count with the coordinator's token.
    dashboard.use_token(token("actions:write", subject="coordinator-noordvleugel"), ACTION_4)
    expect(tab.locator("#token-state")).to_have_text("actief")
    expect(save).to_be_enabled()
    reports_before = tab.locator(".reports li").count()
    # The action's own status offers only the moves its state machine allows from "planned".
    options = tab.get_by_label("Nieuwe status van de actie").locator("option")
    expect(options).to_have_text(["Ongewijzigd (Gepland)", "Loopt", "Gestopt"])
    # A count reached is reported on the milestone, where it counts (once approved).
    tab.get_by_label("Waarover?").select_option(index=1)
    expect(tab.get_by_label("Waarover?")).to_contain_text("Mijlpaal: Eind 2014: 4 regionale campussen")
    note = "Campus Almere (big data/robotica) operationeel; IJmond en Zaanstad in opbouw."
    tab.get_by_label("Bereikt aantal (van 4)").fill("3")
    tab.get_by_label("Toelichting").fill(note)
    save.click()
    expect(tab.locator("#status")).to_contain_text("opgeslagen als concept")
    dashboard.ready("Actie 4: Campusvorming in beroepsonderwijs op basis van regionale speerpunten")
    dashboard.shot("04-actie-rapportage")

    # It is on the server, not only in the page: a fresh load shows it.
    tab.reload()
    dashboard.ready("Actie 4: Campusvorming in beroepsonderwijs op basis van regionale speerpunten")
    expect(tab.locator(".reports li")).to_have_count(reports_before + 1)
    draft = tab.locator(".reports li").filter(has_text=note)
    expect(draft).to_contain_text("Concept")
    expect(draft).to_contain_text("Bereikt: 3 van 4")
    expect(draft).to_contain_text("door coordinator-noordvleugel")
    expect(draft.get_by_role("button", name="Indienen")).to_be_visible()


@needs_chromium
def test_partner_directory_search_filters_and_a_partners_actions(dashboard):
    tab = dashboard.open("#/partners", "Partners")
    tab.get_by_label("Zoeken op naam").fill("casparus")
    tab.get_by_label("Zoeken op naam").press("Enter")
    expect(tab.locator("main tbody tr")).to_have_count(1)
    expect(tab.locator("main tbody tr")).to_contain_text("Casparus College")

    tab.get_by_label("Zoeken op naam").fill("")
    tab.get_by_label("Soort organisatie").select_option(label="Hogeschool")
    tab.get_by_label("Gemeente").select_option(label="Utrecht")
    tab.get_by_role("button", name="Zoeken").click()
    expect(tab.locator("main tbody tr").first).to_be_visible()
    for row in tab.locator("main tbody tr").all():
        expect(row).to_contain_text("Hogeschool")
        expect(row.locator("td").nth(2)).to_have_text("Utrecht")
    dashboard.shot("05-partners")
    # The filtered list as the file `techniekpact export partners --kind hbo --municipality GM0344` writes.
    with tab.expect_download() as download:
        tab.get_by_role("link", name="deze partners (Excel)").click()
    assert download.value.suggested_filename == "partners-hbo-GM0344.xlsx"
    rows = _workbook_rows(Path(download.value.path()).read_bytes())
    assert sorted(row[rows[0].index("name")] for row in rows[1:]) == ["Hogeschool Utrecht", "Marnix"]

    tab.get_by_role("link", name="Hogeschool Utrecht").click()
    dashboard.ready("Hogeschool Utrecht")
    actions = tab.locator("main tbody tr")
    trekker = actions.filter(has=tab.get_by_role("link", name=re.compile("^Actie 3:")))
    expect(trekker).to_contain_text("Trekker")
    expect(trekker).to_contain_text("Techniekpact Noordvleugel")
    dashboard.shot("06-partner")


@needs_chromium
def test_labour_market_chart_and_figures_for_noordvleugel_and_a_province(dashboard):
    tab = dashboard.open("#/arbeidsmarkt", "Arbeidsmarkt: Noordvleugel")
    expect(tab.locator("#stat-total")).to_have_text("81.024")
    expect(tab.locator("#stat-share")).to_have_text("43,9%")
    expect(tab.locator("main tbody tr").first).to_have_text(re.compile(r"2012\s*81\.024\s*31\.599\s*3\.988\s*43,9%"))
    # Chart.js drew it: one chart on the canvas, with a bar per class and the share line.
    drawn = tab.evaluate("() => Chart.getChart(document.querySelector('main canvas')).data.datasets.map(d => d.label)")
    assert drawn == ["Totaal", "Technische en industrieberoepen", "Informaticaberoepen", "Technisch aandeel"]
    dashboard.shot("07-arbeidsmarkt")
    # One frequency on the axis: the finest there is, or one chosen; no "all" mixing them.
    assert tab.get_by_label("Frequentie").locator("option").all_text_contents() == [
        "De fijnste die er is", "Per jaar", "Per kwartaal", "Per maand"]
    expect(tab.locator("#frequency-shown")).to_have_text("Cijfers per jaar, de fijnste die er zijn.")

    # An occupation class chosen: beside the total, with the technical share kept.
    assert "Technische, industrie- en informaticaberoepen" in tab.get_by_label("Beroepsklasse", exact=True).locator(
        "option").all_text_contents(), "the classes come from GraphQL occupations"
    tab.get_by_label("Beroepsklasse", exact=True).select_option(label="Informaticaberoepen")
    tab.get_by_role("button", name="Tonen").click()
    dashboard.ready("Arbeidsmarkt: Noordvleugel")
    assert "beroep=ict" in tab.url
    expect(tab.locator("main thead th")).to_have_text(["Periode", "Totaal", "Informaticaberoepen", "Technisch aandeel"])
    expect(tab.locator("main tbody tr").first).to_have_text(re.compile(r"2012\s*81\.024\s*3\.988\s*43,9%"))
    expect(tab.locator("#stat-ict")).to_have_text("3.988")
    expect(tab.locator("#stat-share")).to_have_text("43,9%")
    # A class the page does not read for the share is read beside it: the sum metrics_api derives.
    tab.get_by_label("Beroepsklasse", exact=True).select_option("technical_industry_ict")
    tab.get_by_role("button", name="Tonen").click()
    dashboard.ready("Arbeidsmarkt: Noordvleugel")
    expect(tab.locator("main tbody tr").first).to_have_text(re.compile(r"2012\s*81\.024\s*35\.587\s*43,9%"))
    drawn = tab.evaluate("() => Chart.getChart(document.querySelector('main canvas')).data.datasets.map(d => d.label)")
    assert drawn == ["Totaal", "Technische, industrie- en informaticaberoepen", "Technisch aandeel"]
    tab.goto("/#/arbeidsmarkt")
    dashboard.ready("Arbeidsmarkt: Noordvleugel")

    tab.get_by_label("Regio", exact=True).select_option(label="Flevoland")
    tab.get_by_role("button", name="Tonen").click()
    dashboard.ready("Arbeidsmarkt: Flevoland")
    expect(tab.locator("#stat-total")).to_have_text("8.740")
    expect(tab.locator("#stat-share")).to_have_text("45,4%")
    # The figures shown, as the files `techniekpact export series` writes.
    with tab.expect_download() as download:
        tab.get_by_role("link", name="informaticaberoepen (Excel)").click()
    assert download.value.suggested_filename == "cijfers-vacancies_new-PV24-ict.xlsx"
    rows = _workbook_rows(Path(download.value.path()).read_bytes())
    assert [row[3:5] for row in rows[1:]] == [("2012", 542)]


@needs_chromium
def test_english_is_chosen_in_the_header_remembered_and_the_pages_follow(dashboard):
    tab = dashboard.open("#/arbeidsmarkt", "Arbeidsmarkt: Noordvleugel")
    expect(tab.locator("html")).to_have_attribute("lang", "nl")
    tab.get_by_label("Taal").select_option("en")
    dashboard.ready("Labour market: Noordvleugel")
    expect(tab.locator("html")).to_have_attribute("lang", "en")
    # Numbers as English writes them, the texts from the English catalogue, the frame too.
    expect(tab.locator("#stat-total")).to_have_text("81,024")
    expect(tab.locator("#stat-share")).to_have_text("43.9%")
    expect(tab.locator("main thead th")).to_have_text(
        ["Period", "Total", "Technical and industrial occupations", "ICT occupations", "Technical share"])
    menu = tab.get_by_role("navigation", name="Main menu")
    expect(menu.get_by_role("link", name="Labour market")).to_have_attribute("aria-current", "page")
    expect(tab.locator(".skip-link")).to_have_text("Skip to content")
    expect(tab.locator("#session-state")).to_have_text("Not signed in")
    assert tab.title() == "Labour market: Noordvleugel · Techniekpact"
    expect(tab.get_by_role("link", name="ICT occupations (Excel)")).to_have_attribute("href", re.compile(r"occupation=ict"))
    dashboard.shot("31-english-labour")

    # Remembered: the next load is English too; data (pact and action names) stays as it is.
    tab.goto(f"/#/pact/{NOORDVLEUGEL}")
    dashboard.ready("Techniekpact Noordvleugel")
    expect(tab.locator("html")).to_have_attribute("lang", "en")
    expect(tab.locator("main h2").first).to_have_text("Action lines")
    expect(tab.locator("main h3").first).to_have_text(re.compile(r"^Action line 1: "))
    expect(tab.get_by_role("link", name=re.compile("^Campusvorming"))).to_be_visible()
    dashboard.shot("32-english-pact")

    tab.get_by_label("Language").select_option("nl")
    dashboard.ready("Techniekpact Noordvleugel")
    expect(tab.locator("html")).to_have_attribute("lang", "nl")
    expect(tab.locator("main h2").first).to_have_text("Actielijnen")
    assert tab.evaluate("() => localStorage.getItem('techniekpact.language')") == "nl"


@needs_chromium
def test_keyboard_and_phone_width(browser, seeded_stack):
    phone = Page(browser, seeded_stack.url("gateway"), viewport={"width": 375, "height": 740}, is_mobile=True,
                 has_touch=True)
    try:
        tab = phone.open(f"#/pact/{NOORDVLEUGEL}", "Techniekpact Noordvleugel")
        assert tab.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
        phone.shot("08-telefoon-pact")
        tab.keyboard.press("Tab")
        expect(tab.locator(".skip-link")).to_be_focused()
        tab.keyboard.press("Enter")
        expect(tab.locator("main")).to_be_focused()
        # Every link of the page is reachable by Tab and opens with Enter.
        tab.keyboard.press("Tab")
        expect(tab.locator("main a").first).to_be_focused()
        tab.keyboard.press("Enter")
        phone.ready("Techniekpacten")
        tab.goto("/#/arbeidsmarkt")
        phone.ready("Arbeidsmarkt: Noordvleugel")
        assert tab.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
        phone.shot("09-telefoon-arbeidsmarkt")
    finally:
        phone.context.close()
    assert phone.problems == []


@contextmanager
def _own_gateway(seeded_stack, log_dir: Path, **settings: str) -> Iterator[str]:
    """A second gateway over the seeded stack's services, with settings of its own: its address."""
    port = free_port()
    log = (log_dir / "gateway.log").open("wb")
    gateway = subprocess.Popen([sys.executable, "-m", "cli.main", "serve", "gateway", "--port", str(port)],
                               env={**seeded_stack.environment(), **settings}, stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait_for(f"http://127.0.0.1:{port}/healthz")
        yield f"http://127.0.0.1:{port}"
    finally:
        gateway.terminate()
        gateway.wait(20)
        log.close()


@needs_chromium
def test_with_a_service_down_a_page_shows_what_it_has_and_says_what_is_missing(browser, seeded_stack, tmp_path):
    """A second gateway whose metrics_api is unreachable: the pact still shows, the region does not."""
    with _own_gateway(seeded_stack, tmp_path, METRICS_API_URL=f"http://127.0.0.1:{free_port()}") as gateway:
        page = Page(browser, gateway, viewport={"width": 1280, "height": 900})
        try:
            tab = page.open(f"#/pact/{NOORDVLEUGEL}", "Techniekpact Noordvleugel")
            expect(tab.locator(".page > .notice.error")).to_have_text(
                "Niet alle gegevens zijn beschikbaar: De dienst voor de arbeidsmarktcijfers is nu niet bereikbaar.")
            expect(tab.locator("section.line tbody tr")).to_have_count(8)
            expect(tab.locator(".meta")).not_to_contain_text("Regio:")
            page.shot("10-dienst-onbereikbaar")
            tab.goto("/#/arbeidsmarkt")
            page.ready("Er ging iets mis")
            expect(tab.locator(".page .notice.error")).to_have_text(
                "De dienst voor de arbeidsmarktcijfers is nu niet bereikbaar.")
        finally:
            page.context.close()


# --- Automatic persisted queries (js/graphql.js, issue 19) ---------------------------------------


@dataclass
class Sent:
    """One request the page made to /graphql, and its answer."""

    method: str
    params: dict[str, str]
    body: dict | None
    headers: dict[str, str]
    status: int
    answer_headers: dict[str, str]
    answer: object = field(repr=False)

    @property
    def persisted_hash(self) -> str:
        extensions = self.body["extensions"] if self.body else json.loads(self.params["extensions"])
        assert extensions["persistedQuery"]["version"] == 1
        return extensions["persistedQuery"]["sha256Hash"]

    @property
    def query(self) -> str | None:
        return (self.body or {}).get("query", self.params.get("query"))

    def not_found(self) -> bool:
        errors = (self.answer.json().get("errors") or []) if self.status == 200 else []
        return any(error["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND" for error in errors)


def _graphql_traffic(tab) -> list[Sent]:
    """Every request the tab makes to /graphql from now on, in the order the answers came."""
    sent: list[Sent] = []

    def record(answer) -> None:
        url = urlsplit(answer.url)
        if url.path != "/graphql":
            return
        request = answer.request
        sent.append(Sent(request.method, dict(parse_qsl(url.query)),
                         json.loads(request.post_data) if request.post_data else None, request.all_headers(),
                         answer.status, answer.all_headers(), answer))

    tab.on("response", record)
    return sent


def _registered_once(sent: list[Sent]) -> None:
    """The query's text goes only after the gateway said it did not know the hash, and hashes to it."""
    for i, request in enumerate(sent):
        if request.query is not None:
            assert request.method == "POST" and hashlib.sha256(request.query.encode()).hexdigest() == \
                request.persisted_hash
            earlier = [one for one in sent[:i] if one.persisted_hash == request.persisted_hash]
            assert earlier and earlier[-1].query is None and earlier[-1].not_found(), request


def _gateway_counted(gateway: str, status: str) -> float:
    metrics = httpx.get(f"{gateway}/metrics", timeout=10).text
    found = re.search(rf'^http_requests_total{{method="GET",process="gateway",route="/graphql",status="{status}"}} '
                      r"(\S+)$", metrics, re.MULTILINE)
    return float(found.group(1)) if found else 0.0


@needs_chromium
def test_a_visitors_pages_ask_by_hash_over_get_and_a_later_visit_is_answered_304(browser, seeded_stack, tmp_path):
    """A gateway of its own with the response cache on: the hash alone over GET, its query over POST only
    the first time, then the hash alone; a revisit gets the browser's copy back as 304 Not Modified."""
    with _own_gateway(seeded_stack, tmp_path, GATEWAY_CACHE="memory") as gateway:
        page = Page(browser, gateway, viewport={"width": 1280, "height": 900})
        try:
            sent = _graphql_traffic(page.tab)
            tab = page.open(f"#/pact/{NOORDVLEUGEL}", "Techniekpact Noordvleugel")
            expect(tab.locator("section.line tbody tr")).to_have_count(8)
            # This gateway has never seen the query: the hash alone over GET, then the text with it over POST.
            assert [(one.method, one.query is None) for one in sent] == [("GET", True), ("POST", False)]
            assert "query" not in sent[0].params and sent[0].not_found()
            _registered_once(sent)
            registered = len(sent)
            revalidated_before = _gateway_counted(gateway, "304")
            # Each later visit asks by the hash alone, over GET. Once two come from the gateway's cache
            # (it serves from it once it follows the services' change feeds), the browser's copy is
            # still good: it asks If-None-Match and is answered 304, with no body sent again.
            for _ in range(30):
                tab.goto("/#/")
                page.ready("Techniekpacten")
                page.open(f"#/pact/{NOORDVLEUGEL}", "Techniekpact Noordvleugel")
                expect(tab.locator("section.line tbody tr")).to_have_count(8)
                if any(one.headers.get("if-none-match") for one in sent[registered:] if one.persisted_hash ==
                       sent[0].persisted_hash):
                    break
            later = sent[registered:]
            assert later and all(one.method == "GET" and one.query is None and "query" not in one.params
                                 for one in later if one.persisted_hash == sent[0].persisted_hash)
            _registered_once(sent)
            asked_again = [one for one in later if one.headers.get("if-none-match")]
            assert asked_again, "the browser never revalidated its copy"
            tags = {one.answer_headers.get("etag") for one in later}
            for one in asked_again:
                assert one.headers["if-none-match"] in tags and one.answer_headers["cache-control"] == \
                    "public, max-age=0, must-revalidate"
            assert _gateway_counted(gateway, "304") >= revalidated_before + len(asked_again)
        finally:
            page.context.close()
        assert page.problems == []


@needs_chromium
def test_a_token_holders_requests_and_mutations_go_by_hash_over_post(dashboard, token):
    tab = _action_4(dashboard)
    sent = _graphql_traffic(tab)
    dashboard.use_token(token("actions:write", subject="Pia Post"), ACTION_4)
    tab.get_by_label("Toelichting").fill("Verstuurd met een hash.")
    before_saving = len(sent)
    tab.get_by_role("button", name="Rapportage opslaan").click()
    expect(tab.locator("#status")).to_contain_text("opgeslagen als concept")
    dashboard.ready(ACTION_4)
    expect(_report(tab, "Verstuurd met een hash.")).to_contain_text("door Pia Post")
    # What a token may show is its holder's own: never over GET, where a browser or CDN would keep it.
    assert sent and all(one.method == "POST" and one.headers.get("authorization", "").startswith("Bearer ")
                        for one in sent)
    _registered_once(sent)
    # The mutation by its hash alone; its text only when the gateway did not know it (and that changed nothing).
    mutation = sent[before_saving]
    assert mutation.query is None
    if mutation.not_found():
        mutation = sent[before_saving + 1]
        assert mutation.query.startswith("mutation AddProgressReport(")
    assert mutation.answer.json()["data"]["addProgressReport"]["note"] == "Verstuurd met een hash."


@needs_chromium
def test_without_a_secure_context_the_vendored_sha256_hashes_the_queries(browser, seeded_stack):
    """On plain http at another host than localhost there is no crypto.subtle: js-sha256 makes the same hash."""
    page = Page(browser, "http://dashboard.test", viewport={"width": 1280, "height": 900})
    gateway = seeded_stack.url("gateway")
    # The browser thinks it talks to http://dashboard.test; the requests go to this machine's gateway.
    page.context.route("http://dashboard.test/**",
                       lambda route: route.continue_(url=route.request.url.replace("http://dashboard.test", gateway)))
    try:
        sent = _graphql_traffic(page.tab)
        tab = page.open(f"#/pact/{NOORDVLEUGEL}", "Techniekpact Noordvleugel")
        expect(tab.locator("section.line tbody tr")).to_have_count(8)
        assert tab.evaluate("() => [isSecureContext, typeof crypto.subtle]") == [False, "undefined"]
        assert sent and all(one.method == "GET" for one in sent if one.query is None)
        # The gateway checks a registered text against its hash (PERSISTED_QUERY_MISMATCH): none was refused.
        assert all(not one.answer.json().get("errors") for one in sent if one.query is not None)
        text = "Ontwikkelingsgerichte ICT-opleidingen · één € en 🚀"
        hashed = tab.evaluate("async (text) => (await import('./vendor/js-sha256/sha256.min.mjs')).sha256(text)", text)
        assert hashed == hashlib.sha256(text.encode()).hexdigest()
        # Variables that make the address too long for GET go over POST, still by the hash alone.
        sent.clear()
        # The answer's event reaches this side after evaluate() returns; waiting for it lets `sent` record it.
        with tab.expect_response(lambda answer: urlsplit(answer.url).path == "/graphql"):
            tab.evaluate("""async (slug) => (await import('./js/graphql.js')).gql(
                'query Long($slug: String!) { pact(slug: $slug) { slug } }', { slug }).catch((error) => error.message)""",
                         "x" * 2500)
        assert [one.method for one in sent if one.query is None] == ["POST"]
    finally:
        page.context.close()
    assert page.problems == []


ACTION_4 = "Actie 4: Campusvorming in beroepsonderwijs op basis van regionale speerpunten"
SIGNED_IN = re.compile(r"^Aangemeld als (.+) \((.+)\), sessie tot \d\d:\d\d$")


def _action_4(dashboard: "Page"):
    tab = dashboard.open(f"#/pact/{NOORDVLEUGEL}", "Techniekpact Noordvleugel")
    tab.get_by_role("link", name=re.compile("^Campusvorming")).click()
    return dashboard.ready(ACTION_4)


def sign_in(dashboard: "Page", role: str, name: str, heading: str) -> None:
    """Through the gateway's /dev-oidc, as a person would: the button, the role, the name."""
    tab = dashboard.tab
    tab.get_by_role("button", name=re.compile("^(Opnieuw a|A)anmelden$")).click()
    expect(tab.get_by_role("heading", name="Aanmelden (ontwikkeling)")).to_be_visible()
    tab.get_by_label(re.compile(f"^{role}")).check()
    tab.get_by_label("Naam").fill(name)
    tab.get_by_role("button", name="Aanmelden").click()
    dashboard.ready(heading)
    expect(tab.locator("#session-state")).to_have_text(SIGNED_IN)
    expect(tab.locator("#session-state")).to_contain_text(f"Aangemeld als {name}")


def _stored_user(tab) -> str:
    return tab.evaluate("() => Object.keys(sessionStorage).find((key) => key.startsWith('oidc.user:'))")


@needs_chromium
def test_signing_in_through_the_development_issuer_renews_and_then_asks_again(dashboard):
    tab = _action_4(dashboard)
    expect(tab.locator("#session-state")).to_have_text("Niet aangemeld")
    sign_in(dashboard, "Trekker", "Tessa Trekker", ACTION_4)
    expect(tab.locator("#session-state")).to_contain_text("(trekker)")
    assert "#/actie/" in tab.url and "code=" not in tab.url, "back on the page, the code gone from the address"
    dashboard.shot("13-aangemeld")

    # The services take the issuer's token (RS256, checked with its JWKS): a draft is recorded as hers.
    tab.get_by_label("Toelichting").fill("Eerste campus draait; tweede in voorbereiding.")
    tab.get_by_role("button", name="Rapportage opslaan").click()
    expect(tab.locator("#status")).to_contain_text("opgeslagen als concept")
    expect(tab.locator(".reports li").filter(has_text="Eerste campus draait")).to_contain_text("door Tessa Trekker")

    # The access token has run out: on the next load the refresh token renews it unseen.
    key = _stored_user(tab)
    tab.evaluate("""(key) => { const user = JSON.parse(sessionStorage.getItem(key));
        user.expires_at = Math.floor(Date.now() / 1000) - 5; sessionStorage.setItem(key, JSON.stringify(user)); }""", key)
    tab.reload()
    dashboard.ready(ACTION_4)
    expect(tab.locator("#session-state")).to_have_text(SIGNED_IN)

    # And when it cannot be renewed, the page says the session expired, shows what is public and
    # offers to sign in again: never "niet gevonden".
    tab.evaluate("""(key) => { const user = JSON.parse(sessionStorage.getItem(key));
        user.expires_at = Math.floor(Date.now() / 1000) - 5; user.refresh_token = "spent";
        sessionStorage.setItem(key, JSON.stringify(user)); }""", key)
    tab.reload()
    dashboard.ready(ACTION_4)
    expect(tab.locator("#session-state")).to_have_text("Sessie verlopen")
    expect(tab.get_by_role("button", name="Opnieuw aanmelden")).to_be_visible()
    # The browser logs the refused renewal (the token endpoint's 400): that one was meant to happen.
    assert dashboard.problems == ["Failed to load resource: the server responded with a status of 400 (Bad Request)"]
    dashboard.problems.clear()
    dashboard.shot("14-sessie-verlopen")
    sign_in(dashboard, "Trekker", "Tessa Trekker", ACTION_4)
    tab.get_by_role("button", name="Afmelden").click()
    expect(tab.locator("#session-state")).to_have_text("Niet aangemeld")


@needs_chromium
@pytest.mark.parametrize("kind, shown", [("expired", "Sessie verlopen"), ("invalid", "Token ongeldig")])
def test_an_expired_or_invalid_token_is_shown_as_such_and_the_page_still_shows(dashboard, token, kind, shown):
    tab = _action_4(dashboard)
    bad = (token("actions:write", ttl_seconds=-30) if kind == "expired"
           else token("actions:write", secret="another-key-entirely-another-key"))
    dashboard.use_token(bad, ACTION_4)
    expect(tab.locator("#session-state")).to_have_text(shown)
    expect(tab.locator("#status")).to_contain_text("meld je opnieuw aan")
    expect(tab.locator(".timeline li").first).to_contain_text("4 regionale campussen")
    expect(tab.get_by_role("button", name="Rapportage opslaan")).to_be_disabled()
    tab.goto(f"/#/pact/{NOORDVLEUGEL}")
    dashboard.ready("Techniekpact Noordvleugel")
    expect(tab.locator("section.line tbody tr")).to_have_count(8)
    expect(tab.locator("#session-state")).to_have_text(shown)


def _report(tab, text: str):
    return tab.locator(".reports li").filter(has_text=text)


@needs_chromium
def test_a_report_drafted_submitted_approved_and_one_returned_and_revised(dashboard):
    """The round as Akvo RSR runs it: a trekker reports a milestone count and submits it, a reviewer
    approves it from the pact's queue with a note, and the milestone and the action's progress move;
    a second report is returned with a note and revised by its author."""
    tab = _action_4(dashboard)
    expect(tab.locator(".bar").first).to_contain_text("0,0%")
    sign_in(dashboard, "Trekker", "Tessa Trekker", ACTION_4)
    tab.get_by_label("Waarover?").select_option(index=1)
    tab.get_by_label("Bereikt aantal (van 4)").fill("2")
    tab.get_by_label("Toelichting").fill("Campussen Almere en IJmond operationeel.")
    tab.get_by_role("button", name="Opslaan en indienen").click()
    expect(tab.locator("#status")).to_contain_text("opgeslagen en ingediend")
    counted = _report(tab, "Campussen Almere en IJmond")
    expect(counted).to_contain_text("Ingediend")
    expect(counted).to_contain_text("door Tessa Trekker, ingediend op")
    expect(counted.get_by_role("button")).to_have_count(0)  # a trekker does not review
    # And one on the action itself, proposing a move its state machine allows.
    tab.get_by_label("Nieuwe status van de actie").select_option(label="Loopt")
    tab.get_by_label("Toelichting").fill("Start van de campusvorming.")
    tab.get_by_role("button", name="Opslaan en indienen").click()
    expect(_report(tab, "Start van de campusvorming")).to_contain_text("Voorstel: Loopt")
    tab.get_by_role("button", name="Afmelden").click()

    sign_in(dashboard, "Beoordelaar", "Bea Oordelaar", ACTION_4)
    tab.get_by_role("link", name="Beoordelen").click()
    dashboard.ready("Beoordelen")
    tab.get_by_role("link", name="Techniekpact Noordvleugel").click()
    dashboard.ready("Beoordelen: Techniekpact Noordvleugel")
    queued = tab.locator("#queue-submitted > li")
    expect(queued).to_have_count(2)
    first = queued.filter(has_text="Campussen Almere en IJmond")
    expect(first.get_by_role("heading")).to_have_text(ACTION_4)
    dashboard.shot("15-beoordelen")
    first.get_by_label("Opmerking bij de beoordeling").fill("Akkoord, mooi werk.")
    first.get_by_role("button", name="Goedkeuren").click()
    expect(tab.locator("#status")).to_contain_text("goedgekeurd")
    expect(queued).to_have_count(1)
    second = queued.filter(has_text="Start van de campusvorming")
    # Returning asks for a note: the author must know what to change.
    second.get_by_role("button", name="Terugsturen").click()
    expect(second.locator(".notice.error")).to_contain_text("schrijf bij het terugsturen wat er beter moet")
    second.get_by_label("Opmerking bij de beoordeling").fill("Noem de campussen die gestart zijn.")
    second.get_by_role("button", name="Terugsturen").click()
    expect(tab.locator("#status")).to_contain_text("teruggestuurd")
    expect(tab.locator("#queue-submitted")).to_have_count(0)
    expect(tab.locator("#queue-returned > li")).to_contain_text("Teruggestuurd door Bea Oordelaar")

    # The approved count reached the milestone and the action's progress; the stamp names the reviewer.
    tab.get_by_role("link", name=ACTION_4).first.click()
    dashboard.ready(ACTION_4)
    expect(tab.locator(".timeline li").first).to_contain_text("2 van 4")
    expect(tab.locator(".bar").first).to_contain_text("50,0%")
    approved = _report(tab, "Campussen Almere en IJmond")
    expect(approved).to_contain_text("Goedgekeurd")
    expect(approved.locator(".stamp")).to_contain_text("Goedgekeurd door Bea Oordelaar op")
    expect(approved.locator(".stamp")).to_contain_text("Akkoord, mooi werk.")
    dashboard.shot("16-goedgekeurd")
    tab.get_by_role("button", name="Afmelden").click()

    # The trekker sees the returned report with the note, revises it and submits it again.
    sign_in(dashboard, "Trekker", "Tessa Trekker", ACTION_4)
    returned = _report(tab, "Start van de campusvorming")
    expect(returned.locator(".stamp.returned")).to_contain_text("Noem de campussen die gestart zijn.")
    returned.locator("summary", has_text="Herzien").click()
    returned.get_by_label("Toelichting").fill("Start van de campusvorming: Almere en IJmond.")
    returned.get_by_role("button", name="Opslaan en opnieuw indienen").click()
    expect(tab.locator("#status")).to_contain_text("opnieuw ingediend")
    expect(_report(tab, "Almere en IJmond.")).to_contain_text("Ingediend")


@needs_chromium
def test_nobody_reviews_their_own_report(dashboard, token):
    tab = _action_4(dashboard)
    dashboard.use_token(token("actions:write", "actions:approve", subject="Sam Beide"), ACTION_4)
    tab.get_by_label("Toelichting").fill("Eigen rapportage van Sam.")
    tab.get_by_role("button", name="Opslaan en indienen").click()
    own = _report(tab, "Eigen rapportage van Sam.")
    expect(own).to_contain_text("Ingediend")
    expect(own).to_contain_text("Je schreef deze rapportage zelf")
    expect(own.get_by_role("button", name="Goedkeuren")).to_be_disabled()
    expect(own.get_by_role("button", name="Terugsturen")).to_be_disabled()
    # And the service refuses it too, whatever a page offers (four eyes).
    report_id = own.get_attribute("data-report")
    answer = tab.evaluate("""async (id) => (await fetch("graphql", { method: "POST", headers: {
        "Content-Type": "application/json", Authorization: `Bearer ${sessionStorage.getItem("techniekpact.token")}` },
        body: JSON.stringify({ query: `mutation($id: ID!) { approveProgressReport(id: $id) { state } }`,
                               variables: { id } }) })).json()""", report_id)
    assert answer["data"] is None
    assert answer["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert "four eyes" in answer["errors"][0]["extensions"]["problem"]["detail"]


@needs_chromium
def test_follow_up_shows_what_is_overdue_by_trekker_and_filters_it(dashboard):
    tab = dashboard.open("#/opvolging", "Opvolging")
    tab.get_by_role("link", name="Techniekpact Noordvleugel").click()
    dashboard.ready("Opvolging: Techniekpact Noordvleugel")
    # The plan's deadlines (2013, 2014) have all passed and the seed reports none met.
    expect(tab.locator("#followup-summary")).to_have_text(re.compile(r"^\d+ mijlpalen te laat, 0 binnen 30 dagen\.$"))
    headings = tab.locator("section.followup h2")
    for lead in _seed_lead_names(4):
        expect(headings.filter(has_text=lead)).to_have_count(1)
    campus = tab.locator("section.followup").filter(has_text=_seed_lead_names(4)[0])
    expect(campus).to_contain_text("Actie 4: Campusvorming")
    expect(campus).to_contain_text("te laat")
    dashboard.shot("17-opvolging")

    tab.get_by_label("Actielijn").select_option(label="1: Kiezen voor techniek")
    tab.get_by_role("button", name="Filteren").click()
    dashboard.ready("Opvolging: Techniekpact Noordvleugel")
    assert "lijn=1" in tab.url, "the filters are in the address, to share as a link"
    expect(tab.locator("section.followup").first).to_be_visible()
    expect(tab.locator("main")).not_to_contain_text("Actie 4:")  # action 4 is in line 2

    tab.goto(tab.url.split("?")[0] + "?zoek=campus")
    dashboard.ready("Opvolging: Techniekpact Noordvleugel")
    titles = tab.locator("section.followup td:first-child a")
    expect(titles.first).to_be_visible()
    found = titles.all_text_contents()
    assert all("campus" in title.lower() for title in found), found
    assert any(title.startswith("Actie 4: Campusvorming") for title in found), found


SIGN_UP = """mutation($pact: String!, $input: SignUpInput!) { signUp(pact: $pact, input: $input) { id status } }"""


def _ask_to_join(gateway: str, name: str, message: str) -> None:
    """'Meedoen?' as an organisation sends it: public, no token."""
    answer = httpx.post(f"{gateway}/graphql", timeout=10, json={"query": SIGN_UP, "variables": {
        "pact": "techniekpact-gooi-vechtstreek",
        "input": {"organisationName": name, "kind": "COMPANY", "municipalityCode": "GM0402",
                  "contactName": "Anna de Vries", "contactEmail": "anna@example.nl", "message": message}}}).json()
    assert answer["data"]["signUp"]["status"] == "pending", answer


@needs_chromium
def test_a_coordinator_handles_sign_ups_new_matched_and_rejected(dashboard, seeded_stack, token):
    gateway = seeded_stack.url("gateway")
    _ask_to_join(gateway, "Installatiebedrijf De Vonk", "Wij leiden graag stagiairs op.")
    _ask_to_join(gateway, "MBO College Hilversum", "Wij willen ook in het Gooi meedoen.")
    _ask_to_join(gateway, "Spam BV", "Koop nu!")
    tab = dashboard.open("#/aanmeldingen", "Aanmeldingen")
    expect(tab.locator("main .notice")).to_contain_text("meld je aan als coördinator")
    dashboard.use_token(token("partners:admin", "partners:write", "contacts:read", subject="Cor Coördinator"),
                        "Aanmeldingen")
    pending = tab.locator("#pending-signups > li")
    expect(pending).to_have_count(3)
    vonk = pending.filter(has_text="Installatiebedrijf De Vonk")
    expect(vonk).to_contain_text("Actieplan Techniekpact Gooi & Vechtstreek 2020")
    expect(vonk).to_contain_text("Hilversum")
    expect(vonk).to_contain_text("Anna de Vries, anna@example.nl")
    dashboard.shot("18-aanmeldingen")

    vonk.get_by_role("button", name="Goedkeuren").click()  # as a new organisation, the default
    expect(tab.locator("#status")).to_contain_text("Installatiebedrijf De Vonk is aangesloten bij")
    expect(pending).to_have_count(2)

    college = pending.filter(has_text="MBO College Hilversum")
    college.get_by_role("button", name="Zoek in het register").click()
    college.get_by_label(re.compile("^Koppelen aan MBO College Hilversum")).check()
    college.get_by_role("button", name="Goedkeuren").click()
    expect(tab.locator("#status")).to_contain_text("MBO College Hilversum is aangesloten bij")

    spam = pending.filter(has_text="Spam BV")
    spam.get_by_role("button", name="Afwijzen").click()
    expect(spam.locator(".notice.error")).to_contain_text("geef bij het afwijzen een reden")
    spam.get_by_label("Reden bij afwijzen").fill("Geen organisatie in de techniek.")
    spam.get_by_role("button", name="Afwijzen").click()
    expect(tab.locator("#status")).to_contain_text("afgewezen")
    expect(tab.locator("#pending-signups")).to_have_count(0)
    decided = tab.locator("#decided-signups")
    expect(decided).to_contain_text("Spam BV · Actieplan Techniekpact Gooi & Vechtstreek 2020 · afgewezen")
    expect(decided).to_contain_text("Geen organisatie in de techniek.")

    # The new organisation is in the registry and in the pact; the matched one is there once.
    tab.goto("/#/partners?zoek=De%20Vonk")
    dashboard.ready("Partners")
    expect(tab.locator("main tbody tr")).to_have_count(1)
    tab.goto("/#/partners?zoek=MBO%20College%20Hilversum")
    dashboard.ready("Partners")
    expect(tab.locator("main tbody tr")).to_have_count(1)
    tab.get_by_role("link", name="MBO College Hilversum").click()
    dashboard.ready("MBO College Hilversum")
    expect(tab.locator("main")).to_contain_text("Actieplan Techniekpact Gooi & Vechtstreek 2020")


ACTION_5 = re.compile(r"^Actie 5: ")


@needs_chromium
def test_two_coordinators_editing_one_action_see_the_conflict_and_keep_both_edits(browser, seeded_stack, dashboard,
                                                                                 token):
    other = Page(browser, seeded_stack.url("gateway"), viewport={"width": 1280, "height": 900})
    try:
        for page, subject in ((dashboard, "Cor Coördinator"), (other, "Kim Coördinator")):
            tab = page.open(f"#/pact/{NOORDVLEUGEL}", "Techniekpact Noordvleugel")
            tab.locator("section.line tbody tr").nth(4).get_by_role("link").first.click()
            page.ready(ACTION_5)
            page.use_token(token("actions:write", subject=subject), ACTION_5)
            tab.locator("summary", has_text="Actie bewerken").click()
        first, second = dashboard.tab, other.tab
        # Both read the same version; the first saves a new title.
        first.get_by_role("textbox", name="Titel").fill("Omscholing via regionale campussen (bijgewerkt)")
        first.get_by_role("button", name="Wijzigingen opslaan").click()
        expect(first.locator("#status")).to_contain_text("De actie is opgeslagen.")
        dashboard.ready("Actie 5: Omscholing via regionale campussen (bijgewerkt)")

        # The second, on the version they read, changes the ambition: refused, and shown both versions.
        second.get_by_role("textbox", name="Ambitie").fill("Twintig omscholingstrajecten per jaar.")
        second.get_by_role("button", name="Wijzigingen opslaan").click()
        conflict = second.locator(".conflict")
        expect(conflict).to_contain_text("Iemand anders heeft dit intussen opgeslagen.")
        expect(conflict.locator("tr").filter(has_text="Titel")).to_contain_text(
            "niet gewijzigd" + "Omscholing via regionale campussen (bijgewerkt)")
        expect(conflict.locator("tr").filter(has_text="Ambitie")).to_contain_text("Twintig omscholingstrajecten per jaar.")
        other.shot("19-bewerken-conflict")
        second.get_by_role("button", name="Mijn wijzigingen toepassen op de nieuwe versie").click()
        expect(second.locator("#status")).to_contain_text("De actie is opgeslagen.")
        other.ready("Actie 5: Omscholing via regionale campussen (bijgewerkt)")
        expect(second.locator("#ambitie + p")).to_have_text("Twintig omscholingstrajecten per jaar.")
    finally:
        other.context.close()
    assert other.problems == []


FILTERED = """query($pact: String!, $line: Int, $overdue: Boolean, $dueBefore: Date, $lead: ID) {
  actions(pact: $pact, line: $line, overdue: $overdue, dueBefore: $dueBefore, lead: $lead, first: 50) {
    nodes { number } }
  pact(slug: $pact) { actions(line: $line, overdue: $overdue, dueBefore: $dueBefore, lead: $lead, first: 50) {
    nodes { number } } }
}"""


def test_graphql_filters_a_pacts_actions_by_line_overdue_and_lead(seeded_stack):
    """The filters following up needs, on Query.actions and Pact.actions alike, against the seed."""
    gateway = seeded_stack.url("gateway")

    def numbers(**filters) -> list[int]:
        answer = httpx.post(f"{gateway}/graphql", timeout=10,
                            json={"query": FILTERED, "variables": {"pact": NOORDVLEUGEL, **filters}}).json()
        listed = [node["number"] for node in answer["data"]["actions"]["nodes"]]
        assert [node["number"] for node in answer["data"]["pact"]["actions"]["nodes"]] == listed
        return listed

    everything = numbers()
    assert everything == list(range(1, 9))
    plan = yaml.safe_load((SEEDS / "pacts" / "02-techniekpact-noordvleugel.yaml").read_text())
    line_1 = sorted(a["number"] for a in plan["actions"] if a["line"] == 1)
    assert line_1 and numbers(line=1) == line_1
    late, on_time = numbers(overdue=True), numbers(overdue=False)
    assert late and sorted(late + on_time) == everything
    # Due within 30 days includes what is late already; before the plans were written, nothing was due.
    assert numbers(dueBefore=(date.today() + timedelta(days=30)).isoformat(), overdue=False) == []
    assert numbers(dueBefore=(date.today() + timedelta(days=30)).isoformat()) == late
    assert numbers(dueBefore="2000-01-01") == []
    university = httpx.post(f"{gateway}/graphql", timeout=10, json={"query": """{ organisations(search: "Hogeschool Utrecht",
        first: 1) { nodes { id name } } }"""}).json()["data"]["organisations"]["nodes"][0]
    assert university["name"] == "Hogeschool Utrecht"
    assert numbers(lead=university["id"]) == [n for n in everything if "Hogeschool Utrecht" in _seed_lead_names(n)]
    assert numbers(line=1, lead=university["id"], overdue=True) == sorted(
        set(line_1) & set(late) & set(numbers(lead=university["id"])))


@needs_chromium
def test_a_milestone_is_edited_with_its_due_moment_as_the_plan_writes_it_and_its_counts(dashboard, token):
    tab = dashboard.open(f"#/pact/{NOORDVLEUGEL}", "Techniekpact Noordvleugel")
    tab.locator("section.line tbody tr").nth(5).get_by_role("link").first.click()
    dashboard.ready(re.compile(r"^Actie 6: "))
    dashboard.use_token(token("actions:write", subject="Cor Coördinator"), re.compile(r"^Actie 6: "))
    editor = tab.locator("details.edit-record").filter(has=tab.locator("summary", has_text="Mijlpaal bewerken")).first
    editor.locator("summary").click()
    editor.get_by_label("Streefaantal").fill("drie")
    editor.get_by_role("button", name="Wijzigingen opslaan").click()
    expect(editor.locator(".notice.error")).to_contain_text("Streefaantal: een heel getal")
    editor.get_by_label("Deadline, zoals het plan hem schrijft").fill("1e helft 2015")
    editor.get_by_label("Streefaantal").fill("3")
    editor.get_by_label("Bereikt aantal").fill("1")
    editor.get_by_role("button", name="Wijzigingen opslaan").click()
    expect(tab.locator("#status")).to_contain_text("De mijlpaal is opgeslagen.")
    dashboard.ready(re.compile(r"^Actie 6: "))
    first = tab.locator(".timeline li").filter(has_text="1e helft 2015")
    expect(first).to_contain_text("1 van 3")


@needs_chromium
def test_a_result_is_edited_with_its_targets_and_keeps_what_the_form_does_not_show(dashboard, seeded_stack, token):
    tab = dashboard.open("#/pact/techniekpact-gooi-vechtstreek", "Actieplan Techniekpact Gooi & Vechtstreek 2020")
    tab.locator("section.line tbody tr").first.get_by_role("link").first.click()
    dashboard.ready(re.compile(r"^Actie 1: "))
    dashboard.use_token(token("actions:write", subject="Cor Coördinator"), re.compile(r"^Actie 1: "))
    editor = tab.locator("details.edit-record").filter(has=tab.locator("summary", has_text="Resultaat bewerken")).first
    editor.locator("summary").click()
    editor.get_by_label(re.compile("^Streefwaarden")).fill("2020 = zes")
    editor.get_by_role("button", name="Wijzigingen opslaan").click()
    expect(editor.locator(".notice.error")).to_contain_text("Streefwaarden")
    editor.get_by_label(re.compile("^Streefwaarden")).fill("2020 = 7")
    editor.get_by_role("button", name="Wijzigingen opslaan").click()
    expect(tab.locator("#status")).to_contain_text("Het resultaat is opgeslagen.")
    dashboard.ready(re.compile(r"^Actie 1: "))
    expect(tab.locator("#resultaten + ul li").first).to_contain_text("Doel: 7 basisscholen (2020)")
    # The indicator is replaced whole: what the form does not show comes back as it was.
    [result] = _graphql(seeded_stack.url("gateway"), """{ actions(pact: "techniekpact-gooi-vechtstreek", first: 1) {
        nodes { results { version indicator { unit measureKind ascending aggregation targets { period value } } } } } }""",
                        {}, token())["actions"]["nodes"][0]["results"][:1]
    assert result["version"] == 2 and result["indicator"] == {
        "unit": "basisscholen", "measureKind": "number", "ascending": True, "aggregation": "latest",
        "targets": [{"period": "2020", "value": 7.0}]}


def _graphql(gateway: str, query: str, variables: dict, bearer: str) -> dict:
    answer = httpx.post(f"{gateway}/graphql", timeout=10, headers={"Authorization": f"Bearer {bearer}"},
                        json={"query": query, "variables": variables}).json()
    assert not answer.get("errors"), answer
    return answer["data"]


@needs_chromium
def test_goals_and_results_over_time_as_a_table_and_a_chart(dashboard, seeded_stack, token):
    tab = dashboard.open("#/doelen", "Doelen over de tijd")
    tab.get_by_role("link", name="Techniekpact Noordvleugel").click()
    dashboard.ready("Doelen over de tijd: Techniekpact Noordvleugel")
    goal = tab.locator("section.over-time").filter(has_text="Van 25% naar 40% leerlingen")
    expect(goal.locator("tbody tr").first).to_have_text(re.compile(r"^Nulmeting\s*–\s*25%$"))
    expect(goal.locator("tbody tr").filter(has_text="2020")).to_contain_text("40%")
    drawn = goal.locator("canvas").evaluate("(canvas) => Chart.getChart(canvas).data.datasets.map((d) => d.label)")
    assert drawn == ["Streefwaarde", "Gemeten"]
    dashboard.shot("24-doelen-over-de-tijd")

    # A measured value on a result counts once approved: reported, submitted and approved by two people.
    gateway = seeded_stack.url("gateway")
    action = _graphql(gateway, """{ actions(pact: "techniekpact-gooi-vechtstreek", first: 50) {
        nodes { id number results { id } } } }""", {}, token())["actions"]["nodes"]
    beroepskeuze = next(a for a in action if a["number"] == 2)
    writer, reviewer = token("actions:write", subject="Tessa Trekker"), token("actions:approve", subject="Bea Oordelaar")
    report = _graphql(gateway, """mutation($action: ID!, $input: ProgressReportInput!) {
        addProgressReport(action: $action, input: $input) { id } }""", {"action": beroepskeuze["id"], "input": {
        "subject": "result", "subjectId": beroepskeuze["results"][0]["id"], "note": "Meting najaar 2015",
        "values": [{"period": "2015", "value": 640}]}}, writer)["addProgressReport"]
    _graphql(gateway, "mutation($id: ID!) { submitProgressReport(id: $id) { state } }", {"id": report["id"]}, writer)
    tab.goto("/#/doelen/techniekpact-gooi-vechtstreek")
    dashboard.ready("Doelen over de tijd: Actieplan Techniekpact Gooi & Vechtstreek 2020")
    result = tab.locator("section.over-time").filter(has_text="Actie 2: 10% meer leerlingen")
    expect(result.locator("tbody tr").filter(has_text="2016")).to_contain_text("+10% t.o.v. de nulmeting")
    expect(result.locator("tbody")).not_to_contain_text("640")  # submitted, not yet approved: it does not count
    _graphql(gateway, "mutation($id: ID!) { approveProgressReport(id: $id) { state } }", {"id": report["id"]}, reviewer)
    tab.reload()
    dashboard.ready("Doelen over de tijd: Actieplan Techniekpact Gooi & Vechtstreek 2020")
    expect(result.locator("tbody tr").filter(has_text="2015")).to_contain_text("640 leerlingen")


@needs_chromium
def test_the_labour_page_chooses_measure_period_and_frequency_and_marks_provisional_figures(dashboard, seeded_stack,
                                                                                           token):
    # A provisional month, as a feed posts it (the README's example).
    posted = httpx.post(f"{seeded_stack.url('metrics_api')}/v1/feeds/uwv/observations", timeout=30,
                        headers={"Authorization": f"Bearer {token('metrics:write', sources=['uwv'])}"},
                        json={"observations": [
                            {"measure": "vacancies_new", "region": "PV27", "period": "2013-01", "occupation": occupation,
                             "value": value, "status": "provisional"}
                            for occupation, value in (("total", 3912), ("technical_industry", 1588), ("ict", 240))]})
    assert posted.status_code == 200, posted.text
    tab = dashboard.open("#/arbeidsmarkt?regio=PV27&frequentie=maand", "Arbeidsmarkt: Noord-Holland")
    expect(tab.get_by_label("Maatstaf")).to_have_value("vacancies_new")
    row = tab.locator("main tbody tr").filter(has_text="2013")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("3.912 *")
    expect(tab.locator("abbr.provisional").first).to_have_attribute("title", "voorlopig cijfer")
    expect(tab.locator("#provisional-note")).to_contain_text("voorlopig cijfer")
    expect(tab.locator("main tbody")).not_to_contain_text("2012")  # the year's figure is not monthly
    dashboard.shot("25-arbeidsmarkt-voorlopig")

    # Without a choice, the finest frequency there is: here months, so the year 2012 is not among them.
    tab.goto("/#/arbeidsmarkt?regio=PV27")
    dashboard.ready("Arbeidsmarkt: Noord-Holland")
    expect(tab.locator("#frequency-shown")).to_have_text("Cijfers per maand, de fijnste die er zijn.")
    expect(tab.locator("main tbody tr")).to_have_count(1)
    expect(tab.locator("main tbody tr")).to_contain_text("januari 2013")

    tab.get_by_label("Frequentie").select_option(label="Per jaar")
    tab.get_by_label("Tot en met periode").fill("2012")
    tab.get_by_role("button", name="Tonen").click()
    dashboard.ready("Arbeidsmarkt: Noord-Holland")
    assert "frequentie=jaar" in tab.url and "tot=2012" in tab.url, "the choice is the address: a permalink"
    expect(tab.locator("main tbody tr")).to_have_count(1)
    expect(tab.locator("main tbody tr")).to_contain_text("2012")
    expect(tab.locator("#provisional-note")).to_have_count(0)
    expect(tab.locator("#permalink")).to_have_attribute("href", re.compile(r"frequentie=jaar"))


@needs_chromium
def test_trekkers_and_participants_are_edited_with_the_registry_and_the_plans_words(dashboard, token):
    tab = dashboard.open(f"#/pact/{NOORDVLEUGEL}", "Techniekpact Noordvleugel")
    tab.locator("section.line tbody tr").nth(6).get_by_role("link").first.click()
    action_7 = re.compile(r"^Actie 7: ")
    dashboard.ready(action_7)
    expect(tab.locator(".meta .lead")).to_contain_text("Gemeente Utrecht")
    dashboard.use_token(token("actions:write", subject="Cor Coördinator"), action_7)
    editor = tab.locator("details.edit-record").filter(has=tab.locator("summary", has_text="Trekkers en deelnemers"))
    editor.locator("summary").click()
    rows = editor.locator(".participant-edits li")
    expect(rows).to_have_count(4)
    # Provincie Utrecht is no longer trekker; Hogeschool Utrecht becomes one; "regionale bedrijven" take part.
    rows.filter(has_text="Provincie Utrecht").get_by_role("button", name="Verwijderen").click()
    editor.get_by_label("Rol", exact=True).select_option(label="Trekker")
    editor.get_by_label("Organisatie uit het register").fill("Hogeschool Utrecht")
    editor.get_by_role("button", name="Zoek organisatie").click()
    editor.get_by_role("button", name="Hogeschool Utrecht toevoegen").click()
    editor.get_by_label("Rol", exact=True).select_option(label="Deelnemer")
    editor.get_by_label("Of een soort organisatie").select_option(label="Bedrijf")
    editor.get_by_label("zoals het plan het zegt").fill("regionale bedrijven")
    editor.get_by_role("button", name="Soort toevoegen").click()
    expect(rows).to_have_count(5)
    dashboard.shot("26-deelnemers-bewerken")
    editor.get_by_role("button", name="Trekkers en deelnemers opslaan").click()
    expect(tab.locator("#status")).to_contain_text("Trekkers en deelnemers zijn opgeslagen.")
    dashboard.ready(action_7)
    lead = tab.locator(".meta .lead")
    expect(lead).to_contain_text("Gemeente Utrecht")
    expect(lead).to_contain_text("Hogeschool Utrecht")
    expect(lead).not_to_contain_text("Provincie Utrecht")
    expect(tab.locator(".participants")).to_contain_text("Deelnemer: regionale bedrijven")


@needs_chromium
def test_a_value_reported_on_a_goal_is_reviewed_and_then_counts_for_it(dashboard, token):
    tab = dashboard.open(f"#/pact/{NOORDVLEUGEL}", "Techniekpact Noordvleugel")
    tab.locator("section.line tbody tr").first.get_by_role("link").first.click()
    action_1 = re.compile(r"^Actie 1: ")
    dashboard.ready(action_1)
    sign_in(dashboard, "Trekker", "Tessa Trekker", action_1)
    tab.get_by_label("Waarover?").select_option(
        label="Doel: Van 25% naar 40% leerlingen die kiezen voor techniek op alle niveaus in 2020")
    tab.get_by_label("Periode van de meting").fill("2015")
    tab.get_by_label("Gemeten waarde (%)").fill("28")
    tab.get_by_label("Toelichting").fill("Schoolkeuzemonitor 2015: 28% kiest techniek.")
    tab.get_by_role("button", name="Opslaan en indienen").click()
    expect(tab.locator("#status")).to_contain_text("opgeslagen en ingediend")
    reported = _report(tab, "Schoolkeuzemonitor 2015")
    expect(reported).to_contain_text("Doel: Van 25% naar 40%")
    expect(reported).to_contain_text("Gemeten: 2015: 28")
    tab.get_by_role("button", name="Afmelden").click()

    sign_in(dashboard, "Beoordelaar", "Bea Oordelaar", action_1)
    tab.goto(f"/#/beoordelen/{NOORDVLEUGEL}")
    dashboard.ready("Beoordelen: Techniekpact Noordvleugel")
    queued = tab.locator("#queue-submitted > li").filter(has_text="Schoolkeuzemonitor 2015")
    expect(queued.get_by_role("heading")).to_have_text(re.compile("^Actielijn 1: Van 25% naar 40%"))
    queued.get_by_role("button", name="Goedkeuren").click()
    expect(tab.locator("#status")).to_contain_text("goedgekeurd")

    tab.goto(f"/#/doelen/{NOORDVLEUGEL}")
    dashboard.ready("Doelen over de tijd: Techniekpact Noordvleugel")
    goal = tab.locator("section.over-time").filter(has_text="Van 25% naar 40% leerlingen")
    expect(goal.locator("tbody tr").filter(has_text="2015")).to_contain_text("28%")


@needs_chromium
def test_a_goal_is_edited_baseline_targets_per_period_and_series_link(dashboard, token):
    tab = dashboard.open(f"#/doelen/{NOORDVLEUGEL}", "Doelen over de tijd: Techniekpact Noordvleugel")
    dashboard.use_token(token("actions:write", subject="Cor Coördinator"),
                        "Doelen over de tijd: Techniekpact Noordvleugel")
    goal = tab.locator("section.over-time").filter(has_text="van 50% naar 75%")
    expect(goal).to_contain_text("Doel zonder jaartal: 75%")
    goal.locator("summary", has_text="Doel bewerken").click()
    targets = goal.get_by_label("Streefwaarden, één per regel")
    expect(targets).to_have_value("= 75")
    targets.fill("in 2020 veel")
    goal.get_by_role("button", name="Wijzigingen opslaan").click()
    expect(goal.locator(".notice.error")).to_contain_text('Streefwaarden: schrijf "2020 = 40"')
    targets.fill("2020 = 75")
    goal.get_by_label("Jaar van de nulmeting").fill("2013")
    goal.get_by_label("Meetreeks (maatstaf:regio:beroepsklasse").fill("vacancies_new:noordvleugel:technical_industry")
    goal.get_by_role("button", name="Wijzigingen opslaan").click()
    expect(tab.locator("#status")).to_contain_text("Het doel is opgeslagen.")
    dashboard.ready("Doelen over de tijd: Techniekpact Noordvleugel")
    goal = tab.locator("section.over-time").filter(has_text="van 50% naar 75%")
    expect(goal.locator("tbody tr").first).to_have_text(re.compile(r"^Nulmeting \(2013\)\s*–\s*50%$"))
    expect(goal.locator("tbody tr").filter(has_text="2020")).to_contain_text("75%")
    goal.locator("summary", has_text="Doel bewerken").click()
    expect(goal.get_by_label("Meetreeks (maatstaf:regio:beroepsklasse")).to_have_value(
        "vacancies_new:noordvleugel:technical_industry")


def test_the_downloads_are_the_files_techniekpact_export_writes(seeded_stack, tmp_path):
    from cli import export as exporting

    gateway = seeded_stack.url("gateway")
    figures = {"measure": "vacancies_new", "region": "noordvleugel", "occupation": "ict", "from": "2012"}
    for kind, command, columns, params, arguments, filename in (
            ("acties", "actions", exporting.ACTION_COLUMNS, {"pact": NOORDVLEUGEL}, ["--pact", NOORDVLEUGEL],
             f"acties-{NOORDVLEUGEL}"),
            ("doelen", "goals", exporting.GOAL_COLUMNS, {"pact": NOORDVLEUGEL}, ["--pact", NOORDVLEUGEL],
             f"doelen-{NOORDVLEUGEL}"),
            ("partners", "partners", exporting.ORGANISATION_COLUMNS, {"pact": NOORDVLEUGEL}, ["--pact", NOORDVLEUGEL],
             f"partners-{NOORDVLEUGEL}"),
            # The partner directory's filtered list, without a pact.
            ("partners", "partners", exporting.ORGANISATION_COLUMNS, {"kind": "hbo", "municipality": "GM0344"},
             ["--kind", "hbo", "--municipality", "GM0344"], "partners-hbo-GM0344"),
            ("cijfers", "series", exporting.SERIES_COLUMNS, figures,
             ["--measure", "vacancies_new", "--region", "noordvleugel", "--occupation", "ict", "--from", "2012"],
             "cijfers-vacancies_new-noordvleugel-ict")):
        for extension, format_, media_type in (
                ("csv", "csv-nl", "text/csv"),
                ("xlsx", "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")):
            answer = httpx.get(f"{gateway}/downloads/{kind}.{extension}", params=params, timeout=30)
            assert answer.status_code == 200, answer.text
            assert answer.headers["content-type"].startswith(media_type)
            assert answer.headers["content-disposition"] == f'attachment; filename="{filename}.{extension}"'
            written = tmp_path / f"{kind}.{extension}"
            exported = subprocess.run([sys.executable, "-m", "cli.main", "export", command, *arguments,
                                       "--format", format_, "--output", str(written)],
                                      env=seeded_stack.environment(), capture_output=True, text=True, timeout=120)
            assert exported.returncode == 0, exported.stderr
            if extension == "csv":
                # Byte for byte: Dutch Excel's dialect with its BOM, as the command writes it.
                assert answer.content == written.read_bytes()
                rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig")), delimiter=";"))
                assert rows[0] == columns
            else:
                rows = [list(row) for row in _workbook_rows(answer.content)]
                assert rows == [list(row) for row in _workbook_rows(written.read_bytes())]
                assert rows[0] == columns
            if kind == "acties":
                assert sorted(int(row[columns.index("number")]) for row in rows[1:]) == list(range(1, 9))
            if kind == "partners" and "kind" in params:
                assert sorted(row[columns.index("name")] for row in rows[1:]) == ["Hogeschool Utrecht", "Marnix"]
                assert {(row[columns.index("kind")], row[columns.index("municipality_code")]) for row in rows[1:]} == {
                    ("hbo", "GM0344")}
            if kind == "doelen" and extension == "xlsx":
                goal = next(row for row in rows[1:] if "25%" in str(row[columns.index("name")]))
                assert goal[columns.index("baseline")] == 25 and "2020: 40" in goal[columns.index("targets")]
            if kind == "cijfers":
                # The Noordvleugel's ICT vacancies of 2012, summed from its provinces as the plan prints them.
                assert [(row[columns.index("period")], row[columns.index("value")]) for row in rows[1:]] == [
                    ("2012", 3988 if extension == "xlsx" else "3988")]
    for path, params in (("/downloads/acties.csv", {"pact": "no-such-pact"}), ("/downloads/geheim.csv", {"pact": NOORDVLEUGEL}),
                         ("/downloads/acties.pdf", {"pact": NOORDVLEUGEL}), ("/downloads/acties.xlsx", {"pact": 'x"; evil'})):
        refused = httpx.get(f"{gateway}{path}", params=params, timeout=30)
        assert refused.status_code == 404 and refused.headers["content-type"] == "application/problem+json", path
    for path, params, fields in (("/downloads/doelen.csv", {}, ["pact"]),
                                 ("/downloads/cijfers.xlsx", {"region": "noordvleugel"}, ["measure"]),
                                 ("/downloads/cijfers.csv", {**figures, "from": "ooit", "occupation": "a b"},
                                  ["occupation", "from"]),
                                 ("/downloads/cijfers.csv", {**figures, "measure": "no_such_measure"}, ["measure"]),
                                 ("/downloads/partners.xlsx", {"kind": "hogeschool", "municipality": "Utrecht"},
                                  ["kind", "municipality"]),
                                 ("/downloads/partners.csv", {"municipality": "GM03441"}, ["municipality"]),
                                 ("/downloads/acties.csv", {"pact": NOORDVLEUGEL, "kind": "hbo"}, ["kind"]),
                                 ("/downloads/cijfers.csv", {**figures, "municipality": "GM0344"}, ["municipality"])):
        refused = httpx.get(f"{gateway}{path}", params=params, timeout=30)
        assert refused.status_code == 422, refused.text
        assert [error["field"] for error in refused.json()["errors"]] == fields


def _workbook_rows(content: bytes) -> list[tuple]:
    from openpyxl import load_workbook

    return list(load_workbook(io.BytesIO(content), read_only=True).active.iter_rows(values_only=True))


@needs_chromium
def test_a_pacts_actions_download_from_the_follow_up_page_as_xlsx_and_read_back(dashboard):
    tab = dashboard.open(f"#/opvolging/{NOORDVLEUGEL}", "Opvolging: Techniekpact Noordvleugel")
    with tab.expect_download() as download:
        tab.get_by_role("link", name="alle acties (Excel)").click()
    assert download.value.suggested_filename == f"acties-{NOORDVLEUGEL}.xlsx"
    rows = _workbook_rows(Path(download.value.path()).read_bytes())
    assert rows[0][:2] == ("id", "pact") and len(rows) == 9
    titles = [row[rows[0].index("title")] for row in rows[1:]]
    assert any(title.startswith("Campusvorming") for title in titles)


@needs_chromium
def test_search_across_every_pacts_actions_and_the_partners(dashboard):
    tab = dashboard.open("#/zoeken", "Zoeken")
    tab.get_by_label("Zoek in acties en partners").fill("campus")
    tab.get_by_role("button", name="Zoeken").click()
    dashboard.ready("Zoeken: campus")
    actions = tab.locator("main table").first.locator("tbody tr")
    expect(actions.filter(has_text="Campusvorming")).to_contain_text("Techniekpact Noordvleugel")
    for title in actions.locator("td:first-child").all_text_contents():
        assert title.startswith("Actie "), title
    expect(tab.locator("#found-partners")).to_have_text(re.compile(r"^Partners \([1-9]\d*\)$"))
    expect(tab.locator("main table").nth(1)).to_contain_text("Campusinitiatief")
    dashboard.shot("30-zoeken")


@needs_chromium
def test_the_new_pages_at_phone_width(browser, seeded_stack, token):
    phone = Page(browser, seeded_stack.url("gateway"), viewport={"width": 375, "height": 740}, is_mobile=True,
                 has_touch=True)
    try:
        tab = phone.open(f"#/opvolging/{NOORDVLEUGEL}", "Opvolging: Techniekpact Noordvleugel")
        phone.use_token(token("actions:write", "actions:approve", "partners:admin", "contacts:read",
                              subject="Pim Telefoon"), "Opvolging: Techniekpact Noordvleugel")
        for route, heading, name in [
            (f"#/opvolging/{NOORDVLEUGEL}", "Opvolging: Techniekpact Noordvleugel", "20-telefoon-opvolging"),
            (f"#/beoordelen/{NOORDVLEUGEL}", "Beoordelen: Techniekpact Noordvleugel", "21-telefoon-beoordelen"),
            ("#/aanmeldingen", "Aanmeldingen", "22-telefoon-aanmeldingen"),
            (f"#/doelen/{NOORDVLEUGEL}", "Doelen over de tijd: Techniekpact Noordvleugel", "27-telefoon-doelen"),
            ("#/", "Techniekpacten", "28-telefoon-pacten"),
            ("#/partners?zoek=hogeschool", "Partners", "29-telefoon-partners"),
        ]:
            tab.goto(f"/{route}")
            phone.ready(heading)
            assert tab.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth"), route
            phone.shot(name)
        tab.goto(f"/#/pact/{NOORDVLEUGEL}")
        phone.ready("Techniekpact Noordvleugel")
        tab.get_by_role("link", name=re.compile("^Campusvorming")).click()
        phone.ready(ACTION_4)
        tab.locator("summary", has_text="Actie bewerken").click()
        assert tab.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
        phone.shot("23-telefoon-actie-bewerken")
    finally:
        phone.context.close()
    assert phone.problems == []


@needs_chromium
def test_graphiql_and_the_swagger_ui_work_with_every_other_host_blocked(browser, seeded_stack):
    """As on a municipal network that blocks CDNs: any request to a host outside the stack is aborted
    and recorded, and the tools still work."""
    page = Page(browser, seeded_stack.url("gateway"), viewport={"width": 1280, "height": 900})
    own_hosts = {urlsplit(seeded_stack.url(name)).netloc for name in PROCESSES}
    elsewhere: list[str] = []

    def only_the_stack(route) -> None:
        if urlsplit(route.request.url).netloc in own_hosts:
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort()

    page.context.route("**/*", only_the_stack)
    tab = page.tab
    try:
        tab.goto("/graphql")
        tab.get_by_role("button", name=re.compile("Execute query")).click()
        expect(tab.locator(".graphiql-response")).to_contain_text(NOORDVLEUGEL)
        tab.screenshot(path=ARTIFACTS / "11-graphiql.png", full_page=True)
        for service in SERVICES:
            tab.goto(f"{seeded_stack.url(service)}/docs")
            expect(tab.locator(".swagger-ui .info .title")).to_contain_text("Techniekpact")
            expect(tab.locator(".swagger-ui .opblock").first).to_be_visible()
        tab.screenshot(path=ARTIFACTS / "12-swagger-ui.png")
    finally:
        page.context.close()
    assert elsewhere == []
    assert page.problems == []


def _wait_for(url: str, timeout: float = 90.0) -> None:  # a loaded CI machine starts a process slowly
    deadline = time.monotonic() + timeout
    while True:
        try:
            if httpx.get(url, timeout=1.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        assert time.monotonic() < deadline, f"{url} did not answer within {timeout:.0f}s"
        time.sleep(0.2)
