"""`techniekpact import` against the service's own pace: a large feed file, posted whole and imported.

    .venv/bin/python bench/import_concurrency.py [--rows 1000000] [--concurrency 4] [--batch-size N] [--sequential]

Uses the PostgreSQL server of BENCH_DATABASE_URL (else TEST_DATABASE_URL, else the local server at
127.0.0.1:5432): a fresh database, migrated, metrics_api as a real process on a free port. It writes
a `--rows` CSV of observations (`;`, every tenth value with a decimal comma) per run, each of its
own measures so that every run writes new rows into the table, and prints:

1. the file posted whole, in one request, straight to `POST /v1/feeds/{source}/observations`: the
   service's own rows/s for one large post;
2. `techniekpact import observations FILE` as a subprocess (Python start-up, reading the file,
   batches of 10,000 with `--concurrency` in flight, the progress bar): rows/s, and the ratio of the
   post's rows/s to it (issue 22: at most 1.5);
3. with `--sequential`, the same import with `--concurrency 1`, as it was before.
Each with the CPU seconds it cost: the service's, PostgreSQL's backends' and the command's own.
The database is dropped at the end.
"""

import argparse
import random
import resource
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench._support import fresh_database, put_versioned, running_stack  # noqa: E402
from bench.metrics_feed import CpuSpent  # noqa: E402
from bench.seed_import import timed  # noqa: E402
from cli.seed.documents import read_seed  # noqa: E402
from common.auth import issue_token  # noqa: E402
from common.periods import FIRST_YEAR  # noqa: E402
from common.settings import DEVELOPMENT_JWT_SECRET  # noqa: E402

OCCUPATIONS = ("total", "technical_industry", "ict")


def observations_csv(path: Path, rows: int, measures: list[str]) -> None:
    """`rows` observations of new keys: the measures in turn, every month of every year, region and class."""
    regions = [region["code"] for region in read_seed().regions if region["kind"] != "aggregate"]
    random.seed(rows)
    written = 0
    with path.open("w", encoding="utf-8") as out:
        out.write("measure;region;period;occupation;value;status\n")
        for measure in measures:
            # Not past this year: a measure takes no forecasts unless metrics:admin says so.
            for year in range(FIRST_YEAR, datetime.now(UTC).year + 1):
                for month in range(1, 13):
                    for region in regions:
                        for occupation in OCCUPATIONS:
                            if written == rows:
                                return
                            value = random.randint(0, 50_000)
                            cell = f"{value},0" if written % 10 == 0 else str(value)
                            out.write(f"{measure};{region};{year}-{month:02d};{occupation};{cell};final\n")
                            written += 1
    raise SystemExit(f"only {written} keys for {len(measures)} measures; give more measures")


def define(client: httpx.Client, measures: list[str]) -> None:
    token = issue_token(DEVELOPMENT_JWT_SECRET, subject="bench", scopes=["metrics:admin"])
    admin = {"Authorization": f"Bearer {token}"}
    put_versioned(client, "/v1/occupations/total", {"name": "Totaal"}, admin)
    put_versioned(client, "/v1/occupations/technical_industry", {"name": "Techniek en industrie", "parent": "total"},
                  admin)
    put_versioned(client, "/v1/occupations/ict", {"name": "ICT", "parent": "total"}, admin)
    for code in measures:
        put_versioned(client, f"/v1/measures/{code}", {"name": code, "unit": "vacancies", "kind": "flow"}, admin)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--batch-size", type=int, help="the command's --batch-size (default: its own)")
    parser.add_argument("--sequential", action="store_true", help="also import with --concurrency 1")
    args = parser.parse_args()

    runs = 3 if args.sequential else 2
    per_run = 1 + args.rows // 350_000  # about 390,000 keys per measure
    measures = [f"bench_measure_{n}" for n in range(per_run * runs)]
    token = issue_token(DEVELOPMENT_JWT_SECRET, subject="bench", scopes=["metrics:write"], sources=["uwv"])
    with fresh_database() as database, running_stack(database, ("metrics_api",),
                                                     extra_env={"LOG_LEVEL": "WARNING"}) as stack, \
            tempfile.TemporaryDirectory() as directory:
        url = stack.url("metrics_api")
        with httpx.Client(base_url=url, timeout=1800) as client:
            define(client, measures)
            files = [Path(directory) / f"run-{run}.csv" for run in range(runs)]
            for run, path in enumerate(files):
                observations_csv(path, args.rows, measures[per_run * run:per_run * (run + 1)])
            size = files[0].stat().st_size / 1e6
            print(f"{args.rows:,} observations per file ({size:.1f} MB of CSV), into metrics_api at {url}")

            started = time.perf_counter()
            with CpuSpent(stack.children["metrics_api"], database) as cpu:
                response = client.post("/v1/feeds/uwv/observations", content=files[0].read_bytes(),
                                       headers={"Authorization": f"Bearer {token}", "Content-Type": "text/csv",
                                                "Idempotency-Key": uuid.uuid4().hex})
            posted = time.perf_counter() - started
            if response.status_code != 200:
                raise SystemExit(f"the post was refused: {response.status_code} {response.text[:500]}")
            service_rate = args.rows / posted
            print(f"one post of the whole file: {posted:.1f} s, {service_rate:,.0f} rows/s  "
                  f"({cpu.per(1)})  {response.json()}")

        sized = ("--batch-size", str(args.batch_size)) if args.batch_size else ()
        for path, concurrency in [(files[1], args.concurrency), *([(files[2], 1)] if args.sequential else [])]:
            with CpuSpent(stack.children["metrics_api"], database) as cpu:
                command = resource.getrusage(resource.RUSAGE_CHILDREN)
                # seed_import.timed runs the command as a subprocess with the stack's URLs (a development token).
                elapsed, row = timed(stack, "import", "observations", str(path), "--source", "uwv",
                                     "--concurrency", str(concurrency), *sized)
                spent = resource.getrusage(resource.RUSAGE_CHILDREN)
            own = spent.ru_utime + spent.ru_stime - command.ru_utime - command.ru_stime
            print(f"techniekpact import, --concurrency {concurrency}: {elapsed:.1f} s, {args.rows / elapsed:,.0f} "
                  f"rows/s, the post {service_rate / (args.rows / elapsed):.2f}x as fast  ({cpu.per(1)}, "
                  f"the command {own:.1f} s)  [{row}]")


if __name__ == "__main__":
    main()
