"""Hostile input at the gateway: how fast it is refused, what it costs the gateway, whether /healthz stays quick.

    .venv/bin/python bench/hostile_gateway.py [--seconds 5] [--attackers 4] [--wrk-seconds 60] [--wrk-clients 50]
                                              [--nice -10]

Starts the gateway and the three services as processes (as `techniekpact run` does) on a database of
its own (`techniekpact_bench_hostile` on the server BENCH_DATABASE_URL or TEST_DATABASE_URL names,
else the local one). For each attack, `--attackers` anonymous clients send it over and over for
`--seconds`, while a process of its own asks the gateway's /healthz every 10 ms and a thread samples
the gateway process's resident memory (psutil) every 5 ms. It prints per attack: the answer (status and
`extensions.code`), the answer time (p50 and max), the gateway's CPU time per request, its memory
before and at its peak, and the /healthz latency during the attack (p50, p99, max).

The attacks are those of issue 18: a chain of fragments each spreading the next twice (20, 26 and 30
links; 22 took 17 s before, with /healthz frozen), `_entities` with 10,000 representations, a body
of lists nested 50,000 deep; and the heaviest document the limits accept that we know of (63
repeated fields, 1,953 of the 2,000 merge checks), to show what an accepted document may cost.

Then, if `wrk` is installed, `--wrk-clients` clients send the seeded dashboard query (bench/gateway_queries.py:
a pact of 100 actions, a page of 20) for `--wrk-seconds`, and it prints the requests, the non-200
answers, the partial answers (with `errors`) and the latency percentiles.
"""

import argparse
import asyncio
import json
import multiprocessing
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._support import fresh_database, running_stack
from bench.gateway_queries import fill, percentile
from gateway.tests.support import DASHBOARD

DATABASE = "techniekpact_bench_hostile"
WRK_SCRIPT = """
local file = io.open(os.getenv("BENCH_BODY"), "rb")
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = file:read("*a")
file:close()
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) partial = 0; refused = 0 end
function response(status, headers, body)
  if status ~= 200 then refused = refused + 1
  elseif string.find(body, '"errors"', 1, true) then partial = partial + 1 end
end
function done(summary, latency, requests)
  local partial, refused = 0, 0
  for _, thread in ipairs(threads) do
    partial = partial + thread:get("partial"); refused = refused + thread:get("refused")
  end
  io.write(string.format("wrk: %d responses, %d non-200, %d partial, %d timeouts; p50 %.0f ms, p90 %.0f ms, "
    .. "p99 %.0f ms, max %.0f ms\\n", summary.requests, refused, partial, summary.errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end
"""


def fragment_chain(links: int) -> bytes:
    fragments = [f"fragment F{i} on Pact {{ ...F{i + 1} ...F{i + 1} }}" for i in range(links - 1)]
    query = '{ pact(slug: "x") { ...F0 } } ' + " ".join([*fragments, f"fragment F{links - 1} on Pact {{ name }}"])
    return json.dumps({"query": query}).encode()


def attacks() -> list[tuple[str, bytes]]:
    entities = 'query($r: [_Any!]!) { _entities(representations: $r) { ... on Region { code name } } }'
    representations = [{"__typename": "Region", "code": f"GM{index:04d}"} for index in range(10_000)]
    return [
        ("none (the /healthz baseline)", b""),
        *((f"fragment chain, {links} links", fragment_chain(links)) for links in (20, 26, 30)),
        ("_entities, 10,000 representations", json.dumps({"query": entities, "variables": {"r": representations}})
         .encode()),
        ("JSON body nested 50,000 deep", b'{"query": "{ apiVersion }", "variables": {"n": ' + b"[" * 50_000
         + b"]" * 50_000 + b"}}"),
        ("accepted: 63 repeated fields", json.dumps({"query": "{ " + "apiVersion " * 63 + "}"}).encode()),
    ]


class Sampler(threading.Thread):
    """Calls `sample` every `interval` seconds until stopped; keeps what it returns."""

    def __init__(self, sample: Callable[[], float], interval: float) -> None:
        super().__init__(daemon=True)
        self.sample, self.interval = sample, interval
        self.values: list[float] = []
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            self.values.append(self.sample())
            self.stopped.wait(self.interval)

    def stop(self) -> list[float]:
        self.stopped.set()
        self.join()
        return self.values


class HealthzProbe:
    """Asks /healthz every 10 ms from a process of its own, so that nothing this script does (its
    attackers, its memory sampler) delays the probe: only the gateway can."""

    def __init__(self, url: str) -> None:
        self.stopped = multiprocessing.Event()
        self.receiver, sender = multiprocessing.Pipe(duplex=False)
        self.process = multiprocessing.Process(target=self.probe, args=(url, self.stopped, sender), daemon=True)

    @staticmethod
    def probe(url: str, stopped: Any, sender: Any) -> None:
        latencies = []
        with httpx.Client(timeout=30) as client:
            while not stopped.is_set():
                started = time.perf_counter()
                client.get(f"{url}/healthz").raise_for_status()
                latencies.append(time.perf_counter() - started)
                stopped.wait(0.01)
        sender.send(latencies)

    def start(self) -> None:
        self.process.start()

    def stop(self) -> list[float]:
        self.stopped.set()
        latencies: list[float] = self.receiver.recv()
        self.process.join()
        return latencies


