"""What each Odoo payment settled of each invoice, from the reconciliations.

Odoo records a payment's match with an invoice as an ``account.partial.reconcile``
between the payment's receivable line (the credit) and the invoice's (the debit), with the
amount matched (``credit_amount_currency``: in the payment's currency). Reading them gives
each payment's allocations: ``{payment id: {invoice (move) id: amount}}``.

A payment with ``reconciled_invoice_ids`` but no reconciliation relance can read (an Odoo 19
payment "in process" without its own journal entry) has its applied part spread over those
invoices in due-date order, each up to what is paid on it
(:func:`connector.allocations.allocate_in_due_order`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from connector.allocations import Settled, allocate_in_due_order
from connector.model import Platform, SourceRef
from connector.money import Money

from .client import OdooClient

__all__ = ["payment_allocations"]

_CHUNK = 500
PARTIAL_FIELDS = ["debit_move_id", "credit_move_id", "amount", "credit_amount_currency"]
INVOICE_FIELDS = ["amount_total", "amount_residual", "invoice_date_due", "invoice_date"]


def _id(value: Any) -> int | None:
    if isinstance(value, list | tuple) and value:
        return int(value[0])
    return int(value) if isinstance(value, int) and not isinstance(value, bool) else None


def _decimal(value: Any) -> Decimal:
    return abs(Decimal(str(value or 0)))


def _reconciled(client: OdooClient, ids: Sequence[int]) -> dict[int, dict[int, Decimal]]:
    found: dict[int, dict[int, Decimal]] = defaultdict(dict)
    for start in range(0, len(ids), _CHUNK):
        partials = list(
            client.search_read(
                "account.partial.reconcile",
                [["credit_move_id.payment_id", "in", list(ids[start : start + _CHUNK])]],
                PARTIAL_FIELDS,
            )
        )
        lines: set[int] = set()
        for partial in partials:
            lines.update(
                x for x in (_id(partial["debit_move_id"]), _id(partial["credit_move_id"])) if x
            )
        by_line = {
            int(row["id"]): row
            for row in client.search_read(
                "account.move.line", [["id", "in", sorted(lines)]], ["move_id", "payment_id"]
            )
        }
        for partial in partials:
            credit = by_line.get(_id(partial["credit_move_id"]) or 0, {})
            debit = by_line.get(_id(partial["debit_move_id"]) or 0, {})
            payment, move = _id(credit.get("payment_id")), _id(debit.get("move_id"))
            if payment is None or move is None:
                continue
            amount = _decimal(partial.get("credit_amount_currency") or partial.get("amount"))
            found[payment][move] = found[payment].get(move, Decimal(0)) + amount
    return found


def _spread(
    client: OdooClient, tenant: str, payments: Mapping[int, tuple[Money, list[int]]]
) -> dict[int, dict[int, Decimal]]:
    """Applied parts spread over the named invoices, in due-date order."""
    moves = sorted({m for _, named in payments.values() for m in named})
    invoices: dict[int, dict[str, Any]] = {}
    for start in range(0, len(moves), _CHUNK):
        for row in client.search_read(
            "account.move", [["id", "in", moves[start : start + _CHUNK]]], INVOICE_FIELDS
        ):
            invoices[int(row["id"])] = row
    found: dict[int, dict[int, Decimal]] = {}
    for payment, (applied, named) in payments.items():
        settled = []
        for move in named:
            row = invoices.get(move, {})
            due = row.get("invoice_date_due") or row.get("invoice_date")
            if row is None or not due:
                continue
            paid = _decimal(row.get("amount_total")) - _decimal(row.get("amount_residual"))
            ref = SourceRef(platform=Platform.ODOO, tenant=tenant, external_id=f"move:{move}")
            settled.append(
                Settled(ref, date.fromisoformat(str(due)), Money(paid, applied.currency))
            )
        found[payment] = {
            int(a.receivable_ref.external_id.partition(":")[2]): a.amount.amount
            for a in allocate_in_due_order(applied, settled)
        }
    return found


def payment_allocations(
    client: OdooClient, tenant: str, payments: Mapping[int, tuple[Money, list[int]]]
) -> dict[int, dict[int, Decimal]]:
    """``{payment id: {move id: amount}}`` for ``payments`` (id -> applied part, the invoices
    Odoo names as reconciled with it)."""
    found = _reconciled(client, sorted(payments))
    missing = {p: v for p, v in payments.items() if p not in found and v[1]}
    if missing:
        found.update(_spread(client, tenant, missing))
    return dict(found)
