"""Odoo records to relance's model: the fields read and the pure functions that map them.

Platform vocabulary (``amount_residual``, ``commercial_partner_id``, ``date_maturity``)
stops here. Amounts arrive as JSON numbers (floats on the wire, Decimal once parsed) and are
rounded to the currency. Shared by the external-API source and the Odoo add-on's ORM ledger.

An invoice whose payment terms split it (30 % now, the balance at 60 days) has one
receivable line per instalment (``invoice_date_due`` holds only the last one's date): each
line's ``date_maturity`` and ``amount_residual_currency`` are that instalment's due date
and what is still open on it — the truth the planner chases, instalment by instalment.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from connector.errors import DataError
from connector.model import (
    Allocation,
    Civility,
    Contact,
    Customer,
    Instalment,
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

__all__ = [
    "MOBILE_UNTIL",
    "MOVE_FIELDS",
    "OPEN",
    "PARTNER_FIELDS",
    "PAYMENT_DAYS",
    "PAYMENT_FIELDS",
    "RECEIVABLE_LINES",
    "TERM_FIELDS",
    "TITLE_UNTIL",
    "clean_text",
    "customer_from_odoo",
    "many2one_id",
    "odoo_time",
    "payment_from_odoo",
    "receivable_from_odoo",
    "record_ref",
    "term_rows",
    "utc_stamp",
]

log = logging.getLogger(__name__)

PARTNER_FIELDS = (
    "name", "email", "phone", "street", "street2", "zip", "city", "country_code",
    "lang", "vat", "company_registry", "is_company", "parent_id", "write_date",
)  # fmt: skip
MOBILE_UNTIL = 19  # res.partner.mobile is gone from Odoo 19 on
TITLE_UNTIL = 19  # res.partner.title (Madam, Mister…) is gone from saas~18.1 on (odoo/odoo#187357)
MOVE_FIELDS = (
    "name", "move_type", "state", "payment_state", "invoice_date", "invoice_date_due",
    "amount_total", "amount_residual", "currency_id", "commercial_partner_id", "write_date",
)  # fmt: skip
PAYMENT_FIELDS = ("name", "date", "amount", "currency_id", "partner_id", "reconciled_invoice_ids",
                  "write_date")  # fmt: skip
TERM_FIELDS = ("move_id", "date_maturity", "amount_currency", "amount_residual_currency")
RECEIVABLE_LINES = [["account_id.account_type", "=", "asset_receivable"]]
PAYMENT_DAYS = 400  # the payment history a full read brings
OPEN = [
    ["move_type", "in", ["out_invoice", "out_refund"]],
    ["state", "=", "posted"],
    ["payment_state", "in", ["not_paid", "partial"]],
]


def record_ref(tenant: str, kind: str, odoo_id: int) -> SourceRef:
    return SourceRef(platform=Platform.ODOO, tenant=tenant, external_id=f"{kind}:{odoo_id}")


def many2one_id(value: Any) -> int | None:
    """A many2one as Odoo sends it: ``[id, "name"]``, or ``false``."""
    if isinstance(value, list | tuple) and value:
        return int(value[0])
    return int(value) if isinstance(value, int) and not isinstance(value, bool) else None


def clean_text(value: Any) -> str:
    return "" if value in (None, False) else str(value).strip()


def utc_stamp(value: Any) -> datetime | None:
    """Odoo's datetimes are UTC without an offset."""
    text = clean_text(value)
    if not text:
        return None
    try:
        return datetime.fromisoformat(text).replace(tzinfo=UTC)
    except ValueError:
        return None


