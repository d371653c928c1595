"""The `techniekpact` command: bad configuration gets one clear line, and `run` leaves nothing behind."""

import os
import signal
import socket
import subprocess
import sys
import time

import httpx
import psutil

from cli.processes import free_port


def techniekpact(*args: str, env: dict[str, str] | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cli.main", *args], capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, **(env or {})})


def assert_one_line_error(result: subprocess.CompletedProcess, expected: str) -> None:
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ") and expected in lines[0]
    assert "Traceback" not in result.stderr + result.stdout


def test_unreachable_database_url_is_one_line():
    result = techniekpact("serve", "partners_api", "--port", str(free_port()),
                          env={"DATABASE_URL": "postgresql://postgres@127.0.0.1:1/techniekpact"})
    assert_one_line_error(result, "cannot reach the database at 127.0.0.1:1/techniekpact")


def test_port_in_use_is_one_line(database_url):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = techniekpact("serve", "actions_api", "--port", str(port), env={"DATABASE_URL": database_url})
    assert_one_line_error(result, f"port {port} on 127.0.0.1 is in use")


def test_production_without_a_jwt_secret_is_one_line(database_url):
    result = techniekpact("serve", "metrics_api", "--port", str(free_port()),
                          env={"DATABASE_URL": database_url, "ENVIRONMENT": "production"})
    assert_one_line_error(result, "JWT_SECRET or JWT_JWKS_URL must be set in production")


def test_token_prints_a_token_the_services_accept():
    from common.auth import TokenVerifier
    from common.settings import BaseProcessSettings

    result = techniekpact("token", "--scope", "partners:write", "--source", "hilversum", "--subject", "gemeente")
    assert result.returncode == 0
    principal = TokenVerifier(BaseProcessSettings()).verify(result.stdout.strip())
    assert principal.scopes == {"partners:write"} and principal.sources == {"hilversum"}


def test_token_issues_the_roles():
    from common.auth import TokenVerifier
    from common.roles import ROLES
    from common.settings import BaseProcessSettings

    verifier = TokenVerifier(BaseProcessSettings())
    for role, scopes in ROLES.items():
        result = techniekpact("token", "--role", role, "--source", "gm0363", "--subject", f"a-{role}")
        assert result.returncode == 0, result.stderr
        principal = verifier.verify(result.stdout.strip())
        assert (principal.scopes, principal.subject) == (set(scopes), f"a-{role}")
    both = verifier.verify(techniekpact("token", "-r", "trekker", "-r", "reviewer", "-s", "contacts:read").stdout.strip())
    assert both.scopes == {"actions:write", "actions:approve", "contacts:read"}
    assert_one_line_error(techniekpact("token", "--role", "municipal_system"), "municipal_system writes for sources")
    assert_one_line_error(techniekpact("token", "--role", "admin"), "unknown role admin")
    assert_one_line_error(techniekpact("token", "--scope", "partner:admin"), "unknown scope partner:admin")


def test_run_serves_all_four_and_sigterm_stops_every_process(database_url):
    ports = [free_port() for _ in range(4)]
    # --no-seed: the session's shared database stays as the services' tests expect it (seeding on
    # first start is tested on a database of its own in test_seed.py)
    runner = subprocess.Popen(
        [sys.executable, "-m", "cli.main", "run", "--no-seed", "--gateway-port", str(ports[0]),
         "--actions-port", str(ports[1]), "--partners-port", str(ports[2]), "--metrics-port", str(ports[3])],
        env={**os.environ, "DATABASE_URL": database_url}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            line = runner.stdout.readline()
            if "Press Ctrl-C" in line or not line:
                break
        for port in ports:
            assert httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=5).status_code == 200
        children = psutil.Process(runner.pid).children(recursive=True)
        assert len(children) == 4
        runner.send_signal(signal.SIGTERM)
        assert runner.wait(30) == 0
        _, alive = psutil.wait_procs(children, timeout=10)
        assert alive == []
    finally:
        if runner.poll() is None:
            runner.kill()
