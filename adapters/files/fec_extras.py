"""What a FEC does not carry, from the CSVs beside it: ``contacts.csv`` and ``due_dates.csv``.

Both are read like relance's CSVs (separator, encoding and line breaks as spreadsheets save
them) and checked line by line. A file none of whose lines names anything in the FEC is the
wrong file, or one whose codes are not the FEC's (``CDUPONT`` against ``411DUPONT``):
it is refused, never taken as « no details for anyone », which would erase the addresses
relance holds.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from datetime import date
from pathlib import Path

from connector.errors import ImportFileError
from connector.model import Civility, Contact, Customer, LegalKind, PostalAddress, SourceRef

from .csvrow import CsvRow, build, read_rows

__all__ = ["CONTACT_COLUMNS", "contacts_by_account", "customer", "due_dates_by_number"]

CONTACT_COLUMNS: tuple[set[str], set[str]] = (
    {"account"},
    {
        "name",
        "kind",
        "email",
        "phone",
        "address",
        "postal_code",
        "city",
        "country",
        "language",
        "registration_id",
        "contact_name",
        "contact_civility",
        "contact_family_name",
    },
)
_SHOWN = 5


def _sample(items: Collection[str]) -> str:
    ordered = sorted(items)
    shown = ", ".join(ordered[:_SHOWN])
    return shown + (f" and {len(ordered) - _SHOWN} more" if len(ordered) > _SHOWN else "")


def contacts_by_account(
    path: Path, fec: Path, customers: Collection[str], *, encoding: str | None = None
) -> dict[str, CsvRow]:
    """The lines of ``contacts.csv`` by account; refused when none is one of ``customers``."""
    rows: dict[str, CsvRow] = {}
    for row in read_rows(path, *CONTACT_COLUMNS, encoding):
        account = row.required("account")
        if account in rows:
            raise row.fail("account", f"{account!r} is already on line {rows[account].line}")
        rows[account] = row
    if customers and not rows.keys() & set(customers):
        first = min((r.line for r in rows.values()), default=None)
        raise ImportFileError(
            (
                f"none of its {len(rows)} accounts ({_sample(rows)}) is a customer of {fec.name} "
                f"({_sample(customers)})"
                if rows
                else f"names no account, for the {len(customers)} customers of {fec.name}"
            ),
            path=path,
            line=first,
            hint="the account column holds the FEC's CompAuxNum (CompteNum for a customer "
            "without an auxiliary account); nothing was imported and the addresses relance "
            "holds are untouched",
        )
    return rows


def due_dates_by_number(
    path: Path, fec: Path, pieces: Collection[str], *, encoding: str | None = None
) -> dict[str, date]:
    """``number,due_on`` lines; refused when none names a piece of the FEC."""
    found: dict[str, tuple[date, int]] = {}
    for row in read_rows(path, {"number", "due_on"}, set(), encoding):
        number = row.required("number")
        if number in found:
            raise row.fail("number", f"{number!r} is already on line {found[number][1]}")
        found[number] = (row.day("due_on"), row.line)
    if pieces and found and not found.keys() & set(pieces):
        raise ImportFileError(
            f"none of its {len(found)} numbers ({_sample(found)}) is a piece (PieceRef) of "
            f"{fec.name} ({_sample(pieces)})",
            path=path,
            line=min(line for _, line in found.values()),
            hint="the number column holds the FEC's PieceRef of each invoice",
        )
    return {number: on for number, (on, _) in found.items()}


def customer(ref: SourceRef, name: str, row: CsvRow | None) -> Customer:
    """A FEC customer, with what its ``contacts.csv`` line says (when it has one)."""
    if row is None:
        return Customer(ref=ref, name=name)
    return build(row, lambda: _described(ref, name, row))


def _described(ref: SourceRef, name: str, row: CsvRow) -> Customer:
    address = (
        PostalAddress(
            lines=tuple(x.strip() for x in re.split(r"[|\n]", row.text("address")) if x.strip()),
            postal_code=row.text("postal_code"),
            city=row.text("city"),
            country=row.text("country", "FR"),
        )
        if row.text("address")
        else None
    )
    emails = [e.strip() for e in row.text("email").split(";") if e.strip()]
    for email in emails:
        if "@" not in email:
            raise row.fail("email", f"{email!r} is not an email address")
    civility = Civility.from_title(row.text("contact_civility"))
    if row.text("contact_civility") and civility is None:
        raise row.fail(
            "contact_civility",
            f"{row.text('contact_civility')!r} is not mme (Madame), m (Monsieur) or m_mme "
            "(M. et Mme); leave it empty when unknown",
        )
    contacts = tuple(
        Contact(
            name=row.text("contact_name"),
            civility=civility,
            family_name=row.text("contact_family_name"),
            email=email,
            primary=i == 0,
            phone=row.text("phone") or None if i == 0 else None,
        )
        for i, email in enumerate(emails)
    )
    if not contacts and row.text("phone"):
        contacts = (Contact(name=row.text("contact_name"), phone=row.text("phone"), primary=True),)
    return Customer(
        ref=ref,
        name=row.text("name", name),
        address=address,
        contacts=contacts,
        legal_kind=row.choice("kind", {"b2b": LegalKind.B2B, "b2c": LegalKind.B2C}, LegalKind.B2B),
        language=row.text("language", "fr"),
        country=row.text("country", "FR"),
        registration_id=row.text("registration_id") or None,
    )
