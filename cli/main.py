"""`techniekpact`: run, migrate, serve, seed, token, import, export."""

import asyncio
import signal
import threading
from typing import TYPE_CHECKING, Annotated

import typer

from cli import data_commands
from cli.processes import PROCESSES, SERVICES, Stack, StackError, port_is_free
from cli.support import development_token, fail, settings_or_fail
from common.postgres_server import (
    DATA_DIR,
    DatabaseUnavailable,
    EmbeddedPostgres,
    check_reachable,
    ensure_database,
    with_database,
)
from common.settings import BaseProcessSettings, BaseServiceSettings

if TYPE_CHECKING:
    from fastapi import FastAPI

app = typer.Typer(help="The Techniekpact platform.", no_args_is_help=True, add_completion=False)

EMBEDDED_DATABASE = "techniekpact"


def _database_url_from_environment() -> str | None:
    class _Any(BaseServiceSettings):
        schema_name = "public"

    return settings_or_fail(_Any).database_url


def prepare_database(url: str) -> None:
    try:
        asyncio.run(ensure_database(url))
    except DatabaseUnavailable as exc:
        fail(str(exc))


class DatabaseHandle:
    """The external database DATABASE_URL names, or an embedded one started (and later stopped) here."""

    def __init__(self) -> None:
        self.url = _database_url_from_environment()
        self.embedded: EmbeddedPostgres | None = None

    def __enter__(self) -> str:
        url = self.url
        if url is None:
            self.embedded = EmbeddedPostgres(DATA_DIR / "postgres")
            typer.echo(f"starting embedded PostgreSQL in {self.embedded.data_dir} ...")
            try:
                url = self.url = with_database(self.embedded.start(), EMBEDDED_DATABASE)
            except DatabaseUnavailable as exc:
                fail(str(exc))
        prepare_database(url)
        return url

    def __exit__(self, *exc_info: object) -> None:
        if self.embedded is not None:
            self.embedded.stop()


@app.command()
def migrate() -> None:
    """Bring the actions, partners and metrics schemas to their latest revision."""
    from cli.migrate import upgrade_all  # alembic: a second of start-up the other commands need not pay

    with DatabaseHandle() as url:
        upgrade_all(url)
        typer.echo("migrated actions, partners and metrics to head")


@app.command()
def run(
    host: Annotated[str, typer.Option(help="Interface to listen on")] = "127.0.0.1",
    gateway_port: int = PROCESSES["gateway"].default_port,
    actions_port: int = PROCESSES["actions_api"].default_port,
    partners_port: int = PROCESSES["partners_api"].default_port,
    metrics_port: int = PROCESSES["metrics_api"].default_port,
    seed: Annotated[bool, typer.Option(help="Load the seed pacts when the database has none yet")] = True,
) -> None:
    """Start the database (embedded unless DATABASE_URL is set), migrate, serve all four processes, seed."""
    ports = {"gateway": gateway_port, "actions_api": actions_port,
             "partners_api": partners_port, "metrics_api": metrics_port}
    option = {"gateway": "--gateway-port", "actions_api": "--actions-port",
              "partners_api": "--partners-port", "metrics_api": "--metrics-port"}
    for name, port in ports.items():
        if not port_is_free(host, port):
            fail(f"port {port} on {host} is in use ({name}); pick another with {option[name]}")

    stop_requested = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, lambda *_: stop_requested.set())

    from cli.migrate import upgrade_all

    with DatabaseHandle() as url:
        upgrade_all(url)
        stack = Stack(url, ports, host=host, log_dir=DATA_DIR / "logs")
        try:
            stack.start()
            stack.wait_ready(timeout=90)
            if seed:
                _seed_on_first_start(stack)
            typer.echo("Techniekpact is running:")
            typer.echo(f"  gateway       {stack.url('gateway')}/graphql")
            for name in SERVICES:
                typer.echo(f"  {name:<13} {stack.url(name)}/docs")
            typer.echo(f"Logs in {stack.log_dir}/. Press Ctrl-C to stop.")
            while not stop_requested.wait(0.5):
                if exited := stack.exited():
                    typer.echo(f"error: stopped because a process exited: {exited}", err=True)
                    raise typer.Exit(1)
        except StackError as exc:
            fail(str(exc))
        finally:
            typer.echo("stopping ...")
            stack.stop()


