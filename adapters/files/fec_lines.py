"""The lines of a FEC (LPF art. A47 A-1), every one checked before any is used.

The file: the encodings the article allows (ASCII, ISO 8859-15, EBCDIC) and the UTF-8 and
Windows-1252 that software also writes, detected or declared (:mod:`.textfile`); fields
separated by a tab or ``|``, never quoted, so a line with more or fewer fields than the
header (a label holding the separator, a line cut short) is refused. Every line, not only
the customer lines relance uses: ``EcritureDate`` is a date ``YYYYMMDD``, ``Debit`` and
``Credit`` are amounts (decimal comma or point), never negative, and each entry
(``JournalCode`` + ``EcritureNum``) has as much debit as credit. An entry that does not
balance is what a FEC cut short or edited by hand looks like: the file is refused, the
entries named with their lines.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from connector.errors import ImportFileError
from connector.money import check_currency

from .textfile import ISO_8859_15, read_text

__all__ = ["FEC_COLUMNS", "FecLine", "read_fec_lines"]

FEC_COLUMNS = (
    "JournalCode",
    "JournalLib",
    "EcritureNum",
    "EcritureDate",
    "CompteNum",
    "CompteLib",
    "CompAuxNum",
    "CompAuxLib",
    "PieceRef",
    "PieceDate",
    "EcritureLib",
    "Debit",
    "Credit",
    "EcritureLet",
    "DateLet",
    "ValidDate",
    "Montantdevise",
    "Idevise",
)
REQUIRED = FEC_COLUMNS[:16]
_AMOUNT = re.compile(r"[+-]?\d+(?:[.,]\d+)?")
_SHOWN_UNBALANCED = 5


@dataclass(frozen=True, slots=True)
class FecLine:
    """One line on an account relance reads (customers), its cells parsed."""

    line: int
    journal: str
    account: str
    account_label: str
    customer: str  # CompAuxNum, else CompteNum
    customer_label: str
    piece: str
    on: date  # PieceDate, else EcritureDate
    debit: Decimal
    credit: Decimal
    letter: str
    lettered_on: date | None
    currency: str  # Idevise when Montantdevise is set too, else EUR
    foreign_amount: Decimal | None


class _Cells:
    def __init__(self, path: Path, line: int, values: dict[str, str]) -> None:
        self.path, self.line, self.values = path, line, values

    def text(self, column: str) -> str:
        return self.values.get(column, "").strip()

    def fail(self, column: str | None, message: str, hint: str | None = None) -> ImportFileError:
        return ImportFileError(message, path=self.path, line=self.line, column=column, hint=hint)

    def amount(self, column: str) -> Decimal:
        text = self.text(column)
        cleaned = text.replace(" ", "").replace("\u00a0", "")
        if not cleaned:
            return Decimal(0)
        if not _AMOUNT.fullmatch(cleaned):
            raise self.fail(column, f"{text!r} is not an amount (digits and a decimal comma)")
        value = Decimal(cleaned.replace(",", "."))
        if value < 0 and column in ("Debit", "Credit"):
            other = "Credit" if column == "Debit" else "Debit"
            raise self.fail(
                column,
                f"{text!r} is negative: a FEC writes amounts in {column} and {other}, both "
                "positive",
                hint=f"export the FEC again; if your software writes reversals as negative "
                f"amounts, put {text.lstrip('-')} in {other} on that line",
            )
        return value

    def day(self, column: str, *, required: bool = False) -> date | None:
        text = self.text(column)
        if not text:
            if required:
                raise self.fail(column, "is empty; the FEC requires a date YYYYMMDD here")
            return None
        try:
            return _date(text)
        except ValueError:
            raise self.fail(column, f"{text!r} is not a date YYYYMMDD") from None


@lru_cache(maxsize=4096)  # a FEC holds a year of days on a million lines
def _date(text: str) -> date:
    if len(text) != 8 or not text.isdigit():
        raise ValueError(text)
    return date(int(text[:4]), int(text[4:6]), int(text[6:]))


def _split(text: str) -> Iterator[tuple[int, str]]:
    for number, line in enumerate(text.split("\n"), start=1):
        line = line.rstrip("\r")
        if line.strip():
            yield number, line


def _header(path: Path, first: str) -> tuple[str, list[str]]:
    separator = "\t" if "\t" in first else "|"
    header = [h.strip().lstrip("\ufeff") for h in first.split(separator)]
    if missing := [c for c in REQUIRED if c not in header]:
        raise ImportFileError(
            f"not a FEC: missing column(s) {', '.join(missing)}",
            path=path,
            line=1,
            hint="export the FEC (18 columns, tab or pipe separated, with its header line)",
        )
    return separator, header


def _cells(path: Path, number: int, line: str, separator: str, header: list[str]) -> _Cells:
    fields = line.split(separator)
    if len(fields) != len(header):
        shown = "tab" if separator == "\t" else separator
        raise ImportFileError(
            f"has {len(fields)} fields, the header {len(header)} ({shown}-separated)",
            path=path,
            line=number,
            hint="a label that holds the separator shifts the columns, a line cut short lacks "
            "some: export the FEC again",
        )
    return _Cells(path, number, dict(zip(header, fields, strict=True)))


@dataclass(slots=True)
class _Entry:
    first_line: int
    debit: Decimal = Decimal(0)
    credit: Decimal = Decimal(0)


def _unbalanced(path: Path, entries: dict[tuple[str, str], _Entry]) -> None:
    wrong = [(key, entry) for key, entry in entries.items() if entry.debit != entry.credit]
    if not wrong:
        return
    named = "; ".join(
        f"{journal} {number} (line {e.first_line}): debit {e.debit}, credit {e.credit}"
        for (journal, number), e in wrong[:_SHOWN_UNBALANCED]
    )
    more = len(wrong) - _SHOWN_UNBALANCED
    raise ImportFileError(
        f"{len(wrong)} entr{'y is' if len(wrong) == 1 else 'ies are'} not balanced "
        f"(JournalCode EcritureNum): {named}" + (f"; and {more} more" if more > 0 else ""),
        path=path,
        line=wrong[0][1].first_line,
        hint="a FEC cut short or edited by hand: export it again from the accounting software",
    )


def read_fec_lines(
    path: Path, prefixes: tuple[str, ...], *, encoding: str | None = None
) -> list[FecLine]:
    """The lines of the accounts starting with ``prefixes``, once the whole file is checked."""
    text = read_text(
        path, single_byte=ISO_8859_15, declared=encoding, ebcdic_header="JournalCode"
    ).text
    lines = _split(text)
    first = next(lines, None)
    if first is None or first[0] != 1:
        raise ImportFileError("is empty: the header line is missing", path=path, line=1)
    separator, header = _header(path, first[1])
    entries: dict[tuple[str, str], _Entry] = {}
    found: list[FecLine] = []
    for number, line in lines:
        cells = _cells(path, number, line, separator, header)
        cells.day("EcritureDate", required=True)
        debit, credit = cells.amount("Debit"), cells.amount("Credit")
        key = (cells.text("JournalCode"), cells.text("EcritureNum"))
        entry = entries.setdefault(key, _Entry(number))
        entry.debit += debit
        entry.credit += credit
        account = cells.text("CompteNum")
        if account.startswith(prefixes):
            found.append(_customer_line(cells, account, debit, credit))
    _unbalanced(path, entries)
    return found


def _customer_line(cells: _Cells, account: str, debit: Decimal, credit: Decimal) -> FecLine:
    piece = cells.text("PieceRef")
    if not piece:
        raise cells.fail("PieceRef", "is empty on a customer line")
    on = cells.day("PieceDate") or cells.day("EcritureDate", required=True)
    assert on is not None
    currency, foreign_amount = "EUR", None
    declared = cells.text("Idevise").upper()
    if declared and cells.text("Montantdevise") and declared != "EUR":
        try:
            currency = check_currency(declared)
        except ValueError as exc:
            raise cells.fail("Idevise", str(exc)) from None
        foreign_amount = abs(cells.amount("Montantdevise"))
    customer = cells.text("CompAuxNum") or account
    return FecLine(
        line=cells.line,
        journal=cells.text("JournalCode").upper(),
        account=account,
        account_label=cells.text("CompteLib"),
        customer=customer,
        customer_label=cells.text("CompAuxLib") or cells.text("CompteLib") or customer,
        piece=piece,
        on=on,
        debit=debit,
        credit=credit,
        letter=cells.text("EcritureLet"),
        lettered_on=cells.day("DateLet"),
        currency=currency,
        foreign_amount=foreign_amount,
    )
