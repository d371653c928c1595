"""Downloads of the dashboard's lists: a pact's actions (with trekkers, participants, status and
progress), goals (baseline, targets, measured value and progress) and partners, and a series of
figures, as CSV for Dutch Excel (`;`, decimal comma, a BOM) or as an `.xlsx` workbook. They are
made by the same code as `techniekpact export --format csv-nl|xlsx` (cli/export.py), which reads
the services' public lists page by page; so a file from the page and one from the command are the
same file. The partner directory's list is filtered by kind and municipality as `techniekpact export
partners --kind --municipality` filters it, with or without a pact.
"""

import re
from collections.abc import Callable
from typing import Annotated, Any, NamedTuple

from fastapi import FastAPI, Query
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from cli import export as exporting
from cli.api import Service, ServiceError
from common.periods import InvalidPeriod, parse_period
from common.problems import Problem, field_error, invalid, not_found
from gateway.settings import GatewaySettings
from gateway.types.partners import OrganisationKind

# The file's extension: the export's format and the media type it is served with.
FORMATS = {
    "csv": ("csv-nl", "text/csv; charset=utf-8"),
    "xlsx": ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
}
SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,99}")
CODE = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}", re.IGNORECASE)
MUNICIPALITY = re.compile(r"GM\d{4}", re.IGNORECASE)  # a CBS municipality code, as partners_api takes it
KINDS = frozenset(kind.value for kind in OrganisationKind)
Rows = tuple[list[dict[str, Any]], list[str]]


class PartnerFilters(NamedTuple):
    kind: str | None = None
    municipality: str | None = None


def _pact_rows(kind: str, urls: dict[str, str], pact: str | None, filters: PartnerFilters) -> Rows | None:
    """Runs in a worker thread: the export's client is synchronous. None when there is no such pact."""
    with Service(urls["actions_api"]) as actions, Service(urls["partners_api"]) as partners:
        if pact is not None and actions.request("GET", f"/v1/pacts/{pact}", ok=(200, 404)) is None:
            return None
        if kind == "acties":
            return exporting.actions(actions, partners, pact=pact), exporting.ACTION_COLUMNS
        if kind == "doelen":
            return exporting.goals(actions, pact=pact), exporting.GOAL_COLUMNS
        return (exporting.organisations(partners, kind=filters.kind, municipality=filters.municipality, pact=pact),
                exporting.ORGANISATION_COLUMNS)


def _checked_partner_filters(kind: str, kind_of: str | None, municipality: str | None) -> PartnerFilters:
    """The directory's filters, or 422 naming each one that is malformed or that this download does not take."""
    errors = []
    for name, value in (("kind", kind_of), ("municipality", municipality)):
        if value is None:
            continue
        if kind != "partners":
            errors.append(field_error(name, "Only the partners download is filtered by it.", **{"in": "query"}))
        elif name == "kind" and value not in KINDS:
            errors.append(field_error(name, f"'{value[:70]}' is not a kind of organisation; one of "
                                      f"{', '.join(sorted(KINDS))}.", **{"in": "query"}))
        elif name == "municipality" and not MUNICIPALITY.fullmatch(value):
            errors.append(field_error(name, f"'{value[:70]}' is not a municipality code (GM and four digits).",
                                      **{"in": "query"}))
    if errors:
        raise invalid(errors)
    return PartnerFilters(kind_of, municipality.upper() if municipality else None)


def _series_rows(urls: dict[str, str], query: exporting.SeriesQuery) -> Rows | None:
    with Service(urls["metrics_api"]) as metrics:
        found = metrics.request("GET", "/v1/series", ok=(200, 404, 422), params={
            "measure": query.measure, "region": query.region, "occupation": query.occupation,
            **{name: value for name, value in (("from", query.start), ("to", query.end)) if value}})
        if found is None:
            return None
        if "points" not in found:  # metrics_api's refusal of what was asked (an unknown measure, say)
            raise invalid(found.get("errors") or [], found.get("detail") or "The figures asked for do not exist.")
        return exporting.series_rows_of(found), exporting.SERIES_COLUMNS


def _checked_series(measure: str | None, region: str | None, occupation: str, start: str | None,
                    end: str | None) -> exporting.SeriesQuery:
    """The figures asked for, or 422 naming every parameter that is missing or malformed."""
    errors = []
    for name, value in (("measure", measure), ("region", region), ("occupation", occupation)):
        if not value:
            errors.append(field_error(name, "Required for figures.", **{"in": "query"}))
        elif not CODE.fullmatch(value):
            errors.append(field_error(name, f"'{value[:70]}' is not a code.", **{"in": "query"}))
    for name, value in (("from", start), ("to", end)):
        if value:
            try:
                parse_period(value)
            except InvalidPeriod as exc:
                errors.append(field_error(name, str(exc), **{"in": "query"}))
    if errors:
        raise invalid(errors)
    return exporting.SeriesQuery(measure, region, occupation, start, end)


def install_downloads(app: FastAPI, settings: GatewaySettings) -> None:
    urls = settings.service_urls()

    @app.get("/downloads/{name}", include_in_schema=False)
    async def download(
        name: str,
        pact: Annotated[str | None, Query(max_length=100)] = None,
        kind_of: Annotated[str | None, Query(alias="kind", max_length=64)] = None,
        municipality: Annotated[str | None, Query(max_length=16)] = None,
        measure: Annotated[str | None, Query(max_length=64)] = None,
        region: Annotated[str | None, Query(max_length=64)] = None,
        occupation: Annotated[str, Query(max_length=64)] = "total",
        start: Annotated[str | None, Query(alias="from", max_length=10)] = None,
        end: Annotated[str | None, Query(alias="to", max_length=10)] = None,
    ) -> Response:
        kind, _, extension = name.partition(".")
        if kind not in ("acties", "doelen", "partners", "cijfers") or extension not in FORMATS:
            raise not_found("download", name)
        rows_of: Callable[[], Rows | None]
        filters = _checked_partner_filters(kind, kind_of, municipality)
        if kind == "cijfers":
            query = _checked_series(measure, region, occupation, start, end)
            filename, missing = f"cijfers-{query.measure}-{query.region}-{query.occupation}", ("series", name)

            def rows_of() -> Rows | None:
                return _series_rows(urls, query)
        else:
            if pact is None and kind != "partners":
                raise invalid([field_error("pact", "Required: the pact's slug.", **{"in": "query"})])
            if pact is not None and not SLUG.fullmatch(pact):
                raise not_found("pact", pact)
            filename = "-".join(part for part in (kind, pact, *filters) if part)
            missing = ("pact", pact or "")

            def rows_of() -> Rows | None:
                return _pact_rows(kind, urls, pact, filters)
        try:
            found = await run_in_threadpool(rows_of)
        except ServiceError as error:
            raise Problem(503, "Service Unavailable", str(error), type="service-unavailable",
                          headers={"Retry-After": "5"}) from None
        if found is None:
            raise not_found(*missing)
        rows, columns = found
        format_, media_type = FORMATS[extension]
        return Response(exporting.render(rows, columns, format_, kind), media_type=media_type,
                        headers={"Content-Disposition": f'attachment; filename="{filename}.{extension}"'})
