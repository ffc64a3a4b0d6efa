"""What is owed instalment by instalment: on an invoice whose payment terms split it, and on a
payment plan. Pure arithmetic over model objects.

* An invoice whose terms split it (30 % at once, the balance at 60 days) is owed part by
  part: each instalment falls due on its own date, and only those past due are late.
  What is still open on each part is the source's own figure when it keeps one per
  instalment (Odoo's receivable lines: the truth of each part); otherwise what was paid
  (the total less the open balance) covers the instalments in date order — a debtor who
  does not say which debt he pays pays the oldest due one first (Code civil 1342-10).
* A payment plan's instalments are owed the same way: what was paid on the plan's invoices
  since it was agreed (the covered balance then, less the covered balance now) covers the
  instalments in order.
* An invoice without a schedule is one instalment: its whole open balance, due on its due
  date. So every invoice reads the same way here.

The parts of an invoice always add up to its open balance; a plan's parts add up to what is
still owed under the plan (never more than the covered invoices' open balance).

What was paid on each part, and when (:func:`paid_on_parts`), is what the law needs to
figure late-payment interest on an invoice partly paid late: the payments allocated to the
invoice, dated, cover its parts in date order, after whatever reduced it without a date (a
credit note, a payment the source did not allocate by amount).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from connector.model import Instalment, Payment, PaymentPlan, Receivable
from connector.money import Money

__all__ = [
    "InstalmentBalance",
    "cover_in_order",
    "paid_on_parts",
    "plan_balances",
    "term_balances",
]


@dataclass(frozen=True, slots=True)
class InstalmentBalance:
    """One instalment with what is still open on it; ``number`` counts from 1 of ``count``."""

    number: int
    count: int
    due_on: date
    amount: Money
    open: Money

    @property
    def is_split(self) -> bool:
        return self.count > 1


def cover_in_order(amounts: Sequence[Money], paid: Decimal) -> list[Money]:
    """What is left of each amount once ``paid`` has covered them in order (never below 0)."""
    left: list[Money] = []
    for amount in amounts:
        covered = min(max(paid, Decimal(0)), amount.amount)
        paid -= covered
        left.append(Money(amount.amount - covered, amount.currency))
    return left


def _balances(instalments: Sequence[Instalment], opens: Sequence[Money]) -> list[InstalmentBalance]:
    count = len(instalments)
    return [
        InstalmentBalance(n, count, i.due_on, i.amount, left)
        for n, (i, left) in enumerate(zip(instalments, opens, strict=True), start=1)
    ]


def term_balances(receivable: Receivable) -> list[InstalmentBalance]:
    """The invoice's instalments with what is open on each; one when its terms do not split it."""
    terms = receivable.instalments
    if not terms:
        whole = InstalmentBalance(
            1, 1, receivable.due_on, receivable.total, receivable.open_balance
        )
        return [whole]
    given = [i.open_balance for i in terms]
    if all(left is not None for left in given):
        return _balances(terms, [left for left in given if left is not None])
    paid = receivable.total.amount - receivable.open_balance.amount
    return _balances(terms, cover_in_order([i.amount for i in terms], paid))


def plan_balances(plan: PaymentPlan, open_by_key: Mapping[str, Money]) -> list[InstalmentBalance]:
    """The plan's instalments with what is still owed on each: what was paid on the covered
    invoices since the plan covers them in order (a covered invoice no longer open counts as
    paid)."""
    currency = plan.balance_at_plan.currency
    covered_open = Money.zero(currency)
    for ref in plan.receivable_refs:
        money = open_by_key.get(ref.key)
        if money is not None and money.currency == currency:
            covered_open += money
    paid = plan.balance_at_plan.amount - covered_open.amount
    return _balances(plan.instalments, cover_in_order([i.amount for i in plan.instalments], paid))


def paid_on_parts(
    receivable: Receivable,
    parts: Sequence[InstalmentBalance],
    payments: Iterable[Payment],
    as_of: date,
) -> list[tuple[tuple[date, Money], ...]]:
    """For each part, the dated payments it received, oldest first: each payment allocated
    to ``receivable`` by ``as_of`` covers the parts in date order, after what reduced the
    invoice without a date. A part whose payments would not give back its open amount (the
    source keeps other figures per instalment) gets none: then only what is open counts."""
    key, currency = receivable.ref.key, receivable.currency
    dated = sorted(
        (payment.received_on, allocation.amount.amount)
        for payment in payments
        if payment.received_on <= as_of
        for allocation in payment.allocations
        if allocation.receivable_ref.key == key and allocation.amount.currency == currency
    )
    paid = receivable.total.amount - receivable.open_balance.amount
    undated = paid - sum((amount for _, amount in dated), Decimal(0))
    if not dated or undated < 0:
        return [() for _ in parts]
    room = [a.amount for a in cover_in_order([p.amount for p in parts], undated)]
    pieces: list[list[tuple[date, Money]]] = [[] for _ in parts]
    for day, amount in dated:
        for n, left in enumerate(room):
            share = min(amount, left)
            if share > 0:
                pieces[n].append((day, Money(share, currency)))
                room[n] -= share
                amount -= share
    return [
        tuple(got) if left == part.open.amount else ()
        for got, left, part in zip(pieces, room, parts, strict=True)
    ]
