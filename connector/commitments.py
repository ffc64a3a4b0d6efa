"""A customer's commitments — promises to pay and payment plans — and where each stands.

On a given day a commitment is:

* **cancelled** — a person withdrew it (``relance promise|payment-plan cancel``) on or before
  that day; from then on it holds nothing and the invoices are chased as usual;
* **kept** — a promise: the balance it covers has fallen by the amount promised; a plan:
  nothing it covers is still open;
* **broken** — a promise: its date plus the policy's grace days went by unkept, or relance
  already acted on it as broken; a plan: an instalment past its due date is unpaid;
* **live** — otherwise: the promise holds the reminders until its date, the plan's
  instalments are chased as they fall due.

Payments are applied as the planner applies them: what a plan's invoices lost since the plan
was agreed pays its instalments in date order. Pure functions, on the customer's open
receivables as the store gives them (a paid invoice is absent: it owes nothing).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from enum import StrEnum

from connector.model import PaymentPlan, Promise, Receivable, ReceivableKind
from connector.money import Money

__all__ = ["Standing", "plan_paid", "plan_standing", "promise_covered", "promise_standing"]


class Standing(StrEnum):
    LIVE = "live"
    CANCELLED = "cancelled"
    KEPT = "kept"
    BROKEN = "broken"


def promise_covered(promise: Promise, open_receivables: Iterable[Receivable]) -> Money:
    """What the invoices the promise covers still owe, in its currency."""
    keys = {ref.key for ref in promise.receivable_refs}
    currency = promise.amount.currency
    return sum(
        (
            r.open_balance
            for r in open_receivables
            if r.is_open
            and r.kind is ReceivableKind.INVOICE
            and r.currency == currency
            and (not keys or r.ref.key in keys)
        ),
        Money.zero(currency),
    )


def promise_standing(
    promise: Promise, open_receivables: Iterable[Receivable], day: date, grace_days: int
) -> Standing:
    if promise.cancelled_by(day):
        return Standing.CANCELLED
    if promise.broken_on is not None:
        return Standing.BROKEN
    if promise_covered(promise, open_receivables) <= promise.balance_at_promise - promise.amount:
        return Standing.KEPT
    if day > promise.promised_on + timedelta(days=grace_days):
        return Standing.BROKEN
    return Standing.LIVE


def plan_paid(plan: PaymentPlan, open_receivables: Iterable[Receivable]) -> Money:
    """What has been paid towards the plan since it was agreed."""
    keys = {ref.key for ref in plan.receivable_refs}
    currency = plan.balance_at_plan.currency
    still_open = sum(
        (
            r.open_balance
            for r in open_receivables
            if r.is_open and r.ref.key in keys and r.currency == currency
        ),
        Money.zero(currency),
    )
    return max(plan.balance_at_plan - still_open, Money.zero(currency))


def plan_standing(plan: PaymentPlan, open_receivables: Iterable[Receivable], day: date) -> Standing:
    if plan.cancelled_on is not None and plan.cancelled_on <= day:
        return Standing.CANCELLED
    paid = plan_paid(plan, open_receivables)
    if paid >= plan.balance_at_plan:
        return Standing.KEPT
    currency = plan.balance_at_plan.currency
    fallen_due = sum((i.amount for i in plan.instalments if i.due_on < day), Money.zero(currency))
    return Standing.BROKEN if fallen_due > paid else Standing.LIVE
