"""Crash safety: SIGKILL a service, or the database, in the middle of a bulk write; nothing is lost twice.

Each round posts a 100,000-row statistics feed to metrics_api and a 20,000-record municipal push
(two bodies of 10,000, the most one push takes) to partners_api, each with its own Idempotency-Key,
and kills the target at a random moment while the request runs: the service process (round kind
`service`) or the embedded PostgreSQL with all its backends (kind `postgres`). After a kill, the
data of that request must be wholly there or wholly absent; then the target is restarted and the
same request is retried with the same key until it is acknowledged, and the database must hold
every acknowledged batch exactly once.

    .venv/bin/python bench/crash_safety.py --rounds 20          # 20 rounds of each kind
    .venv/bin/python bench/crash_safety.py --rounds 3 --rows 20000 --kinds service

It starts its own embedded PostgreSQL in .data/crash-postgres (the one it kills) and its own
service processes on free ports. Prints a line per round and a summary; exits 1 on any loss.
"""

import argparse
import asyncio
import random
import signal
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._support import connected, fetch_value  # noqa: E402
from cli.migrate import upgrade_all  # noqa: E402
from cli.processes import Stack, free_port  # noqa: E402
from common.auth import issue_token  # noqa: E402
from common.postgres_server import DATA_DIR, EmbeddedPostgres, drop_database, ensure_database, with_database  # noqa: E402
from common.settings import DEVELOPMENT_JWT_SECRET  # noqa: E402

REGIONS = 500
SOURCE = "crashtest"
PUSH_PART = 10_000


@dataclass
class Tally:
    """What the rounds so far did and found; any lost, duplicated or partial write fails the run."""

    rounds: int = 0
    kills: int = 0
    interrupted: int = 0
    retries: int = 0
    lost: int = 0
    duplicated: int = 0
    partial: int = 0
    notes: list[str] = field(default_factory=list)


class Target:
    """The stack under test and the database under it, with ways to kill and revive each."""

    def __init__(self, data_dir: Path) -> None:
        self.postgres = EmbeddedPostgres(data_dir)
        self.url = with_database(self.postgres.start(), "crash")
        asyncio.run(drop_database(self.url))  # the counts below assume a fresh database
        asyncio.run(ensure_database(self.url))
        upgrade_all(self.url)
        ports = {name: free_port() for name in ("gateway", "actions_api", "partners_api", "metrics_api")}
        self.stack = Stack(self.url, ports, extra_env={"ENVIRONMENT": "test", "LOG_LEVEL": "WARNING"},
                           log_dir=DATA_DIR / "crash-logs")
        self.stack.start(("metrics_api", "partners_api"))
        self.stack.wait_ready(60)

    def kill(self, kind: str, service: str) -> None:
        if kind == "service":
            self.stack.children[service].send_signal(signal.SIGKILL)
            self.stack.children[service].wait()
            return
        postmaster = psutil.Process(self.postgres._server.get_pid())
        victims = [postmaster, *postmaster.children(recursive=True)]
        for process in victims:
            process.kill()
        psutil.wait_procs(victims, timeout=10)

    def revive(self, kind: str, service: str) -> None:
        if kind == "service":
            self.stack.start_one(service)
            self.stack.wait_ready(60, names=(service,))
        else:
            self.postgres._server.ensure_postgres_running()

    def stop(self) -> None:
        self.stack.stop()
        self.postgres.stop()


def token(scope: str) -> str:
    return issue_token(DEVELOPMENT_JWT_SECRET, subject="crash-safety", scopes=[scope], sources=[SOURCE],
                       ttl_seconds=6 * 3600)


