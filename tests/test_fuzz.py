"""Schemathesis against every service's OpenAPI document and the gateway's GraphQL schema.

A stack of its own on a database of its own: the fuzzer writes whatever it likes, and no other
test should see that. `make test` runs a bounded number of examples per operation; `make fuzz`
runs the long version (FUZZ_EXAMPLES, FUZZ_SECONDS) and prints the figures the README reports.
"""

import asyncio
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from cli.migrate import upgrade_all
from cli.processes import PROCESSES, SERVICES, Stack, free_port
from common.auth import issue_token
from common.postgres_server import drop_database, ensure_database, with_database
from common.settings import DEVELOPMENT_JWT_SECRET

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "8"))
SECONDS = os.environ.get("FUZZ_SECONDS")
CONFIG = Path(__file__).with_name("schemathesis.toml")
# Hostile documents (fragment chains, `_entities` calls) mixed into the gateway's cases.
GRAPHQL_HOOKS = Path(__file__).with_name("fuzz_graphql_hooks.py")
ALL_SCOPES = ["actions:write", "actions:approve", "partners:write", "metrics:write", "metrics:admin", "contacts:read"]


@pytest.fixture(scope="module")
def fuzz_stack(database_server_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    url = with_database(database_server_url, f"techniekpact_fuzz_{uuid.uuid4().hex[:10]}")
    asyncio.run(ensure_database(url))
    upgrade_all(url)
    ports = {name: free_port() for name in PROCESSES}
    # The sign-up limiter would turn most generated sign-ups into 429s; a high limit keeps them real.
    stack = Stack(url, ports, extra_env={"ENVIRONMENT": "test", "SIGNUP_BURST": "100000", "SIGNUP_PER_MINUTE": "100000"},
                  log_dir=tmp_path_factory.mktemp("fuzz-logs"))
    stack.start()
    try:
        stack.wait_ready(timeout=60)
        yield stack
    finally:
        stack.stop()
        asyncio.run(drop_database(url))


def schemathesis(location: str, report_dir: Path, *arguments: str, hooks: Path | None = None) -> subprocess.CompletedProcess:
    token = issue_token(DEVELOPMENT_JWT_SECRET, subject="fuzzer", scopes=ALL_SCOPES,
                        sources=["hilversum", "uwv", "cbs"], ttl_seconds=3 * 3600)
    # One worker: hypothesis' lambda descriptions call ast.parse, which CPython 3.11.7 breaks on
    # when two threads parse at once ("AST constructor recursion depth mismatch", fixed in 3.11.8).
    command = [
        str(Path(sys.executable).with_name("schemathesis")), "--config-file", str(CONFIG), "run", location,
        "--max-examples", str(EXAMPLES), "--seed", "20261126", "--no-color",
        "--header", f"Authorization: Bearer {token}", "--request-timeout", "30",
        "--report", "junit", "--report-dir", str(report_dir),
        "--generation-database", "none", *arguments,
    ]
    if SECONDS:
        command += ["--max-time", SECONDS]
    env = {**os.environ, "SCHEMATHESIS_HOOKS": str(hooks)} if hooks else None
    return subprocess.run(command, capture_output=True, text=True, timeout=3600, env=env)


def assert_clean(run: subprocess.CompletedProcess, logs: Path) -> None:
    print(run.stdout[-4000:])
    assert run.returncode == 0, f"schemathesis found problems (service logs in {logs}):\n{run.stdout[-12000:]}{run.stderr[-2000:]}"


@pytest.mark.e2e
@pytest.mark.parametrize("service", SERVICES)
def test_service_survives_schemathesis_with_all_checks(service, fuzz_stack, tmp_path):
    run = schemathesis(f"{fuzz_stack.url(service)}/openapi.json", tmp_path, "--checks", "all",
                       "--phases", "examples,coverage,fuzzing,stateful")
    assert_clean(run, fuzz_stack.log_dir)


@pytest.mark.e2e
def test_gateway_survives_schemathesis(fuzz_stack, tmp_path):
    run = schemathesis(f"{fuzz_stack.url('gateway')}/graphql", tmp_path, "--checks", "not_a_server_error",
                       hooks=GRAPHQL_HOOKS)
    assert_clean(run, fuzz_stack.log_dir)
