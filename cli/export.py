"""`techniekpact export`: actions, goals, partners or a series out of the services, as CSV, CSV for Dutch
Excel, an Excel workbook (.xlsx) or JSON rows.

Reads the same public REST lists every client reads (no token needed), page by page. Cells are
flat: an action's participants become one `role: name` list per role, every lead (trekker) in `leads`.
`csv-nl` is what Dutch Excel opens by a double click: `;` between cells, a decimal comma, ja/nee,
UTF-8 with a byte order mark (without one Excel reads Windows-1252). `xlsx` is a real workbook
(openpyxl), its numbers numbers, its texts always texts.

Names and titles come from anyone who can push or sign up, and a spreadsheet runs a cell that
begins like a formula. As OWASP advises against CSV injection, every cell is quoted and a text
cell beginning with `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading `'`, which a
spreadsheet shows as text. Numbers are numbers, not formulas, and stay as they are.
"""

import codecs
import csv
import io
import json
from decimal import Decimal
from typing import Any, NamedTuple

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from cli.api import Service, id_lists

FORMATS = ("csv", "csv-nl", "xlsx", "json")

ORGANISATION_COLUMNS = ["id", "name", "kind", "sectors", "kvk_number", "brin_code", "oin", "municipality_code",
                       "website", "active"]
ACTION_COLUMNS = ["id", "pact", "line_number", "number", "title", "status", "progress", "leads", "participants",
                  "coordination", "description", "ambition"]
SERIES_COLUMNS = ["measure", "region", "occupation", "period", "value", "status", "derived", "share", "revision"]
GOAL_COLUMNS = ["id", "pact", "line_number", "line", "name", "unit", "baseline", "baseline_year", "targets",
                "actual", "actual_period", "progress", "progress_note", "series"]


def organisations(partners: Service, *, kind: str | None = None, municipality: str | None = None,
                  pact: str | None = None) -> list[dict[str, Any]]:
    return [{column: item.get(column) for column in ORGANISATION_COLUMNS}
            for item in partners.items("/v1/organisations", kind=kind, municipality=municipality, pact=pact)]


def actions(actions_api: Service, partners: Service, *, pact: str | None = None) -> list[dict[str, Any]]:
    """Actions with their participants named: organisations by name, kinds in the plan's words."""
    found = list(actions_api.items("/v1/actions", pact=pact))
    ids = sorted({p["organisation_id"] for action in found for p in action["participants"] if p["organisation_id"]})
    names: dict[str, str] = {}
    for id_list in id_lists(ids):
        names.update({item["id"]: item["name"] for item in partners.get("/v1/organisations", ids=id_list)["items"]})
    rows = []
    for action in found:
        row = {column: action.get(column) for column in ACTION_COLUMNS
               if column not in ("leads", "participants", "coordination")}
        for role, column in (("lead", "leads"), ("participant", "participants"), ("coordination", "coordination")):
            row[column] = [names.get(p["organisation_id"], p["organisation_id"]) if p["organisation_id"]
                           else p["organisation_kind"] for p in action["participants"] if p["role"] == role]
        rows.append({column: row[column] for column in ACTION_COLUMNS})
    return rows


def _target(target: dict[str, Any]) -> str:
    """A target as the plans write it: `2020: 40`, `2016: +10` added, `2016: +10%` of the baseline."""
    value = str(target["value"])
    if target.get("kind") == "relative_change":
        value = f"{'' if value.startswith('-') else '+'}{value}%"
    elif target.get("kind") == "change":
        value = f"{'' if value.startswith('-') else '+'}{value}"
    return f"{target['period']}: {value}" if target.get("period") else value


def goals(actions_api: Service, *, pact: str | None = None) -> list[dict[str, Any]]:
    """Every goal of the pact's (or every pact's) action lines, measured as actions_api measures it."""
    slugs = [pact] if pact else [item["slug"] for item in actions_api.items("/v1/pacts")]
    rows = []
    for slug_list in id_lists(slugs):
        for line in actions_api.get("/v1/lines", pacts=slug_list)["items"]:
            for goal in line["goals"]:
                baseline, actual, series = goal.get("baseline") or {}, goal.get("actual") or {}, goal.get("series")
                rows.append({
                    "id": goal["id"], "pact": line["pact"], "line_number": line["number"], "line": line["name"],
                    "name": goal["name"], "unit": goal.get("unit"), "baseline": baseline.get("value"),
                    "baseline_year": baseline.get("year"), "targets": [_target(t) for t in goal.get("targets") or []],
                    "actual": actual.get("value"), "actual_period": actual.get("period"),
                    "progress": goal.get("progress"), "progress_note": goal.get("progress_note"),
                    "series": ":".join((series["measure"], series["region"], series["occupation"])) if series else None,
                })
    return rows


