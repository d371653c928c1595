"""Reading a feed's body: CSV records, or JSON observations parsed one by one (ijson), handed on in lists.

Both read the spooled body (body.SpooledBody) and hand the event loop back between lists, so that
a long feed does not keep the process from answering others meanwhile. A list a turn, not a record:
an async generator's step per row cost a million-row feed more than its CSV parsing.
"""

import asyncio
import codecs
import csv
import io
from collections.abc import AsyncIterator
from typing import IO, Any

import ijson

from common.problems import Problem, field_error
from services.metrics_api.domain.feed.checking import COLUMN_SET, COLUMNS, REQUIRED_COLUMNS, Checker

OPTIONAL_COLUMNS = tuple(name for name in COLUMNS if name not in REQUIRED_COLUMNS)
# The loop is handed back once a block read: the COPY or comparison of the chunk before runs meanwhile,
# a step each turn, so a block is small enough (about 1,500 rows) that the database is not left waiting.
READ_SIZE = 64 * 1024
JSON_ROWS_PER_TURN = 2000


class FeedFormatError(Exception):
    """The body as a whole cannot be read (not the bad-row case): one problem, nothing written."""

    def __init__(self, reason: str, field_name: str = "body", line: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.field_name = field_name
        self.line = line


def _record_end(text: str) -> int:
    """Where the last complete CSV record of `text` ends (after its line break), 0 if none does.

    A record ends at a line break outside quotes: a quoted field may hold line breaks. Only `\n`
    breaks a line (`\r\n` ends in it); the other characters Unicode counts as line breaks are
    text in a field, as the client wrote them.
    """
    last = text.rfind("\n")
    if last < 0 or '"' not in text:
        return last + 1
    end = quotes = start = 0
    while (line_end := text.find("\n", start)) >= 0:
        quotes += text.count('"', start, line_end)
        if quotes % 2 == 0:
            end = line_end + 1
        start = line_end + 1
    return end


def _too_long(line: int, max_row_chars: int) -> FeedFormatError:
    return FeedFormatError(
        f"Line {line} starts a row longer than {max_row_chars} characters (a quote left open makes the rest of the "
        "file one field).", "row", line)


def _lines(text: str) -> list[str]:
    """The lines of `text`, each with its `\n` (str.splitlines would also break at U+2028, U+0085, ...)."""
    return io.StringIO(text, newline="\n").readlines()


async def text_lines(body: IO[bytes], max_row_chars: int) -> AsyncIterator[tuple[int, list[str]]]:
    """(number of the first line, the lines) of complete CSV records, UTF-8 with an optional byte-order mark.

    Lines are counted as the client sent them. A row (so every field) longer than `max_row_chars`
    is refused as soon as it is seen, so a stray quote or a 10 MB line costs no more than that.
    """
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    pending = ""
    first_line = 1
    try:
        while chunk := body.read(READ_SIZE):
            pending += decoder.decode(chunk)
            end = _record_end(pending)
            if end:
                lines = _lines(pending[:end])
                pending = pending[end:]
                if max(map(len, lines)) > max_row_chars:
                    raise _too_long(first_line + next(i for i, line in enumerate(lines) if len(line) > max_row_chars),
                                    max_row_chars)
                yield first_line, lines
                first_line += len(lines)
                await asyncio.sleep(0)
            if len(pending) > max_row_chars:
                raise _too_long(first_line, max_row_chars)
        pending += decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        raise FeedFormatError(f"The CSV is not UTF-8 text (from line {first_line} on).") from None
    if pending:
        yield first_line, _lines(pending)


async def csv_records(body: IO[bytes], checker: Checker, max_row_chars: int) -> AsyncIterator[list[tuple]]:
    """Checked staging records of a CSV body, a list per block of lines; the separator is sniffed from the
    header line."""
    header: list[str] | None = None
    delimiter = ","
    positions: tuple[list[int], list[int | None]] = ([], [])
    async for first_line, lines in text_lines(body, max_row_chars):
        if header is None:
            first = lines[0]
            delimiter = ";" if first.count(";") > first.count(",") else ","
            header = [name.strip().lower() for name in next(csv.reader([first], delimiter=delimiter))]
            positions = _column_positions(header)
            lines = lines[1:]
            first_line += 1
        reader = csv.reader(lines, delimiter=delimiter)
        width = len(header)
        (m, r, p, o, v), (s, a, x) = positions
        records: list[tuple] = []
        keep = records.append
        while True:
            line = first_line + reader.line_num  # the line this record starts on
            try:
                fields = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                checker.rows += 1
                checker.bad_rows += 1
                checker.error(line, "row", f"Not CSV: {exc}.")
                continue
            if len(fields) != width:
                if not fields or fields == [""]:
                    continue  # a blank line, as spreadsheets leave at the end
                checker.rows += 1
                checker.bad_rows += 1
                checker.error(line, "row", f"{len(fields)} fields where the header has {width}.")
                continue
            status = fields[s] if s is not None else ""
            action = fields[a] if a is not None else ""
            reason = fields[x] if x is not None else ""
            record = checker.fast(line, fields[m], fields[r], fields[p], fields[o], fields[v], status, action, reason)
            if record is None:
                record = checker.check(line, fields[m].strip(), fields[r].strip(), fields[p].strip(),
                                       fields[o].strip(), fields[v], status.strip(), action.strip(), reason.strip())
            if record is not None:
                keep(record)
        if records:
            yield records
    if header is None:
        raise FeedFormatError("The CSV is empty: it needs a header row.")


def _column_positions(header: list[str]) -> tuple[list[int], list[int | None]]:
    """Where the required columns stand, and the optional ones (None when absent)."""
    errors = [field_error(name or f"column {index + 1}", "Unknown column; the columns are " + ", ".join(COLUMNS) + ".",
                          **{"in": "header"})
              for index, name in enumerate(header) if name not in COLUMNS]
    errors += [field_error(name, "Duplicate column.", **{"in": "header"})
               for index, name in enumerate(header) if name in COLUMNS and name in header[:index]]
    errors += [field_error(name, "Missing column.", **{"in": "header"})
               for name in REQUIRED_COLUMNS if name not in header]
    if errors:
        raise Problem(422, "Validation failed", "The CSV header is not right; nothing was written.",
                      type="validation", errors=errors)
    return ([header.index(name) for name in REQUIRED_COLUMNS],
            [header.index(name) if name in header else None for name in OPTIONAL_COLUMNS])


async def json_records(body: IO[bytes], checker: Checker) -> AsyncIterator[list[tuple]]:
    """Checked staging records of `{"observations": [...]}`, parsed item by item (ijson), in lists.

    The nesting depth was checked as the body arrived (common.limits), before ijson, whose memory
    grows with the square of the depth, reads it.
    """
    index = -1
    records: list[tuple] = []
    try:
        for row in ijson.items(body, "observations.item", use_float=False):
            index += 1
            if index % JSON_ROWS_PER_TURN == 0:
                if records:
                    yield records
                    records = []
                await asyncio.sleep(0)
            if not isinstance(row, dict):
                checker.rows += 1
                checker.bad_rows += 1
                checker.error(index, "row", "An observation is an object.")
                continue
            unknown = row.keys() - COLUMN_SET
            for name in sorted(unknown):
                checker.error(index, name, "Unknown field.")
            record = checker.check(
                index, row.get("measure"), row.get("region"), row.get("period"), row.get("occupation"),
                row.get("value"), _text(row.get("status")), _text(row.get("action")), _text(row.get("missing_reason")),
            )
            if record is None:
                continue
            if unknown:
                checker.bad_rows += 1
                continue
            records.append(record)
    except ijson.JSONError:
        raise FeedFormatError(f"The body is not valid JSON (after observation {index + 1}).") from None
    if records:
        yield records


def _text(value: Any) -> Any:
    return "" if value is None else value
