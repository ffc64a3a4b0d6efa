"""Pure functions from QuickBooks JSON to relance's model; every Intuit quirk stops here.

* **Bill-to.** A sub-customer (``Job``) billed with its parent (``BillWithParent``) is not
  dunned on its own: its invoices, credit memos and payments belong to the top of its
  ``ParentRef`` chain, which receives the reminders. A sub-customer billed on its own is a
  customer like any other.
* **E-mail.** ``BillEmail`` on an invoice is where the invoice went; when the bill-to
  customer's record lacks that address, it is added as a billing contact.
* **Status.** ``Balance`` decides: 0 is paid; below ``TotalAmt`` partly paid. A voided
  invoice keeps its record with zero amounts: it is cancelled.
* **Credit memos** are credit notes with their remaining credit open; payments carry the
  part not yet applied to any invoice (``UnappliedAmt``), which the planner deducts.
* Countries come as ISO alpha-3 codes or full names ("FRA", "United Kingdom",
  "Deutschland"): countries.py maps them to alpha-2; anything else falls back to the
  tenant's country.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from connector.errors import DataError
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
from connector.money import Money, check_currency

from .countries import country_code
from .wire import QAddress, QCreditMemo, QCustomer, QInvoice, QPayment

__all__ = [
    "Directory",
    "credit_from_wire",
    "customer_from_wire",
    "parse",
    "payment_from_wire",
    "receivable_from_wire",
    "ref",
]

W = TypeVar("W", bound=BaseModel)


def ref(tenant: str, kind: str, qbo_id: str) -> SourceRef:
    return SourceRef(platform=Platform.QUICKBOOKS, tenant=tenant, external_id=f"{kind}:{qbo_id}")


def parse(model: type[W], raw: Mapping[str, Any], what: str) -> W:
    """Validate one entity; a bad one is a DataError naming it (the sync skips it)."""
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise DataError(
            f"QuickBooks {what} {raw.get('Id', '?')}: {first['msg']} "
            f"at {'.'.join(map(str, first['loc']))}",
            hint="the record is skipped; check it in QuickBooks",
        ) from None


@dataclass
class Directory:
    """What mapping needs beyond one record: the customer tree, terms, tenant defaults."""

    tenant: str
    country: str = "FR"
    language: str = "fr"
    home_currency: str = "EUR"
    customers: dict[str, QCustomer] = field(default_factory=dict)
    term_days: dict[str, int] = field(default_factory=dict)

    def bill_to(self, customer_id: str) -> str:
        """The customer dunned for ``customer_id``'s documents (itself unless billed up)."""
        seen: set[str] = set()
        current = customer_id
        while current not in seen:
            seen.add(current)
            record = self.customers.get(current)
            if record is None or not (record.Job and record.BillWithParent and record.ParentRef):
                return current
            current = record.ParentRef.value
        return current  # a cycle in the data: stop where it closed

    def missing(self, customer_ids: set[str]) -> set[str]:
        """Customers (or their parents) not known yet, to read before mapping."""
        wanted = set()
        for cid in customer_ids:
            record = self.customers.get(cid)
            if record is None:
                wanted.add(cid)
            elif (
                record.Job
                and record.BillWithParent
                and record.ParentRef
                and record.ParentRef.value not in self.customers
            ):
                wanted.add(record.ParentRef.value)
        return wanted


def _address(addr: QAddress | None, default_country: str) -> PostalAddress | None:
    if addr is None:
        return None
    lines = tuple(
        line
        for line in (addr.Line1, addr.Line2, addr.Line3, addr.Line4, addr.Line5)
        if line and line.strip()
    )
    if not lines and not addr.City:
        return None
    city = " ".join(p for p in (addr.City, addr.CountrySubDivisionCode) if p)
    return PostalAddress(
        lines=lines,
        postal_code=addr.PostalCode or "",
        city=city,
        country=country_code(addr.Country, default_country),
    )


def _emails(raw: str | None) -> list[str]:
    """QuickBooks keeps several addresses in one field, separated by commas."""
    return [e.strip() for e in (raw or "").replace(";", ",").split(",") if "@" in e]


def customer_from_wire(
    wire: QCustomer, directory: Directory, extra_emails: tuple[str, ...] = ()
) -> Customer:
    address = _address(wire.BillAddr, directory.country)
    person = " ".join(p for p in (wire.GivenName, wire.FamilyName) if p)
    civility, family = Civility.from_title(wire.Title), (wire.FamilyName or "").strip()
    emails = _emails(wire.PrimaryEmailAddr.Address if wire.PrimaryEmailAddr else None)
    contacts = [
        Contact(
            name=person,
            civility=civility,
            family_name=family,
            email=email,
            address=address,
            primary=i == 0,
        )
        for i, email in enumerate(emails)
    ]
    known = {e.lower() for e in emails}
    for email in extra_emails:
        if email.lower() not in known:
            contacts.append(Contact(name="", email=email, role="billing", primary=not contacts))
            known.add(email.lower())
    phone = next(
        (p.FreeFormNumber for p in (wire.PrimaryPhone, wire.Mobile) if p and p.FreeFormNumber),
        None,
    )
    if phone:
        contacts.append(
            Contact(
                name=person,
                civility=civility,
                family_name=family,
                phone=phone,
                primary=not contacts,
            )
        )
    terms = directory.term_days.get(wire.SalesTermRef.value) if wire.SalesTermRef else None
    billed_up = wire.Job and wire.ParentRef is not None and wire.BillWithParent
    parent = ref(directory.tenant, "customer", directory.bill_to(wire.Id)) if billed_up else None
    return Customer(
        ref=ref(directory.tenant, "customer", wire.Id),
        name=wire.DisplayName,
        legal_kind=LegalKind.B2B if wire.CompanyName else LegalKind.B2C,
        language=directory.language,
        country=address.country if address else directory.country,
        address=address,
        contacts=tuple(contacts),
        payment_terms_days=terms,
        parent_ref=parent,
    )


