"""What one replica of each process serves: requests/s and latency under a closed loop of clients.

    .venv/bin/python bench/replicas.py [--clients 16] [--seconds 15]

Uses the PostgreSQL server of BENCH_DATABASE_URL (else TEST_DATABASE_URL, else the local server at
127.0.0.1:5432): creates a fresh database, migrates it, starts the four processes as
`techniekpact serve` (one uvicorn process each: what one pod runs), loads the seed pacts with
`techniekpact seed`, then drives one typical read per process with `--clients` concurrent
keep-alive clients for `--seconds` (after a warm-up) and prints requests/s, p50/p95/p99, errors, and
the CPU the process used (100 % = one core, where one replica saturates). The gateway's query is
the pact dashboard's; its figure includes the calls it makes to the services, whose number it prints. The load generator
runs on the same machine, so it competes for the cores. The database is dropped at the end.
"""

import argparse
import asyncio
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psutil

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench._support import fresh_database, running_stack  # noqa: E402
from cli.processes import Stack  # noqa: E402

PACT = "techniekpact-noordvleugel"
DASHBOARD_QUERY = """
query Dashboard($slug: String!) {
  pact(slug: $slug) {
    name
    region { code name }
    actionLines { number name goals { name unit baseline { value year } targets { period value } } }
    actions(first: 20) { edges { node { id number title status progress } } }
  }
}
"""


def targets(stack: Stack) -> list[tuple[str, str, str, dict | None]]:
    """(process, method, URL, JSON body) of the read each process serves most."""
    return [
        ("actions_api", "GET", f"{stack.url('actions_api')}/v1/actions?pact={PACT}&limit=50", None),
        ("partners_api", "GET", f"{stack.url('partners_api')}/v1/pacts/{PACT}/members?limit=50", None),
        ("metrics_api", "GET", f"{stack.url('metrics_api')}/v1/series?measure=vacancies_new&region=noordvleugel"
                               "&occupation=technical_industry", None),
        ("gateway", "POST", f"{stack.url('gateway')}/graphql",
         {"query": DASHBOARD_QUERY, "variables": {"slug": PACT}}),
    ]


async def drive(method: str, url: str, body: dict | None, clients: int, seconds: float,
                warmup: float) -> tuple[list[float], int, float]:
    latencies: list[float] = []
    errors = 0
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(timeout=30, limits=limits) as client:
        start = time.perf_counter()
        measure_from, stop_at = start + warmup, start + warmup + seconds

        async def one_client() -> None:
            nonlocal errors
            while (now := time.perf_counter()) < stop_at:
                try:
                    response = await client.request(method, url, json=body)
                    ok = response.status_code == 200 and (body is None or "errors" not in response.json())
                except httpx.HTTPError:
                    ok = False
                done = time.perf_counter()
                if now >= measure_from:
                    latencies.append(done - now)
                    errors += 0 if ok else 1

        await asyncio.gather(*(one_client() for _ in range(clients)))
    return latencies, errors, seconds


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--warmup", type=float, default=3)
    args = parser.parse_args()

    with fresh_database() as url, running_stack(url, ready_within=90, extra_env={"LOG_LEVEL": "WARNING"},
                                                 log_dir=REPO / ".data" / "bench-logs") as stack:
        seeded = subprocess.run([sys.executable, "-m", "cli.main", "seed"], env=stack.environment(),
                                capture_output=True, text=True, cwd=REPO)
        if seeded.returncode != 0:
            sys.exit(f"techniekpact seed failed:\n{seeded.stdout}{seeded.stderr}")
        cores = psutil.cpu_count()
        print(f"{cores} cores, {args.clients} clients per process, {args.seconds:.0f} s each after "
              f"{args.warmup:.0f} s warm-up")
        print(f"{'process':<13} {'requests/s':>10} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>7} "
              f"{'CPU %':>6}  read")
        for process, method, target, body in targets(stack):
            child = psutil.Process(stack.children[process].pid)
            child.cpu_percent()
            latencies, errors, seconds = asyncio.run(
                drive(method, target, body, args.clients, args.seconds, args.warmup))
            cpu = child.cpu_percent()  # over warm-up and measurement: a steady load
            what = "dashboard query" if process == "gateway" else target.split(str(stack.ports[process]), 1)[1]
            print(f"{process:<13} {len(latencies) / seconds:>10.0f} {statistics.median(latencies) * 1000:>8.1f} "
                  f"{percentile(latencies, 0.95) * 1000:>8.1f} {percentile(latencies, 0.99) * 1000:>8.1f} "
                  f"{errors:>7} {cpu:>6.0f}  {method} {what}")
        answer = httpx.post(f"{stack.url('gateway')}/graphql", timeout=30,
                            json={"query": DASHBOARD_QUERY, "variables": {"slug": PACT}}).json()
        print(f"the dashboard query makes {answer['extensions']['downstream']['requests']} requests to the services")


if __name__ == "__main__":
    main()
