"""What is owed on a Pennylane invoice: null remaining amounts, currencies, archived and
incomplete invoices, the e-invoicing lifecycle, and transactions of unknown currency."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from adapters.pennylane.mapping import parse_invoice, payments_from_wire, receivable_from_wire
from connector.errors import DataError
from connector.model import HoldKind, Receivable, ReceivableStatus
from connector.money import Money

from .test_mapping import invoice


def read(**fields: Any) -> Receivable | None:
    return receivable_from_wire(parse_invoice(invoice(**fields)), "acme")


def owed(**fields: Any) -> Receivable:
    got = read(**fields)
    assert got is not None
    return got


@pytest.mark.parametrize("status", ["archived", "incomplete"])
def test_archived_and_incomplete_invoices_are_never_dunned(status: str) -> None:
    assert read(status=status) is None
    assert read(status=status, deadline=None, customer=None) is None  # however incomplete


@pytest.mark.parametrize(
    ("fields", "left", "state"),
    [
        ({"status": "late"}, "1200.00", ReceivableStatus.OPEN),  # nothing paid yet: all of it
        ({"status": "upcoming"}, "1200.00", ReceivableStatus.OPEN),
        ({"status": "paid", "paid": True}, "0", ReceivableStatus.PAID),
        ({"status": "cancelled"}, "0", ReceivableStatus.CANCELLED),
    ],
)
def test_a_null_remaining_amount_is_derived_from_what_the_invoice_says(
    fields: dict[str, Any], left: str, state: ReceivableStatus
) -> None:
    got = owed(remaining_amount_with_tax=None, **fields)
    assert got.open_balance == Money.of(left, "EUR") and got.status is state


def test_a_null_remaining_amount_that_cannot_be_derived_refuses_the_invoice() -> None:
    with pytest.raises(DataError, match=r"invoice 4021 .*null.*partially_paid"):
        read(remaining_amount_with_tax=None, status="partially_paid")
    with pytest.raises(DataError, match="4021"):
        read(remaining_amount_with_tax=None, status="credit_note")


def test_amounts_are_in_the_invoice_s_currency_never_in_euros() -> None:
    usd = {"currency": "USD", "currency_amount": "1000.00", "amount": "920.00"}
    whole = owed(remaining_amount_with_tax="1000.00", **usd)
    assert whole.total == whole.open_balance == Money.of("1000.00", "USD")
    # the whole total written in euros: all of it is owed, in dollars
    assert owed(remaining_amount_with_tax="920.00", **usd).open_balance == Money.of("1000", "USD")
    assert not owed(remaining_amount_with_tax="0.00", **usd).is_open
    with pytest.raises(DataError, match=r"400.00 left to pay on 1000.00 USD \(920.00 EUR\)"):
        read(remaining_amount_with_tax="400.00", status="partially_paid", **usd)
    euros = owed(remaining_amount_with_tax="400.00", status="partially_paid", amount="9.99")
    assert euros.open_balance == Money.of("400.00", "EUR")  # `amount` never mixed in


@pytest.mark.parametrize(
    ("status", "reason", "hold"),
    [
        ("in_dispute", "Remise non appliquée", HoldKind.DISPUTED),
        ("refused", "Destinataire inconnu", HoldKind.REFUSED),
        ("rejected", "SIREN invalide", HoldKind.REFUSED),
        ("submitted", None, None),
        ("sent", None, None),
        ("accepted", None, None),
        ("approved", None, None),
    ],
)
def test_the_e_invoicing_lifecycle_holds_or_stops_an_invoice(
    status: str, reason: str | None, hold: HoldKind | None
) -> None:
    got = owed(e_invoicing={"status": status, "reason": reason})
    assert got.is_open and got.open_balance == Money.of("1200.00", "EUR")
    assert (got.hold.kind if got.hold else None) is hold
    if got.hold is not None:
        assert got.hold.reason == reason


def test_collected_counts_as_paid_and_partly_collected_as_partly_paid() -> None:
    collected = owed(e_invoicing={"status": "collected", "reason": None})
    assert collected.status is ReceivableStatus.PAID and not collected.is_open
    waiting = owed(e_invoicing={"status": "partially_collected", "reason": None})
    assert waiting.status is ReceivableStatus.PARTIALLY_PAID
    assert waiting.hold is not None and waiting.hold.kind is HoldKind.COLLECTING
    matched = owed(  # the payment matched since: the rest is chased
        e_invoicing={"status": "partially_collected", "reason": None},
        remaining_amount_with_tax="700.00",
        status="partially_paid",
    )
    assert matched.hold is None and matched.open_balance == Money.of("700.00", "EUR")


def _tx(tx_id: int, amount: str, currency: str | None, euros: str) -> dict[str, Any]:
    return {"id": tx_id, "date": "2026-03-05", "label": "VIR", "currency": currency,
            "currency_amount": amount, "amount": euros}  # fmt: skip


def test_one_transaction_of_unknown_currency_costs_no_other_payment() -> None:
    eur = owed(remaining_amount_with_tax="700.00", status="partially_paid")
    usd = owed(id=4022, remaining_amount_with_tax="1200.00", status="partially_paid",
               currency="USD", currency_amount="1200.00", amount="1104.00")  # fmt: skip
    matched = {
        4021: [_tx(1, "500.00", None, "500.00")],  # unknown currency, paid in euros: read
        4022: [_tx(2, "300.00", None, "276.00"), _tx(3, "300.00", "USD", "276.00")],
    }
    payments, problems = payments_from_wire(matched, {4021: eur, 4022: usd}, "acme")
    assert {p.ref.external_id: p.amount for p in payments} == {
        "transaction:1": Money.of("500.00", "EUR"),  # its `amount`, in euros by the spec
        "transaction:3": Money.of("300.00", "USD"),
    }
    (problem,) = problems
    assert "transaction 2" in problem and "null" in problem and "USD" in problem
    broken = {4021: [{"id": 9, "date": "hier", "currency_amount": "1"}, _tx(1, "5", "EUR", "5")]}
    payments, problems = payments_from_wire(broken, {4021: eur}, "acme")
    assert [p.ref.external_id for p in payments] == ["transaction:1"]
    assert len(problems) == 1 and "transaction 9" in problems[0]
    assert sum((p.amount.amount for p in payments), Decimal(0)) == Decimal(5)
