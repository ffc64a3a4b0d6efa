"""Pennylane payloads (shaped after the Company API v2 documentation) to relance's model."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from adapters.pennylane.mapping import (
    customer_from_wire,
    parse_customer,
    parse_invoice,
    receivable_from_wire,
)
from connector.errors import DataError
from connector.model import Civility, LegalKind, ReceivableKind, ReceivableStatus
from connector.money import Money


def invoice(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": 4021,
        "invoice_number": "F20260042",
        "label": "Facture F20260042",
        "date": "2026-02-01",
        "deadline": "2026-03-03",
        "currency": "EUR",
        "amount": "1200.00",
        "currency_amount": "1200.00",
        "remaining_amount_with_tax": "1200.00",
        "paid": False,
        "status": "late",
        "draft": False,
        "customer": {"id": 77, "url": "https://x"},
        "credited_invoice": None,
        "public_file_url": "https://files.example/F20260042.pdf?expires=1800",
        "updated_at": "2026-03-04T08:15:00.000+01:00",
        "e_invoicing": None,
    }
    return {**base, **fields}


def test_an_open_invoice() -> None:
    got = receivable_from_wire(parse_invoice(invoice()), "acme")
    assert got is not None
    assert got.ref.external_id == "invoice:4021" and got.customer_ref.external_id == "customer:77"
    assert (got.number, got.issued_on, got.due_on) == (
        "F20260042",
        date(2026, 2, 1),
        date(2026, 3, 3),
    )
    assert got.open_balance == Money.of("1200.00", "EUR") and got.status is ReceivableStatus.OPEN
    assert got.document_url is None  # the public URL expires after 30 minutes
    assert got.updated_at is not None and got.updated_at.utcoffset() is not None


def test_partly_paid_paid_and_cancelled() -> None:
    partial = receivable_from_wire(
        parse_invoice(invoice(remaining_amount_with_tax="450.50", status="partially_paid")), "acme"
    )
    assert partial is not None and partial.status is ReceivableStatus.PARTIALLY_PAID
    assert partial.open_balance.amount == Decimal("450.50")
    paid = receivable_from_wire(
        parse_invoice(invoice(remaining_amount_with_tax="0.00", paid=True, status="paid")), "acme"
    )
    assert paid is not None and paid.status is ReceivableStatus.PAID and not paid.is_open
    cancelled = receivable_from_wire(parse_invoice(invoice(status="cancelled")), "acme")
    assert cancelled is not None and not cancelled.is_open


def test_a_credit_note_with_negative_amounts_is_kept_positive() -> None:
    credit = receivable_from_wire(
        parse_invoice(
            invoice(
                id=4022,
                invoice_number="AV20260003",
                currency_amount="-200.00",
                remaining_amount_with_tax="-200.00",
                status="credit_note",
                credited_invoice={"id": 4021, "url": "https://x"},
            )
        ),
        "acme",
    )
    assert credit is not None and credit.kind is ReceivableKind.CREDIT_NOTE
    assert credit.open_balance == Money.of("200.00", "EUR")


def test_drafts_and_estimates_are_not_receivables() -> None:
    assert receivable_from_wire(parse_invoice(invoice(draft=True, status="draft")), "acme") is None
    assert receivable_from_wire(parse_invoice(invoice(status="estimate_pending")), "acme") is None


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"customer": None}, "has no customer"),
        ({"date": None}, "has no date"),
        ({"currency": "EURO"}, "ISO 4217"),
        ({"remaining_amount_with_tax": "douze"}, "decimal"),
    ],
)
def test_bad_payloads_are_data_errors_naming_the_invoice(
    fields: dict[str, Any], message: str
) -> None:
    with pytest.raises(DataError, match="4021") as error:
        receivable_from_wire(parse_invoice(invoice(**fields)), "acme")
    assert message in str(error.value)


def test_a_company_and_an_individual_customer() -> None:
    company = customer_from_wire(
        parse_customer(
            {
                "id": 77,
                "name": "Hôtel des Célestins",
                "customer_type": "company",
                "emails": ["compta@celestins.example.fr", "dg@celestins.example.fr"],
                "phone": "+33 4 72 00 00 01",
                "recipient": "Mme Roux",
                "billing_address": {
                    "address": "4 rue Charles Dullin",
                    "postal_code": "69002",
                    "city": "Lyon",
                    "country_alpha2": "FR",
                },
                "reg_no": "512345678",
                "payment_conditions": "30_days",
                "billing_language": "fr_FR",
                "notes": "",
                "ledger_account": {"id": 9},
            }
        ),
        "acme",
    )
    assert company.legal_kind is LegalKind.B2B and company.payment_terms_days == 30
    assert [c.email for c in company.email_contacts] == [
        "compta@celestins.example.fr",
        "dg@celestins.example.fr",
    ]
    assert company.address is not None and company.address.city == "Lyon"
    person = customer_from_wire(
        parse_customer(
            {
                "id": 78,
                "name": "Julien Fabre",
                "customer_type": "individual",
                "emails": [],
                "billing_language": "en_GB",
                "billing_address": None,
            }
        ),
        "acme",
    )
    assert person.legal_kind is LegalKind.B2C and person.language == "en"
    assert person.contacts == ()
    (roux,) = {(c.civility, c.name, c.family_name) for c in company.contacts}
    assert roux == (Civility.MADAME, "Roux", "Roux")  # from the recipient « Mme Roux »


def test_an_individual_is_addressed_by_the_names_pennylane_keeps() -> None:
    person = customer_from_wire(
        parse_customer(
            {
                "id": 79,
                "name": "FABRE Julien",
                "customer_type": "individual",
                "first_name": "Julien",
                "last_name": "Fabre",
                "emails": ["julien@example.fr"],
            }
        ),
        "acme",
    )
    (contact,) = person.contacts
    assert (contact.civility, contact.name, contact.family_name) == (None, "Julien Fabre", "Fabre")
