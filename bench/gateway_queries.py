"""The pact dashboard query through the gateway: throughput, latency, CPU per query in every process.

    .venv/bin/python bench/gateway_queries.py [--actions 100] [--first 20] [--seconds 10] [--clients 1 10 50]
                                              [--cpu-queries 200] [--no-load] [--writes 100] [--database NAME]

Starts the gateway and the three services as processes (as `techniekpact run` does) on a database
of its own (`techniekpact_bench_gateway` on the server BENCH_DATABASE_URL or TEST_DATABASE_URL names,
else the local one), loads the seed pacts (`techniekpact seed`) and fills a pact with `--actions`
actions through the services' REST APIs (each with a lead, a partner, a kind of partner and a
milestone; goals measured by a metrics series summed over three provinces). Then, all in one run,
for the seeded Noordvleugel pact and the filled pact, with the dashboard query
(gateway/tests/support.py DASHBOARD):

- CPU per query: `--cpu-queries` queries one after another; the CPU time (user + system, from
  /proc through psutil) each of the four processes and the database's backends spent, per query;
- requests/s and p50/p95/p99 at 1, 10 and 50 concurrent clients, with the downstream requests per
  query and how many answers were partial (a service overran the gateway's time budget);
- beside them, a plain FastAPI endpoint answering the same bytes: the ceiling of a Python HTTP
  stack on this machine;
- freshness: over `--writes` writes of each kind (a REST write to actions_api, the gateway's own
  mutation), the time from the write's answer (its commit is just before) until a query through the
  gateway, asked again and again, shows it.

The gateway runs with GATEWAY_CACHE=memory; "uncached" queries send `Cache-Control: no-cache`.

The load generator runs on the same machine and competes for its cores.
"""

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
import psutil

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench._support import fresh_database, running_stack  # noqa: E402
from cli.processes import PROCESSES, Stack, free_port  # noqa: E402
from gateway.tests.platform_data import make_pact, ok, put_reference_data, register_organisations  # noqa: E402
from gateway.tests.support import DASHBOARD  # noqa: E402

DATABASE = "techniekpact_bench_gateway"
SEEDED = "techniekpact-noordvleugel"

PLAIN_APP = '''
import os
from fastapi import FastAPI, Response
body = open(os.environ["PLAIN_ANSWER"], "rb").read()
app = FastAPI()

@app.post("/graphql")
async def graphql() -> Response:
    return Response(body, media_type="application/json")
'''


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


def body_of(slug: str, first: int) -> dict:
    return {"query": DASHBOARD, "variables": {"slug": slug, "first": first}}


async def load(url: str, body: dict, clients: int, seconds: float, headers: dict[str, str]) -> dict[str, float]:
    latencies: list[float] = []
    partial = 0
    downstream: list[int] = []
    deadline = time.perf_counter() + seconds

    async def client_loop(client: httpx.AsyncClient) -> None:
        nonlocal partial
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            answer = ok(await client.post("/graphql", json=body, headers=headers))
            latencies.append(time.perf_counter() - started)
            # Overloaded services time out: the answer is partial, with SERVICE_UNAVAILABLE errors.
            partial += "errors" in answer
            downstream.append((answer.get("extensions") or {}).get("downstream", {}).get("requests", 0))

    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as client:
        for _ in range(5):  # warm the connection pools and the services' caches
            ok(await client.post("/graphql", json=body, headers=headers))
        started = time.perf_counter()
        await asyncio.gather(*(client_loop(client) for _ in range(clients)))
        elapsed = time.perf_counter() - started
    return {"clients": clients, "queries": len(latencies), "rps": len(latencies) / elapsed,
            "p50": percentile(latencies, 0.50) * 1000, "p95": percentile(latencies, 0.95) * 1000,
            "p99": percentile(latencies, 0.99) * 1000, "downstream": statistics.mean(downstream),
            "partial": partial}


def cpu_seconds(pid: int) -> float:
    try:
        times = psutil.Process(pid).cpu_times()
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return 0.0
    return times.user + times.system


