"""`techniekpact`: run, migrate, serve, seed, token, import, export."""

import asyncio
import gc
import signal
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn, TypeVar

import typer
from pydantic import ValidationError

from cli.api import FEED_BATCH_SIZE, IMPORT_CONCURRENCY
from cli.processes import PROCESSES, SERVICES, Stack, StackError, port_is_free
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
Settings = TypeVar("Settings", bound=BaseProcessSettings)


def fail(message: str) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(1)


def settings_or_fail(settings_class: type[Settings]) -> Settings:
    try:
        return settings_class()
    except ValidationError as exc:
        reasons = "; ".join(str(error.get("ctx", {}).get("error", error["msg"])) for error in exc.errors())
        fail(f"configuration: {reasons}")


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
                             metrics_url=stack.url("metrics_api"), token=_seed_token()).run()
        typer.echo("seeded: " + ", ".join(f"{tally.created} {name}" for name, tally in tallies.items()))
    except (SeedError, ServiceError) as exc:
        # The platform still serves; the operator can fix the cause and run `techniekpact seed`.
        typer.echo(f"warning: seeding stopped, run `techniekpact seed` once the cause is fixed: {exc}", err=True)


def _service_url(service: str, given: str | None) -> str:
    import os

    return given or os.environ.get(f"{service.split('_')[0].upper()}_API_URL") or \
        f"http://127.0.0.1:{PROCESSES[service].default_port}"


def _seed_token() -> str:
    from cli.seed.documents import read_seed
    from cli.seed.load import PARTNER_SOURCE, SCOPES

    return _development_token(SCOPES, [PARTNER_SOURCE, read_seed().observation_source], subject="techniekpact-seed")


@app.command()
def seed(
    actions_url: Annotated[str | None, typer.Option(help="Default: ACTIONS_API_URL, else port 8001")] = None,
    partners_url: Annotated[str | None, typer.Option(help="Default: PARTNERS_API_URL, else port 8002")] = None,
    metrics_url: Annotated[str | None, typer.Option(help="Default: METRICS_API_URL, else port 8003")] = None,
    token_: Annotated[str | None, typer.Option(
        "--token", envvar="TECHNIEKPACT_TOKEN",
        help="Bearer token with the write scopes (default: a development token)")] = None,
) -> None:
    """Load the two real pacts in seeds/ through the services' APIs; a second run changes nothing."""
    from rich.console import Console
    from rich.table import Table

    from cli.api import ServiceError
    from cli.seed.documents import SeedError, read_seed
    from cli.seed.load import SeedLoader

    console = Console()
    try:
        loader = SeedLoader(read_seed(), actions_url=_service_url("actions_api", actions_url),
                            partners_url=_service_url("partners_api", partners_url),
                            metrics_url=_service_url("metrics_api", metrics_url), token=token_ or _seed_token(),
                            say=lambda message: console.print(f"[dim]{message}[/dim]"))
        tallies = loader.run()
    except (SeedError, ServiceError) as exc:
        fail(str(exc))
    table = Table(title="techniekpact seed")
    for column in ("", "created", "updated", "unchanged"):
        table.add_column(column, justify="left" if not column else "right")
    for name, tally in tallies.items():
        table.add_row(name, str(tally.created), str(tally.updated), str(tally.unchanged))
    console.print(table)


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


@app.command()
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
    typer.echo(_development_token(scopes, source or [], subject=subject, ttl_seconds=ttl))


