"""Measure the statistics feed and series reads of metrics_api against a real server process.

    .venv/bin/python bench/metrics_feed.py [--rows 1000000] [--fill 10000000] [--reads 300] [--posts 50]

Uses the PostgreSQL server of BENCH_DATABASE_URL (else TEST_DATABASE_URL, else the local
server at 127.0.0.1:5432): creates a fresh database, migrates it, starts `techniekpact serve
metrics_api` on a free port and prints:

1. a plain asyncpg `copy_records_to_table` of the rows into the empty observations table (the
   ceiling), then the same rows as one CSV feed post into the empty table: rows/s and the ratio,
   and the service's peak resident memory during the post;
2. the identical CSV posted again (all unchanged), then the same figures with Dutch thousands
   separators (`7.912`, `?decimal=comma`; all unchanged), and once more with 10% of the values revised;
3. the table filled to `--fill` observations, then GET /v1/series latency (p50, p95, p99) for a
   derived aggregate (Noordvleugel, summed from three provinces, and a class summed from two)
   over 10 years of monthly data, the plan of its statement (EXPLAIN (ANALYZE, BUFFERS)), and the
   latency of one-row feed posts into that table, each followed by the same series read (the first
   read after a write, so computed, not served from the service's cache of answers), with the
   service's CPU time a post, and the service's and PostgreSQL's a post and its read.
Every feed figure is printed with its ratio to the raw copy of the same run, and the CPU time (user +
system, from /proc) the service and PostgreSQL's backends spent on it: on a shared machine the wall
times move with the others' load, the CPU times much less. The database (a fresh one, never the test
database) is dropped at the end.
"""

import argparse
import asyncio
import os
import random
import statistics
import subprocess
import sys
import threading
import time
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import httpx
import psutil

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench._support import connected, fetch_value, fresh_database, put_versioned  # noqa: E402
from cli.processes import free_port  # noqa: E402
from common.auth import issue_token  # noqa: E402
from common.settings import DEVELOPMENT_JWT_SECRET  # noqa: E402
from services.metrics_api.repository.series import latest_statement  # noqa: E402

MEASURES = ("vacancies_new", "vacancies_open")
OCCUPATIONS = ("total", "technical_industry", "ict")
PROVINCES = ("PV24", "PV26", "PV27")
MONTHS = [f"{year}-{month:02d}" for year in range(2015, 2025) for month in range(1, 13)]  # 10 years
COPY_COLUMNS = ["measure", "region", "occupation", "period", "revision", "frequency", "value", "status",
                "missing_reason", "withdrawn", "source", "batch_id", "recorded_at"]


def municipalities(count: int) -> list[str]:
    return [f"GM{number:04d}" for number in range(1, count + 1)]


def feed_keys(rows: int, regions: list[str]):
    """(measure, region, occupation, month) in key order, `rows` of them."""
    produced = 0
    for region in regions:
        for measure in MEASURES:
            for occupation in OCCUPATIONS:
                for month in MONTHS:
                    if produced == rows:
                        return
                    produced += 1
                    yield measure, region, occupation, month


def value_of(key: tuple, salt: int = 0) -> int:
    return (hash(key) + salt) % 5_000


def as_csv(keys: list[tuple], revised_every: int = 0, dutch: bool = False) -> bytes:
    """The feed's CSV; `dutch` writes thousands as Dutch spreadsheets do (7.912), to post with ?decimal=comma."""
    lines = ["measure;region;period;occupation;value;status"]
    for index, (measure, region, occupation, month) in enumerate(keys):
        value = value_of((measure, region, occupation, month))
        if revised_every and index % revised_every == 0:
            value += 1
        written = f"{value:,}".replace(",", ".") if dutch else str(value)
        lines.append(f"{measure};{region};{month};{occupation};{written};final")
    return ("\n".join(lines) + "\n").encode()


class PeakMemory:
    """Polls the resident memory of a process and its children while running."""

    def __init__(self, pid: int) -> None:
        self.process = psutil.Process(pid)
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)

    def rss(self) -> int:
        processes = [self.process, *self.process.children(recursive=True)]
        return sum(p.memory_info().rss for p in processes if p.is_running())

    def _poll(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.rss())
            time.sleep(0.02)

    def __enter__(self) -> "PeakMemory":
        self.baseline = self.rss()
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        self._thread.join()


