"""`techniekpact import`: send a CSV or JSON file to the partner push or the statistics feed in batches.

Each batch is one all-or-nothing request with its own Idempotency-Key (kept across retries of that
batch, so a retry after a timeout cannot apply it twice). When a batch is refused as a whole
because of bad records, the bad ones are set aside with the service's reasons and the rest of the
batch is sent again, so one bad row does not hold back its neighbours.
"""

import csv
import io
import json
import re
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from cli.api import problem_of, refusal_detail, retryable, send
from cli.text_files import UnreadableText, read_text

_INDEX_IN_FIELD = re.compile(r"^(?:records|observations)\.(\d+)(?:\.(.+))?$")


class ImportFailed(Exception):
    """The file cannot be read or the service refused the whole import; one line for the operator."""


@dataclass
class Summary:
    counts: dict[str, int] = field(default_factory=dict)
    rejected: list[dict[str, Any]] = field(default_factory=list)

    def add(self, answer: dict[str, Any], keys: tuple[str, ...]) -> None:
        for key in keys:
            self.counts[key] = self.counts.get(key, 0) + int(answer.get(key, 0) or 0)


@dataclass(frozen=True)
class Target:
    """Where a kind of file goes (the service, the scope a token needs, the request) and how its answer counts."""

    service: str
    scope: str
    method: str
    path: str
    body_key: str
    count_keys: tuple[str, ...]


TARGETS = {
    "partners": Target("partners_api", "partners:write", "PUT", "/v1/sources/{source}/organisations", "records",
                       ("created", "updated", "unchanged", "withdrawn")),
    "observations": Target("metrics_api", "metrics:write", "POST", "/v1/feeds/{source}/observations", "observations",
                           ("inserted", "revised", "unchanged")),
}


def read_rows(path: Path, body_key: str, encoding: str | None = None) -> list[dict[str, Any]]:
    """Rows of a CSV (`,` or `;`) or JSON file (a list, or `{body_key: [...]}`), in UTF-8 (with or
    without a byte order mark) or Windows-1252, as cli/text_files.py tells them apart, or `encoding`."""
    try:
        text, _ = read_text(path, encoding)
    except UnreadableText as exc:
        raise ImportFailed(str(exc)) from None
    if path.suffix.lower() == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ImportFailed(f"{path} is not valid JSON: {exc}") from None
        rows = data.get(body_key) if isinstance(data, dict) else data
        if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
            raise ImportFailed(f"{path}: expected a list of objects or {{\"{body_key}\": [...]}}")
        return rows
    first_line = text.split("\n", 1)[0]
    dialect_delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=dialect_delimiter)
    rows = []
    for row in reader:
        cleaned = {key.strip(): (value.strip() if isinstance(value, str) else value)
                   for key, value in row.items() if key is not None}
        rows.append({key: value for key, value in cleaned.items() if value not in ("", None)})
    return rows


# How a CSV says yes or no; any other word ("misschien") is sent as it is, so the push refuses that
# record naming `active` instead of the word being taken for "no".
YES_NO = dict.fromkeys(("1", "true", "yes", "ja", "y", "j", "waar"), True) | dict.fromkeys(
    ("0", "false", "no", "nee", "n", "onwaar"), False)


def prepare_partner_row(row: dict[str, Any]) -> dict[str, Any]:
    """CSV cells are text: sectors are `;`- or `|`-separated, active is a yes/no word."""
    prepared = dict(row)
    if isinstance(prepared.get("sectors"), str):
        prepared["sectors"] = [s.strip() for s in re.split(r"[|;]", prepared["sectors"]) if s.strip()]
    if isinstance(prepared.get("active"), str):
        prepared["active"] = YES_NO.get(prepared["active"].strip().lower(), prepared["active"])
    return prepared


def bad_positions(problem: dict[str, Any]) -> dict[int, str]:
    """Which rows of a refused batch were bad, and why, from the problem's `errors` list."""
    reasons: dict[int, list[str]] = {}
    for error in problem.get("errors") or []:
        position = error.get("index")
        field_name = error.get("field", "")
        if position is None and error.get("line") is not None:
            position = int(error["line"]) - 2  # line 1 is the header of the CSV the service saw
        if match := _INDEX_IN_FIELD.match(str(field_name)):
            # "records.3.kind": the index is the position; the rest names the field
            position, field_name = int(match.group(1)) if position is None else position, match.group(2) or ""
        if position is None:
            continue
        reasons.setdefault(int(position), []).append(f"{field_name}: {error.get('reason', 'invalid')}".strip(": "))
    return {position: "; ".join(texts) for position, texts in reasons.items()}


class Importer:
    """Sends batches of rows over a client of cli.api (it carries the token)."""

    def __init__(self, client: httpx.Client, target: Target, source: str, send_csv: bool = False) -> None:
        self.client = client
        self.target = target
        self.send_csv = send_csv
        self.path = target.path.format(source=source)

    def _send(self, rows: list[dict[str, Any]]) -> httpx.Response:
        # One key per attempt at these rows, kept by the retries of cli.api: a retry cannot apply them twice.
        headers = {"Idempotency-Key": uuid.uuid4().hex}
        if self.send_csv:
            return send(self.client, self.target.method, self.path, content=as_csv(rows),
                        headers={**headers, "Content-Type": "text/csv; charset=utf-8"})
        return send(self.client, self.target.method, self.path, json={self.target.body_key: rows}, headers=headers)

    def send_batch(self, start: int, rows: list[dict[str, Any]], summary: Summary) -> None:
        pending = list(enumerate(rows))
        while pending:
            response = self._send([row for _, row in pending])
            if retryable(response):
                raise ImportFailed(f"the service stayed unavailable (HTTP {response.status_code}) at row {start + 1}")
            if response.is_success:
                summary.add(response.json(), self.target.count_keys)
                return
            bad = bad_positions(problem_of(response)) if response.status_code == 422 else {}
            if not bad:
                raise ImportFailed(f"the service refused the batch at row {start + 1}: "
                                   f"HTTP {response.status_code} {refusal_detail(response)}")
            for position, reason in sorted(bad.items()):
                original, row = pending[position]
                summary.rejected.append({"row": start + original + 1, "reason": reason, "record": row})
            pending = [item for position, item in enumerate(pending) if position not in bad]


def as_csv(rows: list[dict[str, Any]]) -> str:
    """Rows back to CSV as the feed reads it: `;`-separated, so decimal commas pass unchanged."""
    columns = list(dict.fromkeys(key for row in rows for key in row))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, delimiter=";", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def write_rejected(path: Path, rejected: list[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8") as out:
        for item in rejected:
            out.write(json.dumps(item, ensure_ascii=False, default=str) + "\n")
