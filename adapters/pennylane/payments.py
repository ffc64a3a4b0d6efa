"""Bank transactions matched to Pennylane invoices, read as relance's payments.

A transaction's ``currency_amount`` is in its ``currency`` and its ``amount`` in euros. The
spec lets ``currency`` be null: such a transaction is read by its amount in euros when the
invoices it paid are in euros, and skipped on its own, with its id, when they are not (its
own currency unknown, its amount cannot be set against theirs). One transaction that cannot
be read never costs the others: each is kept or skipped alone.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pydantic import ValidationError

from connector.allocations import Settled, allocate_in_due_order
from connector.model import Payment, Platform, Receivable, SourceRef
from connector.money import Money, check_currency

from .wire import WireTransaction

__all__ = ["payments_from_wire"]


def _ref(tenant: str, tx_id: int) -> SourceRef:
    return SourceRef(platform=Platform.PENNYLANE, tenant=tenant, external_id=f"transaction:{tx_id}")


def _amount(tx: WireTransaction, invoice: Receivable) -> Money:
    """The transaction's amount in a currency the spec vouches for."""
    if tx.currency is not None:
        try:
            return Money(abs(tx.currency_amount), check_currency(tx.currency))
        except ValueError as exc:
            raise ValueError(str(exc)) from None
    if invoice.currency == "EUR" and tx.amount is not None:
        return Money(abs(tx.amount), "EUR")  # ``amount`` is in euros, whatever the currency
    raise ValueError(
        f"its currency is null and the invoice it paid is in {invoice.currency}: "
        "its amount cannot be set against the invoice's"
    )


def payments_from_wire(
    matched: dict[int, list[dict[str, Any]]], invoices: dict[int, Receivable], tenant: str
) -> tuple[list[Payment], list[str]]:
    """Bank transactions matched to invoices, one Payment per transaction, and a line for
    each transaction skipped (with its id and why).

    ``matched`` maps an invoice id to its matched transactions, ``invoices`` an invoice id
    to the invoice as read. A transaction matched to several invoices is one payment applied
    to all of them. Pennylane does not say how much of it went to each: it is spread over
    them in due-date order, each up to the part of it that is paid
    (:func:`connector.allocations.allocate_in_due_order`). Nothing is counted as unapplied:
    the invoices' remaining amounts already net the payment.
    """
    problems: list[str] = []
    by_id: dict[int, tuple[WireTransaction, list[Receivable]]] = {}
    for invoice_id, items in matched.items():
        for raw in items:
            try:
                tx = WireTransaction.model_validate(raw)
            except ValidationError as exc:
                problems.append(
                    f"Pennylane transaction {raw.get('id', '?')} matched to invoice "
                    f"{invoice_id}: {exc.errors()[0]['msg']} at "
                    f"{'.'.join(map(str, exc.errors()[0]['loc']))}; the transaction is skipped"
                )
                continue
            by_id.setdefault(tx.id, (tx, []))[1].append(invoices[invoice_id])
    payments = []
    for tx, settled in by_id.values():
        try:
            amount = _amount(tx, settled[0])
        except ValueError as exc:
            problems.append(f"Pennylane transaction {tx.id}: {exc}; the transaction is skipped")
            continue
        paid = [Settled(r.ref, r.due_on, r.total - r.open_balance) for r in settled]
        payments.append(
            Payment(
                ref=_ref(tenant, tx.id),
                customer_ref=settled[0].customer_ref,
                received_on=tx.date,
                amount=amount,
                unapplied=Money(Decimal(0), amount.currency),
                allocations=allocate_in_due_order(amount, paid),
            )
        )
    return payments, problems