def start_service(database_url: str, port: int, log: Path) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": database_url, "ENVIRONMENT": "test", "LOG_LEVEL": "WARNING"}
    process = subprocess.Popen([str(REPO / ".venv/bin/techniekpact"), "serve", "metrics_api", "--port", str(port)],
                               env=env, stdout=log.open("w"), stderr=subprocess.STDOUT, cwd=REPO)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            pass
        if process.poll() is not None:
            raise SystemExit(f"metrics_api exited; see {log}")
        time.sleep(0.2)
    raise SystemExit("metrics_api did not become ready")


def seed(client: httpx.Client, regions: list[str]) -> None:
    token = issue_token(DEVELOPMENT_JWT_SECRET, subject="bench", scopes=["metrics:admin"])
    admin = {"Authorization": f"Bearer {token}"}

    def put(path: str, body: dict) -> None:
        put_versioned(client, path, body, admin)

    put("/v1/regions/NL01", {"name": "Nederland", "kind": "country"})
    for code in PROVINCES:
        put(f"/v1/regions/{code}", {"name": code, "kind": "province", "parent": "NL01"})
    put("/v1/regions/noordvleugel", {"name": "Noordvleugel", "kind": "aggregate", "members": list(PROVINCES)})
    for code in regions:
        put(f"/v1/regions/{code}", {"name": code, "kind": "municipality"})
    put("/v1/measures/vacancies_new", {"name": "Ontstane vacatures", "unit": "vacancies", "kind": "flow"})
    put("/v1/measures/vacancies_open", {"name": "Openstaande vacatures", "unit": "vacancies", "kind": "stock"})
    put("/v1/occupations/total", {"name": "Totaal"})
    put("/v1/occupations/technical_industry", {"name": "Techniek en industrie", "parent": "total"})
    put("/v1/occupations/ict", {"name": "ICT", "parent": "total"})
    put("/v1/occupations/technical_industry_ict", {"name": "Techniek, industrie en ICT", "parent": "total",
                                                    "members": ["technical_industry", "ict"]})


def typed_records(keys, revision: int = 1):
    batch_id = uuid.uuid4()
    now = datetime.now(UTC)
    for key in keys:
        measure, region, occupation, month = key
        yield (measure, region, occupation, month, revision, "M", Decimal(value_of(key)), "final", None, False,
               "bench", batch_id, now)


async def raw_copy(url: str, keys: list[tuple]) -> tuple[float, float]:
    """Seconds of the copy, and CPU seconds of its PostgreSQL backend."""
    async with connected(url) as connection:
        backend = psutil.Process(await connection.fetchval("SELECT pg_backend_pid()"))
        cpu = cpu_seconds(backend)
        started = time.perf_counter()
        await connection.copy_records_to_table("observations", schema_name="metrics", columns=COPY_COLUMNS,
                                               records=typed_records(keys))
        return time.perf_counter() - started, cpu_seconds(backend) - cpu


async def truncate(url: str) -> None:
    async with connected(url) as connection:
        await connection.execute("TRUNCATE metrics.observations, metrics.batches, metrics.idempotency_keys")
        await connection.execute("VACUUM ANALYZE metrics.observations")


async def fill(url: str, total: int) -> int:
    """More observations up to `total`: the provinces' 10 years and then other measures' history."""
    async with connected(url) as connection:
        present = await connection.fetchval("SELECT count(*) FROM metrics.observations")
        province_keys = [(m, r, o, month) for r in PROVINCES for m in MEASURES for o in OCCUPATIONS for month in MONTHS]
        await connection.copy_records_to_table("observations", schema_name="metrics", columns=COPY_COLUMNS,
                                               records=typed_records(province_keys))
        needed = total - present - len(province_keys)
        revision = 100
        # Further revisions of the municipal figures, as years of monthly feeds leave them.
        while needed > 0:
            keys = list(feed_keys(min(needed, present), municipalities(10_000)))
            await connection.copy_records_to_table("observations", schema_name="metrics", columns=COPY_COLUMNS,
                                                   records=typed_records(keys, revision=revision))
            needed -= len(keys)
            revision += 1
        await connection.execute("VACUUM ANALYZE metrics.observations")
        return await connection.fetchval("SELECT count(*) FROM metrics.observations")


