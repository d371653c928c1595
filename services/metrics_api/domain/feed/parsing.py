"""Reading a feed's body as it streams in: CSV lines in batches, or JSON observations one by one (ijson)."""

import codecs
import csv
import hashlib
from collections.abc import AsyncIterator
from typing import Any

import ijson

from common.problems import Problem, field_error
from services.metrics_api.domain.feed.checking import COLUMN_SET, COLUMNS, REQUIRED_COLUMNS, Checker

OPTIONAL_COLUMNS = tuple(name for name in COLUMNS if name not in REQUIRED_COLUMNS)


class FeedFormatError(Exception):
    """The body as a whole cannot be read (not the bad-row case): one problem, nothing written."""

    def __init__(self, reason: str, field_name: str = "body") -> None:
        super().__init__(reason)
        self.reason = reason
        self.field_name = field_name


class HashingStream:
    """The body's chunks, hashed as they pass (the Idempotency-Key fingerprint needs the digest)."""

    def __init__(self, chunks: AsyncIterator[bytes]) -> None:
        self.chunks = chunks
        self.digest = hashlib.sha256()
        self.size = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self.chunks:
            self.digest.update(chunk)
            self.size += len(chunk)
            yield chunk


async def text_lines(chunks: AsyncIterator[bytes]) -> AsyncIterator[list[str]]:
    """Complete CSV lines in batches, UTF-8 with an optional byte-order mark.

    A batch ends only where the quotes seen so far are balanced, so a quoted field that holds a
    newline is never cut in two.
    """
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    pending = ""
    try:
        async for chunk in chunks:
            pending += decoder.decode(chunk)
            cut = pending.rfind("\n")
            if cut < 0 or pending.count('"', 0, cut) % 2:
                continue
            complete, pending = pending[:cut + 1], pending[cut + 1:]
            yield complete.splitlines(keepends=True)
        pending += decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        raise FeedFormatError("The CSV is not UTF-8 text.") from None
    if pending:
        yield pending.splitlines(keepends=True)


async def csv_records(chunks: AsyncIterator[bytes], checker: Checker) -> AsyncIterator[tuple]:
    """Checked staging records of a CSV body; the separator is sniffed from the header line."""
    header: list[str] | None = None
    delimiter = ","
    line_offset = 0
    positions: tuple[list[int], list[int | None]] = ([], [])
    async for lines in text_lines(chunks):
        if header is None:
            first = lines[0]
            delimiter = ";" if first.count(";") > first.count(",") else ","
            header = [name.strip().lower() for name in next(csv.reader([first], delimiter=delimiter))]
            positions = _column_positions(header)
            lines = lines[1:]
            line_offset = 1
        reader = csv.reader(lines, delimiter=delimiter)
        width = len(header)
        (m, r, p, o, v), (s, a, x) = positions
        for fields in reader:
            line = line_offset + reader.line_num
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
                yield record
        line_offset += reader.line_num
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


class ChunkReader:
    """The body's chunks as the async file object ijson reads (`read(n)` gives at most n bytes)."""

    def __init__(self, chunks: AsyncIterator[bytes]) -> None:
        self._chunks = chunks
        self._buffer = b""

    async def read(self, size: int = -1) -> bytes:
        while size < 0 or len(self._buffer) < size:
            try:
                self._buffer += await anext(self._chunks)
            except StopAsyncIteration:
                break
        if size < 0:
            size = len(self._buffer)
        piece, self._buffer = self._buffer[:size], self._buffer[size:]
        return piece


async def json_records(chunks: AsyncIterator[bytes], checker: Checker) -> AsyncIterator[tuple]:
    """Checked staging records of `{"observations": [...]}`, parsed as the body streams in (ijson)."""
    index = -1
    try:
        async for row in ijson.items(ChunkReader(chunks), "observations.item", use_float=False):
            index += 1
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
            yield record
    except ijson.JSONError:
        raise FeedFormatError(f"The body is not valid JSON (after observation {index + 1}).") from None


def _text(value: Any) -> Any:
    return "" if value is None else value
