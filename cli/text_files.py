"""Reading a text file as Dutch offices write them: UTF-8, UTF-8 with a byte order mark (Excel's
"CSV UTF-8"), or Windows-1252 (Excel's plain "CSV" on a Dutch Windows). Anything else is refused
with the file's name and why, never read as mojibake; `--encoding` names any other codec.

UTF-8 is tried first and strictly: a Windows-1252 file with a letter beyond ASCII (é, ë, €) is not
valid UTF-8, while a UTF-8 file is almost never valid text when read as Windows-1252 the other way
round, so the order decides rightly. Windows-1252 leaves five bytes undefined (0x81, 0x8D, 0x8F,
0x90, 0x9D): a file holding one is neither.

A CSV row is known by its number among the file's rows and the line of the file it starts on (a
quoted cell may span lines). A row the file itself spoils (broken quoting, a cell past the CSV
module's size limit, more cells than the header names) is set aside as malformed with that line.

A batch of rows (`Batch`) is either a CSV file's plain lines (`Lines`) or parsed rows (`ParsedRows`);
each writes itself as the CSV body the feed is sent.
"""

import codecs
import csv
import io
import re
from bisect import bisect_right
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice, repeat
from pathlib import Path
from typing import Any, Protocol

DETECTED = ("utf-8", "cp1252")
# Byte order marks of encodings a spreadsheet may write but this reader does not guess.
OTHER_MARKS = {codecs.BOM_UTF32_LE: "UTF-32", codecs.BOM_UTF32_BE: "UTF-32",
               codecs.BOM_UTF16_LE: "UTF-16", codecs.BOM_UTF16_BE: "UTF-16"}


class UnreadableText(ValueError):
    """The file is not text in the encodings read; the message names the file and says what to do."""


def read_text(path: Path, encoding: str | None = None) -> tuple[str, str]:
    """The file's text and the encoding it was read in (`utf-8-sig` for UTF-8 with a byte order mark)."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise UnreadableText(f"cannot read {path}: {exc.strerror or exc}") from None
    if encoding is not None:
        return _decoded(path, raw, encoding), encoding
    if raw.startswith(codecs.BOM_UTF8):
        return _decoded(path, raw, "utf-8-sig"), "utf-8-sig"
    for mark, name in OTHER_MARKS.items():  # UTF-32's marks begin with UTF-16's: they are tried first
        if raw.startswith(mark):
            raise UnreadableText(f"{path} is {name} (it starts with a {name} byte order mark); save it as "
                                 f"CSV UTF-8, or pass --encoding {name.lower()}")
    nul = raw.find(b"\x00")
    if nul >= 0:
        raise UnreadableText(f"{path} holds a NUL byte at byte {nul}: it is not text in UTF-8 or Windows-1252 "
                             "(perhaps UTF-16 without a byte order mark: pass --encoding utf-16)")
    for name in DETECTED:
        try:
            return raw.decode(name), name
        except UnicodeDecodeError as exc:
            failure = exc
    raise UnreadableText(f"{path} is neither UTF-8 nor Windows-1252: byte 0x{raw[failure.start]:02X} at byte "
                         f"{failure.start} is undefined in both; pass --encoding with the file's encoding")


def _decoded(path: Path, raw: bytes, encoding: str) -> str:
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise UnreadableText(f"unknown encoding '{encoding}' for {path}") from None
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as exc:
        raise UnreadableText(f"{path} is not {encoding}: byte 0x{raw[exc.start]:02X} at byte {exc.start} "
                             f"({exc.reason})") from None


# --- a CSV file's rows ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Origin:
    """Where a row came from: its number among the file's rows (1 for the first), and its first line."""

    row: int
    line: int | None = None


@dataclass
class FileRows:
    rows: list[dict[str, Any]] = field(default_factory=list)
    origins: list[Origin] = field(default_factory=list)
    # Rows the file itself spoils, rejected before anything is sent: {"row", "line", "reason", "record"}.
    malformed: list[dict[str, Any]] = field(default_factory=list)


Row = tuple[dict[str, Any], Origin]  # a parsed row and where it came from


class Batch(Protocol):
    """Rows sent in one request: `count` of them, each known by its position in the batch."""

    @property
    def count(self) -> int: ...

    def origin(self, position: int) -> Origin: ...

    def parsed(self) -> list[Row]: ...

    def keeping(self, positions: list[int]) -> "Batch": ...

    def csv_body(self) -> tuple[str, Callable[[int], int]]:
        """The CSV the feed is sent, and how to find a row's position by the line the feed names."""