class ExportRefused(ValueError):
    """The command names no such kind, or leaves out what it needs; one line for the operator."""


class SeriesQuery(NamedTuple):
    measure: str | None
    region: str | None
    occupation: str = "total"
    start: str | None = None
    end: str | None = None


def rows_of(kind: str, services: dict[str, Service], *, pact: str | None, kind_of: str | None,
            municipality: str | None, series: SeriesQuery) -> tuple[list[dict[str, Any]], list[str]]:
    """The rows and columns of `techniekpact export KIND`."""
    if kind == "actions":
        return actions(services["actions_api"], services["partners_api"], pact=pact), ACTION_COLUMNS
    if kind == "goals":
        return goals(services["actions_api"], pact=pact), GOAL_COLUMNS
    if kind == "partners":
        return (organisations(services["partners_api"], kind=kind_of, municipality=municipality, pact=pact),
                ORGANISATION_COLUMNS)
    if kind == "series":
        if not series.measure or not series.region:
            raise ExportRefused("series needs --measure and --region")
        return (series_rows(services["metrics_api"], measure=series.measure, region=series.region,
                            occupation=series.occupation, start=series.start, end=series.end), SERIES_COLUMNS)
    raise ExportRefused(f"unknown kind '{kind}'; choose actions, goals, partners or series")


def series_rows(metrics: Service, *, measure: str, region: str, occupation: str = "total",
           start: str | None = None, end: str | None = None) -> list[dict[str, Any]]:
    return series_rows_of(metrics.get("/v1/series", measure=measure, region=region, occupation=occupation,
                                      **{"from": start, "to": end}))


def series_rows_of(series: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per point of a series as metrics_api answers it."""
    return [{"measure": series["measure"], "region": series["region"], "occupation": series["occupation"],
             **{column: point.get(column) for column in SERIES_COLUMNS[3:]}} for point in series["points"]]


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell(value: Any) -> Any:
    """The cell as a spreadsheet may safely read it: text that could start a formula is made text."""
    if isinstance(value, list):
        value = "; ".join(map(str, value))
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def as_csv(rows: list[dict[str, Any]], columns: list[str]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n", quoting=csv.QUOTE_ALL)
    writer.writeheader()
    for row in rows:
        writer.writerow({key: spreadsheet_cell(value) for key, value in row.items()})
    return out.getvalue()


def as_json(rows: list[dict[str, Any]]) -> str:
    return json.dumps(rows, ensure_ascii=False, indent=2) + "\n"


def _dutch(value: Any) -> Any:
    """A cell as Dutch Excel reads it: ja/nee, 0,25 (a decimal comma, no exponent, no grouping)."""
    if isinstance(value, bool):
        return "ja" if value else "nee"
    if isinstance(value, float):
        return format(Decimal(repr(value)), "f").replace(".", ",")
    return value


def as_dutch_csv(rows: list[dict[str, Any]], columns: list[str]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_ALL)
    writer.writeheader()
    for row in rows:
        # Made safe first, so a negative number stays a number and is not taken for a formula.
        writer.writerow({key: _dutch(spreadsheet_cell(value)) for key, value in row.items()})
    return codecs.BOM_UTF8 + out.getvalue().encode("utf-8")


def _workbook_cell(sheet: WriteOnlyWorksheet, value: Any) -> Any:
    if isinstance(value, list):
        value = "; ".join(map(str, value))
    if not isinstance(value, str):
        return value
    # Control characters make an invalid workbook; a text cell is stored as text, never as the formula
    # that openpyxl would make of "=...".
    cell = WriteOnlyCell(sheet, ILLEGAL_CHARACTERS_RE.sub("", value))
    cell.data_type = "s"
    return cell


def as_xlsx(rows: list[dict[str, Any]], columns: list[str], title: str) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31])   # Excel's limit on a sheet's name
    sheet.append(columns)
    for row in rows:
        sheet.append([_workbook_cell(sheet, row.get(column)) for column in columns])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def render(rows: list[dict[str, Any]], columns: list[str], format_: str, title: str) -> bytes:
    """The rows in one of FORMATS, as the bytes of the file."""
    if format_ == "csv-nl":
        return as_dutch_csv(rows, columns)
    if format_ == "xlsx":
        return as_xlsx(rows, columns, title)
    return (as_csv(rows, columns) if format_ == "csv" else as_json(rows)).encode("utf-8")
