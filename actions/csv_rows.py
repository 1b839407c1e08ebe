"""Reading CSV files for imports: header by name, every row numbered, undecodable bytes caught per row."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from pydantic import ValidationError


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


def read_rows(data: bytes, *, required: tuple[str, ...]) -> tuple[list[CsvRow], list[Rejected]]:
    """Rows keyed by lower-case column name; rows with bytes that are not UTF-8 are rejected, not guessed."""
    text = data.decode("utf-8", errors="surrogateescape").removeprefix("\ufeff")
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if header is None:
        raise BadCsvFile("the file is empty: expected a header row")
    columns = [name.strip().lower() for name in header]
    missing = [name for name in required if name not in columns]
    if missing:
        raise BadCsvFile(f"missing column(s): {', '.join(missing)} (the header has: {', '.join(columns)})")
    rows: list[CsvRow] = []
    rejected: list[Rejected] = []
    for fields in reader:
        line = reader.line_num - sum(field.count("\n") for field in fields)  # first physical line
        if not any(field.strip() for field in fields):
            continue
        if any(_has_undecodable_bytes(field) for field in fields):
            rejected.append(Rejected(line, "not valid UTF-8 text (save the file as UTF-8)"))
            continue
        if len(fields) > len(columns):
            rejected.append(Rejected(line, f"{len(fields)} fields but the header has {len(columns)} columns"))
            continue
        padded = fields + [""] * (len(columns) - len(fields))
        rows.append(CsvRow(line, {name: value.strip() for name, value in zip(columns, padded, strict=True)}))
    return rows, rejected


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