@app.command("import")
def import_file(
    kind: Annotated[str, typer.Argument(help="partners (the municipal push) or observations (the statistics feed)")],
    file: Annotated[Path, typer.Argument(help="A CSV (`,` or `;`) or JSON file", exists=True, dir_okay=False)],
    source: Annotated[str, typer.Option(help="The pushing system or feed, e.g. hilversum or uwv")],
    url: Annotated[str | None, typer.Option(
        help="The service's base URL (default: PARTNERS_API_URL / METRICS_API_URL)")] = None,
    token_: Annotated[str | None, typer.Option("--token", envvar="TECHNIEKPACT_TOKEN",
                                               help="Bearer token (default: a development token)")] = None,
    batch_size: Annotated[int | None, typer.Option(
        min=1, max=FEED_BATCH_SIZE,
        help="Rows per request, one transaction each (default and most: partners 10,000, observations 100,000)")
    ] = None,
    rejected_file: Annotated[Path | None, typer.Option(
        "--rejected", help="Where rejected rows go (JSON lines)")] = None,
    encoding: Annotated[str | None, typer.Option(
        help="The file's encoding (default: UTF-8, with or without BOM, or Windows-1252, told apart)")] = None,
    concurrency: Annotated[int, typer.Option(
        min=1, max=16, envvar="TECHNIEKPACT_IMPORT_CONCURRENCY",
        help="Batches in flight at once (each is its own request and transaction)")] = IMPORT_CONCURRENCY,
    full_sync: Annotated[bool, typer.Option(
        "--full-sync", help="partners: the file is everything the source holds; once every row is in, the "
                            "source's records it does not hold are withdrawn (a sync session)")] = False,
    confirm_withdraw: Annotated[bool, typer.Option(
        "--confirm-withdraw", help="With --full-sync: withdraw even more than the service's allowed share")] = False,
) -> None:
    """Send a file to a service in batches with a progress bar; rejected rows go to a file."""
    from rich.console import Console
    from rich.progress import Progress
    from rich.table import Table

    from cli import api
    from cli.importer import TARGETS, Importer, ImportFailed, Summary, prepare_partner_row, stream_rows, write_rejected

    target = TARGETS.get(kind)
    if target is None:
        fail(f"unknown kind '{kind}'; choose partners or observations")
    if (full_sync or confirm_withdraw) and kind != "partners":
        fail("--full-sync and --confirm-withdraw are for partners")
    if confirm_withdraw and not full_sync:
        fail("--confirm-withdraw goes with --full-sync")
    if batch_size is not None and batch_size > target.batch_size:
        fail(f"--batch-size: {kind} take at most {target.batch_size:,} rows per request")
    # The rows of a large file live until the command ends and hold no cycles: the collector's passes
    # over them (more of them the longer the file) would cost more than the reading itself (a million
    # rows: 2.4 times as long, bench/import_concurrency.py). What is freed is freed by reference counts.
    gc.disable()
    base_url = _service_url(target.service, url)
    bearer = token_ or _development_token([target.scope], [source])
    try:
        stream = stream_rows(file, target.body_key, encoding)
    except ImportFailed as exc:
        fail(str(exc))
    found = stream.found
    # A CSV file's rows are parsed as the batches go; the malformed ones join the rejected at the end.
    rows = map(prepare_partner_row, stream.rows) if kind == "partners" else stream.rows
    summary = Summary()
    console = Console(stderr=True)
    send_csv = kind == "observations" and file.suffix.lower() != ".json"
    with api.client(base_url, token=bearer) as client, Progress(console=console) as progress:
        importer = Importer(client, target, source, send_csv=send_csv, origins=found.origins)
        task = progress.add_task(f"{kind} → {base_url}{' (full sync)' if full_sync else ''}", total=stream.estimate)
        try:
            session_id = importer.open_sync_session() if full_sync else None
            importer.send_all(rows, batch_size or target.batch_size, summary, concurrency=concurrency,
                              advance=lambda done: progress.advance(task, done))
            progress.update(task, total=len(found.origins), completed=len(found.origins))
            summary.rejected.extend(found.malformed)
            if session_id is not None and not summary.rejected:
                importer.close_sync_session(session_id, summary, confirm_withdraw=confirm_withdraw)
        except (ImportFailed, api.ServiceError) as exc:
            fail(str(exc))

    table = Table(title=f"{file.name}: {len(found.origins) + len(found.malformed)} rows")
    for key in (*target.count_keys, "rejected"):
        table.add_column(key, justify="right")
    table.add_row(*(str(summary.counts.get(key, 0)) for key in target.count_keys), str(len(summary.rejected)))
    Console().print(table)
    if summary.rejected:
        destination = rejected_file or file.with_name(file.stem + ".rejected.jsonl")
        write_rejected(destination, sorted(summary.rejected, key=lambda rejected: rejected["row"]))
        typer.echo(f"{len(summary.rejected)} rejected rows written to {destination}", err=True)
        if full_sync:
            typer.echo("The full sync was not closed, so nothing was withdrawn: a record on a rejected row is "
                       "still the source's. Fix the rows and import the whole file again.", err=True)
        raise typer.Exit(1)


@app.command()
def export(
    kind: Annotated[str, typer.Argument(help="actions, goals, partners or series")],
    format_: Annotated[str, typer.Option("--format", help="csv, csv-nl (Dutch Excel), xlsx or json")] = "csv",
    output: Annotated[Path | None, typer.Option(
        help="File to write (default: standard output)", dir_okay=False)] = None,
    pact: Annotated[str | None, typer.Option(help="actions, goals, partners: only this pact's (slug)")] = None,
    kind_of: Annotated[str | None, typer.Option("--kind", help="partners: only this kind (e.g. mbo)")] = None,
    municipality: Annotated[str | None, typer.Option(help="partners: only this municipality (GM code)")] = None,
    measure: Annotated[str | None, typer.Option(help="series: the measure, e.g. vacancies_new")] = None,
    region: Annotated[str | None, typer.Option(help="series: the region, e.g. noordvleugel")] = None,
    occupation: Annotated[str, typer.Option(help="series: the occupation class")] = "total",
    start: Annotated[str | None, typer.Option("--from", help="series: first period, e.g. 2012")] = None,
    end: Annotated[str | None, typer.Option("--to", help="series: last period")] = None,
) -> None:
    """Write actions, goals, partners or a series as CSV, CSV for Dutch Excel, .xlsx or JSON, from the public lists."""
    from cli import export as exporting
    from cli.api import Service, ServiceError

    if format_ not in exporting.FORMATS:
        fail(f"unknown format '{format_}'; choose {', '.join(exporting.FORMATS)}")
    services = {name: Service(_service_url(name, None)) for name in SERVICES}
    try:
        rows, columns = exporting.rows_of(kind, services, pact=pact, kind_of=kind_of, municipality=municipality,
                                          series=exporting.SeriesQuery(measure, region, occupation, start, end))
    except (ServiceError, exporting.ExportRefused) as exc:
        fail(str(exc))
    finally:
        for service in services.values():
            service.close()
    data = exporting.render(rows, columns, format_, kind)
    if output is None:
        sys.stdout.buffer.write(data)
    else:
        output.write_bytes(data)
        typer.echo(f"{len(rows)} {kind} written to {output}", err=True)


def _development_token(scopes: list[str], sources: list[str], *, subject: str = "techniekpact-cli",
                       ttl_seconds: int = 3600) -> str:
    from common.auth import issue_token

    settings = settings_or_fail(BaseProcessSettings)
    # Outside production the services take shared-secret tokens beside the JWKS ones (common/auth.py).
    if settings.jwt_jwks_url and settings.is_production:
        fail("JWT_JWKS_URL is set in production: tokens come from the identity provider; "
             "pass --token (or TECHNIEKPACT_TOKEN)")
    return issue_token(settings.jwt_secret.get_secret_value(), subject=subject, scopes=scopes, sources=sources,
                       audience=settings.jwt_audience, issuer=settings.jwt_issuer, ttl_seconds=ttl_seconds)


if __name__ == "__main__":
    app()
