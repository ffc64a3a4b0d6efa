"""The records the emulator serves, shaped field for field as the Company API v2 spec says.

A test or the seed stores what matters to it (an invoice's number, amounts, status…); what
it leaves out gets the value a real ledger shows for it, and each answer carries exactly
the fields the spec's response schema requires: no more (the schemas forbid extra
properties), none missing, ``null`` only where the spec allows it. Links to sub-resources
are built from the record's id and the emulator's address. A stored record may not carry a
field the spec does not give that record (an individual with a SIREN, a customer with a
``balance``): :func:`check_fields` refuses it when it is stored.

Spec: ``../shared/specs/pennylane-company-api-v2-openapi-2026-04.json`` (getCustomerInvoice,
getCustomer, getCompanyCustomer, getCustomerInvoiceMatchedTransactions…).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

__all__ = [
    "COMPANY_FIELDS",
    "INDIVIDUAL_FIELDS",
    "INVOICE_FIELDS",
    "check_fields",
    "customer_view",
    "invoice_view",
    "transaction_view",
]

CENT = Decimal("0.01")
VAT = Decimal("1.2")
BANK_ACCOUNT, BANK_JOURNAL = 5301, 42  # the company's one bank account and its journal
EMPTY_ADDRESS = {"address": "", "postal_code": "", "city": "", "country_alpha2": ""}

# getCustomerInvoice: every property is required
INVOICE_FIELDS = frozenset(
    {
        "id", "label", "invoice_number", "currency", "amount", "currency_amount",
        "currency_amount_before_tax", "exchange_rate", "date", "deadline", "currency_tax",
        "tax", "language", "paid", "status", "discount", "ledger_entry", "public_file_url",
        "filename", "remaining_amount_with_tax", "remaining_amount_without_tax", "draft",
        "special_mention", "customer", "invoice_line_sections", "invoice_lines",
        "custom_header_fields", "categories", "pdf_invoice_free_text", "pdf_invoice_subject",
        "pdf_description", "billing_subscription", "credited_invoice",
        "customer_invoice_template", "transaction_reference", "payments",
        "matched_transactions", "appendices", "quote", "external_reference", "e_invoicing",
        "archived_at", "created_at", "updated_at",
    }
)  # fmt: skip
_CUSTOMER_COMMON = frozenset(
    {
        "id", "name", "billing_iban", "payment_conditions", "recipient", "phone", "reference",
        "notes", "ledger_account", "emails", "billing_address", "delivery_address",
        "created_at", "updated_at", "customer_type", "external_reference", "billing_language",
        "mandates", "pro_account_mandates", "contacts",
    }
)  # fmt: skip
COMPANY_FIELDS = _CUSTOMER_COMMON | {"vat_number", "reg_no"}
INDIVIDUAL_FIELDS = _CUSTOMER_COMMON | {"first_name", "last_name"}
_LINKS = (  # an invoice's sub-resources, each an object holding its URL
    "invoice_line_sections", "invoice_lines", "custom_header_fields", "categories",
    "payments", "matched_transactions", "appendices",
)  # fmt: skip


def check_fields(resource: str, record: dict[str, Any]) -> None:
    """Refuse a record holding a field the spec does not give that kind of record."""
    if resource == "customer_invoices":
        allowed = INVOICE_FIELDS
    elif record.get("customer_type") == "individual":
        allowed = INDIVIDUAL_FIELDS
    else:
        allowed = COMPANY_FIELDS
    extra = sorted(set(record) - allowed)
    if extra:
        kind = record.get("customer_type", "invoice")
        raise ValueError(
            f"the spec gives a {kind} record no {', '.join(extra)} (record {record.get('id')})"
        )


def _decimal(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def _money(value: Decimal) -> str:
    return str(value.quantize(CENT, rounding=ROUND_HALF_UP))


def _before_tax(value: Any) -> str:
    amount = _decimal(value)
    return _money(amount / VAT) if amount is not None else "0.00"


def _tax(value: Any) -> str:
    amount = _decimal(value)
    return _money(amount - amount / VAT) if amount is not None else "0.00"


def invoice_view(record: dict[str, Any], base: str, stamp: str) -> dict[str, Any]:
    """The invoice as getCustomerInvoice returns it; ``base`` is the API's address."""
    iid = record["id"]
    get = record.get
    currency_amount = get("currency_amount", get("amount", "0.00"))
    amount = get("amount", currency_amount)
    number = get("invoice_number") or ""  # a string, drafts included (not nullable)
    remaining = get("remaining_amount_with_tax", currency_amount)
    customer = get("customer")
    credited = get("credited_invoice")
    view: dict[str, Any] = {
        "id": iid,
        "label": get("label", f"Facture {number}" if number else None),
        "invoice_number": number,
        "currency": get("currency") or "EUR",
        "amount": amount,
        "currency_amount": currency_amount,
        "currency_amount_before_tax": get(
            "currency_amount_before_tax", _before_tax(currency_amount)
        ),
        "exchange_rate": get("exchange_rate", "1.0"),
        "date": get("date"),
        "deadline": get("deadline"),
        "currency_tax": get("currency_tax", _tax(currency_amount)),
        "tax": get("tax", _tax(amount)),
        "language": get("language") or "fr_FR",
        "paid": get("paid", False),
        "status": get("status", "upcoming"),
        "discount": get("discount", {"type": "absolute", "value": "0.0"}),
        "ledger_entry": get("ledger_entry", {"id": 700_000_000 + iid}),
        "public_file_url": get("public_file_url"),
        "filename": get("filename", f"{number}.pdf" if number else None),
        "remaining_amount_with_tax": remaining,
        "remaining_amount_without_tax": get(
            "remaining_amount_without_tax", None if remaining is None else _before_tax(remaining)
        ),
        "draft": get("draft", False),
        "special_mention": get("special_mention"),
        "customer": None if customer is None else _link(base, "customers", customer["id"]),
        "pdf_invoice_free_text": get("pdf_invoice_free_text") or "",
        "pdf_invoice_subject": get("pdf_invoice_subject") or "",
        "pdf_description": get("pdf_description"),
        "billing_subscription": get("billing_subscription"),
        "credited_invoice": None
        if credited is None
        else _link(base, "customer_invoices", credited["id"]),
        "customer_invoice_template": get("customer_invoice_template"),
        "transaction_reference": get("transaction_reference"),
        "quote": get("quote"),
        "external_reference": get("external_reference") or f"PL-{iid}",  # never null
        "e_invoicing": get("e_invoicing"),
        "archived_at": get("archived_at"),
        "created_at": get("created_at", stamp),
        "updated_at": get("updated_at", stamp),
    }
    for name in _LINKS:
        view[name] = {"url": f"{base}/customer_invoices/{iid}/{name}"}
    return view


