"""How fast each dashboard page shows, in Debian's Chromium, against a running seeded stack.

    make run                                        # in another terminal: seeds on first start
    .venv/bin/python bench/dashboard.py [--url http://127.0.0.1:8000] [--loads 20] [--token JWT]
    .venv/bin/python bench/dashboard.py --url before=http://127.0.0.1:18000 --url after=http://127.0.0.1:18010

Per page: the GraphQL requests it sends (in its last load), how many of them went over GET (the
dashboard asks a visitor's queries by their persisted hash over GET) and how many of those the
browser revalidated with a 304 (its copy kept, no body sent: only with the gateway's response cache
on, which gives the ETag), the downstream requests the gateway made for them (the gateway reports
them in `extensions.downstream`; 0 when its cache answered), p50/p95 of the time from a fresh load
(cache warm after the first) to the page's heading being rendered with its data, and p50 of the
same GraphQL requests replayed without a browser (the API's share), as sent, without the browser's
If-None-Match.

Every page of the app, in Dutch (the default), one page in English too, and the pages that need a
sign-in (sign-ups; an action with its editors) with a development token: `--token`, else one made
with `techniekpact token` (so run it where the stack's JWT_SECRET is set, as `make run` does).
"""

import argparse
import json
import statistics
import subprocess
import sys
import time
from urllib.parse import urlsplit

import httpx
from playwright.sync_api import BrowserContext, Response, sync_playwright
from playwright.sync_api import Error as PlaywrightError

CHROMIUM = "/usr/bin/chromium"
READY = "main:not([aria-busy]) h1"
PACT = "techniekpact-noordvleugel"
# The scopes a coordinator who also reviews and handles sign-ups has.
SCOPES = ["actions:write", "actions:approve", "partners:admin", "contacts:read"]


def lookup(url: str, query: str, variables: dict) -> dict:
    answer = httpx.post(f"{url}/graphql", json={"query": query, "variables": variables}, timeout=10).json()
    return answer["data"]


def pages(url: str) -> list[tuple[str, str, str]]:
    """(name, route, who): who is "" for a visitor in Dutch, "en" for one in English, "token" signed in."""
    actions = lookup(url, "query($p: String) { actions(pact: $p, first: 50) { nodes { id number } } }",
                     {"p": PACT})["actions"]["nodes"]
    partner = lookup(url, "query($s: String) { organisations(search: $s, first: 1) { nodes { id } } }",
                     {"s": "Hogeschool Utrecht"})["organisations"]["nodes"][0]
    action_4 = f"#/actie/{next(a['id'] for a in actions if a['number'] == 4)}"
    return [
        # No GraphQL at all: what loading the app itself costs in this browser.
        ("(app only: unknown route)", "#/bestaat-niet", ""),
        ("pacten", "#/", ""),
        ("pact-overzicht (Noordvleugel)", f"#/pact/{PACT}", ""),
        ("pact-overzicht, English", f"#/pact/{PACT}", "en"),
        ("actie 4", action_4, ""),
        ("actie 4, aangemeld (editors)", action_4, "token"),
        ("partners", "#/partners", ""),
        ("partners (hbo in Utrecht)", "#/partners?soort=hbo&gemeente=GM0344", ""),
        ("partner (Hogeschool Utrecht)", f"#/partner/{partner['id']}", ""),
        ("arbeidsmarkt (Noordvleugel)", "#/arbeidsmarkt", ""),
        ("arbeidsmarkt, klasse gekozen", "#/arbeidsmarkt?beroep=technical_industry_ict", ""),
        ("arbeidsmarkt, per maand (PV27)", "#/arbeidsmarkt?regio=PV27&frequentie=maand", ""),
        ("opvolging (Noordvleugel)", f"#/opvolging/{PACT}", ""),
        ("beoordelen (Noordvleugel)", f"#/beoordelen/{PACT}", ""),
        ("doelen over de tijd (Noordvleugel)", f"#/doelen/{PACT}", ""),
        ("zoeken (campus)", "#/zoeken?q=campus", ""),
        ("aanmeldingen, aangemeld", "#/aanmeldingen", "token"),
    ]


def development_token() -> str:
    made = subprocess.run([sys.executable, "-m", "cli.main", "token", *(f"--scope={s}" for s in SCOPES),
                           "--subject", "bench-coordinator"], capture_output=True, text=True, timeout=60)
    if made.returncode != 0:
        raise SystemExit(f"no token (give --token): {made.stderr.strip()}")
    return made.stdout.strip()


