"""Pure rules for the bytes of an export file: CSV cells (formula-injection escaping, a UTF-8 BOM for
spreadsheet programs) and JSON Lines records.

A cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return is a formula to Excel, LibreOffice
and Google Sheets: a buyer's message `=HYPERLINK("http://evil", "click")` would run in the supervisor's
spreadsheet. Such cells get a leading `'`, which the spreadsheet shows as text (OWASP "CSV injection").
"""

from __future__ import annotations

import csv
import io
import json
import uuid
from collections.abc import Callable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


_FORMULA_FIRST = frozenset(FORMULA_STARTS)


def escape_cell(text: str) -> str:
    return "'" + text if text[:1] in _FORMULA_FIRST else text


def _text_cell(value: str) -> str:
    return "'" + value if value[:1] in _FORMULA_FIRST else value


def _other_cell(value: Any) -> str:
    return escape_cell(csv_text(value))


def _converter(kind: type) -> Callable[[Any], str]:
    if issubclass(kind, bool):
        return _other_cell
    if issubclass(kind, str):
        return _text_cell
    if issubclass(kind, uuid.UUID | int | Decimal | float):  # asyncpg's UUID is a subclass
        return str
    if issubclass(kind, datetime):
        return datetime.isoformat
    return _other_cell


_CONVERTERS: dict[type, Callable[[Any], str]] = {type(None): lambda _v: ""}


def cell(value: Any) -> str:
    """One value as an escaped CSV cell, by a converter chosen once per type (this runs for every
    cell of every export). Numbers are never escaped: `-3` is a number to a spreadsheet, not a formula."""
    convert = _CONVERTERS.get(type(value))
    if convert is None:
        convert = _CONVERTERS[type(value)] = _converter(type(value))
    return convert(value)


def csv_text(value: Any) -> str:
    """A value as one CSV cell (before escaping): lists joined with `; `, objects as JSON."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return "; ".join(csv_text(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, default=str, sort_keys=True)
    return str(value)


def json_value(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, uuid.UUID | Decimal):
        return str(value)
    if isinstance(value, list | tuple):
        return [json_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): json_value(v) for k, v in value.items()}
    return value


class CsvEncoder:
    """Rows to CSV bytes, a batch at a time (the file is written as it is read, never held whole)."""

    def __init__(self, columns: Sequence[str]) -> None:
        self.columns = list(columns)
        self._buffer = io.StringIO()
        self._writer = csv.writer(self._buffer, lineterminator="\r\n")

    def header(self) -> bytes:
        self._writer.writerow([escape_cell(c) for c in self.columns])
        return (BOM + self._take()).encode("utf-8")

    def rows(self, rows: Sequence[Sequence[Any]]) -> bytes:
        self._writer.writerows([[cell(v) for v in row] for row in rows])
        return self._take().encode("utf-8")

    def _take(self) -> str:
        out = self._buffer.getvalue()
        self._buffer.seek(0)
        self._buffer.truncate()
        return out


class JsonLinesEncoder:
    def __init__(self, columns: Sequence[str]) -> None:
        self.columns = list(columns)

    def header(self) -> bytes:
        return b""

    def rows(self, rows: Sequence[Sequence[Any]]) -> bytes:
        lines = [
            json.dumps(
                {c: json_value(v) for c, v in zip(self.columns, row, strict=True)},
                ensure_ascii=False,
                separators=(",", ":"),
            )
            for row in rows
        ]
        return ("\n".join(lines) + "\n").encode("utf-8") if lines else b""


Encoder = CsvEncoder | JsonLinesEncoder


def encoder_for(fmt: str, columns: Sequence[str]) -> Encoder:
    return CsvEncoder(columns) if fmt == "csv" else JsonLinesEncoder(columns)


Masker = Callable[[Any], Any]


def masked_rows(rows: Sequence[Sequence[Any]], maskers: dict[int, Masker]) -> list[Sequence[Any]]:
    """Each row with the cells at `maskers`' positions passed through their masking function."""
    if not maskers:
        return list(rows)
    out: list[Sequence[Any]] = []
    for row in rows:
        cells = list(row)
        for i, mask in maskers.items():
            if cells[i] is not None:
                cells[i] = mask(cells[i])
        out.append(cells)
    return out
