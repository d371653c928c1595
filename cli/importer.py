"""`techniekpact import`: send a CSV or JSON file to the partner push or the statistics feed in batches.

Each batch is one all-or-nothing request with its own Idempotency-Key (kept across retries of that
batch, so a retry after a timeout cannot apply it twice). When a batch is refused as a whole
because of bad records, the bad ones are set aside with the service's reasons and the rest of the
batch is sent again, so one bad row does not hold back its neighbours.

Batches go concurrently, a bounded number in flight (`--concurrency`), each answer merged into the
summary as it comes; when one is refused no further batch is started, the ones in flight finish,
and the import stops naming the first refused batch's row. With `--full-sync` (partners) the
batches go into a sync session, which is closed only when every row was accepted: then the
source's records the file does not hold are withdrawn; with rejected rows it is left open,
withdraws nothing, and expires.

A CSV row is known by its number among the file's rows and the line of the file it starts on
(cli/text_files.py reads them); a row the file itself spoils is set aside as rejected with that
line, and the rest is sent; nothing in a file makes the command crash. The feed is sent a CSV
file's plain lines as the file writes them (no row parsed and written again), the rest as CSV
written from the parsed rows; either way the service's line numbers are mapped back to the file's.
"""

import json
import re
import uuid
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, Literal, TypeVar, overload

import httpx

from cli.api import BATCH_SIZE, FEED_BATCH_SIZE, ServiceError, problem_of, refusal_detail, retryable, send
from cli.text_files import (
    Batch,
    CsvReading,
    FileRows,
    Origin,
    ParsedRows,
    UnreadableCsv,
    UnreadableText,
    batched,
    read_text,
)

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

    def merge(self, other: "Summary") -> None:
        for key, value in other.counts.items():
            self.counts[key] = self.counts.get(key, 0) + value
        self.rejected.extend(other.rejected)


@dataclass(frozen=True)
class Target:
    """Where a kind of file goes (the service, the scope a token needs, the request) and how its answer counts."""

    service: str
    scope: str
    method: str
    path: str
    body_key: str
    count_keys: tuple[str, ...]
    batch_size: int  # rows per request, by default and at most
    # A CSV body's columns, and those it must have (the feed's), for lines sent as the file writes them.
    columns: tuple[str, ...] = ()
    required: tuple[str, ...] = ()


# The feed's CSV contract (COLUMNS and REQUIRED_COLUMNS of services/metrics_api/domain/feed/checking.py,
# which tests/test_import.py holds these to), written out: the command need not load the service's code.
FEED_COLUMNS = ("measure", "region", "period", "occupation", "value", "status", "action", "missing_reason")
FEED_REQUIRED_COLUMNS = ("measure", "region", "period", "occupation", "value")

TARGETS = {
    "partners": Target("partners_api", "partners:write", "PUT", "/v1/sources/{source}/organisations", "records",
                       ("created", "updated", "unchanged", "withdrawn"), BATCH_SIZE),
    "observations": Target("metrics_api", "metrics:write", "POST", "/v1/feeds/{source}/observations", "observations",
                           ("inserted", "revised", "unchanged"), FEED_BATCH_SIZE, FEED_COLUMNS, FEED_REQUIRED_COLUMNS),
}

# A file's batches: ParsedRows, or with plain lines any Batch (a partner push takes parsed rows only).
FileBatch = TypeVar("FileBatch", bound=Batch, covariant=True)


@dataclass(frozen=True)
class FileBatches(Generic[FileBatch]):
    """A file's batches as they are read; `estimate` is how many rows there are likely to be (for the bar)."""

    found: FileRows
    batches: Iterator[FileBatch]
    estimate: int
    reading: CsvReading | None = None

    @property
    def rows(self) -> int:
        """The rows read (once every batch is), malformed ones included."""
        return self.reading.number if self.reading is not None else len(self.found.origins)


@overload
def file_batches(path: Path, target: Target, size: int, encoding: str | None = None,
                 plain: Literal[False] = False) -> FileBatches[ParsedRows]: ...


@overload
def file_batches(path: Path, target: Target, size: int, encoding: str | None = None, *,
                 plain: bool) -> FileBatches[Batch]: ...