def replay(url: str, sent: list, times: int, headers: dict[str, str]) -> list[float]:
    """The page's GraphQL requests alone, in order, as the server sees them: milliseconds per round."""
    rounds = []
    with httpx.Client(timeout=10) as client:
        for _ in range(times):
            started = time.perf_counter()
            for method, address, body in sent:
                # Accept as the page sends it: a GET that accepts anything gets GraphiQL's page instead.
                kind = {"Content-Type": "application/json"} if body else {}
                client.request(method, address, content=body, headers={"Accept": "application/json", **kind, **headers})
            rounds.append((time.perf_counter() - started) * 1000)
    return rounds


def downstream_requests(answer: Response) -> int:
    try:
        body = json.loads(answer.body())
    except (ValueError, PlaywrightError):  # a revalidated answer may come without its body here
        return 0
    requests: int = body.get("extensions", {}).get("downstream", {}).get("requests", 0)
    return requests


# Resource timing: a 304 moves only headers, so fewer bytes went over the wire than the body holds.
REVALIDATED = """() => performance.getEntriesByType("resource").filter((entry) =>
    new URL(entry.name).pathname.endsWith("/graphql") && entry.encodedBodySize > 0
    && entry.transferSize > 0 && entry.transferSize < entry.encodedBodySize).length"""


class Load:
    """One fresh load of a page in a browser context: what it sent, and how long it took to show."""

    def __init__(self, context: BrowserContext, url: str, route: str) -> None:
        tab = context.new_page()
        self.seen: list[Response] = []
        tab.on("response", self._record)
        started = time.perf_counter()
        tab.goto(f"{url}/{route}")
        tab.wait_for_selector(READY)
        self.milliseconds = (time.perf_counter() - started) * 1000
        self.gets = sum(answer.request.method == "GET" for answer in self.seen)
        self.revalidated: int = tab.evaluate(REVALIDATED)
        self.downstream = sum(downstream_requests(answer) for answer in self.seen)
        tab.close()

    def _record(self, answer: Response) -> None:
        if urlsplit(answer.url).path.endswith("/graphql"):
            self.seen.append(answer)


def variants(given: list[str]) -> dict[str, str]:
    """`--url before=http://127.0.0.1:18000`: a label for each gateway; a bare address is its own label."""
    named = {}
    for one in given:
        label, _, url = one.partition("=") if "=" in one.split("://")[0] else (one, "", one)
        named[label] = url.rstrip("/")
    return named


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", action="append", help="a gateway (LABEL=URL); several are measured by turns, "
                        "one load each, so a change in the machine's load falls on all alike")
    parser.add_argument("--loads", type=int, default=20)
    parser.add_argument("--token", help="a development token with the scopes " + ", ".join(SCOPES))
    args = parser.parse_args()
    gateways = variants(args.url or ["http://127.0.0.1:8000"])
    routes = pages(next(iter(gateways.values())))
    token = args.token or development_token()

    width = max(len(label) for label in gateways)
    print(f"{'page':36} {'gateway':{width}} {'requests':>8} {'GET':>4} {'304':>4} {'downstream':>10} {'p50 ms':>8}"
          f" {'p95 ms':>8} {'API p50 ms':>10}")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox"])
        contexts: dict[tuple[str, str], BrowserContext] = {}
        for label in gateways:
            for who, script in (("", ""), ("en", "localStorage.setItem('techniekpact.language', 'en');"),
                                ("token", f"sessionStorage.setItem('techniekpact.token', {json.dumps(token)});")):
                context = browser.new_context(viewport={"width": 1280, "height": 900}, reduced_motion="reduce")
                if script:
                    context.add_init_script(script)
                contexts[label, who] = context
        for name, route, who in routes:
            loads: dict[str, list[Load]] = {label: [] for label in gateways}
            for _ in range(args.loads + 1):
                for label, url in gateways.items():
                    loads[label].append(Load(contexts[label, who], url, route))
            headers = {"Authorization": f"Bearer {token}"} if who == "token" else {}
            for label, url in gateways.items():
                timings = [load.milliseconds for load in loads[label][1:]]  # the first load fills the caches
                p95 = statistics.quantiles(timings, n=20)[18]
                last = loads[label][-1]
                sent = [(answer.request.method, answer.url, answer.request.post_data) for answer in last.seen]
                api = statistics.median(replay(url, sent, args.loads, headers)) if sent else 0
                print(f"{name:36} {label:{width}} {len(last.seen):>8} {last.gets:>4} {last.revalidated:>4}"
                      f" {last.downstream:>10} {statistics.median(timings):>8.0f} {p95:>8.0f} {api:>10.0f}", flush=True)
        browser.close()


if __name__ == "__main__":
    main()
