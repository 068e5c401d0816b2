"""The bytes of export files: formula escaping, BOM, lists and objects in cells, JSON Lines."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, datetime

import pytest

from api.export.formats import CsvEncoder, JsonLinesEncoder, csv_text, escape_cell, masked_rows
from api.privacy.masking import mask_email


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1 555", "'+1 555"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("plain", "plain"),
        ("a=b", "a=b"),
        ("", ""),
        ("退货 =1", "退货 =1"),
    ],
)
def test_formula_cells_get_a_leading_quote(cell: str, expected: str) -> None:
    assert escape_cell(cell) == expected


def test_csv_has_a_bom_and_escapes_every_cell_including_the_header() -> None:
    enc = CsvEncoder(["id", "subject"])
    raw = enc.header() + enc.rows([(1, "=cmd|' /C calc'!A0"), (2, "商品破损了")])
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows == [["id", "subject"], ["1", "'=cmd|' /C calc'!A0"], ["2", "商品破损了"]]


def test_cells_render_lists_objects_times_and_nulls() -> None:
    at = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    assert csv_text(["vip", "damaged"]) == "vip; damaged"
    assert csv_text({"b": 1, "a": "退"}) == '{"a": "退", "b": 1}'
    assert csv_text(at) == "2026-12-01T08:00:00+00:00"
    assert csv_text(None) == ""
    assert csv_text(True) == "true"


def test_json_lines_keep_values_unescaped_and_typed() -> None:
    ident = uuid.uuid4()
    raw = JsonLinesEncoder(["id", "subject", "labels"]).rows([(ident, "=1+1", ["a"])])
    assert raw == f'{{"id":"{ident}","subject":"=1+1","labels":["a"]}}\n'.encode()


def test_masking_applies_per_row_to_the_chosen_cells_only() -> None:
    rows = masked_rows([("jane@example.com", "jane@example.com"), (None, "x")], {0: mask_email})
    assert rows == [["j***@example.com", "jane@example.com"], [None, "x"]]


def test_numbers_are_not_escaped_but_text_that_looks_like_one_is() -> None:
    from decimal import Decimal

    from api.export.formats import cell

    assert [cell(-3), cell(Decimal("-1.50")), cell("-3"), cell(None), cell(True)] == ["-3", "-1.50", "'-3", "", "true"]
