"""What is still owed on a Pennylane invoice, read as the spec says and no further.

* ``currency_amount`` is the total in the invoice's ``currency``; ``amount`` the same total in
  euros. relance claims in the invoice's currency, never in a mix.
* ``remaining_amount_with_tax`` may be null (the spec allows it) and the spec does not say in
  which currency it is. Null: a paid, cancelled or collected invoice owes nothing; an
  ``upcoming`` or ``late`` one has had nothing paid (Pennylane would say ``partially_paid``),
  so all of it is owed; anything else is refused with the invoice's id, never taken for
  zero. On an invoice in another currency than the euro, a remaining amount is used only when
  it cannot be misread: nothing, the whole total in the invoice's currency, or the whole total
  in euros (then the whole total is owed); a part of it is refused with both readings named.
* ``archived`` and ``incomplete`` invoices are not dunned: a copy stored earlier is closed.
* The French e-invoicing lifecycle (``e_invoicing.status``, set by the approved platform):
  ``collected`` counts as paid and ``partially_collected`` as partly paid until the payment
  is matched (held while the remaining amount is still the whole); ``in_dispute`` holds the
  invoice as a dispute, ``refused`` and ``rejected`` stop it, both with the PA's reason.
"""

from __future__ import annotations

from decimal import Decimal

from connector.errors import DataError
from connector.model import HoldKind, SourceHold

from .wire import WireInvoice

__all__ = ["WITHDRAWN", "hold_of", "remaining_of", "withdrawn"]

WITHDRAWN = {
    "archived": "archived in Pennylane",
    "incomplete": "incomplete in Pennylane (not a finished invoice)",
}
NOTHING_PAID = ("upcoming", "late")  # statuses that say no payment came yet
HOLDS = {
    "in_dispute": HoldKind.DISPUTED,
    "refused": HoldKind.REFUSED,
    "rejected": HoldKind.REFUSED,
}


def withdrawn(wire: WireInvoice) -> str | None:
    """Why a finalized record is no longer a receivable relance may chase, if it is not."""
    return WITHDRAWN.get(wire.status)


def _collected(wire: WireInvoice) -> bool:
    return wire.e_invoicing is not None and wire.e_invoicing.status == "collected"


def remaining_of(wire: WireInvoice, label: str, total: Decimal, currency: str) -> Decimal:
    """What is left to pay, in the invoice's currency: read, derived, or refused."""
    if wire.paid or wire.status in ("paid", "cancelled") or _collected(wire):
        return Decimal(0)
    raw = wire.remaining_amount_with_tax
    if raw is None:
        if wire.status in NOTHING_PAID:
            return total
        raise DataError(
            f"{label}: Pennylane gives no remaining amount (null) and its status "
            f"{wire.status!r} does not say how much is left",
            hint="the invoice is skipped and what was stored for it stays; check it in "
            "Pennylane (relance never takes a missing balance for zero)",
        )
    left = abs(raw)
    if currency == "EUR" or left in (0, total):
        return left
    in_euros = abs(wire.amount) if wire.amount is not None else None
    if in_euros is not None and left == in_euros:
        return total  # the whole total, written in euros: all of it is owed
    raise DataError(
        f"{label}: {left} left to pay on {total} {currency} ({in_euros} EUR); the spec does "
        f"not say whether remaining_amount_with_tax is in {currency} or in euros, and this "
        "one is neither total",
        hint="the invoice is skipped and what was stored for it stays; chase it by hand or "
        "once Pennylane shows it paid",
    )


def hold_of(wire: WireInvoice, remaining: Decimal, total: Decimal) -> SourceHold | None:
    """The hold the e-invoicing lifecycle puts on the invoice, if any."""
    block = wire.e_invoicing
    if block is None:
        return None
    reason = (block.reason or "").strip()
    if block.status in HOLDS:
        return SourceHold(kind=HOLDS[block.status], reason=reason)
    if block.status == "partially_collected" and remaining > 0 and remaining >= total:
        return SourceHold(
            kind=HoldKind.COLLECTING,
            reason=reason or "partly collected, the payment not yet matched in Pennylane",
        )
    return None