@app.command()
def serve(
    process: Annotated[str, typer.Argument(help="gateway, actions_api, partners_api or metrics_api")],
    host: str = "127.0.0.1",
    port: Annotated[int | None, typer.Option(help="Default: the process's own port (8000-8003)")] = None,
) -> None:
    """Serve one process (what containers and `run` start)."""
    import uvicorn

    spec = PROCESSES.get(process)
    if spec is None:
        fail(f"unknown process '{process}'; choose one of {', '.join(PROCESSES)}")
    port = port or spec.default_port
    settings = settings_or_fail(_settings_class(process))
    if isinstance(settings, BaseServiceSettings):
        if not settings.database_url:
            fail("DATABASE_URL is not set (`techniekpact run` starts an embedded database for development)")
        try:
            asyncio.run(check_reachable(settings.database_url))
        except DatabaseUnavailable as exc:
            fail(str(exc))
    if not port_is_free(host, port):
        fail(f"port {port} on {host} is in use")
    # A service reads X-Forwarded-For itself, by its FORWARDED_ALLOW_IPS setting (common.app); once is enough.
    uvicorn.run(_served_app(process, settings), host=host, port=port, log_config=None,
                timeout_graceful_shutdown=settings.shutdown_timeout_seconds, access_log=False,
                proxy_headers=not isinstance(settings, BaseServiceSettings))


def _served_app(process: str, settings: BaseProcessSettings) -> "FastAPI":
    """The process's app, traced when an OpenTelemetry exporter is configured (only served processes are)."""
    from uvicorn.importer import import_from_string

    from common.observability import install_tracing

    served: FastAPI = import_from_string(PROCESSES[process].app_factory)(settings)
    install_tracing(served, process, settings.otel_exporter_otlp_endpoint)
    return served


def _seed_on_first_start(stack: Stack) -> None:
    """A fresh database gets the two real pacts; one that has pacts is left as it is."""
    from cli.api import ServiceError
    from cli.seed.documents import SeedError, read_seed
    from cli.seed.load import SeedLoader, database_is_empty

    try:
        if not database_is_empty(stack.url("actions_api")):
            return
        typer.echo("first start: loading the seed pacts (techniekpact seed) ...")
        tallies = SeedLoader(read_seed(), actions_url=stack.url("actions_api"), partners_url=stack.url("partners_api"),
                             metrics_url=stack.url("metrics_api"), token=data_commands.seed_token()).run()
        typer.echo("seeded: " + ", ".join(f"{tally.created} {name}" for name, tally in tallies.items()))
    except (SeedError, ServiceError) as exc:
        # The platform still serves; the operator can fix the cause and run `techniekpact seed`.
        typer.echo(f"warning: seeding stopped, run `techniekpact seed` once the cause is fixed: {exc}", err=True)


def _settings_class(process: str) -> type[BaseProcessSettings]:
    from uvicorn.importer import import_from_string

    settings_class: type[BaseProcessSettings] = import_from_string(PROCESSES[process].settings_class)
    return settings_class


def _roles_help() -> str:
    from common.roles import ROLES

    return "; ".join(f"{role}: {' '.join(scopes)}" for role, scopes in ROLES.items())


def _scopes_help() -> str:
    from common.roles import SCOPES

    return ", ".join(SCOPES)


def token(
    role: Annotated[list[str] | None, typer.Option(
        "--role", "-r", help=f"A role's scopes (repeat for more): {_roles_help()}")] = None,
    scope: Annotated[list[str] | None, typer.Option(
        "--scope", "-s", help=f"A scope besides (repeat for more): {_scopes_help()}")] = None,
    source: Annotated[list[str] | None, typer.Option(
        help="A source this token may write for (repeat for more); machine roles need one")] = None,
    subject: str = "developer",
    ttl: Annotated[int, typer.Option(help="Lifetime in seconds")] = 8 * 3600,
) -> None:
    """Print a development token signed with JWT_SECRET, e.g. `--role municipal_system --source gm0363`
    or `--role reviewer --subject anna`. Four eyes go by subject: give author and reviewer their own."""
    from common.roles import MACHINE_ROLES, ROLES, SCOPES

    unknown_roles = [name for name in role or [] if name not in ROLES]
    if unknown_roles:
        fail(f"unknown role {', '.join(unknown_roles)}; choose from {', '.join(ROLES)}")
    unknown_scopes = [name for name in scope or [] if name not in SCOPES]
    if unknown_scopes:
        fail(f"unknown scope {', '.join(unknown_scopes)}; choose from {', '.join(SCOPES)}")
    machine = sorted(MACHINE_ROLES.intersection(role or []))
    if machine and not source:
        fail(f"{', '.join(machine)} writes for sources: give --source")
    scopes = list(dict.fromkeys([*(s for name in role or [] for s in ROLES[name]), *(scope or [])]))
    typer.echo(development_token(scopes, source or [], subject=subject, ttl_seconds=ttl))


app.command()(data_commands.seed)
app.command()(token)
app.command("import")(data_commands.import_file)
app.command()(data_commands.export)


if __name__ == "__main__":
    app()
