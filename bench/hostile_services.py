"""Hostile input at the three services: what a refusal costs, and whether the service stays responsive.

    .venv/bin/python bench/hostile_services.py [--repeat 20] [--stalls 15] [--races 6]

Starts actions_api, partners_api and metrics_api as processes on a database of their own (on the
server BENCH_DATABASE_URL or TEST_DATABASE_URL names, else the local one), with a 5-second body
deadline. It prints:

- deep JSON: for each service, a 100 KB body of lists nested 50,000 deep sent `--repeat` times to one
  of its JSON routes: the answer, its time (p50, max), the process's memory before and at its peak
  (psutil, sampled every 5 ms), and /healthz latency meanwhile (asked every 10 ms);
- slow uploads: `--stalls` uploads per service sent half and then stalled, with the pools at 2
  connections: how many pooled connections they hold, the latency of reads meanwhile, and when
  the 408s come;
- the KvK race: `--races` rounds of a coordinator's PATCH of a KvK number against a push of the same
  organisation, the statuses, and how many deadlocks the service ran again (its log says).
"""

import argparse
import asyncio
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import httpx
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._support import fresh_database, running_stack
from common.auth import issue_token
from common.settings import DEVELOPMENT_JWT_SECRET

SERVICES = ("actions_api", "partners_api", "metrics_api")
DEEP = b"[" * 50_000 + b"]" * 50_000
TOKEN = issue_token(DEVELOPMENT_JWT_SECRET, subject="bench", sources=["bench", "uwv"],
                    scopes=["actions:write", "partners:write", "partners:admin", "metrics:write", "metrics:admin"])
AUTH = {"Authorization": f"Bearer {TOKEN}"}
DEEP_ROUTES = {"actions_api": ("POST", "/v1/pacts"), "partners_api": ("PUT", "/v1/sources/bench/organisations"),
               "metrics_api": ("POST", "/v1/feeds/uwv/observations")}
UPLOAD_ROUTES = {"actions_api": "/v1/pacts", "partners_api": "/v1/organisations",
                 "metrics_api": "/v1/feeds/uwv/observations"}
READ_ROUTES = {"actions_api": "/v1/pacts", "partners_api": "/v1/organisations", "metrics_api": "/v1/regions"}


def _ms(seconds: list[float], q: float) -> str:
    ordered = sorted(seconds)
    return f"{1000 * ordered[min(len(ordered) - 1, int(q * len(ordered)))]:.1f}"


class Watch:
    """/healthz every 10 ms and the process's resident memory every 5 ms, in threads of their own."""

    def __init__(self, url: str, pid: int) -> None:
        self.url, self.process = url, psutil.Process(pid)
        self.health: list[float] = []
        self.peak = self.start = self.process.memory_info().rss
        self.stop = threading.Event()

    def __enter__(self) -> "Watch":
        def health() -> None:
            with httpx.Client(timeout=10) as client:
                while not self.stop.is_set():
                    began = time.perf_counter()
                    client.get(f"{self.url}/healthz")
                    self.health.append(time.perf_counter() - began)
                    time.sleep(0.01)

        def memory() -> None:
            while not self.stop.is_set():
                self.peak = max(self.peak, self.process.memory_info().rss)
                time.sleep(0.005)

        self.threads = [threading.Thread(target=health), threading.Thread(target=memory)]
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join()


def deep_json(stack, repeat: int) -> None:
    print("deep JSON (50,000 levels, 100 KB):")
    for service in SERVICES:
        times, statuses = [], set()
        with Watch(stack.url(service), stack.children[service].pid) as watch, \
                httpx.Client(base_url=stack.url(service), timeout=120) as client:
            for n in range(repeat):
                began = time.perf_counter()
                response = client.request(*DEEP_ROUTES[service], content=DEEP, headers={
                    **AUTH, "Content-Type": "application/json", "Idempotency-Key": f"deep-{n}-{uuid.uuid4()}"})
                times.append(time.perf_counter() - began)
                statuses.add((response.status_code, response.json().get("type", "").rsplit("/", 1)[-1]))
        print(f"  {service:<13} {sorted(statuses)}  answer p50 {_ms(times, .5)} ms, max {_ms(times, 1)} ms;"
              f" memory {watch.start / 2**20:.0f} MB, peak {watch.peak / 2**20:.0f} MB;"
              f" /healthz p50 {_ms(watch.health, .5)} ms, p99 {_ms(watch.health, .99)} ms")


