"""Latency of actions_api's list and fetch-many reads on a large database, and SQL statements per request.

    .venv/bin/python bench/actions_api.py [--requests 300] [--keep]

Fills a database of its own (`techniekpact_bench_actions` on the server BENCH_DATABASE_URL or
TEST_DATABASE_URL names, else the local one) with 1,000 pacts, 3,000 action lines, 50,000 actions,
500,000 participations over 20,000 organisations and 100,000 milestones, then calls the app in
process (httpx ASGI transport: the full FastAPI stack and the real database, no network) and prints
p50/p95/p99 per call, the SQL statements each request ran and the median time spent in them
(driver round trips included), and the median CPU time of this process per request (app and
in-process client): on a busy machine wall times stretch, CPU time much less. `--keep` reuses a filled database.
"""

import argparse
import asyncio
import os
import random
import statistics
import sys
import time
from pathlib import Path

import asyncpg
import httpx
from sqlalchemy import event

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._support import database_server
from cli.migrate import upgrade_all
from common.database import asyncpg_dsn
from common.postgres_server import ensure_database, with_database
from services.actions_api.app import create_app
from services.actions_api.settings import ActionsSettings

PACTS, LINES_PER_PACT, ACTIONS_PER_PACT, PARTICIPANTS_PER_ACTION, ORGANISATIONS = 1_000, 3, 50, 10, 20_000

FILL = [
    "TRUNCATE actions.pacts CASCADE",
    f"""INSERT INTO actions.pacts (id, slug, name, level, version)
        SELECT gen_random_uuid(), 'pact-' || lpad(g::text, 4, '0'), 'Techniekpact ' || g, 'regional', 1
        FROM generate_series(1, {PACTS}) g""",
    f"""INSERT INTO actions.action_lines (id, pact_id, number, name, version)
        SELECT gen_random_uuid(), p.id, n, 'Actielijn ' || n, 1
        FROM actions.pacts p, generate_series(1, {LINES_PER_PACT}) n""",
    f"""INSERT INTO actions.actions (id, pact_id, line_id, number, title, description, ambition, status, progress,
                                   version)
        SELECT gen_random_uuid(), p.id, l.id, n, 'Actie ' || n, repeat('Wat is het? ', 20), repeat('Ambitie. ', 10),
               (ARRAY['planned', 'in_progress', 'delayed', 'achieved', 'stopped'])[1 + n % 5], 0, 1
        FROM actions.pacts p CROSS JOIN generate_series(1, {ACTIONS_PER_PACT}) n
        JOIN actions.action_lines l ON l.pact_id = p.id AND l.number = 1 + n % {LINES_PER_PACT}""",
    f"""CREATE TEMP TABLE organisations AS
        SELECT g - 1 AS n, gen_random_uuid() AS id FROM generate_series(1, {ORGANISATIONS}) g""",
    f"""INSERT INTO actions.participations (id, action_id, position, role, organisation_id, organisation_kind)
        SELECT gen_random_uuid(), a.id, k, CASE WHEN k = 0 THEN 'lead' ELSE 'participant' END,
               CASE WHEN k < 8 THEN o.id END, CASE WHEN k >= 8 THEN 'MBO-instellingen' END
        FROM actions.actions a CROSS JOIN generate_series(0, {PARTICIPANTS_PER_ACTION - 1}) k
        JOIN organisations o ON o.n = abs(hashtext(a.id::text || k::text)) % {ORGANISATIONS}""",
    """INSERT INTO actions.milestones (id, action_id, title, due_kind, due_value, due_label, due_by, status, weight,
                                     version)
        SELECT gen_random_uuid(), a.id, 'Operationeel doel ' || m, 'year', (2013 + m)::text, 'eind ' || (2013 + m),
               make_date(2013 + m, 12, 31), CASE WHEN a.number % 3 = 0 THEN 'met' ELSE 'open' END, 1, 1
        FROM actions.actions a CROSS JOIN generate_series(0, 1) m""",
    # As a database in use would be: statistics gathered, hint bits set, visibility map current.
    "VACUUM ANALYZE",
]


