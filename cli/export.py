"""`techniekpact export`: actions, partners or a series out of the services, as CSV or JSON rows.

Reads the same public REST lists every client reads (no token needed), page by page. CSV cells
are flat: an action's participants become one `role: name` list per role.

Names and titles come from anyone who can push or sign up, and a spreadsheet runs a cell that
begins like a formula. As OWASP advises against CSV injection, every cell is quoted and a text
cell beginning with `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading `'`, which a
spreadsheet shows as text. Numbers are numbers, not formulas, and stay as they are.
"""

import csv
import io
import json
from typing import Any

from cli.api import Service, id_lists

ORGANISATION_COLUMNS = ["id", "name", "kind", "sectors", "kvk_number", "brin_code", "oin", "municipality_code",
                       "website", "active"]
ACTION_COLUMNS = ["id", "pact", "line_number", "number", "title", "status", "progress", "lead", "participants",
                  "coordination", "description", "ambition"]
SERIES_COLUMNS = ["measure", "region", "occupation", "period", "value", "status", "derived", "share", "revision"]


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
               if column not in ("lead", "participants", "coordination")}
        for role, column in (("lead", "lead"), ("participant", "participants"), ("coordination", "coordination")):
            row[column] = [names.get(p["organisation_id"], p["organisation_id"]) if p["organisation_id"]
                           else p["organisation_kind"] for p in action["participants"] if p["role"] == role]
        rows.append({column: row[column] for column in ACTION_COLUMNS})
    return rows


def series(metrics: Service, *, measure: str, region: str, occupation: str = "total",
           start: str | None = None, end: str | None = None) -> list[dict[str, Any]]:
    found = metrics.get("/v1/series", measure=measure, region=region, occupation=occupation,
                        **{"from": start, "to": end})
    return [{"measure": found["measure"], "region": found["region"], "occupation": found["occupation"],
             **{column: point.get(column) for column in SERIES_COLUMNS[3:]}} for point in found["points"]]


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