def file_batches(path: Path, target: Target, size: int, encoding: str | None = None,
                 plain: bool = False) -> FileBatches[Batch]:
    """A CSV (`,` or `;`) or JSON file's batches (a list, or `{body_key: [...]}`), in UTF-8 (with or
    without a byte order mark) or Windows-1252, as cli/text_files.py tells them apart, or `encoding`.

    A CSV file's rows are read while the first batches are already on their way; with `plain`
    its plain lines go as the file writes them (text_files.CsvReading). A JSON file is one
    document: read whole."""
    try:
        text = read_text(path, encoding)[0]
    except UnreadableText as exc:
        raise ImportFailed(str(exc)) from None
    if path.suffix.lower() == ".json":
        found = _json_rows(path, text, target.body_key)
        return FileBatches(found, batched(zip(found.rows, found.origins, strict=True), size), len(found.rows))
    found = FileRows()
    try:
        reading = CsvReading(text, found)
    except UnreadableCsv as exc:
        raise ImportFailed(str(exc)) from None
    parts: Iterator[Batch] = (reading.plain_batches(size, target.columns, target.required) if plain
                              else batched(reading.rows(), size))
    return FileBatches(found, parts, max(text.count("\n") - 1, 0), reading)


def _json_rows(path: Path, text: str, body_key: str) -> FileRows:
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        raise ImportFailed(f"{path} is not valid JSON: {exc}") from None
    rows = data.get(body_key) if isinstance(data, dict) else data
    if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
        raise ImportFailed(f"{path}: expected a list of objects or {{\"{body_key}\": [...]}}")
    return FileRows(rows, [Origin(number) for number in range(1, len(rows) + 1)])


def csv_rows(text: str) -> FileRows:
    """Every row of a CSV text, parsed."""
    found = FileRows()
    found.rows.extend(row for row, _ in CsvReading(text, found).rows())
    return found


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


def prepared_partners(batch: ParsedRows) -> ParsedRows:
    """A batch of partner rows with its cells as the push takes them."""
    return ParsedRows([(prepare_partner_row(row), origin) for row, origin in batch.rows])


def bad_positions(problem: dict[str, Any], position_of_line: Callable[[int], int] | None = None) -> dict[int, str]:
    """Which rows of a refused batch were bad, and why, from the problem's `errors` list.

    The feed names CSV rows by the line they start on in the CSV it was sent; `position_of_line`
    turns that back into the row's position in the batch."""
    reasons: dict[int, list[str]] = {}
    for error in problem.get("errors") or []:
        position = error.get("index")
        field_name = error.get("field", "")
        if position is None and isinstance(error.get("line"), int):
            line = error["line"]
            position = position_of_line(line) if position_of_line else line - 2  # line 1 is the header
        if match := _INDEX_IN_FIELD.match(str(field_name)):
            # "records.3.kind": the index is the position; the rest names the field
            position, field_name = int(match.group(1)) if position is None else position, match.group(2) or ""
        if not isinstance(position, int):
            continue
        reasons.setdefault(position, []).append(f"{field_name}: {error.get('reason', 'invalid')}".strip(": "))
    return {position: "; ".join(texts) for position, texts in reasons.items()}