def odoo_time(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def _civility(title: Any) -> Civility | None:
    """Madame or Monsieur from a partner's title (``[id, "Madam"]``); None when not gendered."""
    return Civility.from_title(clean_text(title[1]) if isinstance(title, list | tuple) else "")


def customer_from_odoo(raw: Mapping[str, Any], tenant: str, country: str) -> Customer:
    label = f"Odoo partner {raw.get('id', '?')}"
    name = clean_text(raw.get("name"))
    if not name:
        raise DataError(f"{label} has no name", hint="the record is skipped")
    code = clean_text(raw.get("country_code")).upper() or country
    lines = tuple(x for x in (clean_text(raw.get("street")), clean_text(raw.get("street2"))) if x)
    address = (
        PostalAddress(
            lines=lines,
            postal_code=clean_text(raw.get("zip")),
            city=clean_text(raw.get("city")),
            country=code,
        )
        if lines or raw.get("city")
        else None
    )
    emails = [
        e.strip() for e in clean_text(raw.get("email")).replace(";", ",").split(",") if "@" in e
    ]
    civility = None if raw.get("is_company") else _civility(raw.get("title"))
    contacts = [
        Contact(name=name, civility=civility, email=e, address=address, primary=i == 0)
        for i, e in enumerate(emails)
    ]
    phone = clean_text(raw.get("phone")) or clean_text(raw.get("mobile"))
    if phone:
        contacts.append(Contact(name=name, civility=civility, phone=phone, primary=not contacts))
    try:
        return Customer(
            ref=record_ref(tenant, "partner", int(raw["id"])),
            name=name,
            legal_kind=LegalKind.B2B if raw.get("is_company") else LegalKind.B2C,
            language=(clean_text(raw.get("lang")) or "fr_FR").split("_")[0],
            country=code,
            registration_id=clean_text(raw.get("company_registry"))
            or clean_text(raw.get("vat"))
            or None,
            address=address,
            contacts=tuple(contacts),
        )
    except ValueError as exc:
        raise DataError(f"{label}: {str(exc).splitlines()[0]}") from None


def receivable_from_odoo(
    raw: Mapping[str, Any], tenant: str, terms: Sequence[Mapping[str, Any]] = ()
) -> Receivable | None:
    """The receivable, or None for a draft. ``terms`` are the move's receivable lines
    (``TERM_FIELDS``): an open invoice with several is split into its instalments, each
    with its own ``amount_residual_currency`` as what is still open on it."""
    label = f"Odoo invoice {raw.get('id', '?')} ({clean_text(raw.get('name')) or 'no number'})"
    if raw.get("state") == "draft":
        return None
    partner = many2one_id(raw.get("commercial_partner_id"))
    if partner is None:
        raise DataError(f"{label} has no customer", hint="set one in Odoo")
    try:
        currency = check_currency(clean_text((raw.get("currency_id") or [0, "EUR"])[1]) or "EUR")
        issued = date.fromisoformat(clean_text(raw.get("invoice_date")))
        due_on = date.fromisoformat(clean_text(raw.get("invoice_date_due")) or issued.isoformat())
        total = Decimal(str(raw.get("amount_total") or 0))
        residual = Decimal(str(raw.get("amount_residual") or 0))
    except (ValueError, TypeError, IndexError, ArithmeticError) as exc:
        raise DataError(f"{label}: {exc}", hint="the record is skipped") from None
    try:
        parts = _instalments(terms, currency) if raw.get("move_type") == "out_invoice" else ()
    except (ValueError, TypeError, ArithmeticError) as exc:  # read whole, as before terms
        log.warning("%s: instalments ignored: %s", label, str(exc).splitlines()[0])
        parts = ()
    state, paying = raw.get("state"), raw.get("payment_state")
    if state == "cancel":
        status, residual = ReceivableStatus.CANCELLED, Decimal(0)
    elif paying in ("paid", "in_payment", "reversed") or residual <= 0:
        status, residual = ReceivableStatus.PAID, Decimal(0)
    elif paying == "partial" or residual < total:
        status = ReceivableStatus.PARTIALLY_PAID
    else:
        status = ReceivableStatus.OPEN
    money_total = Money(abs(total), currency).rounded()
    money_open = Money(abs(residual), currency).rounded()
    values: dict[str, Any] = {
        "ref": record_ref(tenant, "move", int(raw["id"])),
        "customer_ref": record_ref(tenant, "partner", partner),
        "kind": ReceivableKind.CREDIT_NOTE
        if raw.get("move_type") == "out_refund"
        else ReceivableKind.INVOICE,
        "number": clean_text(raw.get("name")) or str(raw["id"]),
        "issued_on": issued,
        "due_on": max(due_on, issued),
        "currency": currency,
        "total": Money(max(money_total.amount, money_open.amount), currency),
        "open_balance": money_open,
        "status": status,
        "updated_at": utc_stamp(raw.get("write_date")),
    }
    if len(parts) > 1 and status in (ReceivableStatus.OPEN, ReceivableStatus.PARTIALLY_PAID):
        try:
            return Receivable(**{**values, "due_on": parts[-1].due_on, "instalments": parts})
        except ValueError as exc:  # lines that do not add up: the whole, due on the first open
            log.warning("%s: instalments ignored: %s", label, str(exc).splitlines()[-1].strip())
            first = next(
                (i.due_on for i in parts if i.open_balance and i.open_balance.is_positive),
                parts[0].due_on,
            )
            values["due_on"] = max(first, issued)
    try:
        return Receivable(**values)
    except ValueError as exc:
        raise DataError(f"{label}: {str(exc).splitlines()[0]}") from None


def term_rows(terms: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """A move's receivable lines in instalment order (by due date, then id), the empty ones
    left out: the n-th row is the n-th instalment."""
    rows = sorted(terms, key=lambda row: (clean_text(row.get("date_maturity")), int(row["id"])))
    return [row for row in rows if Decimal(str(row.get("amount_currency") or 0)) != 0]


def _instalments(terms: Sequence[Mapping[str, Any]], currency: str) -> tuple[Instalment, ...]:
    """A move's receivable lines as its instalments (amounts unsigned, in the invoice's
    currency); none when a line has no due date."""
    found = []
    for row in term_rows(terms):
        when = clean_text(row.get("date_maturity"))
        if not when:
            return ()  # a line without a due date: not a schedule relance can follow
        amount = Money(abs(Decimal(str(row.get("amount_currency") or 0))), currency).rounded()
        left = Money(abs(Decimal(str(row.get("amount_residual_currency") or 0))), currency)
        found.append(
            Instalment(due_on=date.fromisoformat(when), amount=amount, open_balance=left.rounded())
        )
    return tuple(found)


def payment_from_odoo(
    raw: Mapping[str, Any],
    tenant: str,
    unapplied: Decimal | None,
    allocated: Mapping[int, Decimal] | None = None,
) -> Payment:
    """``allocated``: what the payment settled of each invoice (move id -> amount), from
    :func:`adapters.odoo.reconcile.payment_allocations`; without it, no allocations."""
    label = f"Odoo payment {raw.get('id', '?')} ({clean_text(raw.get('name')) or 'no number'})"
    partner = many2one_id(raw.get("partner_id"))
    if partner is None:
        raise DataError(f"{label} has no customer")
    try:
        currency = check_currency(clean_text((raw.get("currency_id") or [0, "EUR"])[1]) or "EUR")
        amount = Money(abs(Decimal(str(raw.get("amount") or 0))), currency).rounded()
        left = Money(min(unapplied or Decimal(0), amount.amount), currency).rounded()
        return Payment(
            ref=record_ref(tenant, "payment", int(raw["id"])),
            customer_ref=record_ref(tenant, "partner", partner),
            received_on=date.fromisoformat(clean_text(raw.get("date"))),
            amount=amount,
            unapplied=left,
            allocations=tuple(
                Allocation(
                    receivable_ref=record_ref(tenant, "move", move),
                    amount=Money(amount, currency).rounded(),
                )
                for move, amount in sorted((allocated or {}).items())
                if Money(amount, currency).rounded().is_positive
            ),
        )
    except (ValueError, TypeError, IndexError, ArithmeticError) as exc:
        raise DataError(f"{label}: {str(exc).splitlines()[0]}") from None
