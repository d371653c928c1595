"""The four processes of the platform, and a supervisor that starts and stops them together."""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import httpx


@dataclass(frozen=True)
class ProcessSpec:
    """A process and where its app factory and settings class are (imported only when it is served)."""

    name: str
    app_factory: str
    default_port: int
    settings_class: str


PROCESSES = {
    spec.name: spec
    for spec in (
        ProcessSpec("gateway", "gateway.app:create_app", 8000, "gateway.settings:GatewaySettings"),
        ProcessSpec("actions_api", "services.actions_api.app:create_app", 8001,
                    "services.actions_api.settings:ActionsSettings"),
        ProcessSpec("partners_api", "services.partners_api.app:create_app", 8002,
                    "services.partners_api.settings:PartnersSettings"),
        ProcessSpec("metrics_api", "services.metrics_api.app:create_app", 8003,
                    "services.metrics_api.settings:MetricsSettings"),
    )
}
SERVICES = ("actions_api", "partners_api", "metrics_api")


def port_is_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        # As uvicorn binds: connections of an earlier run in TIME_WAIT do not make a port busy.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


def dev_issuer_wiring(env: Mapping[str, str], gateway_url: str) -> dict[str, str]:
    """With the gateway's development issuer on (decided as gateway/sign_in_settings.py does), the
    services verify its tokens with its JWKS, beside the shared-secret tokens of `techniekpact token`."""
    explicit = env.get("DEV_OIDC", "").strip().lower()
    if explicit in ("0", "false", "no", "off") or env.get("JWT_JWKS_URL"):
        return {}
    if explicit not in ("1", "true", "yes", "on") and (
            env.get("ENVIRONMENT", "development").lower() == "production" or env.get("OIDC_ISSUER")):
        return {}
    issuer = env.get("DEV_OIDC_ISSUER") or f"{gateway_url}/dev-oidc"
    return {"DEV_OIDC_ISSUER": issuer, "JWT_JWKS_URL": f"{issuer}/jwks", "JWT_JWKS_ISSUER": issuer}


class StackError(Exception):
    """A process of the stack failed to start; the message is one line."""


class Stack:
    """Gateway and services as child processes, wired to one database and to each other."""

    def __init__(self, database_url: str, ports: dict[str, int], host: str = "127.0.0.1",
                 extra_env: dict[str, str] | None = None, log_dir: Path | None = None) -> None:
        self.database_url = database_url
        self.ports = ports
        self.host = host
        self.extra_env = extra_env or {}
        self.log_dir = log_dir
        self.children: dict[str, subprocess.Popen] = {}

    def url(self, name: str) -> str:
        return f"http://{self.host}:{self.ports[name]}"

    def environment(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update({
            "DATABASE_URL": self.database_url,
            "ACTIONS_API_URL": self.url("actions_api"),
            "PARTNERS_API_URL": self.url("partners_api"),
            "METRICS_API_URL": self.url("metrics_api"),
        })
        env.update(self.extra_env)
        env.update(dev_issuer_wiring(env, self.url("gateway")))
        return env

    def start(self, names: tuple[str, ...] = (*SERVICES, "gateway")) -> None:
        env = self.environment()
        for name in names:
            self.start_one(name, env)

    def start_one(self, name: str, env: dict[str, str] | None = None) -> None:
        command = [sys.executable, "-m", "cli.main", "serve", name, "--host", self.host,
                   "--port", str(self.ports[name])]
        log: contextlib.AbstractContextManager[IO[bytes] | None] = contextlib.nullcontext()
        if self.log_dir is not None:
            self.log_dir.mkdir(parents=True, exist_ok=True)
            log = (self.log_dir / f"{name}.log").open("ab")
        # The child writes to a copy of the file descriptor; ours is closed once it has started.
        with log as output:
            # A session of its own: Ctrl-C reaches the supervisor only, which then stops the children in order.
            self.children[name] = subprocess.Popen(
                command, env=env or self.environment(), stdout=output, stderr=subprocess.STDOUT if output else None,
                start_new_session=True,
            )

    def wait_ready(self, timeout: float = 60.0, names: tuple[str, ...] | None = None) -> None:
        deadline = time.monotonic() + timeout
        pending = set(names or self.children)
        with httpx.Client(timeout=2.0) as client:
            while pending:
                for name in sorted(pending):
                    child = self.children[name]
                    if child.poll() is not None:
                        raise StackError(f"{name} exited with code {child.returncode} during start-up")
                    try:
                        if client.get(f"{self.url(name)}/readyz").status_code == 200:
                            pending.discard(name)
                    except httpx.HTTPError:
                        pass
                if pending and time.monotonic() > deadline:
                    raise StackError(f"not ready after {timeout:.0f}s: {', '.join(sorted(pending))}")
                if pending:
                    time.sleep(0.2)

    def exited(self) -> dict[str, int]:
        return {name: child.returncode for name, child in self.children.items() if child.poll() is not None}

    def stop_one(self, name: str, sig: int = signal.SIGTERM, timeout: float = 20.0) -> None:
        child = self.children.pop(name, None)
        if child is None or child.poll() is not None:
            return
        child.send_signal(sig)
        try:
            child.wait(timeout)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()

    def stop(self, timeout: float = 20.0) -> None:
        """SIGTERM to all (each finishes its requests in flight), then wait; SIGKILL stragglers."""
        running = {name: child for name, child in self.children.items() if child.poll() is None}
        for child in running.values():
            child.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for child in running.values():
            try:
                child.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        self.children.clear()
