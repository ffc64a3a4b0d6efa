"""The JSON Pennylane's Company API v2 sends, as far as relance reads it (extra fields ignored).

Amounts arrive as strings ("1200.00") and are parsed to Decimal; the client also parses any
JSON number as Decimal, so no float ever exists. Field facts: ../shared/docs/platform-apis.md §1.3.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "WireAddress",
    "WireCustomer",
    "WireEInvoicing",
    "WireInvoice",
    "WirePage",
    "WireRef",
    "WireTransaction",
]


class _Wire(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class WireRef(_Wire):
    id: int


class WireAddress(_Wire):
    address: str | None = None
    postal_code: str | None = None
    city: str | None = None
    country_alpha2: str | None = None


class WireCustomer(_Wire):
    id: int
    name: str = Field(min_length=1)
    customer_type: Literal["company", "individual"]
    emails: list[str] = Field(default_factory=list)
    phone: str | None = None
    recipient: str | None = None
    first_name: str | None = None  # individuals only
    last_name: str | None = None
    billing_address: WireAddress | None = None
    reg_no: str | None = None
    vat_number: str | None = None
    payment_conditions: str | None = None
    billing_language: str | None = None
    updated_at: dt.datetime | None = None


class WireEInvoicing(_Wire):
    """The French e-invoicing lifecycle as the approved platform (PA) reports it."""

    status: str
    reason: str | None = None


class WireInvoice(_Wire):
    """Amounts as the spec says: ``currency_amount`` in the invoice's ``currency``, ``amount``
    in euros; the currency of ``remaining_amount_with_tax`` the spec does not state."""

    id: int
    invoice_number: str | None = None
    date: dt.date | None = None
    deadline: dt.date | None = None
    currency: str = "EUR"
    currency_amount: Decimal | None = None
    amount: Decimal | None = None  # in euros
    remaining_amount_with_tax: Decimal | None = None  # null is allowed: derived, or refused
    paid: bool = False
    status: str
    draft: bool = False
    customer: WireRef | None = None
    credited_invoice: WireRef | None = None
    e_invoicing: WireEInvoicing | None = None
    updated_at: dt.datetime | None = None


class WireTransaction(_Wire):
    """A bank transaction matched to an invoice (``…/matched_transactions``):
    ``currency_amount`` in its ``currency`` (which the spec allows to be null), ``amount``
    in euros."""

    id: int
    date: dt.date
    label: str | None = None
    currency: str | None = None
    currency_amount: Decimal
    amount: Decimal | None = None  # in euros


class WirePage(_Wire):
    items: list[dict[str, Any]]
    has_more: bool = False
    next_cursor: str | None = None
