"""Reading CSV files for imports: streamed row by row, header by name, every row numbered.

Memory does not grow with the file: rows are read one at a time from the open file. A row with bytes
that are not UTF-8, a line longer than `MAX_LINE_CHARS` or malformed quoting is rejected by its line
number; a file beyond `MAX_FILE_BYTES` stops at the line where the limit was reached, with that line
named. Only a file that cannot be a CSV at all (no header, binary data, another separator, required
columns missing) is refused as a whole, with what was expected.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

from pydantic import ValidationError

MAX_LINE_CHARS = 10_000  # one physical line, so one field too
MAX_FILE_BYTES = 100 * 1024 * 1024
EXPECTED = "expected UTF-8 text with a header row and comma-separated columns"


@dataclass(frozen=True)
class Rejected:
    line: int
    reason: str


@dataclass(frozen=True)
class CsvRow:
    line: int
    values: dict[str, str]


class BadCsvFile(ValueError):
    """The file as a whole cannot be imported (no header, required columns missing)."""


class _LineTooLong(Exception):
    pass


class _FileTooLarge(Exception):
    pass


class _Lines:
    """The file's physical lines, decoded one by one; counts them and enforces the size limits.

    An iterator class rather than a generator so that it can raise for one line and go on with the next.
    """

    def __init__(self, source: IO[bytes], *, max_line: int, max_bytes: int) -> None:
        self._source = source
        self.max_line = max_line
        self.max_bytes = max_bytes
        self.count = 0  # physical lines read so far
        self.size = 0

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        raw = self._source.readline(self.max_line * 4 + 1)  # a UTF-8 character is at most 4 bytes
        if not raw:
            raise StopIteration
        self.count += 1
        self.size += len(raw)
        if self.size > self.max_bytes:
            raise _FileTooLarge
        if not raw.endswith(b"\n") and len(raw) > self.max_line * 4:
            self._skip_rest_of_line()
            raise _LineTooLong
        # A line ends at a newline byte, never inside a UTF-8 sequence: each line decodes on its own.
        text = raw.decode("utf-8", errors="surrogateescape")
        if self.count == 1:
            text = text.removeprefix("\ufeff")
        if len(text.rstrip("\r\n")) > self.max_line:
            raise _LineTooLong
        return text

    def _skip_rest_of_line(self) -> None:
        while chunk := self._source.readline(64 * 1024):
            self.size += len(chunk)
            if self.size > self.max_bytes:
                raise _FileTooLarge
            if chunk.endswith(b"\n"):
                return


def read_rows(
    source: IO[bytes],
    *,
    required: tuple[str, ...],
    max_line: int = MAX_LINE_CHARS,
    max_bytes: int = MAX_FILE_BYTES,
) -> Iterator[CsvRow | Rejected]:
    """Rows keyed by lower-case column name, or the rejection of a row; the header is checked first
    (BadCsvFile), so a wrong file is refused before anything is read past it."""
    lines = _Lines(source, max_line=max_line, max_bytes=max_bytes)
    reader = csv.reader(lines)
    columns = _header(reader, required)
    return _rows(reader, lines, columns)


def _header(reader: Iterator[list[str]], required: tuple[str, ...]) -> list[str]:
    try:
        header = next(reader, None)
    except (csv.Error, _LineTooLong, _FileTooLarge):
        raise BadCsvFile(f"the first line is not a CSV header: {EXPECTED}") from None
    if header is None:
        raise BadCsvFile("the file is empty: expected a header row")
    if any(_has_undecodable_bytes(name) or "\x00" in name for name in header):
        raise BadCsvFile(f"the file is not text (binary data in the header): {EXPECTED}")
    columns = [name.strip().lower() for name in header]
    missing = [name for name in required if name not in columns]
    if missing and len(columns) == 1 and ";" in columns[0]:
        raise BadCsvFile(f"the columns are separated by semicolons: {EXPECTED} (save as CSV with commas)")
    if missing:
        raise BadCsvFile(f"missing column(s): {', '.join(missing)} (the header has: {', '.join(columns)})")
    return columns


def _rows(reader: Iterator[list[str]], lines: _Lines, columns: list[str]) -> Iterator[CsvRow | Rejected]:
    while True:
        line = lines.count + 1  # the row's first physical line
        try:
            fields = next(reader)
        except StopIteration:
            return
        except _FileTooLarge:
            yield Rejected(
                line, f"the file passes the limit of {lines.max_bytes} bytes: this line and later ones were not read"
            )
            return
        except _LineTooLong:
            yield Rejected(line, f"field too long (a line may hold at most {lines.max_line} characters)")
            continue
        except csv.Error as error:
            yield Rejected(line, f"not a well-formed CSV row ({error})")
            continue
        if not any(field.strip() for field in fields):
            continue
        if any(_has_undecodable_bytes(field) for field in fields):
            yield Rejected(line, "not valid UTF-8 text (save the file as UTF-8)")
        elif len(fields) > len(columns):
            yield Rejected(line, f"{len(fields)} fields but the header has {len(columns)} columns")
        else:
            padded = fields + [""] * (len(columns) - len(fields))
            yield CsvRow(line, {name: value.strip() for name, value in zip(columns, padded, strict=True)})


def describe_validation_error(error: ValidationError) -> str:
    """`amount: must be >= 0; ordered_at: …` — field names first, pydantic's wording after."""
    parts = []
    for item in error.errors():
        field = ".".join(str(part) for part in item["loc"]) or "row"
        message = str(item["msg"]).removeprefix("Value error, ")
        parts.append(f"{field}: {message}")
    return "; ".join(parts)


def _has_undecodable_bytes(field: str) -> bool:
    return any("\udc80" <= char <= "\udcff" for char in field)
