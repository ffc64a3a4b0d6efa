"""One line of a relance CSV, with accessors that fail naming the file, line and column."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TypeVar

from pydantic import ValidationError

from connector.errors import ImportFileError
from connector.model import Instalment
from connector.money import Money, check_currency

from .textfile import parse_amount, read_csv_table, read_text

__all__ = ["CsvRow", "build", "read_rows"]

T = TypeVar("T")

_FRENCH_DATE = re.compile(r"\d{1,2}/\d{1,2}/\d{2,4}")


class CsvRow:
    """One CSV line with typed accessors that fail with file, line and column."""

    def __init__(self, path: Path, line: int, values: dict[str, str]) -> None:
        self.path, self.line, self.values = path, line, values

    def fail(self, column: str | None, message: str) -> ImportFileError:
        return ImportFileError(message, path=self.path, line=self.line, column=column)

    def text(self, column: str, default: str = "") -> str:
        return (self.values.get(column) or "").strip() or default

    def required(self, column: str) -> str:
        value = self.text(column)
        if not value:
            raise self.fail(column, "is empty; a value is required")
        return value

    def _parse(self, column: str, parse: Callable[[str], T], expected: str, default: T) -> T:
        value = self.text(column)
        if not value:
            return default
        try:
            return parse(value)
        except (ValueError, InvalidOperation):
            raise self.fail(column, f"{value!r} is not {expected}") from None

    def day(self, column: str) -> date:
        value = self.required(column)
        if _FRENCH_DATE.fullmatch(value):  # what Excel makes of an ISO date it re-saves
            raise self.fail(
                column,
                f"{value!r} is not a date like 2026-03-31 (year first: in Excel, format the "
                "column as AAAA-MM-JJ before saving)",
            )
        return self._parse(column, date.fromisoformat, "a date like 2026-03-31", date.min)

    def amount(self, column: str, default: Decimal | None = None) -> Decimal:
        text = self.text(column) if default is not None else self.required(column)
        if not text:
            return default or Decimal(0)
        try:
            return parse_amount(text)
        except ValueError as exc:
            raise self.fail(column, f"{text!r} {exc}") from None

    def instalments(self, currency: str) -> tuple[Instalment, ...]:
        """``2026-01-15=300.00;2026-03-16=700.00``: each instalment's due date and amount."""
        found = []
        for part in filter(None, (p.strip() for p in self.text("instalments").split(";"))):
            when, sep, amount = part.partition("=")
            try:
                if not sep:
                    raise ValueError
                found.append(
                    Instalment(
                        due_on=date.fromisoformat(when.strip()),
                        amount=Money(parse_amount(amount), currency),
                    )
                )
            except (ValueError, ValidationError):
                raise self.fail(
                    "instalments",
                    f"{part!r} is not an instalment like 2026-03-31=300.00 "
                    "(due date=amount, instalments separated by ;)",
                ) from None
        return tuple(found)

    def currency(self) -> str:
        return self._parse("currency", check_currency, "an ISO 4217 code like EUR", "EUR")

    def choice(self, column: str, allowed: dict[str, T], default: T) -> T:
        value = self.text(column).lower()
        if not value:
            return default
        if value not in allowed:
            raise self.fail(column, f"{value!r} is not one of {', '.join(sorted(allowed))}")
        return allowed[value]


def read_rows(
    path: Path, required: set[str], optional: set[str], encoding: str | None = None
) -> Iterator[CsvRow]:
    """The checked lines of a CSV whose columns are ``required`` and ``optional``."""
    if not path.is_file():
        raise ImportFileError(
            "file not found",
            path=path,
            hint="a CSV ledger folder holds customers.csv and invoices.csv "
            "(payments.csv is optional)",
        )
    text = read_text(path, declared=encoding).text
    table = read_csv_table(path, text, required | optional)
    header = set(table.header)
    if missing := required - header:
        raise ImportFileError(
            f"missing column(s) {', '.join(sorted(missing))}",
            path=path,
            line=1,
            hint="the header line names the columns, separated by , or ; (see "
            "adapters/files/README.md)",
        )
    if unknown := header - required - optional:
        raise ImportFileError(
            f"unknown column(s) {', '.join(sorted(unknown))}",
            path=path,
            line=1,
            hint=f"allowed: {', '.join(sorted(required | optional))}",
        )
    for number, values in table.rows:
        yield CsvRow(path, number, values)


def build(row: CsvRow, make: Callable[[], T]) -> T:
    """``make()``, its validation errors reported with the row's file, line and column."""
    try:
        return make()
    except ValidationError as exc:
        error = exc.errors()[0]
        column = ".".join(str(p) for p in error["loc"]) or None
        raise row.fail(column, error["msg"]) from None
    except ValueError as exc:
        raise row.fail(None, str(exc)) from None