async def attack(url: str, body: bytes, attackers: int, seconds: float) -> tuple[list[float], set[str]]:
    timings: list[float] = []
    answers: set[str] = set()
    deadline = time.perf_counter() + seconds

    async def one(client: httpx.AsyncClient) -> None:
        if not body:  # the baseline: /healthz with no attack
            await asyncio.sleep(seconds)
        while body and time.perf_counter() < deadline:
            started = time.perf_counter()
            response = await client.post("/graphql", content=body, headers={"content-type": "application/json"})
            timings.append(time.perf_counter() - started)
            errors = response.json().get("errors") or [{}]
            answers.add(f"{response.status_code} {errors[0].get('extensions', {}).get('code', 'ok')}")

    async with httpx.AsyncClient(base_url=url, timeout=120) as client:
        await asyncio.gather(*(one(client) for _ in range(attackers)))
    return timings, answers


def measure(url: str, gateway: psutil.Process, name: str, body: bytes, attackers: int, seconds: float) -> str:
    memory_before = gateway.memory_info().rss
    cpu_before = sum(gateway.cpu_times()[:2])
    memory = Sampler(lambda: gateway.memory_info().rss, 0.005)
    probe = HealthzProbe(url)
    memory.start()
    probe.start()
    timings, answers = asyncio.run(attack(url, body, attackers, seconds))
    healthz = probe.stop()
    peak = max(memory.stop())
    cpu = (sum(gateway.cpu_times()[:2]) - cpu_before) / max(len(timings), 1)
    mb = 1024 * 1024
    answer = (f"{', '.join(sorted(answers)):>22} {statistics.median(timings) * 1000:8.1f} {max(timings) * 1000:8.1f} "
              f"{cpu * 1000:8.2f}") if timings else f"{'-':>22} {'-':>8} {'-':>8} {'-':>8}"
    return (f"{name:34} {len(body) / 1024:9.0f} {len(timings):6} {answer} "
            f"{memory_before / mb:7.0f} {peak / mb:7.0f} {len(healthz):6} {percentile(healthz, 0.5) * 1000:7.1f} "
            f"{percentile(healthz, 0.99) * 1000:7.1f} {max(healthz) * 1000:7.1f}")


def run_wrk(url: str, slug: str, clients: int, seconds: int) -> str:
    with tempfile.TemporaryDirectory() as scratch:
        body, script = Path(scratch) / "body.json", Path(scratch) / "dashboard.lua"
        body.write_text(json.dumps({"query": DASHBOARD, "variables": {"slug": slug, "first": 20}}))
        script.write_text(WRK_SCRIPT)
        done = subprocess.run(["wrk", "-t2", f"-c{clients}", f"-d{seconds}s", "--timeout", "60s", "-s", str(script),
                               f"{url}/graphql"], capture_output=True, text=True, env={"BENCH_BODY": str(body)},
                              check=True)
    return next(line for line in done.stdout.splitlines() if line.startswith("wrk:"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=5, help="per attack (default 5)")
    parser.add_argument("--attackers", type=int, default=4, help="concurrent attacking clients (default 4)")
    parser.add_argument("--wrk-seconds", type=int, default=60, help="dashboard load under wrk (default 60; 0: none)")
    parser.add_argument("--wrk-clients", type=int, default=50)
    parser.add_argument("--nice", type=int, default=None,
                        help="run the gateway and this script at this priority (-10: apart from other load on a "
                             "shared machine; needs root)")
    args = parser.parse_args()

    logs = Path(tempfile.mkdtemp(prefix="bench-hostile-"))
    with fresh_database(DATABASE) as database_url, running_stack(
            database_url, extra_env={"ENVIRONMENT": "test", "LOG_LEVEL": "WARNING"}, log_dir=logs) as stack:
        url = stack.url("gateway")
        gateway = psutil.Process(stack.children["gateway"].pid)
        if args.nice is not None:
            for process in (gateway, psutil.Process()):
                process.nice(args.nice)
        print(f"{args.attackers} attackers for {args.seconds:.0f} s per attack; /healthz every 10 ms; load average "
              f"{' '.join(f'{load:.1f}' for load in psutil.getloadavg())}; nice {args.nice}; logs in {logs}")
        print(f"{'attack':34} {'body KiB':>9} {'sent':>6} {'answer':>22} {'p50 ms':>8} {'max ms':>8} {'cpu ms':>8} "
              f"{'RSS MB':>7} {'peak':>7} {'probes':>6} {'hz p50':>7} {'hz p99':>7} {'hz max':>7}")
        for name, body in attacks():
            print(measure(url, gateway, name, body, args.attackers, args.seconds), flush=True)
        if args.wrk_seconds and shutil.which("wrk"):
            slug = asyncio.run(fill(stack, 100))
            print(f"dashboard query (100 actions, page of 20), {args.wrk_clients} clients, {args.wrk_seconds} s:")
            print(run_wrk(url, slug, args.wrk_clients, args.wrk_seconds))
        elif args.wrk_seconds:
            print("wrk is not installed (apt-get install -y wrk): no dashboard load run")


if __name__ == "__main__":
    main()