def _currency(raw: Any, what: str, default: str) -> str:
    try:
        return check_currency(raw.value if raw is not None else default)
    except ValueError as exc:
        raise DataError(f"{what}: {exc}") from None


def receivable_from_wire(wire: QInvoice, directory: Directory) -> Receivable:
    label = f"QuickBooks invoice {wire.Id} ({wire.DocNumber or 'no number'})"
    currency = _currency(wire.CurrencyRef, label, directory.home_currency)
    total, balance = abs(wire.TotalAmt), max(wire.Balance, Decimal(0))
    if total == 0 and balance == 0:
        status = ReceivableStatus.CANCELLED  # voided: the record stays, emptied
    elif balance == 0:
        status = ReceivableStatus.PAID
    elif balance < total:
        status = ReceivableStatus.PARTIALLY_PAID
    else:
        status = ReceivableStatus.OPEN
    due = wire.DueDate or wire.TxnDate
    if due < wire.TxnDate:
        raise DataError(f"{label}: due date {due} before its date {wire.TxnDate}")
    return Receivable(
        ref=ref(directory.tenant, "invoice", wire.Id),
        customer_ref=ref(directory.tenant, "customer", directory.bill_to(wire.CustomerRef.value)),
        kind=ReceivableKind.INVOICE,
        number=wire.DocNumber or wire.Id,
        issued_on=wire.TxnDate,
        due_on=due,
        currency=currency,
        total=Money(max(total, balance), currency),
        open_balance=Money(balance, currency),
        status=status,
        payment_url=wire.InvoiceLink or None,
        updated_at=wire.MetaData.LastUpdatedTime if wire.MetaData else None,
    )


def credit_from_wire(wire: QCreditMemo, directory: Directory) -> Receivable:
    label = f"QuickBooks credit memo {wire.Id} ({wire.DocNumber or 'no number'})"
    currency = _currency(wire.CurrencyRef, label, directory.home_currency)
    total = abs(wire.TotalAmt)
    remaining = wire.RemainingCredit if wire.RemainingCredit is not None else wire.Balance
    left = min(abs(remaining if remaining is not None else total), total)
    return Receivable(
        ref=ref(directory.tenant, "creditmemo", wire.Id),
        customer_ref=ref(directory.tenant, "customer", directory.bill_to(wire.CustomerRef.value)),
        kind=ReceivableKind.CREDIT_NOTE,
        number=wire.DocNumber or wire.Id,
        issued_on=wire.TxnDate,
        due_on=wire.TxnDate,
        currency=currency,
        total=Money(total, currency),
        open_balance=Money(left, currency),
        status=ReceivableStatus.OPEN if left > 0 else ReceivableStatus.PAID,
        updated_at=wire.MetaData.LastUpdatedTime if wire.MetaData else None,
    )


_LINKED = {"Invoice": "invoice", "CreditMemo": "creditmemo"}


def _allocations(wire: QPayment, directory: Directory, currency: str) -> tuple[Allocation, ...]:
    """Each line's ``Amount`` to the invoice (or credit memo) it links.

    A credit memo a payment applies shows as a line of its own: it is allocated too (what of
    the credit the payment used), so the allocations may add up to more than the money
    received. A line linking several documents (QuickBooks itself writes one per line) says
    nothing of the split: it is allocated nothing rather than guessed.
    """
    amounts: dict[tuple[str, str], Decimal] = {}
    for line in wire.Line:
        links = [link for link in line.LinkedTxn if link.TxnType in _LINKED]
        if len(links) != 1 or line.Amount <= 0:
            continue
        key = (_LINKED[links[0].TxnType], links[0].TxnId)
        amounts[key] = amounts.get(key, Decimal(0)) + line.Amount
    return tuple(
        Allocation(
            receivable_ref=ref(directory.tenant, kind, txn_id), amount=Money(amount, currency)
        )
        for (kind, txn_id), amount in sorted(amounts.items())
    )


def payment_from_wire(wire: QPayment, directory: Directory) -> Payment:
    label = f"QuickBooks payment {wire.Id}"
    currency = _currency(wire.CurrencyRef, label, directory.home_currency)
    amount = abs(wire.TotalAmt)
    unapplied = min(max(wire.UnappliedAmt, Decimal(0)), amount)
    return Payment(
        ref=ref(directory.tenant, "payment", wire.Id),
        customer_ref=ref(directory.tenant, "customer", directory.bill_to(wire.CustomerRef.value)),
        received_on=wire.TxnDate,
        amount=Money(amount, currency),
        unapplied=Money(unapplied, currency),
        allocations=_allocations(wire, directory, currency),
    )
