"""Measure `techniekpact seed` and `techniekpact import` end to end: the command, its progress bar,
HTTP, the services.

    .venv/bin/python bench/seed_import.py [--rows 100000] [--organisations 10000]

Uses the PostgreSQL server of BENCH_DATABASE_URL (else TEST_DATABASE_URL, else the local server at
127.0.0.1:5432): creates a fresh database, migrates it, starts the three services on free ports and
prints:

0. `techniekpact seed` on the empty database, then again (nothing to do), seconds;

then, for each run of `techniekpact import` as a subprocess (progress bar drawn as on a terminal):

1. a `--rows` CSV of observations (`;`, decimal commas) into the empty table with the default
   batch size (10,000), then the same rows of a second and third measure with batches of 1,000 and 5,000;
2. the first file again: every row unchanged;
3. a JSON file of `--organisations` organisations through the municipal push, then again unchanged.
Each figure is wall-clock of the whole command (Python start-up, reading the file, the bar) per row.
The database is dropped at the end.
"""

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench._support import fresh_database, running_stack  # noqa: E402
from cli.processes import Stack  # noqa: E402
from cli.seed.documents import read_seed  # noqa: E402

OCCUPATIONS = ("total", "technical_industry", "ict")


def observations_csv(path: Path, rows: int, measure: str, first_year: int) -> None:
    regions = [region["code"] for region in read_seed().regions if region["kind"] != "aggregate"]
    months = [f"{year}-{month:02d}" for year in range(first_year, first_year + 200) for month in range(1, 13)]
    random.seed(rows)
    with path.open("w", encoding="utf-8") as out:
        out.write("measure;region;period;occupation;value;status\n")
        written = 0
        for period in months:
            for region in regions:
                for occupation in OCCUPATIONS:
                    if written == rows:
                        return
                    # Counts: whole numbers; every tenth written as Dutch spreadsheets do, with a decimal comma.
                    value = f"{random.randint(0, 50_000)},0" if written % 10 == 0 else str(random.randint(0, 50_000))
                    out.write(f"{measure};{region};{period};{occupation};{value};final\n")
                    written += 1


def organisations_json(path: Path, count: int) -> None:
    kinds = ["company", "vmbo", "mbo", "training_company", "employer_organisation"]
    records = [{"external_id": f"org-{n}", "name": f"Organisatie {n}", "kind": kinds[n % len(kinds)],
                "municipality_code": "GM0402", "sectors": ["metal"] if n % 3 == 0 else []} for n in range(count)]
    path.write_text(json.dumps({"records": records}), encoding="utf-8")


def timed(stack: Stack, *command: str) -> tuple[float, str]:
    env = {**os.environ, "ACTIONS_API_URL": stack.url("actions_api"), "METRICS_API_URL": stack.url("metrics_api"),
           "PARTNERS_API_URL": stack.url("partners_api"), "TTY_INTERACTIVE": "1", "FORCE_COLOR": "1", "COLUMNS": "100"}
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "cli.main", *command], env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"{command[0]} failed ({result.returncode}): {result.stderr[-2000:]}")
    table = [line for line in result.stdout.splitlines() if "│" in line]
    return elapsed, table[-1].strip() if table else ""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--organisations", type=int, default=10_000)
    args = parser.parse_args()

    with fresh_database() as url, running_stack(url, ("actions_api", "partners_api", "metrics_api"),
                                                 extra_env={"LOG_LEVEL": "WARNING"}) as stack:
        for label in ("on the empty database", "again, nothing to do"):
            elapsed, _ = timed(stack, "seed")
            print(f"techniekpact seed {label}: {elapsed:.1f} s")
        with tempfile.TemporaryDirectory() as directory:
            first, second, third = (Path(directory) / f"{name}.csv" for name in ("open", "new", "jobs"))
            observations_csv(first, args.rows, "vacancies_open", 1950)
            observations_csv(second, args.rows, "vacancies_new", 1950)
            observations_csv(third, args.rows, "job_seekers_into_technology", 1950)
            for label, path, extra in (
                (f"{args.rows:,} observations (CSV), default batch 10,000, empty table", first, ()),
                (f"{args.rows:,} observations of another measure, batch 1,000", second, ("--batch-size", "1000")),
                (f"{args.rows:,} observations of a third measure, batch 5,000", third, ("--batch-size", "5000")),
                (f"the first {args.rows:,} again, all unchanged, batch 10,000", first, ()),
            ):
                elapsed, row = timed(stack, "import", "observations", str(path), "--source", "uwv", *extra)
                print(f"{label}: {elapsed:.1f} s, {args.rows / elapsed:,.0f} rows/s   [{row}]")
            organisations = Path(directory) / "organisations.json"
            organisations_json(organisations, args.organisations)
            for label in ("new", "again, all unchanged"):
                elapsed, row = timed(stack, "import", "partners", str(organisations), "--source", "bench")
                print(f"{args.organisations:,} organisations (JSON), batch 10,000, {label}: {elapsed:.1f} s, "
                      f"{args.organisations / elapsed:,.0f} rows/s   [{row}]")


if __name__ == "__main__":
    main()
