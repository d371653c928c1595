"""Records/s of the municipal push: 100,000 organisations in batches of 5,000, pushed twice, then
the same organisations pushed by a second source.

The first push creates everything; the second, identical, must write nothing (the script checks
that the history did not grow) and should be much faster. Then a second source pushes the same
organisations under its own external ids, found by KvK number: each links the organisation it
finds, fills nothing (the first source has every field), and disagrees on the name, which a
source of higher precedence holds (one history row each); the script checks that no organisation
was created and none changed. partners_api runs as a real uvicorn process on a fresh database,
migrated with alembic, and is dropped afterwards. metrics_api runs beside it: the push checks
municipality codes against its region registry (the CBS municipalities its migration loads; the
records use the current ones), one registry read per process and five minutes.

Besides records/s, each run prints the CPU time the service process and the database's backends
spent per batch: on a busy machine (other work on the same two cores) wall time varies by a
factor of two, CPU time much less.

It runs the four pushes twice by default, each time on a fresh database: sequentially (one batch
at a time), and with two batches in flight, as `techniekpact import partners` posts them. A push
reads and checks its body and stages it before it takes the registry's lock, so with two in
flight one push's service work overlaps the other's database work on the two cores. Each line
says which run it belongs to.

    .venv/bin/python bench/partners_push.py                       # the embedded PostgreSQL
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/partners_push.py
    .venv/bin/python bench/partners_push.py --records 20000 --batch 2000 --in-flight 2
    .venv/bin/python bench/partners_push.py --without-name-search   # what the trigram index costs

`--without-name-search` drops organisations' trigram index (name search) from the bench's database
after the migration: the price of that feature in the push, for a decision about it.
"""

import argparse
import asyncio
import contextlib
import csv
import os
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import asyncpg
import httpx
import orjson
import psutil

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from cli.migrate import upgrade_all  # noqa: E402
from cli.processes import free_port  # noqa: E402
from common.auth import issue_token  # noqa: E402
from common.database import asyncpg_dsn  # noqa: E402
from common.postgres_server import DATA_DIR, EmbeddedPostgres, drop_database, ensure_database, with_database  # noqa: E402
from common.settings import DEVELOPMENT_JWT_SECRET  # noqa: E402

# The municipalities that exist today, as metrics_api's migration loads them.
with (REPO / "migrations" / "metrics" / "data" / "cbs_municipalities.csv").open(encoding="utf-8", newline="") as _file:
    MUNICIPALITIES = [row["code"] for row in csv.DictReader(_file) if not row["valid_to"]]

KINDS = ["company"] * 6 + ["mbo", "vmbo", "primary_school", "municipality", "intermediary", "sector_fund"]
# Codes of the sector list (partners_api checks them against it since 371ce3e).
SECTORS = ["metal", "construction", "installation", "automotive", "ict", "media", "care"]


def organisation(n: int) -> dict:
    kind = KINDS[n % len(KINDS)]
    record = {
        "external_id": f"HV-{n:07d}", "name": f"Organisatie {n} B.V.", "kind": kind,
        "sectors": [SECTORS[n % 7], SECTORS[(n * 3) % 7]], "municipality_code": MUNICIPALITIES[n % len(MUNICIPALITIES)],
        "website": f"https://www.organisatie-{n}.nl", "email": f"info@organisatie-{n}.nl", "active": True,
        # Schools and municipalities are in the trade register too: every record can be found by it.
        "kvk_number": f"{10_000_000 + n:08d}",
    }
    if kind in ("mbo", "vmbo", "primary_school"):
        record["brin_code"] = f"{n % 100:02d}{chr(65 + n % 26)}{chr(65 + (n // 26) % 26)}"
    elif kind == "municipality":
        record["oin"] = f"{n:020d}"
    return record


def as_second_source(record: dict) -> dict:
    """The same organisation as another system keeps it: its own id, the name written otherwise, no website."""
    return {**record, "external_id": f"KVK-{record['kvk_number']}", "name": record["name"].upper(), "website": None}