def feed_body(rows: int, value: int) -> dict:
    months = -(-rows // REGIONS)
    observations = []
    for month in range(months):
        period = f"{1900 + month // 12}-{month % 12 + 1:02d}"
        for region in range(REGIONS):
            if len(observations) == rows:
                break
            observations.append({"measure": "vacancies_new", "region": f"GM{region + 1:04d}", "period": period,
                                 "occupation": "total", "value": value, "status": "final"})
    return {"observations": observations}


def push_body(part: int, round_number: int) -> dict:
    return {"records": [{"external_id": f"crash-{part * PUSH_PART + i}", "kind": "company",
                         "name": f"Bedrijf {part * PUSH_PART + i} ronde {round_number}"} for i in range(PUSH_PART)]}


async def reference_data(metrics_url: str) -> None:
    admin = {"Authorization": f"Bearer {token('metrics:admin')}"}
    async with httpx.AsyncClient(base_url=metrics_url, headers=admin, timeout=30) as client:
        for path, body in [("/v1/measures/vacancies_new", {"name": "Ontstane vacatures", "unit": "vacatures",
                                                           "kind": "flow"}),
                           ("/v1/occupations/total", {"name": "Totaal"})]:
            (await client.put(path, json=body)).raise_for_status()
        for region in range(REGIONS):
            path = f"/v1/regions/GM{region + 1:04d}"
            # The migrations load CBS's registry: a code it holds is replaced, naming its version.
            current = await client.get(path)
            version = {"If-Match": f'"{current.json()["version"]}"'} if current.status_code == 200 else {}
            response = await client.put(path, json={"name": f"Gemeente {region + 1}", "kind": "municipality"},
                                        headers=version)
            response.raise_for_status()


async def send_until_acknowledged(url: str, method: str, body: dict, key: str, scope: str, tally: Tally) -> dict:
    headers = {"Authorization": f"Bearer {token(scope)}", "Idempotency-Key": key}
    for attempt in range(120):
        try:
            async with httpx.AsyncClient(timeout=300) as client:
                response = await client.request(method, url, json=body, headers=headers)
            if response.status_code in (200, 201):
                return response.json()
            if response.status_code not in (409, 503):
                raise SystemExit(f"{method} {url}: {response.status_code} {response.text[:500]}")
        except httpx.TransportError:
            pass
        tally.retries += 1
        await asyncio.sleep(min(5.0, 0.25 * (attempt + 1)))
    raise SystemExit(f"{method} {url} never acknowledged")


async def first_try(url: str, method: str, body: dict, key: str, scope: str) -> httpx.Response | None:
    headers = {"Authorization": f"Bearer {token(scope)}", "Idempotency-Key": key}
    try:
        async with httpx.AsyncClient(timeout=300) as client:
            return await client.request(method, url, json=body, headers=headers)
    except httpx.TransportError:
        return None


async def feed_rows_with_value(database_url: str, value: int) -> tuple[int, int]:
    """(latest revisions with this value, batches of this value's key)."""
    async with connected(database_url) as connection:
        latest = await connection.fetchval(
            """SELECT count(*) FROM (SELECT DISTINCT ON (measure, region, occupation, period) value
                 FROM metrics.observations WHERE source = $1
                 ORDER BY measure, region, occupation, period, revision DESC) latest WHERE value = $2""",
            SOURCE, value)
        return latest, await connection.fetchval("SELECT count(*) FROM metrics.observations WHERE source = $1", SOURCE)


async def organisations_named_for(database_url: str, round_number: int) -> int:
    return await fetch_value(database_url, "SELECT count(*) FROM partners.organisations WHERE name LIKE $1",
                             f"% ronde {round_number}")


async def batches_with_key(database_url: str, key: str) -> int:
    return await fetch_value(database_url, "SELECT count(*) FROM metrics.batches WHERE idempotency_key = $1", key)


async def killed_midway(target: Target, kind: str, service: str, url: str, method: str, body: dict, key: str,
                        scope: str, typical_seconds: float, tally: Tally,
                        present: Callable[[], Awaitable[int]], whole: int, partly_present: str) -> None:
    """Send, kill the target at a random moment, revive it. With the database back but not yet the
    service (so no retry has landed), the request's rows must be all there or none: else
    `partly_present`, with {} for the rows found, is noted."""
    request = asyncio.create_task(first_try(url, method, body, key, scope))
    await asyncio.sleep(random.uniform(0.0, typical_seconds * 1.2))
    acknowledged = request.done() and request.result() is not None and request.result().status_code in (200, 201)
    await asyncio.to_thread(target.kill, kind, service)
    tally.kills += 1
    tally.interrupted += not acknowledged
    await request
    if kind == "postgres":
        await asyncio.to_thread(target.revive, kind, service)
    found = await present()
    if found not in (0, whole):
        tally.partial += 1
        tally.notes.append(partly_present.format(found))
    if kind == "service":
        await asyncio.to_thread(target.revive, kind, service)
    tally.retries += 1


async def run_round(target: Target, kind: str, number: int, rows: int, typical: dict[str, float], tally: Tally) -> None:
    metrics_url = f"{target.stack.url('metrics_api')}/v1/feeds/{SOURCE}/observations"
    partners_url = f"{target.stack.url('partners_api')}/v1/sources/{SOURCE}/organisations"
    started = time.monotonic()

    # The feed: every row gets this round's number as its value, so each round revises all rows.
    key, body = str(uuid.uuid4()), feed_body(rows, number)

    async def feed_rows_present() -> int:
        return (await feed_rows_with_value(target.url, number))[0]

    await killed_midway(target, kind, "metrics_api", metrics_url, "POST", body, key, "metrics:write",
                        typical["feed"], tally, feed_rows_present, rows,
                        f"round {number} ({kind}): feed partly present after the kill: {{}} of {rows}")
    answer = await send_until_acknowledged(metrics_url, "POST", body, key, "metrics:write", tally)
    present, total = await feed_rows_with_value(target.url, number)
    expected_total = rows * (number + 1)  # round 0 is the unkilled baseline
    if present != rows or total < expected_total:
        tally.lost += 1
        tally.notes.append(f"round {number}: feed rows with this round's value {present} of {rows}; total {total}")
    if total > expected_total or await batches_with_key(target.url, key) != 1:
        tally.duplicated += 1
        tally.notes.append(f"round {number}: feed applied more than once (total {total}, expected {expected_total})")
    if answer["received"] != rows:
        tally.notes.append(f"round {number}: feed answer says received {answer['received']}")

    # The push: two bodies of 10,000; the kill lands in the first, the second runs after revival.
    parts = -(-20_000 // PUSH_PART)
    for part in range(parts):
        key, body = str(uuid.uuid4()), push_body(part, number)
        if part == 0:
            await killed_midway(target, kind, "partners_api", partners_url, "PUT", body, key, "partners:write",
                                typical["push"], tally, lambda: organisations_named_for(target.url, number), PUSH_PART,
                                f"round {number} ({kind}): push partly present after the kill: {{}}")
        await send_until_acknowledged(partners_url, "PUT", body, key, "partners:write", tally)
    renamed = await organisations_named_for(target.url, number)
    if renamed != parts * PUSH_PART:
        tally.lost += 1
        tally.notes.append(f"round {number}: {renamed} organisations carry this round's name, not {parts * PUSH_PART}")
    tally.rounds += 1
    print(f"round {number:3d} {kind:8s} ok in {time.monotonic() - started:5.1f} s "
          f"(kills {tally.kills}, in flight {tally.interrupted}, retries {tally.retries}, lost {tally.lost}, "
          f"duplicated {tally.duplicated}, "
          f"partial {tally.partial})", flush=True)


async def baseline(target: Target, rows: int, tally: Tally) -> dict[str, float]:
    """Round 0, unkilled: loads the first version of everything and times a feed and a push."""
    metrics_url = f"{target.stack.url('metrics_api')}/v1/feeds/{SOURCE}/observations"
    partners_url = f"{target.stack.url('partners_api')}/v1/sources/{SOURCE}/organisations"
    await reference_data(target.stack.url("metrics_api"))
    started = time.monotonic()
    await send_until_acknowledged(metrics_url, "POST", feed_body(rows, 0), str(uuid.uuid4()), "metrics:write", tally)
    feed_seconds = time.monotonic() - started
    started = time.monotonic()
    for part in range(-(-20_000 // PUSH_PART)):
        await send_until_acknowledged(partners_url, "PUT", push_body(part, 0), str(uuid.uuid4()), "partners:write",
                                      tally)
    push_seconds = (time.monotonic() - started) / 2
    print(f"baseline: feed of {rows:,} rows {feed_seconds:.1f} s, push of {PUSH_PART:,} records {push_seconds:.1f} s",
          flush=True)
    return {"feed": feed_seconds, "push": push_seconds}


async def main(arguments: argparse.Namespace) -> int:
    random.seed(arguments.seed)
    data_dir = DATA_DIR / "crash-postgres"
    target = await asyncio.to_thread(Target, data_dir)
    tally = Tally()
    started = time.monotonic()
    try:
        typical = await baseline(target, arguments.rows, tally)
        number = 1
        for kind in arguments.kinds.split(","):
            for _ in range(arguments.rounds):
                await run_round(target, kind, number, arguments.rows, typical, tally)
                number += 1
    finally:
        await asyncio.to_thread(target.stop)
    print(f"\n{tally.rounds} rounds, {tally.kills} kills ({tally.interrupted} with the request in flight), "
          f"{tally.retries} retries in "
          f"{time.monotonic() - started:.0f} s: lost {tally.lost}, duplicated {tally.duplicated}, "
          f"partly present {tally.partial}")
    for note in tally.notes:
        print("  " + note)
    return 1 if tally.lost or tally.duplicated or tally.partial else 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20, help="rounds per kind of kill")
    parser.add_argument("--rows", type=int, default=100_000, help="rows per feed")
    parser.add_argument("--kinds", default="service,postgres")
    parser.add_argument("--seed", type=int, default=20261126)
    sys.exit(asyncio.run(main(parser.parse_args())))