async def fill(url: str, keep: bool) -> tuple[list[str], list[str], list[str]]:
    connection = await asyncpg.connect(asyncpg_dsn(url))
    try:
        filled = await connection.fetchval("SELECT count(*) FROM actions.participations")
        if not (keep and filled):
            await connection.execute("SET maintenance_work_mem = '256MB'")
            started = time.perf_counter()
            for statement in FILL:
                await connection.execute(statement)
            print(f"filled in {time.perf_counter() - started:.0f} s")
        counts = await connection.fetchrow(
            "SELECT (SELECT count(*) FROM actions.pacts) pacts, (SELECT count(*) FROM actions.actions) actions,"
            " (SELECT count(*) FROM actions.participations) participations,"
            " (SELECT count(*) FROM actions.milestones) milestones")
        print("rows:", ", ".join(f"{k} {v:,}" for k, v in counts.items()))
        slugs = [r[0] for r in await connection.fetch("SELECT slug FROM actions.pacts")]
        action_ids = [str(r[0]) for r in await connection.fetch("SELECT id FROM actions.actions")]
        organisation_ids = [str(r[0]) for r in await connection.fetch(
            "SELECT DISTINCT organisation_id FROM actions.participations WHERE organisation_id IS NOT NULL")]
    finally:
        await connection.close()
    return slugs, action_ids, organisation_ids


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def measure(url: str, requests: int, slugs: list[str], action_ids: list[str],
                  organisation_ids: list[str]) -> None:
    app = create_app(ActionsSettings(database_url=url, environment="test", log_level="WARNING"))
    statements = 0
    sql_seconds = 0.0
    started_at: list[float] = []

    def before(*_args) -> None:
        nonlocal statements
        statements += 1
        started_at.append(time.perf_counter())

    def after(*_args) -> None:
        nonlocal sql_seconds
        sql_seconds += time.perf_counter() - started_at.pop()

    event.listen(app.state.database.engine.sync_engine, "before_cursor_execute", before)
    event.listen(app.state.database.engine.sync_engine, "after_cursor_execute", after)
    rng = random.Random(6)
    calls = {
        "list a pact's actions (50, with participants and next milestone)":
            lambda: ("/v1/actions", {"pact": rng.choice(slugs), "limit": 50}),
        "fetch-many: 100 actions by ids":
            lambda: ("/v1/actions", {"ids": ",".join(rng.sample(action_ids, 100))}),
        "participations of 100 organisations (actions-of-many-organisations)":
            lambda: ("/v1/participations", {"organisation_ids": ",".join(rng.sample(organisation_ids, 100))}),
        "list one organisation's actions (filter organisation=)":
            lambda: ("/v1/actions", {"organisation": rng.choice(organisation_ids)}),
        "list overdue actions of a pact (filter overdue=true)":
            lambda: ("/v1/actions", {"pact": rng.choice(slugs), "overdue": "true"}),
    }
    transport = httpx.ASGITransport(app=app)
    print(f"\n{'call':<72} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'items':>6} {'SQL/req':>8} {'SQL ms':>7} "
          f"{'CPU ms':>7}")
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        for name, make in calls.items():
            for _ in range(10):  # warm the pool and the plans
                path, params = make()
                (await client.get(path, params=params)).raise_for_status()
            samples, items, per_request, in_sql, cpu = [], [], set(), [], []
            for _ in range(requests):
                path, params = make()
                statements_before, sql_before = statements, sql_seconds
                started, cpu_started = time.perf_counter(), time.process_time()
                response = await client.get(path, params=params)
                samples.append((time.perf_counter() - started) * 1000)
                cpu.append((time.process_time() - cpu_started) * 1000)
                response.raise_for_status()
                items.append(len(response.json()["items"]))
                per_request.add(statements - statements_before)
                in_sql.append((sql_seconds - sql_before) * 1000)
            print(f"{name:<72} {percentile(samples, 50):7.1f} {percentile(samples, 95):7.1f} "
                  f"{percentile(samples, 99):7.1f} {statistics.mean(items):6.0f} "
                  f"{'/'.join(map(str, sorted(per_request))):>8} {statistics.median(in_sql):7.1f} "
                  f"{statistics.median(cpu):7.1f}")
    await app.state.database.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--keep", action="store_true", help="reuse the filled database of an earlier run")
    args = parser.parse_args()
    url = with_database(database_server(), "techniekpact_bench_actions")
    asyncio.run(ensure_database(url))
    upgrade_all(url)
    slugs, action_ids, organisation_ids = asyncio.run(fill(url, args.keep))
    print(f"{os.cpu_count()} cores, Python {sys.version.split()[0]}, {args.requests} requests per call, one client")
    asyncio.run(measure(url, args.requests, slugs, action_ids, organisation_ids))


if __name__ == "__main__":
    main()