def _link(base: str, resource: str, record_id: int) -> dict[str, Any]:
    return {"id": record_id, "url": f"{base}/{resource}/{record_id}"}


def customer_view(
    record: dict[str, Any], base: str, stamp: str, *, typed: bool = False
) -> dict[str, Any]:
    """The customer as getCustomer returns it; ``typed``: as the company_customers and
    individual_customers endpoints do (without ``customer_type``)."""
    cid = record["id"]
    get = record.get
    individual = get("customer_type") == "individual"
    view: dict[str, Any] = {
        "id": cid,
        "name": get("name")
        or " ".join(filter(None, (get("first_name"), get("last_name"))))
        or f"Client {cid}",
        "billing_iban": get("billing_iban"),
        "payment_conditions": get("payment_conditions", "30_days"),
        "recipient": get("recipient") or "",
        "phone": get("phone") or "",
        "reference": get("reference"),
        "notes": get("notes"),
        "ledger_account": get("ledger_account"),
        "emails": list(get("emails") or []),
        "billing_address": {**EMPTY_ADDRESS, **(get("billing_address") or {})},
        "delivery_address": {**EMPTY_ADDRESS, **(get("delivery_address") or {})},
        "created_at": get("created_at", stamp),
        "updated_at": get("updated_at", stamp),
        "customer_type": "individual" if individual else "company",
        "external_reference": get("external_reference") or f"PL-C{cid}",
        "billing_language": get("billing_language", "fr_FR"),
        "mandates": {"url": _filtered_url(f"{base}/gocardless_mandates", cid)},
        "pro_account_mandates": {"url": _filtered_url(f"{base}/pro_account/mandates", cid)},
        "contacts": {"url": f"{base}/customers/{cid}/contacts"},
    }
    if individual:
        view["first_name"] = get("first_name") or ""
        view["last_name"] = get("last_name") or ""
    else:
        view["reg_no"] = get("reg_no") or ""
        view["vat_number"] = get("vat_number") or ""
    if typed:
        del view["customer_type"]
    return view


def _filtered_url(path: str, customer_id: int) -> str:
    rule = f'[{{"field":"customer_id","operator":"eq","value":"{customer_id}"}}]'
    return f"{path}?filter={rule}"


def transaction_view(record: dict[str, Any], base: str) -> dict[str, Any]:
    """A bank transaction as getCustomerInvoiceMatchedTransactions lists it."""
    get = record.get
    customer = get("customer")
    bank = BANK_ACCOUNT
    return {
        "id": record["id"],
        "label": get("label"),
        "attachment_required": get("attachment_required", False),
        "date": record["date"],
        "outstanding_balance": get("outstanding_balance"),
        "created_at": record["created_at"],
        "updated_at": record["updated_at"],
        "archived_at": get("archived_at"),
        "currency": get("currency"),  # null is allowed: a transaction of unknown currency
        "currency_amount": record["currency_amount"],
        "amount": record["amount"],
        "currency_fee": get("currency_fee", "0.00"),
        "fee": get("fee", "0.00"),
        "journal": {"id": BANK_JOURNAL},
        "bank_account": {"id": bank, "url": f"{base}/bank_accounts/{bank}"},
        "pro_account_expense": None,
        "customer": None if customer is None else _link(base, "customers", customer["id"]),
        "categories": [],
    }
