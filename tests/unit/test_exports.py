"""CSV cells are data, never formulas; amounts stay numbers; file names stay in their folder."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from connector.channels.base import safe_name
from connector.exports import csv_cell, csv_document
from connector.money import Money

FORMULA = ("=", "+", "-", "@", "\t", "\r")
HOSTILE = [
    '=HYPERLINK("http://evil.example","clic")',
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1:A9)",
    "\t=1+1",
    "\r=1+1",
]


def _read(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


@pytest.mark.parametrize("value", HOSTILE)
def test_a_hostile_text_cell_is_written_as_text(value: str) -> None:
    (header, row) = _read(csv_document(["name"], [[value]]))
    assert header == ["name"]
    assert row == ["'" + value]


def test_numbers_dates_and_money_are_plain_and_unambiguous() -> None:
    row = [
        Decimal("-1234.5"),
        Money.of("-500", "EUR"),
        Money.of("40", "EUR"),
        Decimal("1E+2"),
        7,
        date(2026, 4, 1),
        datetime(2026, 4, 1, 9, 30, tzinfo=UTC),
        None,
    ]
    (_, written) = _read(csv_document([f"c{n}" for n in range(len(row))], [row]))
    assert written == [
        "-1234.5",
        "-500.00",
        "40.00",
        "100",
        "7",
        "2026-04-01",
        "2026-04-01T09:30:00+00:00",
        "",
    ]
    assert Decimal(written[0]) == Decimal("-1234.5")  # still a number, not '-1234.5


def test_a_header_can_be_hostile_too_and_rows_must_fit_it() -> None:
    (header,) = _read(csv_document(["=evil"], []))
    assert header == ["'=evil"]
    with pytest.raises(ValueError, match="row of 2 cells"):
        csv_document(["one"], [["a", "b"]])
    with pytest.raises(ValueError, match="not a number"):
        csv_cell(Decimal("NaN"))


@given(st.text())
def test_no_text_cell_ever_starts_a_formula_and_nothing_is_lost(value: str) -> None:
    (_, row) = _read(csv_document(["v"], [[value]]))
    (cell,) = row
    assert not cell.startswith(FORMULA)
    restored = cell[1:] if value.startswith(FORMULA) else cell
    # the csv module reads \r\n inside a quoted cell back as written
    assert restored == value


@given(st.decimals(allow_nan=False, allow_infinity=False, places=2))
def test_a_decimal_reads_back_as_the_same_number(value: Decimal) -> None:
    (_, row) = _read(csv_document(["v"], [[value]]))
    assert Decimal(row[0]) == value
    assert re.fullmatch(r"-?\d+(\.\d+)?", row[0])


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("../../etc/passwd", "etc_passwd"),
        ("C:\\x", "C_x"),
        ("a\x00b\nc\x07", "a_b_c"),
        ("Société Générale", "Societe_Generale"),
        ("F/2026/001", "F_2026_001"),
        ("files:lumen:C009|reminder_1|2026-10-01", "files_lumen_C009_reminder_1_2026-10-01"),
        ("-rf", "rf"),
        ("...hidden", "hidden"),
    ],
)
def test_safe_name_of_hostile_ids(raw: str, expected: str) -> None:
    assert safe_name(raw) == expected


@pytest.mark.parametrize("raw", ["", ".", "..", "/", "\\", "\x00", "CON", "nul.txt", "COM1"])
def test_a_name_with_nothing_safe_left_gets_a_digest(raw: str) -> None:
    name = safe_name(raw, fallback="piece")
    assert re.fullmatch(r"piece-[0-9a-f]{12}", name)


SAFE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


@given(st.text())
def test_any_id_gives_one_portable_path_component(raw: str) -> None:
    name = safe_name(raw)
    assert SAFE.fullmatch(name), name
    assert len(name) <= 180
    assert not name.endswith(".")
    assert name not in (".", "..")
    assert ".." not in name
