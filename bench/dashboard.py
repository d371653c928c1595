"""How fast each dashboard page shows, in Debian's Chromium, against a running seeded stack.

    make run                                        # in another terminal: seeds on first start
    .venv/bin/python bench/dashboard.py [--url http://127.0.0.1:8000] [--loads 20]

Per page: the GraphQL operations it sends, the downstream requests the gateway made for them
(the gateway reports them in `extensions.downstream`), p50/p95 of the time from a fresh load
(cache warm after the first) to the page's heading being rendered with its data, and p50 of the
same GraphQL operations replayed without a browser (the API's share).
"""

import argparse
import json
import statistics
import time

import httpx
from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"
READY = "main:not([aria-busy]) h1"


def lookup(url: str, query: str, variables: dict) -> dict:
    answer = httpx.post(f"{url}/graphql", json={"query": query, "variables": variables}, timeout=10).json()
    return answer["data"]


def pages(url: str) -> dict[str, str]:
    actions = lookup(url, "query($p: String) { actions(pact: $p, first: 50) { nodes { id number } } }",
                     {"p": "techniekpact-noordvleugel"})["actions"]["nodes"]
    partner = lookup(url, "query($s: String) { organisations(search: $s, first: 1) { nodes { id } } }",
                     {"s": "Hogeschool Utrecht"})["organisations"]["nodes"][0]
    return {
        # No GraphQL at all: what loading the app itself costs in this browser.
        "(app only: unknown route)": "#/bestaat-niet",
        "pacten": "#/",
        "pact-overzicht (Noordvleugel)": "#/pact/techniekpact-noordvleugel",
        "actie 4": f"#/actie/{next(a['id'] for a in actions if a['number'] == 4)}",
        "partners": "#/partners",
        "partner (Hogeschool Utrecht)": f"#/partner/{partner['id']}",
        "arbeidsmarkt (Noordvleugel)": "#/arbeidsmarkt",
        "opvolging (Noordvleugel)": "#/opvolging/techniekpact-noordvleugel",
        "beoordelen (Noordvleugel)": "#/beoordelen/techniekpact-noordvleugel",
    }


def replay(url: str, bodies: list[str], times: int) -> list[float]:
    """The page's GraphQL operations alone, in order, as the server sees them: milliseconds per round."""
    rounds = []
    with httpx.Client(timeout=10) as client:
        for _ in range(times):
            started = time.perf_counter()
            for body in bodies:
                client.post(f"{url}/graphql", content=body, headers={"Content-Type": "application/json"})
            rounds.append((time.perf_counter() - started) * 1000)
    return rounds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--loads", type=int, default=20)
    args = parser.parse_args()
    routes = pages(args.url)

    print(f"{'page':32} {'operations':>10} {'downstream':>10} {'p50 ms':>8} {'p95 ms':>8} {'API p50 ms':>10}")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox"])
        context = browser.new_context(viewport={"width": 1280, "height": 900}, reduced_motion="reduce")
        for name, route in routes.items():
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
            api = statistics.median(replay(args.url, [r.request.post_data for r in seen], args.loads)) if seen else 0
            print(f"{name:32} {operations:>10} {downstream:>10} {statistics.median(timings):>8.0f} {p95:>8.0f}"
                  f" {api:>10.0f}")
        browser.close()


if __name__ == "__main__":
    main()
