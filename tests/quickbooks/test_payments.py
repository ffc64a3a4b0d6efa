"""QuickBooks payments: each line's amount goes to the invoice (or credit memo) it links."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from adapters.quickbooks.mapping import Directory, parse, payment_from_wire
from adapters.quickbooks.wire import QPayment
from connector.clock import FrozenClock
from connector.money import Money
from connector.store import Store
from connector.sync import sync
from tests.emulators.quickbooks import QuickBooksState

from .conftest import MakeSource


def _line(amount: str, *links: tuple[str, str]) -> dict[str, object]:
    return {
        "Amount": Decimal(amount),
        "LinkedTxn": [{"TxnId": i, "TxnType": kind} for i, kind in links],
    }


def test_each_line_allocates_its_amount_to_the_document_it_links() -> None:
    wire = parse(
        QPayment,
        {
            "Id": "77",
            "TxnDate": "2026-03-05",
            "TotalAmt": Decimal("650.00"),
            "UnappliedAmt": Decimal("20.00"),
            "CustomerRef": {"value": "5"},
            "Line": [
                _line("400.00", ("11", "Invoice")),
                _line("200.00", ("12", "Invoice")),
                _line("50.00", ("11", "Invoice")),  # a second line on the same invoice
                _line("80.00", ("90", "CreditMemo")),  # the credit the payment used
                _line("30.00", ("13", "Invoice"), ("14", "Invoice")),  # no split given
            ],
        },
        "payment",
    )
    payment = payment_from_wire(wire, Directory(tenant="acme"))
    assert {a.receivable_ref.external_id: a.amount for a in payment.allocations} == {
        "creditmemo:90": Money.of("80.00", "EUR"),
        "invoice:11": Money.of("450.00", "EUR"),
        "invoice:12": Money.of("200.00", "EUR"),
    }
    assert payment.unapplied == Money.of("20.00", "EUR")


def test_an_invoice_paid_later_is_open_as_of_before_the_payment(
    qb_state: QuickBooksState, make_source: MakeSource, store: Store, qb_clock: FrozenClock
) -> None:
    qb_state.put("Customer", {"Id": "5", "DisplayName": "Garage Petit"})
    invoice = {
        "Id": "11",
        "DocNumber": "INV-11",
        "TxnDate": "2026-01-10",
        "DueDate": "2026-02-09",
        "TotalAmt": Decimal("1000.00"),
        "Balance": Decimal("1000.00"),
        "CustomerRef": {"value": "5"},
    }
    qb_state.put("Invoice", invoice)
    source = make_source()
    sync(store, "acme", source, clock=qb_clock)

    qb_clock.advance(timedelta(hours=2))  # paid in full on 10 March
    qb_state.put("Invoice", {**invoice, "Balance": Decimal(0)})
    qb_state.put(
        "Payment",
        {
            "Id": "77",
            "TxnDate": "2026-03-10",
            "TotalAmt": Decimal("1000.00"),
            "CustomerRef": {"value": "5"},
            "Line": [_line("1000.00", ("11", "Invoice"))],
        },
    )
    sync(store, "acme", source, clock=qb_clock)
    assert list(store.open_receivables("acme")) == []
    (before,) = store.open_receivables("acme", as_of=date(2026, 3, 9))
    assert before.number == "INV-11" and before.open_balance.amount == Decimal("1000.00")
    assert list(store.open_receivables("acme", as_of=date(2026, 3, 10))) == []