def cpu_seconds(process: psutil.Process) -> float:
    try:
        spent = process.cpu_times()
    except psutil.NoSuchProcess:  # a backend that ended meanwhile: its time is not counted
        return 0.0
    return spent.user + spent.system


class CpuSpent:
    """CPU seconds the service and the bench database's PostgreSQL backends spent inside the block."""

    def __init__(self, service: subprocess.Popen, url: str) -> None:
        self.service = psutil.Process(service.pid)
        self.url = url
        self.service_seconds = self.database_seconds = 0.0

    def backends(self) -> dict[int, float]:
        pids = asyncio.run(fetch_value(self.url, "SELECT array_agg(pid) FROM pg_stat_activity "
                                                 "WHERE datname = current_database() AND pid <> pg_backend_pid()"))
        return {pid: cpu_seconds(psutil.Process(pid)) for pid in pids or [] if psutil.pid_exists(pid)}

    def __enter__(self) -> "CpuSpent":
        self.started = cpu_seconds(self.service), self.backends()
        return self

    def __exit__(self, *exc_info) -> None:
        service, backends = self.started
        self.service_seconds = cpu_seconds(self.service) - service
        self.database_seconds = sum(seconds - backends.get(pid, 0.0) for pid, seconds in self.backends().items())

    def per(self, count: int, unit: str = "s", scale: float = 1.0) -> str:
        return (f"CPU service {self.service_seconds * scale / count:.1f} {unit}, "
                f"PostgreSQL {self.database_seconds * scale / count:.1f} {unit}")


def post(client: httpx.Client, body: bytes, token: str, params: dict[str, str] | None = None) -> tuple[float, dict]:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "text/csv",
               "Idempotency-Key": uuid.uuid4().hex}
    started = time.perf_counter()
    response = client.post("/v1/feeds/bench/observations", content=body, headers=headers, params=params, timeout=900)
    elapsed = time.perf_counter() - started
    if response.status_code != 200:
        raise SystemExit(f"feed refused: {response.status_code} {response.text[:500]}")
    return elapsed, response.json()


async def series_plan(url: str) -> str:
    """EXPLAIN (ANALYZE, BUFFERS) of the statement behind the bench's series read (as the service runs it)."""
    statement, params = latest_statement(
        "vacancies_new", "bench", ["noordvleugel", *PROVINCES],
        ["technical_industry_ict", "total", "technical_industry", "ict"], frequency="M", start="2014-12",
        end=MONTHS[-1], as_of=None)
    async with connected(url, server_settings={"search_path": "metrics"}) as connection:
        await connection.fetch(statement, *params)  # warm, as the read loop left it
        return "\n".join(row[0] for row in await connection.fetch("EXPLAIN (ANALYZE, BUFFERS) " + statement, *params))


def timed_read(client: httpx.Client, params: dict[str, str]) -> float:
    started = time.perf_counter()
    client.get("/v1/series", params=params).raise_for_status()
    return (time.perf_counter() - started) * 1000


