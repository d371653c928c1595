"""Downloads of the dashboard's lists: a pact's actions (with trekkers, participants, status and
progress) and partners, as CSV for Dutch Excel (`;`, decimal comma, a BOM) or as an `.xlsx` workbook.
They are made by the same code as `techniekpact export --format csv-nl|xlsx` (cli/export.py), which
reads the services' public lists page by page; so a file from the page and one from the command are
the same file.
"""

import re
from typing import Any

from fastapi import FastAPI
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from cli import export as exporting
from cli.api import Service, ServiceError
from common.problems import Problem, not_found
from gateway.settings import GatewaySettings

KINDS = ("acties", "partners")
# The file's extension: the export's format and the media type it is served with.
FORMATS = {
    "csv": ("csv-nl", "text/csv; charset=utf-8"),
    "xlsx": ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
}


def _rows(kind: str, urls: dict[str, str], pact: str) -> tuple[list[dict[str, Any]], list[str]] | None:
    """Runs in a worker thread: the export's client is synchronous. None when there is no such pact."""
    with Service(urls["actions_api"]) as actions, Service(urls["partners_api"]) as partners:
        if actions.request("GET", f"/v1/pacts/{pact}", ok=(200, 404)) is None:
            return None
        if kind == "acties":
            return exporting.actions(actions, partners, pact=pact), exporting.ACTION_COLUMNS
        return exporting.organisations(partners, pact=pact), exporting.ORGANISATION_COLUMNS


def install_downloads(app: FastAPI, settings: GatewaySettings) -> None:
    urls = settings.service_urls()

    @app.get("/downloads/{name}", include_in_schema=False)
    async def download(name: str, pact: str) -> Response:
        kind, _, extension = name.partition(".")
        if kind not in KINDS or extension not in FORMATS:
            raise not_found("download", name)
        if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,99}", pact):
            raise not_found("pact", pact)
        try:
            found = await run_in_threadpool(_rows, kind, urls, pact)
        except ServiceError as error:
            raise Problem(503, "Service Unavailable", str(error), type="service-unavailable",
                          headers={"Retry-After": "5"}) from None
        if found is None:
            raise not_found("pact", pact)
        rows, columns = found
        format_, media_type = FORMATS[extension]
        return Response(exporting.render(rows, columns, format_, kind), media_type=media_type,
                        headers={"Content-Disposition": f'attachment; filename="{kind}-{pact}.{extension}"'})