@dataclass
class ParsedRows:
    """Rows parsed into dicts: a JSON file's, or a CSV file's that do not go as plain lines."""

    rows: list[Row]

    @property
    def count(self) -> int:
        return len(self.rows)

    def origin(self, position: int) -> Origin:
        return self.rows[position][1]

    def parsed(self) -> list[Row]:
        return self.rows

    def keeping(self, positions: list[int]) -> "ParsedRows":
        return ParsedRows([self.rows[position] for position in positions])

    def csv_body(self) -> tuple[str, Callable[[int], int]]:
        text, starts = rows_as_csv([row for row, _ in self.rows])
        return text, lambda line: bisect_right(starts, line) - 1


@dataclass
class Lines:
    """Rows of a CSV file that are one plain line each, to be sent as the file writes them after its
    header line: `origins` where each came from (`first`, `first` + 1, ... until set)."""

    reading: "CsvReading"
    lines: str
    first: Origin
    count: int
    origins: list[Origin] | None = None

    @property
    def header(self) -> str:
        return self.reading.text[:self.reading.offset]

    def origin(self, position: int) -> Origin:
        if self.origins is not None:
            return self.origins[position]
        assert self.first.line is not None  # a plain line's origin always has one
        return Origin(self.first.row + position, self.first.line + position)

    def parsed(self) -> list[Row]:
        """The rows, as `CsvReading.rows` reads them, with their origins."""
        return [(self.reading.record(line), self.origin(position))
                for position, line in enumerate(self.lines.split("\n")[:-1])]

    def keeping(self, positions: list[int]) -> "Lines":
        lines = self.lines.split("\n")
        return Lines(self.reading, "".join(lines[position] + "\n" for position in positions), self.first,
                     len(positions), [self.origin(position) for position in positions])

    def csv_body(self) -> tuple[str, Callable[[int], int]]:
        return self.header + self.lines, lambda line: line - 2  # a line a row, after the header's


class UnreadableCsv(ValueError):
    """The header row is not CSV; nothing of the file is read."""


# Whitespace a cell may start or end with (`str.strip`'s), besides the line breaks.
_SPACE = re.compile(r"[^\S\r\n]")
# A lone \r ends a line for the csv module, not for the feed: a file holding one is parsed row by row.
_LONE_CR = re.compile(r"\r(?!\n)")


