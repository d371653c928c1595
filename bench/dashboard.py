"""How fast each dashboard page shows, in Debian's Chromium, against a running seeded stack.

    make run                                        # in another terminal: seeds on first start
    .venv/bin/python bench/dashboard.py [--url http://127.0.0.1:8000] [--loads 20] [--token JWT]

Per page: the GraphQL operations it sends, the downstream requests the gateway made for them
(the gateway reports them in `extensions.downstream`), p50/p95 of the time from a fresh load
(cache warm after the first) to the page's heading being rendered with its data, and p50 of the
same GraphQL operations replayed without a browser (the API's share).

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

import httpx
from playwright.sync_api import sync_playwright

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


def replay(url: str, bodies: list[str], times: int, headers: dict[str, str]) -> list[float]:
    """The page's GraphQL operations alone, in order, as the server sees them: milliseconds per round."""
    rounds = []
    with httpx.Client(timeout=10) as client:
        for _ in range(times):
            started = time.perf_counter()
            for body in bodies:
                client.post(f"{url}/graphql", content=body, headers={"Content-Type": "application/json", **headers})
            rounds.append((time.perf_counter() - started) * 1000)
    return rounds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--loads", type=int, default=20)
    parser.add_argument("--token", help="a development token with the scopes " + ", ".join(SCOPES))
    args = parser.parse_args()
    routes = pages(args.url)
    token = args.token or development_token()

    print(f"{'page':36} {'operations':>10} {'downstream':>10} {'p50 ms':>8} {'p95 ms':>8} {'API p50 ms':>10}")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox"])
        contexts = {}
        for who, script in (("", ""), ("en", "localStorage.setItem('techniekpact.language', 'en');"),
                            ("token", f"sessionStorage.setItem('techniekpact.token', {json.dumps(token)});")):
            contexts[who] = browser.new_context(viewport={"width": 1280, "height": 900}, reduced_motion="reduce")
            if script:
                contexts[who].add_init_script(script)
        for name, route, who in routes:
            context = contexts[who]
            timings: list[float] = []
            for _ in range(args.loads + 1):
                tab = context.new_page()
                seen: list = []
                tab.on("response", lambda answer, seen=seen: answer.url.endswith("/graphql") and seen.append(answer))
                started = time.perf_counter()
                tab.goto(f"{args.url}/{route}")
                tab.wait_for_selector(READY)
                timings.append((time.perf_counter() - started) * 1000)
                operations = len(seen)
                downstream = sum(json.loads(r.body()).get("extensions", {}).get("downstream", {}).get("requests", 0)
                                 for r in seen)
                tab.close()
            timings = timings[1:]  # the first load fills the browser's cache
            p95 = statistics.quantiles(timings, n=20)[18]
            headers = {"Authorization": f"Bearer {token}"} if who == "token" else {}
            api = statistics.median(replay(args.url, [r.request.post_data for r in seen], args.loads, headers)) \
                if seen else 0
            print(f"{name:36} {operations:>10} {downstream:>10} {statistics.median(timings):>8.0f} {p95:>8.0f}"
                  f" {api:>10.0f}")
        browser.close()


if __name__ == "__main__":
    main()
