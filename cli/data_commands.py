"""The commands that talk to the running services: seed, import and export (registered in cli/main.py)."""

import gc
import sys
from dataclasses import replace
from pathlib import Path
from typing import Annotated

import typer

from cli.api import FEED_BATCH_SIZE, IMPORT_CONCURRENCY
from cli.processes import SERVICES
from cli.support import development_token, fail, service_url


def seed_token() -> str:
    from cli.seed.documents import read_seed
    from cli.seed.load import PARTNER_SOURCE, SCOPES

    return development_token(SCOPES, [PARTNER_SOURCE, read_seed().observation_source], subject="techniekpact-seed")


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
        loader = SeedLoader(read_seed(), actions_url=service_url("actions_api", actions_url),
                            partners_url=service_url("partners_api", partners_url),
                            metrics_url=service_url("metrics_api", metrics_url), token=token_ or seed_token(),
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
    from cli.importer import TARGETS, Importer, ImportFailed, Summary, file_batches, prepared_partners, write_rejected

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
    base_url = service_url(target.service, url)
    bearer = token_ or development_token([target.scope], [source])
    # The feed reads CSV: a CSV file's plain lines go to it as they are (cli/text_files.py).
    send_csv = kind == "observations" and file.suffix.lower() != ".json"
    size = batch_size or target.batch_size
    try:
        if kind != "partners":
            stream = file_batches(file, target, size, encoding, plain=send_csv)
        else:  # a push takes parsed rows (no plain lines), their cells made ready
            parsed = file_batches(file, target, size, encoding)
            stream = replace(parsed, batches=map(prepared_partners, parsed.batches))
    except ImportFailed as exc:
        fail(str(exc))
    found = stream.found
    summary = Summary()
    console = Console(stderr=True)
    with api.client(base_url, token=bearer) as client, Progress(console=console) as progress:
        importer = Importer(client, target, source, send_csv=send_csv)
        task = progress.add_task(f"{kind} → {base_url}{' (full sync)' if full_sync else ''}", total=stream.estimate)
        try:
            session_id = importer.open_sync_session() if full_sync else None
            importer.send_all(stream.batches, summary, concurrency=concurrency,
                              advance=lambda done: progress.advance(task, done))
            good = stream.rows - len(found.malformed)
            progress.update(task, total=good, completed=good)
            summary.rejected.extend(found.malformed)
            if session_id is not None and not summary.rejected:
                importer.close_sync_session(session_id, summary, confirm_withdraw=confirm_withdraw)
        except (ImportFailed, api.ServiceError) as exc:
            fail(str(exc))

    table = Table(title=f"{file.name}: {stream.rows} rows")
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
    services = {name: Service(service_url(name, None)) for name in SERVICES}
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

