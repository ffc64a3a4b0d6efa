"""relance's own CSV ledger: ``customers.csv``, ``invoices.csv`` and ``payments.csv``.

One header line, ISO dates; separated by commas or semicolons, UTF-8 (with or without a
BOM) or Windows-1252, amounts with a decimal point or comma, as :mod:`.textfile` reads them.
Columns are documented in ``adapters/files/README.md``. Every line is checked before
anything is returned: one bad cell stops the whole import with the file, line and column.

A payment's ``invoices`` cell says which invoices it settled, and how much of it went to
each where it gives an amount (``F-001:120.50;F-002``). Invoices named without an amount
share what the stated amounts leave of the applied part (the amount less ``unapplied``), in
due-date order, each up to the part of it that is paid in ``invoices.csv``
(:func:`connector.allocations.allocate_in_due_order`); what is more than that stays
unallocated. The amounts let relance show an invoice as it stood before the payment came.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any

from connector.allocations import Settled, allocate_in_due_order
from connector.errors import ImportFileError
from connector.model import (
    Allocation,
    Civility,
    Contact,
    Customer,
    LegalKind,
    Payment,
    Platform,
    PostalAddress,
    Receivable,
    ReceivableKind,
    ReceivableStatus,
    SourceRef,
)
from connector.money import Money

from .csvrow import CsvRow, build, read_rows
from .textfile import parse_amount

__all__ = ["COLUMNS", "Ledger", "load_csv_ledger"]

COLUMNS: dict[str, tuple[set[str], set[str]]] = {  # file -> (required, optional)
    "customers.csv": (
        {"id", "name"},
        {
            "kind",
            "email",
            "phone",
            "contact_name",
            "contact_civility",
            "contact_family_name",
            "address",
            "postal_code",
            "city",
            "country",
            "language",
            "registration_id",
            "payment_terms_days",
            "parent_id",
            "timezone",
        },
    ),
    "invoices.csv": (
        {"number", "customer_id", "issued_on", "due_on", "total", "open"},
        {"id", "kind", "currency", "status", "document_url", "payment_url", "instalments"},
    ),
    "payments.csv": (
        {"id", "customer_id", "received_on", "amount"},
        {"currency", "unapplied", "invoices"},
    ),
}


@dataclass(frozen=True, slots=True)
class Ledger:
    customers: tuple[Customer, ...]
    receivables: tuple[Receivable, ...]
    payments: tuple[Payment, ...]
    # customers (external ids) the files name but give no details of (a FEC customer with no
    # line in contacts.csv): what the store already has for them is kept
    undescribed: frozenset[str] = field(default_factory=frozenset)


def _civility(row: CsvRow) -> Civility | None:
    """``mme``, ``m`` or ``m_mme`` (« Madame », « Mme », "Mr." are understood too)."""
    value = row.text("contact_civility")
    civility = Civility.from_title(value)
    if value and civility is None:
        raise row.fail(
            "contact_civility",
            f"{value!r} is not mme (Madame), m (Monsieur) or m_mme (M. et Mme); "
            "leave it empty when unknown",
        )
    return civility


def _customer(row: CsvRow, ref: Callable[[str], SourceRef]) -> Customer:
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
    person = Contact(
        name=row.text("contact_name"),
        civility=_civility(row),
        family_name=row.text("contact_family_name"),
    )
    contacts = [
        person.model_copy(
            update={
                "email": email,
                "primary": i == 0,
                "phone": row.text("phone") or None if i == 0 else None,
            }
        )
        for i, email in enumerate(emails)
    ]
    if not contacts and row.text("phone"):
        contacts = [person.model_copy(update={"phone": row.text("phone"), "primary": True})]
    terms = row.text("payment_terms_days")
    return Customer(
        ref=ref(row.required("id")),
        name=row.required("name"),
        legal_kind=row.choice("kind", {"b2b": LegalKind.B2B, "b2c": LegalKind.B2C}, LegalKind.B2B),
        language=row.text("language", "fr"),
        country=row.text("country", "FR"),
        timezone=row.text("timezone", "Europe/Paris"),
        registration_id=row.text("registration_id") or None,
        address=address,
        contacts=tuple(contacts),
        payment_terms_days=int(terms) if terms.isdigit() else None,
        parent_ref=ref(row.text("parent_id")) if row.text("parent_id") else None,
    )


def _receivable(row: CsvRow, ref: Callable[[str], SourceRef], known: set[str]) -> Receivable:
    customer_id = row.required("customer_id")
    if customer_id not in known:
        raise row.fail("customer_id", f"{customer_id!r} is not in customers.csv")
    currency = row.currency()
    total, open_ = row.amount("total"), row.amount("open")
    if open_ < 0 or open_ > abs(total):
        raise row.fail("open", f"{open_} must be between 0 and the total {total}")
    statuses = {s.value: s for s in ReceivableStatus}
    derived = (
        ReceivableStatus.PAID
        if open_ == 0
        else ReceivableStatus.OPEN
        if open_ == abs(total)
        else ReceivableStatus.PARTIALLY_PAID
    )
    return Receivable(
        ref=ref(row.text("id") or row.required("number")),
        customer_ref=ref(customer_id),
        kind=row.choice("kind", {k.value: k for k in ReceivableKind}, ReceivableKind.INVOICE),
        number=row.required("number"),
        issued_on=row.day("issued_on"),
        due_on=row.day("due_on"),
        currency=currency,
        total=Money(abs(total), currency),
        open_balance=Money(open_, currency),
        status=row.choice("status", statuses, derived),
        document_url=row.text("document_url") or None,
        payment_url=row.text("payment_url") or None,
        instalments=row.instalments(currency),
    )


def _allocations(
    row: CsvRow, amount: Money, unapplied: Money, documents: dict[str, Receivable]
) -> tuple[Allocation, ...]:
    """The ``invoices`` cell: ``F-001:120.50;F-002``, an amount per invoice where known.

    Invoices without an amount share what the others leave of the applied part (amount less
    unapplied), oldest due date first, each up to the part of it that is paid.
    """
    currency = amount.currency
    explicit: list[Allocation] = []
    spread: list[Settled] = []
    seen: set[str] = set()
    for item in filter(None, (n.strip() for n in row.text("invoices").split(";"))):
        number, share = item, None
        if item not in documents and ":" in item:
            number, _, text = item.rpartition(":")
            number = number.strip()
            try:
                share = parse_amount(text)
            except ValueError:
                share = None
            if share is None or share <= 0:
                raise row.fail(
                    "invoices", f"{text.strip()!r} after {number!r} is not an amount like 120.50"
                )
        document = documents.get(number)
        if document is None:
            raise row.fail("invoices", f"invoice {number!r} is not in invoices.csv")
        if number in seen:
            raise row.fail("invoices", f"invoice {number!r} is named twice")
        seen.add(number)
        if document.currency != currency:
            raise row.fail(
                "invoices",
                f"invoice {number!r} is in {document.currency}, the payment in {currency}",
            )
        if share is None:
            paid = document.total - document.open_balance
            spread.append(Settled(document.ref, document.due_on, paid))
        else:
            explicit.append(Allocation(receivable_ref=document.ref, amount=Money(share, currency)))
    applied = amount - unapplied
    stated = sum((a.amount for a in explicit), Money.zero(currency))
    if stated > applied:
        raise row.fail(
            "invoices",
            f"the amounts add up to {stated.amount}, more than the {applied.amount} applied "
            "(amount less unapplied)",
        )
    return (*explicit, *allocate_in_due_order(applied - stated, spread))


def _payment(
    row: CsvRow, ref: Callable[[str], SourceRef], known: set[str], documents: dict[str, Receivable]
) -> Payment:
    customer_id = row.required("customer_id")
    if customer_id not in known:
        raise row.fail("customer_id", f"{customer_id!r} is not in customers.csv")
    currency = row.currency()
    amount = Money(row.amount("amount"), currency)
    unapplied = Money(row.amount("unapplied", Decimal(0)), currency)
    if unapplied.amount < 0 or unapplied > amount:
        raise row.fail("unapplied", f"{unapplied.amount} must be between 0 and the amount")
    return Payment(
        ref=ref(row.required("id")),
        customer_ref=ref(customer_id),
        received_on=row.day("received_on"),
        amount=amount,
        unapplied=unapplied,
        allocations=_allocations(row, amount, unapplied, documents),
    )


def _read(path: Path, encoding: str | None) -> Iterator[CsvRow]:
    return read_rows(path, *COLUMNS[path.name], encoding)


def _unique(rows: list[CsvRow], items: list[Any], what: str) -> None:
    seen: dict[str, int] = {}
    for row, item in zip(rows, items, strict=True):
        key = item.ref.key
        if key in seen:
            raise row.fail(None, f"duplicate {what} (first on line {seen[key]})")
        seen[key] = row.line


def load_csv_ledger(folder: Path, tenant: str, *, encoding: str | None = None) -> Ledger:
    """Read and check a whole CSV ledger folder; nothing is returned unless all of it is valid."""
    if not folder.is_dir():
        raise ImportFileError("not a folder", path=folder)

    def ref(external_id: str) -> SourceRef:
        return SourceRef(platform=Platform.FILES, tenant=tenant, external_id=external_id)

    customer_rows = list(_read(folder / "customers.csv", encoding))
    customers = [build(r, partial(_customer, r, ref)) for r in customer_rows]
    _unique(customer_rows, customers, "customer id")
    known = {c.ref.external_id for c in customers}
    invoice_rows = list(_read(folder / "invoices.csv", encoding))
    receivables = [build(r, partial(_receivable, r, ref, known)) for r in invoice_rows]
    _unique(invoice_rows, receivables, "invoice id")
    numbers = {r.number: r for r in receivables}
    payments: list[Payment] = []
    if (folder / "payments.csv").exists():
        payment_rows = list(_read(folder / "payments.csv", encoding))
        payments = [build(r, partial(_payment, r, ref, known, numbers)) for r in payment_rows]
        _unique(payment_rows, payments, "payment id")
    return Ledger(tuple(customers), tuple(receivables), tuple(payments))
