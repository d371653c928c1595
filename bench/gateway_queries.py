"""Throughput and latency of the gateway's pact dashboard query, and what the gateway itself adds.

    .venv/bin/python bench/gateway_queries.py [--actions 100] [--first 20] [--seconds 15] [--clients 1 10 50]

Starts the gateway and the three services as processes (as `techniekpact run` does) on a database
of its own (`techniekpact_bench_gateway` on the server BENCH_DATABASE_URL or TEST_DATABASE_URL names,
else the local one), fills it through the services' REST APIs (a pact with `--actions` actions,
each with a lead, a partner, a kind of partner and a milestone; goals measured by a metrics series
summed over three provinces), then runs the dashboard query (gateway/tests/support.py DASHBOARD:
pact, lines, goals with actuals, a page of actions with lead, participants and milestones) from
1, 10 and 50 concurrent clients for `--seconds` each and prints requests/s, p50/p95/p99, the
downstream requests per query, the gateway's overhead (its latency divided by the time the query
spent waiting on services, `extensions.downstream.seconds`, in the same run) and how many answers
were partial (a service overran the gateway's time budget).
"""

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._support import fresh_database, running_stack
from cli.processes import PROCESSES, Stack
from gateway.tests.platform_data import make_pact, ok, put_reference_data, register_organisations
from gateway.tests.support import DASHBOARD

DATABASE = "techniekpact_bench_gateway"


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def fill(stack: Stack, actions: int) -> str:
    slug = f"bench-{uuid.uuid4().hex[:6]}"
    clients = {name: httpx.AsyncClient(base_url=stack.url(name), timeout=60) for name in PROCESSES}
    try:
        await put_reference_data(clients["metrics_api"])
        organisations = await register_organisations(clients["partners_api"], 40)
        await make_pact(clients["actions_api"], f"{slug}-nl", None, 0, organisations)
        await make_pact(clients["actions_api"], slug, f"{slug}-nl", actions, organisations, complete=actions)
    finally:
        for client in clients.values():
            await client.aclose()
    return slug


async def run(url: str, slug: str, first: int, clients: int, seconds: float) -> dict[str, float]:
    latencies: list[float] = []
    failed = 0
    downstream_requests: list[int] = []
    downstream_seconds: list[float] = []
    deadline = time.perf_counter() + seconds
    body = {"query": DASHBOARD, "variables": {"slug": slug, "first": first}}

    async def client_loop(client: httpx.AsyncClient) -> None:
        nonlocal failed
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            answer = ok(await client.post("/graphql", json=body))
            latencies.append(time.perf_counter() - started)
            # Overloaded services time out: the answer is partial, with SERVICE_UNAVAILABLE errors.
            failed += "errors" in answer
            downstream_requests.append(answer["extensions"]["downstream"]["requests"])
            downstream_seconds.append(answer["extensions"]["downstream"]["seconds"])

    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as client:
        await client_loop_once(client, body)
        started = time.perf_counter()
        await asyncio.gather(*(client_loop(client) for _ in range(clients)))
        elapsed = time.perf_counter() - started
    overheads = [latency / waited for latency, waited in zip(latencies, downstream_seconds, strict=True) if waited]
    return {
        "clients": clients, "queries": len(latencies), "rps": len(latencies) / elapsed,
        "p50": percentile(latencies, 0.50) * 1000, "p95": percentile(latencies, 0.95) * 1000,
        "p99": percentile(latencies, 0.99) * 1000,
        "downstream": statistics.mean(downstream_requests),
        "downstream_ms": statistics.median(downstream_seconds) * 1000,
        "overhead": statistics.median(overheads), "partial": failed,
    }


async def client_loop_once(client: httpx.AsyncClient, body: dict) -> None:
    """Warm the connection pools and the services' caches before timing."""
    for _ in range(5):
        ok(await client.post("/graphql", json=body))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--actions", type=int, default=100, help="actions in the pact (default 100)")
    parser.add_argument("--first", type=int, default=20, help="actions on the dashboard page (default 20)")
    parser.add_argument("--seconds", type=float, default=15, help="per concurrency level (default 15)")
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 10, 50])
    args = parser.parse_args()

    logs = Path(tempfile.mkdtemp(prefix="bench-gateway-"))
    with fresh_database(DATABASE) as database_url, running_stack(
            database_url, extra_env={"ENVIRONMENT": "test", "LOG_LEVEL": "WARNING"}, log_dir=logs) as stack:
        slug = asyncio.run(fill(stack, args.actions))
        print(f"pact with {args.actions} actions; dashboard page first={args.first}; {args.seconds:.0f} s per level; "
              f"logs in {logs}")
        print(f"{'clients':>7} {'queries':>7} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} "
              f"{'downstream/query':>16} {'waiting ms (p50)':>16} {'latency/waiting':>15} {'partial':>7}")
        for clients in args.clients:
            row = asyncio.run(run(stack.url("gateway"), slug, args.first, clients, args.seconds))
            print(f"{row['clients']:>7} {row['queries']:>7} {row['rps']:>7.1f} {row['p50']:>7.1f} {row['p95']:>7.1f} "
                  f"{row['p99']:>7.1f} {row['downstream']:>16.1f} {row['downstream_ms']:>16.1f} "
                  f"{row['overhead']:>15.2f} {row['partial']:>7}")


if __name__ == "__main__":
    main()
