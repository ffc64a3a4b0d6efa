"""CSV files relance writes for people to open in a spreadsheet: data, never formulas.

A spreadsheet reads a cell that starts with ``=``, ``+``, ``-`` or ``@`` (and, in some, one
that starts with a tab or a carriage return) as a formula: a customer name or an invoice
number from a platform could run one on the creditor's machine. Every CSV relance writes
goes through :func:`csv_document`, which decides each cell by its Python type:

* text (``str`` and anything not listed below) starting with one of those characters gets
  a leading ``'``, which spreadsheets show as text and never evaluate;
* numbers (``Decimal``, ``int``, ``Money``'s amount to the cent) are written as plain decimals,
  ``-1234.50`` with a point and no thousands separator: a negative amount stays a number a
  spreadsheet adds up, and a number can never be a formula;
* dates are ISO (``2026-11-23``), instants ISO with their offset, ``None`` an empty cell.

The file is UTF-8 with a byte-order mark, so a French spreadsheet opens accents right.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from enum import Enum

from connector.money import Money

__all__ = ["Cell", "csv_cell", "csv_document"]

Cell = str | Decimal | int | Money | date | datetime | Enum | None

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Cell) -> str:
    """One cell as written: numbers as plain decimals, text neutralised against formulas."""
    match value:
        case None:
            return ""
        case bool():
            return "true" if value else "false"
        case Money():
            return _decimal(value.rounded().amount)
        case Decimal():
            return _decimal(value)
        case int():
            return str(value)
        case datetime() | date():
            return value.isoformat()
        case Enum():
            return _text(str(value.value))
        case _:
            return _text(str(value))


def _decimal(value: Decimal) -> str:
    if not value.is_finite():
        raise ValueError(f"{value} is not a number a spreadsheet can hold")
    return format(value, "f")  # never an exponent: 1E+2 would read as text or a formula


def _text(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA_STARTS) else value


def csv_document(header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> bytes:
    """A whole CSV file: the header, then each row, every cell through :func:`csv_cell`."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([_text(name) for name in header])
    for row in rows:
        if len(row) != len(header):
            raise ValueError(f"a row of {len(row)} cells under a header of {len(header)}")
        writer.writerow([csv_cell(value) for value in row])
    return "\ufeff".encode() + buffer.getvalue().encode()
