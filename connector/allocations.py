"""How a payment is spread over the documents it settled, when the source does not say.

QuickBooks states the amount a payment applied to each invoice, and Odoo the amount of each
reconciliation; a CSV may give it per invoice. Where a source only names the documents a
payment went to (a CSV line without amounts, a Pennylane transaction matched to several
invoices, a FEC lettering group), :func:`allocate_in_due_order` spreads the applied part
over them the way a bookkeeper would read it: the oldest due date first, each document up to
what it can have received (its ``capacity``: usually the part of it that is paid today).

What is more than every document's capacity stays unallocated: relance cannot tell where it
went, and an allocation it invents would reopen the wrong invoice in an as-of view.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from connector.model import Allocation, SourceRef
from connector.money import Money

__all__ = ["Settled", "allocate_in_due_order"]


@dataclass(frozen=True, slots=True)
class Settled:
    """A document a payment went to: its due date orders it, ``capacity`` bounds its share."""

    ref: SourceRef
    due_on: date
    capacity: Money


def allocate_in_due_order(applied: Money, documents: Iterable[Settled]) -> tuple[Allocation, ...]:
    """``applied`` spread over ``documents``, oldest due date first (then by reference).

    Documents in another currency than ``applied`` get nothing; neither does one whose
    capacity is zero or negative, nor a document named twice. The allocations never add up
    to more than ``applied``.
    """
    left = applied.amount
    allocations: list[Allocation] = []
    seen: set[str] = set()
    for document in sorted(documents, key=lambda d: (d.due_on, d.ref.key)):
        if left <= 0:
            break
        if document.ref.key in seen or document.capacity.currency != applied.currency:
            continue
        seen.add(document.ref.key)
        share = min(left, max(document.capacity.amount, Decimal(0)))
        if share <= 0:
            continue
        allocations.append(
            Allocation(receivable_ref=document.ref, amount=Money(share, applied.currency))
        )
        left -= share
    return tuple(allocations)
