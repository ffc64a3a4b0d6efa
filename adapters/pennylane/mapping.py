"""Pure functions from Pennylane's JSON to relance's model; every platform quirk stops here.

* Drafts are never receivables, nor archived and incomplete invoices. A credit note is an
  item with status ``credit_note`` or a ``credited_invoice``; its amounts may come negative:
  relance keeps them positive.
* ``remaining_amount_with_tax`` and ``deadline`` decide; ``status`` is only a hint, except
  ``cancelled``, and what is owed when the remaining amount is null (amounts.py, with the
  currency rules and the e-invoicing lifecycle). Payment conditions are informational: the
  invoice's deadline is the due date.
* ``public_file_url`` expires after 30 minutes, so it is not kept as the invoice's link.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pydantic import ValidationError

from connector.errors import DataError
from connector.model import (
    Civility,
    Contact,
    Customer,
    LegalKind,
    Platform,
    PostalAddress,
    Receivable,
    ReceivableKind,
    ReceivableStatus,
    SourceRef,
)
from connector.money import Money, check_currency

from .amounts import hold_of, remaining_of, withdrawn
from .payments import payments_from_wire
from .wire import WireCustomer, WireInvoice

__all__ = [
    "TERMS_DAYS",
    "customer_from_wire",
    "parse_customer",
    "parse_invoice",
    "payments_from_wire",
    "receivable_from_wire",
]

TERMS_DAYS = {
    "upon_receipt": 0,
    "7_days": 7,
    "15_days": 15,
    "30_days": 30,
    "45_days": 45,
    "60_days": 60,
}


def _ref(tenant: str, kind: str, pennylane_id: int) -> SourceRef:
    return SourceRef(
        platform=Platform.PENNYLANE, tenant=tenant, external_id=f"{kind}:{pennylane_id}"
    )


def customer_ref(tenant: str, pennylane_id: int) -> SourceRef:
    return _ref(tenant, "customer", pennylane_id)


def parse_customer(raw: dict[str, Any]) -> WireCustomer:
    try:
        return WireCustomer.model_validate(raw)
    except ValidationError as exc:
        raise DataError(
            f"Pennylane customer {raw.get('id', '?')}: {exc.errors()[0]['msg']} "
            f"at {'.'.join(map(str, exc.errors()[0]['loc']))}",
            hint="the record is skipped; check it in Pennylane",
        ) from None


def parse_invoice(raw: dict[str, Any]) -> WireInvoice:
    try:
        return WireInvoice.model_validate(raw)
    except ValidationError as exc:
        raise DataError(
            f"Pennylane invoice {raw.get('id', '?')}: {exc.errors()[0]['msg']} "
            f"at {'.'.join(map(str, exc.errors()[0]['loc']))}",
            hint="the record is skipped; check it in Pennylane",
        ) from None


def customer_from_wire(wire: WireCustomer, tenant: str) -> Customer:
    address = None
    if wire.billing_address is not None and wire.billing_address.address:
        a = wire.billing_address
        address = PostalAddress(
            lines=tuple(filter(None, (a.address or "").splitlines())),
            postal_code=a.postal_code or "",
            city=a.city or "",
            country=(a.country_alpha2 or "FR").upper(),
        )
    # Pennylane keeps no civility: a recipient written « Mme Roux » gives it, and an
    # individual's last name is the family name of a letter's "Dear Ms …"
    civility, name = Civility.split_name(wire.recipient)
    family = name if civility is not None and len(name.split()) == 1 else ""
    if not name and wire.customer_type == "individual":
        name = " ".join(filter(None, (wire.first_name, wire.last_name)))
        family = (wire.last_name or "").strip()
    person = Contact(name=name, civility=civility, family_name=family)
    contacts = tuple(
        person.model_copy(
            update={"email": email, "phone": wire.phone if i == 0 else None, "primary": i == 0}
        )
        for i, email in enumerate(e.strip() for e in wire.emails if e.strip())
    )
    if not contacts and wire.phone:
        contacts = (person.model_copy(update={"phone": wire.phone, "primary": True}),)
    language = (wire.billing_language or "fr_FR").split("_")[0]
    return Customer(
        ref=customer_ref(tenant, wire.id),
        name=wire.name,
        legal_kind=LegalKind.B2B if wire.customer_type == "company" else LegalKind.B2C,
        language=language,
        country=address.country if address else "FR",
        registration_id=wire.reg_no or None,
        address=address,
        contacts=contacts,
        payment_terms_days=TERMS_DAYS.get(wire.payment_conditions or ""),
    )


def receivable_from_wire(wire: WireInvoice, tenant: str) -> Receivable | None:
    """The receivable, or None for what is not one (a draft, an estimate, a proforma, and
    what :func:`~adapters.pennylane.amounts.withdrawn` names: archived, incomplete)."""
    if (
        wire.draft
        or wire.status in ("draft", "proforma", "shipping_order", "purchasing_order")
        or wire.status.startswith("estimate")
        or withdrawn(wire) is not None
    ):
        return None
    label = f"Pennylane invoice {wire.id} ({wire.invoice_number or 'no number'})"
    if wire.customer is None:
        raise DataError(f"{label} has no customer", hint="assign one in Pennylane")
    if wire.date is None:
        raise DataError(f"{label} has no date", hint="the record is skipped")
    try:
        currency = check_currency(wire.currency)
    except ValueError as exc:
        raise DataError(f"{label}: {exc}") from None
    credit = wire.status == "credit_note" or wire.credited_invoice is not None
    total = abs(wire.currency_amount or Decimal(0))  # in the invoice's currency
    remaining = remaining_of(wire, label, total, currency)
    collecting = wire.e_invoicing is not None and wire.e_invoicing.status == "partially_collected"
    if wire.status == "cancelled":
        status = ReceivableStatus.CANCELLED
    elif remaining == 0:
        status = ReceivableStatus.PAID
    elif remaining < total or collecting:  # partly collected: partly paid
        status = ReceivableStatus.PARTIALLY_PAID
    else:
        status = ReceivableStatus.OPEN
    due = wire.deadline or wire.date
    if due < wire.date:
        raise DataError(f"{label}: deadline {due} before its date {wire.date}")
    return Receivable(
        ref=_ref(tenant, "invoice", wire.id),
        customer_ref=customer_ref(tenant, wire.customer.id),
        kind=ReceivableKind.CREDIT_NOTE if credit else ReceivableKind.INVOICE,
        number=wire.invoice_number or str(wire.id),
        issued_on=wire.date,
        due_on=due,
        currency=currency,
        total=Money(max(total, remaining), currency),
        open_balance=Money(remaining, currency),
        status=status,
        updated_at=wire.updated_at,
        hold=None if credit else hold_of(wire, remaining, total),
    )