class CsvReading:
    """A CSV file's rows as they are read (the separator is the header line's commonest of `;` and `,`).

    `rows` parses each row into a dict, as every import does for JSON bodies. `plain_batches`
    leaves rows unparsed where the file lets the service read them exactly as the parsed rows would
    read: lines with every cell there, no quotes, no blank cells in front, no spaces (so nothing for
    a strip to change), a header of the service's own columns; the rest is parsed as by `rows`."""

    def __init__(self, text: str, found: FileRows) -> None:
        self.text, self.found = text, found
        first_line = text.split("\n", 1)[0]
        self.delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
        # newline="": lines end at \n, \r\n or \r only, as the file's lines do (not at U+2028 and the like).
        buffer = io.StringIO(text, newline="")
        reader = csv.reader(buffer, delimiter=self.delimiter, strict=True)
        try:
            cells = next(reader, None)
        except csv.Error as exc:
            raise UnreadableCsv(f"the header row is not CSV: {exc}") from None
        self.header = [name.strip() for name in cells] if cells is not None else None
        self.header_lines, self.offset = reader.line_num, buffer.tell()
        self.number = 0  # rows read so far, malformed ones included

    def rows(self, text: str | None = None, first_line: int | None = None) -> Iterator[Row]:
        """Each good row of `text` (the file after its header) with its origin, which `found.origins`
        gets too; malformed rows go to `found.malformed`."""
        if self.header is None:
            return
        header, width = self.header, len(self.header)
        text = self.text[self.offset:] if text is None else text
        before = self.header_lines if first_line is None else first_line - 1
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=self.delimiter, strict=True)
        while True:
            line = before + reader.line_num + 1
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                self.number += 1
                self.found.malformed.append(_malformed(self.number, line, before + reader.line_num,
                                                       f"not CSV: {exc}"))
                continue
            if not any(cell.strip() for cell in cells):
                continue  # a blank line, as spreadsheets leave at the end
            self.number += 1
            if len(cells) > width:
                self.found.malformed.append(_malformed(
                    self.number, line, before + reader.line_num, f"{len(cells)} cells where the header names "
                    f"{width}", dict(zip(header, cells, strict=False))))
                continue
            record = {name: cell.strip() for name, cell in zip(header, cells, strict=False) if name}
            origin = Origin(self.number, line)
            self.found.origins.append(origin)
            yield {name: value for name, value in record.items() if value != ""}, origin

    def record(self, line: str) -> dict[str, Any]:
        """The row of a plain line, as `rows` reads it."""
        cells = line.rstrip("\r\n").split(self.delimiter)
        return {name: cell for name, cell in zip(self.header or [], cells, strict=False) if name and cell}

    def plain_batches(self, size: int, columns: Collection[str], required: Collection[str]) -> Iterator[Batch]:
        """Batches of `size` rows: plain lines as they are where they may be (see the class), else parsed.

        Plain only with a one-line header of `columns` (case aside, each once, `required` among them):
        a parsed batch sends the columns that have a value, so a header the service would read
        otherwise goes through `rows` whole. From the first quote or lone \\r on, every row is parsed."""
        names = [name.lower() for name in self.header or []]
        header = self.text[:self.offset]
        if (self.header is None or self.header_lines != 1 or '"' in header or _LONE_CR.search(header)
                or len(set(names)) < len(names) or not set(names) <= set(columns) or not set(required) <= set(names)):
            yield from batched(self.rows(), size)
            return
        end = min(_first(self.text, '"', self.offset), _first_match(_LONE_CR, self.text, self.offset))
        end = max(self.text.rfind("\n", self.offset, end) + 1, self.offset) if end < len(self.text) else end
        lines = self.text[self.offset:end].split("\n")
        if lines[-1] == "":
            lines.pop()
        cells = len(names) - 1
        needed = [position for position, name in enumerate(names) if name in required]
        next_line = 2
        for start in range(0, len(lines), size):
            chunk = lines[start:start + size]
            text = "\n".join(chunk) + "\n"
            first = chunk[0].rstrip("\r").split(self.delimiter)
            plain = (set(map(str.count, chunk, repeat(self.delimiter))) == {cells} and all(first[p] for p in needed)
                     and not text.startswith(self.delimiter) and "\n" + self.delimiter not in text
                     and max(map(len, chunk)) < csv.field_size_limit() and not _SPACE.search(text))
            if plain:
                yield Lines(self, text, Origin(self.number + 1, next_line), len(chunk))
                self.number += len(chunk)
            else:
                parsed = list(self.rows(text, next_line))
                if parsed:
                    yield ParsedRows(parsed)
            next_line += len(chunk)
        if end < len(self.text):
            yield from batched(self.rows(self.text[end:], next_line), size)


def _first(text: str, what: str, start: int) -> int:
    found = text.find(what, start)
    return found if found >= 0 else len(text)


def _first_match(pattern: re.Pattern[str], text: str, start: int) -> int:
    found = pattern.search(text, start)
    return found.start() if found else len(text)


def batched(rows: Iterable[Row], size: int) -> Iterator[ParsedRows]:
    todo = iter(rows)
    while batch := list(islice(todo, size)):
        yield ParsedRows(batch)


def rows_as_csv(rows: list[dict[str, Any]]) -> tuple[str, list[int]]:
    """Rows back to CSV as the feed reads it (`;`-separated, so decimal commas pass unchanged), and the
    line each row starts on (a cell holding a line break spans lines; line 1 is the header)."""
    columns = list(dict.fromkeys(key for row in rows for key in row))
    out, piece = io.StringIO(), io.StringIO()
    csv.DictWriter(out, fieldnames=columns, delimiter=";", lineterminator="\n").writeheader()
    if not any("\n" in cell or "\r" in cell for row in rows for cell in row.values() if isinstance(cell, str)):
        # No cell breaks a line: row n starts on line n + 2, and the rows are written in one go.
        csv.DictWriter(out, fieldnames=columns, delimiter=";", lineterminator="\n").writerows(rows)
        return out.getvalue(), list(range(2, len(rows) + 2))
    writer = csv.DictWriter(piece, fieldnames=columns, delimiter=";", lineterminator="\n")
    starts, line = [], 2
    for row in rows:
        piece.seek(0)
        piece.truncate()
        writer.writerow(row)
        starts.append(line)
        line += piece.getvalue().count("\n")
        out.write(piece.getvalue())
    return out.getvalue(), starts


def _malformed(number: int, line: int, last_line: int, reason: str,
               record: dict[str, Any] | None = None) -> dict[str, Any]:
    where = f"line {line}" if last_line <= line else f"lines {line} to {last_line}"
    return {"row": number, "line": line, "reason": f"{where}: {reason}", "record": record or {}}