class CpuClock:
    """CPU seconds (user + system) of the service process and of the database's backends."""

    def __init__(self, service_pid: int, url: str) -> None:
        self.service = psutil.Process(service_pid)
        self.url = url

    def backends(self) -> list[psutil.Process]:
        async def pids() -> list[int]:
            connection = await asyncpg.connect(asyncpg_dsn(self.url))
            try:
                return [row["pid"] for row in await connection.fetch(
                    "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")]
            finally:
                await connection.close()
        found = []
        for pid in asyncio.run(pids()):
            with contextlib.suppress(psutil.NoSuchProcess):
                found.append(psutil.Process(pid))
        return found

    @staticmethod
    def seconds(process: psutil.Process) -> float:
        try:
            times = process.cpu_times()
        except psutil.NoSuchProcess:
            return 0.0
        return float(times.user + times.system)

    def read(self) -> dict[int, float]:
        return {process.pid: self.seconds(process) for process in [self.service, *self.backends()]}

    def spent(self, before: dict[int, float]) -> tuple[float, float]:
        after = self.read()
        service = after[self.service.pid] - before[self.service.pid]
        database = sum(value - before.get(pid, 0.0) for pid, value in after.items() if pid != self.service.pid)
        return service, database


def push_all(client: httpx.Client, records: list[dict], batch: int, token: str, run: str,
             source: str = "bench", clock: CpuClock | None = None, in_flight: int = 1) -> tuple[float, dict, str]:
    """Every batch, `in_flight` at a time (in order, as `techniekpact import partners` posts them)."""
    totals = {"created": 0, "updated": 0, "unchanged": 0, "withdrawn": 0}
    bodies = [orjson.dumps({"records": records[start:start + batch]}) for start in range(0, len(records), batch)]

    def put(numbered: tuple[int, bytes]) -> dict:
        number, body = numbered
        response = client.put(f"/v1/sources/{source}/organisations", content=body,
                              headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json",
                                       "Idempotency-Key": f"{run}-{number}"})
        response.raise_for_status()
        return orjson.loads(response.content)

    before = clock.read() if clock else {}
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=in_flight) as pool:
        for answer in pool.map(put, enumerate(bodies)):
            for key in totals:
                totals[key] += answer[key]
    elapsed = time.perf_counter() - started
    cpu = ""
    if clock:
        batches = -(-len(records) // batch)
        service, database = clock.spent(before)
        cpu = (f"  CPU per batch: service {service / batches * 1000:.0f} ms, "
               f"PostgreSQL {database / batches * 1000:.0f} ms")
    return elapsed, totals, cpu


async def drop_name_search_index(url: str) -> None:
    connection = await asyncpg.connect(asyncpg_dsn(url))
    try:
        await connection.execute("DROP INDEX partners.ix_organisations_name_trgm")
    finally:
        await connection.close()


async def count(url: str, table: str, where: str = "true") -> int:
    connection = await asyncpg.connect(asyncpg_dsn(url))
    try:
        return await connection.fetchval(f"SELECT count(*) FROM partners.{table} WHERE {where}")
    finally:
        await connection.close()


def run(server: str, args: argparse.Namespace, in_flight: int) -> None:
    """The four pushes on a fresh database, `in_flight` batches at a time."""
    url = with_database(server, f"techniekpact_bench_{uuid.uuid4().hex[:8]}")
    asyncio.run(ensure_database(url))
    port, metrics_port = free_port(), free_port()
    service = metrics = None
    try:
        upgrade_all(url)
        if args.without_name_search:
            asyncio.run(drop_name_search_index(url))
        env = {**os.environ, "DATABASE_URL": url, "LOG_LEVEL": "WARNING", "ENVIRONMENT": "test",
               "METRICS_API_URL": f"http://127.0.0.1:{metrics_port}"}

        def serve(app: str, on: int) -> subprocess.Popen:
            return subprocess.Popen([sys.executable, "-m", "uvicorn", "--factory", app, "--host", "127.0.0.1",
                                     "--port", str(on), "--log-level", "warning", "--no-access-log"], cwd=REPO, env=env)

        metrics = serve("services.metrics_api.app:create_app", metrics_port)
        service = serve("services.partners_api.app:create_app", port)
        records = [organisation(n) for n in range(args.records)]
        token = issue_token(os.environ.get("JWT_SECRET", DEVELOPMENT_JWT_SECRET), subject="bench",
                            scopes=["partners:write"], sources=["bench", "bench-kvk"])
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=300) as client:
            for ready in (f"http://127.0.0.1:{metrics_port}/readyz", "/readyz"):
                for _ in range(150):
                    try:
                        if client.get(ready).status_code == 200:
                            break
                    except httpx.TransportError:
                        pass
                    time.sleep(0.2)
            clock = CpuClock(service.pid, url)
            mode = "sequential" if in_flight == 1 else f"{in_flight} in flight"
            print(f"{args.records} records in batches of {args.batch} to PUT /v1/sources/bench/organisations, "
                  f"{mode} (load average {' '.join(f'{load:.1f}' for load in os.getloadavg())})")
            first, first_totals, cpu = push_all(client, records, args.batch, token, "first", clock=clock,
                                                in_flight=in_flight)
            print(f"[{mode}] first push:  {first:6.1f} s  {args.records / first:8.0f} records/s  {first_totals}{cpu}")
            history = asyncio.run(count(url, "organisation_changes"))
            second, second_totals, cpu = push_all(client, records, args.batch, token, "second", clock=clock,
                                                  in_flight=in_flight)
            print(f"[{mode}] second push: {second:6.1f} s  {args.records / second:8.0f} records/s  "
                  f"{second_totals}{cpu}  ({first / second:.2f}x the first)")
            grew = asyncio.run(count(url, "organisation_changes")) - history
            print(f"[{mode}] history rows written by the second push: {grew}")
            second_source = [as_second_source(record) for record in records]
            organisations = asyncio.run(count(url, "organisations"))
            versions = asyncio.run(count(url, "organisations", "version > 1"))
            third, third_totals, cpu = push_all(client, second_source, args.batch, token, "third", "bench-kvk", clock,
                                                in_flight)
            print(f"[{mode}] second source, same organisations by KvK number: {third:6.1f} s  "
                  f"{args.records / third:8.0f} records/s  {third_totals}{cpu}")
            print(f"[{mode}] organisations created / changed by it: "
                  f"{asyncio.run(count(url, 'organisations')) - organisations}"
                  f" / {asyncio.run(count(url, 'organisations', 'version > 1')) - versions}")
            fourth, fourth_totals, cpu = push_all(client, second_source, args.batch, token, "fourth", "bench-kvk",
                                                  clock, in_flight)
            print(f"[{mode}] second source again, unchanged: {fourth:6.1f} s  {args.records / fourth:8.0f} records/s  "
                  f"{fourth_totals}{cpu}")
    finally:
        for process in (service, metrics):
            if process is not None:
                process.terminate()
                process.wait(timeout=10)
        asyncio.run(drop_database(url))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=5_000)
    parser.add_argument("--in-flight", default="1,2",
                        help="batches in flight at once, one run (on its own fresh database) for each: 1,2")
    parser.add_argument("--without-name-search", action="store_true",
                        help="drop organisations' trigram index after the migration (a measurement only)")
    args = parser.parse_args()

    embedded = None
    server = os.environ.get("DATABASE_URL")
    if not server:
        embedded = EmbeddedPostgres(DATA_DIR / "bench-postgres")
        server = embedded.start()
    try:
        for in_flight in (int(part) for part in args.in_flight.split(",")):
            run(server, args, in_flight)
    finally:
        if embedded is not None:
            embedded.stop()


if __name__ == "__main__":
    main()