async def backend_pids(database_url: str) -> list[int]:
    import asyncpg

    from common.database import asyncpg_dsn
    connection = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        rows = await connection.fetch("SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                                      "AND pid <> pg_backend_pid()")
    finally:
        await connection.close()
    return [row["pid"] for row in rows]


async def cpu_per_query(stack: Stack, body: dict, queries: int, headers: dict[str, str]) -> dict[str, float]:
    """CPU milliseconds per query of each process and of PostgreSQL's backends, queries one at a time."""
    async with httpx.AsyncClient(base_url=stack.url("gateway"), timeout=60) as client:
        for _ in range(10):
            ok(await client.post("/graphql", json=body, headers=headers))
        pids = {name: child.pid for name, child in stack.children.items()}
        backends_before = {pid: cpu_seconds(pid) for pid in await backend_pids(stack.database_url)}
        before = {name: cpu_seconds(pid) for name, pid in pids.items()}
        for _ in range(queries):
            ok(await client.post("/graphql", json=body, headers=headers))
        after = {name: cpu_seconds(pid) for name, pid in pids.items()}
        backends_after = {pid: cpu_seconds(pid) for pid in await backend_pids(stack.database_url)}
    spent = {name: (after[name] - before[name]) * 1000 / queries for name in pids}
    spent["postgresql"] = sum(seconds - backends_before.get(pid, 0.0)
                              for pid, seconds in backends_after.items()) * 1000 / queries
    return spent


def print_cpu(label: str, spent: dict[str, float]) -> None:
    python = sum(spent[name] for name in PROCESSES)
    print(f"  CPU ms per uncached query ({label}): " + ", ".join(f"{name} {spent[name]:.1f}" for name in
                                                                  (*PROCESSES, "postgresql"))
          + f"; four Python processes {python:.1f} = {python / max(spent['postgresql'], 0.01):.1f} x PostgreSQL"
          + " (load average " + " ".join(f"{load:.1f}" for load in os.getloadavg()) + ")")


def print_load_header() -> None:
    print(f"  {'what':<22} {'clients':>7} {'queries':>7} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} "
          f"{'downstream/query':>16} {'partial':>7}")


def print_load(what: str, row: dict[str, float]) -> None:
    print(f"  {what:<22} {row['clients']:>7} {row['queries']:>7} {row['rps']:>7.1f} {row['p50']:>7.1f} "
          f"{row['p95']:>7.1f} {row['p99']:>7.1f} {row['downstream']:>16.1f} {row['partial']:>7}")


def start_plain(answer: bytes, logs: Path) -> tuple[subprocess.Popen, str]:
    (logs / "plain_answer.json").write_bytes(answer)
    (logs / "plain_app.py").write_text(PLAIN_APP)
    port = free_port()
    child = subprocess.Popen([sys.executable, "-m", "uvicorn", "--app-dir", str(logs), "plain_app:app",
                              "--port", str(port), "--log-level", "warning", "--no-access-log"],
                             env={**os.environ, "PYTHONPATH": str(logs),
                                  "PLAIN_ANSWER": str(logs / "plain_answer.json")}, cwd=logs,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            httpx.post(f"{url}/graphql", timeout=1)
            break
        except httpx.HTTPError:
            time.sleep(0.1)
    return child, url


NAME = "query Name($slug: String!) { pact(slug: $slug) { name } }"
TITLE = "query Title($id: ID!) { action(id: $id) { title } }"


async def freshness(stack: Stack, writes: int) -> dict[str, list[float]]:
    """Seconds from each write's answer until the gateway's answer shows it, per kind of write."""
    from gateway.tests.platform_data import bearer
    slug = f"fresh-{uuid.uuid4().hex[:6]}"
    writer = bearer("actions:write")
    found: dict[str, list[float]] = {"REST write (actions_api)": [], "gateway mutation": []}
    async with httpx.AsyncClient(base_url=stack.url("actions_api"), timeout=30) as actions, \
            httpx.AsyncClient(base_url=stack.url("gateway"), timeout=30) as gateway:
        ok(await actions.post("/v1/pacts", headers=writer, json={"slug": slug, "name": "n", "level": "regional"}))
        action = ok(await actions.post(f"/v1/pacts/{slug}/actions", headers=writer, json={"title": "t"}))

        async def shown(query: str, variables: dict, path: tuple[str, str], wanted: str) -> float:
            started = time.perf_counter()
            while True:
                answer = ok(await gateway.post("/graphql", json={"query": query, "variables": variables}))
                if answer["data"][path[0]][path[1]] == wanted:
                    return time.perf_counter() - started
                if time.perf_counter() - started > 10:
                    return float("inf")

        for number in range(writes):
            await shown(NAME, {"slug": slug}, ("pact", "name"), "n" if number == 0 else f"n{number - 1}")
            pact = ok(await actions.get(f"/v1/pacts/{slug}"))
            ok(await actions.patch(f"/v1/pacts/{slug}", json={"name": f"n{number}"},
                                   headers={**writer, "If-Match": f'"{pact["version"]}"'}))
            found["REST write (actions_api)"].append(await shown(NAME, {"slug": slug}, ("pact", "name"), f"n{number}"))
        for number in range(writes):
            variables = {"id": action["id"]}
            await shown(TITLE, variables, ("action", "title"), "t" if number == 0 else f"t{number - 1}")
            ok(await gateway.post("/graphql", headers=writer, json={
                "query": "mutation($id: ID!, $v: Int!, $t: String!) { updateAction(id: $id, version: $v, "
                         "input: {title: $t}) { title } }",
                "variables": {"id": action["id"], "v": number + 1, "t": f"t{number}"}}))
            found["gateway mutation"].append(await shown(TITLE, variables, ("action", "title"), f"t{number}"))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--actions", type=int, default=100, help="actions in the filled pact (default 100)")
    parser.add_argument("--first", type=int, default=20, help="actions on the dashboard page (default 20)")
    parser.add_argument("--seconds", type=float, default=10, help="per concurrency level (default 10)")
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 10, 50])
    parser.add_argument("--cpu-queries", type=int, default=200, help="queries for the CPU figures (default 200)")
    parser.add_argument("--no-load", action="store_true", help="CPU figures only")
    parser.add_argument("--writes", type=int, default=100, help="writes of each kind for freshness (default 100)")
    parser.add_argument("--database", default=DATABASE, help=f"the database to create and drop (default {DATABASE}); "
                                                             "give each run beside another its own")
    args = parser.parse_args()

    logs = Path(tempfile.mkdtemp(prefix="bench-gateway-"))
    env = {"ENVIRONMENT": "test", "LOG_LEVEL": "WARNING", "GATEWAY_CACHE": "memory"}
    with fresh_database(args.database) as database_url, running_stack(database_url, extra_env=env, log_dir=logs,
                                                                 ready_within=90) as stack:
        seeded = subprocess.run([sys.executable, "-m", "cli.main", "seed"], env=stack.environment(),
                                capture_output=True, text=True, cwd=REPO)
        if seeded.returncode != 0:
            sys.exit(f"techniekpact seed failed:\n{seeded.stdout}{seeded.stderr}")
        slug = asyncio.run(fill(stack, args.actions))
        print(f"{psutil.cpu_count()} cores; dashboard page first={args.first}; {args.seconds:.0f} s per level; "
              f"logs in {logs}")
        uncached = {"Cache-Control": "no-cache"}
        for label, pact in [("seeded Noordvleugel", SEEDED), (f"{args.actions}-action pact", slug)]:
            body = body_of(pact, args.first)
            print(f"{label}:")
            print_cpu(label, asyncio.run(cpu_per_query(stack, body, args.cpu_queries, uncached)))
            if args.no_load:
                continue
            answer = httpx.post(f"{stack.url('gateway')}/graphql", json=body, timeout=60).content
            plain, plain_url = start_plain(answer, logs)
            try:
                print_load_header()
                for clients in args.clients:
                    print_load("plain FastAPI, same bytes", asyncio.run(
                        load(plain_url, body, clients, args.seconds, {})))
                    print_load("gateway, cached", asyncio.run(
                        load(stack.url("gateway"), body, clients, args.seconds, {})))
                    print_load("gateway, uncached", asyncio.run(
                        load(stack.url("gateway"), body, clients, args.seconds, uncached)))
                    # Overloaded, the services still work off what the gateway gave up on; their change
                    # feeds answer late meanwhile, and the gateway does not serve from its cache then.
                    time.sleep(args.seconds)
            finally:
                plain.terminate()
                plain.wait()
        if args.writes:
            print(f"freshness over {args.writes} writes of each kind (from the write's answer to the gateway's):")
            for kind, seconds in asyncio.run(freshness(stack, args.writes)).items():
                print(f"  {kind:<26} p50 {percentile(seconds, 0.5) * 1000:7.1f} ms   "
                      f"p99 {percentile(seconds, 0.99) * 1000:7.1f} ms   max {max(seconds) * 1000:7.1f} ms")


if __name__ == "__main__":
    main()