async def slow_uploads(stack, stalls: int) -> None:
    print(f"slow uploads ({stalls} per service, half sent, then nothing; pools of 2):")
    opened = []
    for service in SERVICES:
        path = UPLOAD_ROUTES[service]
        for _ in range(stalls):
            reader, writer = await asyncio.open_connection("127.0.0.1", stack.ports[service])
            head = (f"POST {path} HTTP/1.1\r\nHost: x\r\nAuthorization: {AUTH['Authorization']}\r\n"
                    "Content-Type: application/json\r\nContent-Length: 4000\r\n\r\n")
            writer.write(head.encode() + b'{"observations": [')
            await writer.drain()
            opened.append((service, time.perf_counter(), reader, writer))
    await asyncio.sleep(1)
    async with httpx.AsyncClient(timeout=30) as client:
        for service in SERVICES:
            metrics = (await client.get(f"{stack.url(service)}/metrics")).text
            in_use = next(line for line in metrics.splitlines()
                          if line.startswith("db_pool_connections") and 'state="in_use"' in line).split()[-1]
            reads = []
            for _ in range(20):
                began = time.perf_counter()
                status = (await client.get(stack.url(service) + READ_ROUTES[service])).status_code
                reads.append(time.perf_counter() - began)
            print(f"  {service:<13} pool in use while stalled: {in_use}; reads {status}, p50 {_ms(reads, .5)} ms, "
                  f"max {_ms(reads, 1)} ms")
    answers: dict[str, list[float]] = {}
    for service, began, reader, writer in opened:
        status_line = await asyncio.wait_for(reader.readline(), timeout=120)
        answers.setdefault(f"{service} {status_line.split()[1].decode()}", []).append(time.perf_counter() - began)
        writer.close()
    for key, seconds in sorted(answers.items()):
        print(f"  {key}: {len(seconds)} answered after {min(seconds):.1f} to {max(seconds):.1f} s")


async def kvk_race(stack, rounds: int) -> None:
    statuses: dict[str, int] = {}
    pusher = {"Authorization": "Bearer " + issue_token(DEVELOPMENT_JWT_SECRET, subject="bench", sources=["race"],
                                                        scopes=["partners:write"])}
    async with httpx.AsyncClient(base_url=stack.url("partners_api"), timeout=60) as client:
        for n in range(rounds):
            old, new = str(uuid.uuid4().int)[:8], str(uuid.uuid4().int)[:8]
            record = {"external_id": f"race-{n}", "name": "Racebedrijf", "kind": "company", "kvk_number": old}
            organisation = (await client.put("/v1/sources/race/organisations", json={"records": [record]},
                                             headers=pusher)).json()["results"][0]["id"]
            etag = (await client.get(f"/v1/organisations/{organisation}")).headers["etag"]
            patch, push = await asyncio.gather(
                client.patch(f"/v1/organisations/{organisation}", json={"kvk_number": new},
                             headers={**AUTH, "If-Match": etag}),
                client.put("/v1/sources/race/organisations", json={"records": [{**record, "name": f"Race {n}"}]},
                           headers=pusher))
            for kind, response in (("PATCH", patch), ("push", push)):
                key = f"{kind} {response.status_code}"
                statuses[key] = statuses.get(key, 0) + 1
    print(f"KvK PATCH against push, {rounds} rounds: {dict(sorted(statuses.items()))}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--stalls", type=int, default=15)
    parser.add_argument("--races", type=int, default=6)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as logs, fresh_database() as url, running_stack(
            url, SERVICES, log_dir=Path(logs), extra_env={
                "ENVIRONMENT": "test", "BODY_READ_TIMEOUT_SECONDS": "5", "DB_POOL_SIZE": "2",
                "DB_MAX_OVERFLOW": "0", "DB_POOL_TIMEOUT_SECONDS": "2"}) as stack:
        deep_json(stack, args.repeat)
        asyncio.run(slow_uploads(stack, args.stalls))
        asyncio.run(kvk_race(stack, args.races))
        retried = (Path(logs) / "partners_api.log").read_text().count("running it again")
        print(f"  deadlocks the service ran again: {retried}")


if __name__ == "__main__":
    main()