class Importer:
    """Sends batches of rows over a client of cli.api (it carries the token)."""

    def __init__(self, client: httpx.Client, target: Target, source: str, send_csv: bool = False) -> None:
        self.client = client
        self.target = target
        self.source = source
        self.send_csv = send_csv
        self.path = target.path.format(source=source)

    def _send(self, batch: Batch) -> tuple[httpx.Response, Callable[[int], int] | None]:
        """The answer, and for a CSV body how to find a row by the line the service names."""
        # One key per attempt at these rows, kept by the retries of cli.api: a retry cannot apply them twice.
        headers = {"Idempotency-Key": uuid.uuid4().hex}
        if self.send_csv:
            text, position_of_line = batch.csv_body()
            response = send(self.client, self.target.method, self.path, content=text.encode("utf-8"),
                            headers={**headers, "Content-Type": "text/csv; charset=utf-8"})
            return response, position_of_line
        return send(self.client, self.target.method, self.path,
                    json={self.target.body_key: [row for row, _ in batch.parsed()]}, headers=headers), None

    def send_batch(self, batch: Batch, summary: Summary) -> None:
        while batch.count:
            response, position_of_line = self._send(batch)
            if retryable(response):
                raise ImportFailed(f"the service stayed unavailable (HTTP {response.status_code}) at row "
                                   f"{batch.origin(0).row}")
            if response.is_success:
                summary.add(response.json(), self.target.count_keys)
                return
            bad = bad_positions(problem_of(response), position_of_line) if response.status_code == 422 else {}
            # Positions the batch does not have would be the service's mistake; they must not stop the import.
            bad = {position: reason for position, reason in bad.items() if 0 <= position < batch.count}
            if not bad:
                raise ImportFailed(f"the service refused the batch at row {batch.origin(0).row}: "
                                   f"HTTP {response.status_code} {refusal_detail(response)}")
            rows = batch.parsed()
            for position, reason in sorted(bad.items()):
                row, origin = rows[position]
                where = {"line": origin.line} if origin.line is not None else {}
                summary.rejected.append({"row": origin.row, **where, "reason": reason, "record": row})
            batch = batch.keeping([position for position in range(batch.count) if position not in bad])

    def send_all(self, batches: Iterable[Batch], summary: Summary, *, concurrency: int = 1,
                 advance: Callable[[int], None] = lambda _rows: None) -> None:
        """Every batch, up to `concurrency` requests in flight (each batch is its own transaction and
        key, so their order does not matter), taken from `batches` as they come; `advance` is told
        each batch's size as it is done. A refused batch stops new ones; the import then fails naming
        the first refused batch's row."""
        pending: dict[Future[Summary], tuple[int, int]] = {}
        failures: dict[int, Exception] = {}
        todo = iter(batches)

        def one(batch: Batch) -> Summary:
            part = Summary()
            self.send_batch(batch, part)
            return part

        with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="import") as pool:
            def start_next() -> None:
                if not failures and (batch := next(todo, None)) is not None:
                    pending[pool.submit(one, batch)] = batch.origin(0).row, batch.count

            for _ in range(concurrency):
                start_next()
            while pending:
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    start, size = pending.pop(future)
                    try:
                        part = future.result()
                    except (ImportFailed, ServiceError) as exc:
                        failures[start] = exc
                        continue
                    summary.merge(part)
                    advance(size)
                    start_next()
        if failures:
            raise failures[min(failures)]

    def open_sync_session(self) -> str:
        """A sync session of the source (partners): its pushes then go into it."""
        response = send(self.client, "POST", f"/v1/sources/{self.source}/sync-sessions")
        if response.status_code != 201:
            raise ImportFailed(f"the service refused to open a sync session: HTTP {response.status_code} "
                               f"{refusal_detail(response)}")
        session_id = str(response.json()["id"])
        self.path = f"/v1/sources/{self.source}/sync-sessions/{session_id}/organisations"
        return session_id

    def close_sync_session(self, session_id: str, summary: Summary, *, confirm_withdraw: bool) -> None:
        """Close the session: the source's records its pushes did not hold are withdrawn (counted)."""
        response = send(self.client, "POST", f"/v1/sources/{self.source}/sync-sessions/{session_id}/close",
                        params={"confirm_withdraw": "true"} if confirm_withdraw else None,
                        headers={"Idempotency-Key": uuid.uuid4().hex})
        if response.is_success:
            summary.counts["withdrawn"] = summary.counts.get("withdrawn", 0) + int(response.json()["withdrawn"])
            return
        problem = problem_of(response)
        fields = {error.get("field") for error in problem.get("errors") or []}
        hint = " (send --confirm-withdraw if that is meant)" if "confirm_withdraw" in fields else ""
        raise ImportFailed(f"the service refused to close the sync session {session_id}: HTTP "
                           f"{response.status_code} {refusal_detail(response)}{hint}; nothing was withdrawn")


def write_rejected(path: Path, rejected: list[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8") as out:
        for item in rejected:
            out.write(json.dumps(item, ensure_ascii=False, default=str) + "\n")