def one_row_posts(client: httpx.Client, token: str, count: int, params: dict[str, str],
                  service: psutil.Process) -> tuple[list[float], list[float], float]:
    """Milliseconds of `count` one-row CSV posts, each a new revision of one province figure, and of the
    series read after each (the first after a write: computed); and the service's CPU seconds in the posts."""
    posts, reads = [], []
    cpu = 0.0
    for index in range(count):
        body = f"measure;region;period;occupation;value\nvacancies_new;PV24;2020-01;total;{7000 + index}\n".encode()
        before = cpu_seconds(service)
        posts.append(post(client, body, token)[0] * 1000)
        cpu += cpu_seconds(service) - before
        reads.append(timed_read(client, params))
    return posts, reads, cpu


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--fill", type=int, default=10_000_000)
    parser.add_argument("--reads", type=int, default=300)
    parser.add_argument("--posts", type=int, default=50)
    args = parser.parse_args()

    with fresh_database() as database_url:
        service = None
        try:
            port = free_port()
            service = start_service(database_url, port, Path("/tmp") / f"metrics-bench-{port}.log")
            regions = municipalities(-(-args.rows // (len(MEASURES) * len(OCCUPATIONS) * len(MONTHS))))
            token = issue_token(DEVELOPMENT_JWT_SECRET, subject="bench", scopes=["metrics:write"], sources=["bench"])
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
                seed(client, regions)
                keys = list(feed_keys(args.rows, regions))
                body = as_csv(keys)
                print(f"feed: {len(keys):,} rows, CSV of {len(body) / 1e6:.1f} MB; {os.cpu_count()} cores; "
                      f"load average {os.getloadavg()[0]:.1f}")

                raw_seconds, raw_cpu = asyncio.run(raw_copy(database_url, keys))
                raw_rate = len(keys) / raw_seconds
                print(f"  raw asyncpg copy_records_to_table into observations: {raw_seconds:6.1f} s  "
                      f"{raw_rate:9,.0f} rows/s  (CPU PostgreSQL {raw_cpu:.1f} s)")
                asyncio.run(truncate(database_url))

                def feed(label: str, csv: bytes, **params: str) -> dict:
                    with CpuSpent(service, database_url) as cpu:
                        seconds, answer = post(client, csv, token, params=params or None)
                    rate = len(keys) / seconds
                    print(f"  feed, {label.format(**answer)}:  {seconds:6.1f} s  {rate:9,.0f} rows/s"
                          f"  = {rate / raw_rate:.2f} of raw copy  ({cpu.per(1)})")
                    return answer

                with PeakMemory(service.pid) as memory:
                    feed("first post (all inserted: {inserted:,})", body)
                print(f"  service memory: {memory.baseline / 2**20:,.0f} MiB before, "
                      f"peak {memory.peak / 2**20:,.0f} MiB during the post")
                feed("identical re-post (unchanged: {unchanged:,})", body)
                feed("the same as Dutch spreadsheets write it (7.912, ?decimal=comma; unchanged: {unchanged:,})",
                     as_csv(keys, dutch=True), decimal="comma")
                feed("10% revised (revised: {revised:,}, unchanged: {unchanged:,})", as_csv(keys, revised_every=10))
                del body

                total = asyncio.run(fill(database_url, args.fill))
                print(f"series: {total:,} observations in the table; load average {os.getloadavg()[0]:.1f}")
                params = {"measure": "vacancies_new", "region": "noordvleugel", "occupation": "technical_industry_ict",
                          "from": MONTHS[0], "to": MONTHS[-1]}
                first = client.get("/v1/series", params=params).json()
                assert len(first["points"]) == len(MONTHS) and first["derived"], first
                with CpuSpent(service, database_url) as cpu:
                    samples = [timed_read(client, params) for _ in range(args.reads)]
                print(f"  GET /v1/series noordvleugel x technical_industry_ict, 120 months, derived "
                      f"({args.reads} sequential reads, no write between): p50 {statistics.median(samples):.1f} ms, "
                      f"p95 {percentile(samples, 0.95):.1f} ms, p99 {percentile(samples, 0.99):.1f} ms  "
                      f"({cpu.per(args.reads, 'ms', 1000)} per read)")
                print("  its statement's plan:\n    " + asyncio.run(series_plan(database_url)).replace("\n", "\n    "))
                with CpuSpent(service, database_url) as cpu:
                    posts, reads, post_cpu = one_row_posts(client, token, args.posts, params, cpu.service)
                print(f"  one-row feed post into {total:,} observations ({args.posts} sequential posts, each a "
                      f"revision): p50 {statistics.median(posts):.1f} ms, p95 {percentile(posts, 0.95):.1f} ms, "
                      f"max {max(posts):.1f} ms  (CPU service {post_cpu * 1000 / args.posts:.1f} ms a post; "
                      f"post and read: {cpu.per(args.posts, 'ms', 1000)})")
                print(f"  the series read after each post (computed): p50 {statistics.median(reads):.1f} ms, "
                      f"p95 {percentile(reads, 0.95):.1f} ms, max {max(reads):.1f} ms")
        finally:
            if service is not None:
                service.terminate()
                service.wait(timeout=30)


if __name__ == "__main__":
    random.seed(1)
    main()
