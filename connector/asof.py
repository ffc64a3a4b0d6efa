"""What existed on a given day: the as-of view of a customer's ledger and dunning.

The store holds the ledger as the source shows it *now*, and the side states as they were
recorded. Whatever plans, renders or reports for a day (a run, a dry run for another date,
each day of the demo's replay, a dossier or an aged balance as of a date) looks at it through
:func:`state_as_of` (or :func:`receivables_as_of` for documents alone), which shows only what
existed on that day. A record dated on the day itself exists on it.

* An invoice or credit note issued after the day does not exist yet.
* A payment received after the day does not exist yet, and what it settled is open again:
  each of its allocations goes back onto its document's open balance (an invoice it paid, a
  credit note it used), never above the document's total. An invoice settled on 19 November
  was open on 1 October.
* A promise recorded, a payment plan agreed, a dispute opened or a pause starting after the
  day does not exist yet; a promise broken, a plan cancelled or a dispute resolved after the
  day is still pending, live or open on it.
* How far each item went (its progress) is known on the day only from the actions carried
  out by then: the store rebuilds it from the outbox with :func:`progress_as_of`; given a
  state alone, :func:`state_as_of` drops the progress dated after the day.

The view is exact for what the ledger dates. What it does not date cannot be undone:

* an allocation counts from the day its payment was received, even when the payment was
  matched to the invoice later (until then it was unapplied: the net claim is the same);
* a credit note set against an invoice outside a payment (an Odoo reconciliation, a
  Pennylane credit note, a FEC lettering, a CSV's ``open`` column) leaves the invoice as
  reduced as it is now; only an open credit note issued after the day is invisible;
* a document cancelled or a payment deleted after the day, and a pause replaced by a later
  one, are gone from the store and stay gone from the view;
* Pennylane reads the transactions of partly paid invoices only (one request each): an
  invoice it shows fully paid is not reopened.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import date
from decimal import Decimal
from types import MappingProxyType

from connector.model import (
    Dispute,
    Payment,
    PaymentPlan,
    Promise,
    Receivable,
    ReceivableStatus,
)
from connector.money import Money
from connector.planner import CustomerState, PlannedAction, Progress, progress_after
from connector.policy import Policy

__all__ = [
    "payments_as_of",
    "progress_as_of",
    "receivables_as_of",
    "settled_after",
    "state_as_of",
]


def payments_as_of(payments: Iterable[Payment], day: date) -> tuple[Payment, ...]:
    """The payments received on or before ``day``."""
    return tuple(p for p in payments if p.received_on <= day)


def settled_after(payments: Iterable[Payment], day: date) -> dict[str, list[Money]]:
    """What payments received after ``day`` allocated, by document key."""
    later: dict[str, list[Money]] = defaultdict(list)
    for payment in payments:
        if payment.received_on > day:
            for allocation in payment.allocations:
                later[allocation.receivable_ref.key].append(allocation.amount)
    return later


def _reopened(receivable: Receivable, back: Decimal) -> Receivable:
    """``receivable`` with ``back`` added to its open balance, up to its total."""
    if back <= 0 or receivable.status is ReceivableStatus.CANCELLED:
        return receivable
    total = receivable.total.amount
    open_ = min(total, receivable.open_balance.amount + back)
    status = (
        ReceivableStatus.OPEN
        if open_ >= total
        else ReceivableStatus.PARTIALLY_PAID
        if open_ > 0
        else ReceivableStatus.PAID
    )
    # what is open on each instalment is no longer known: payments cover them in order again
    terms = tuple(i.model_copy(update={"open_balance": None}) for i in receivable.instalments)
    return receivable.model_copy(
        update={
            "open_balance": Money(open_, receivable.currency),
            "status": status,
            "instalments": terms,
        }
    )


def receivables_as_of(
    receivables: Iterable[Receivable], payments: Iterable[Payment], day: date
) -> tuple[Receivable, ...]:
    """The documents issued on or before ``day``, open by what later payments settled.

    ``payments`` must hold every payment received after the day that allocated something to
    one of ``receivables`` (the others may be there or not).
    """
    later = settled_after(payments, day)
    seen: list[Receivable] = []
    for receivable in receivables:
        if receivable.issued_on > day:
            continue
        back = sum(
            (
                m.amount
                for m in later.get(receivable.ref.key, ())
                if m.currency == receivable.currency
            ),
            Decimal(0),
        )
        seen.append(_reopened(receivable, back))
    return tuple(seen)


def _promise(promise: Promise, day: date) -> Promise:
    if promise.broken_on is not None and promise.broken_on > day:
        return promise.model_copy(update={"broken_on": None})
    return promise


def _plan(plan: PaymentPlan, day: date) -> PaymentPlan:
    if plan.cancelled_on is not None and plan.cancelled_on > day:
        return plan.model_copy(update={"cancelled_on": None})
    return plan


def _dispute(dispute: Dispute, day: date) -> Dispute:
    if dispute.resolved_on is not None and dispute.resolved_on > day:
        return dispute.model_copy(update={"resolved_on": None})
    return dispute


def _known_progress(state: CustomerState, day: date) -> tuple[Mapping[str, Progress], date | None]:
    last = state.last_action_on
    known = last is None or last <= day
    if known and all(p.last_on is None or p.last_on <= day for p in state.progress.values()):
        return state.progress, last  # nothing done after the day: everything holds
    kept = {k: p for k, p in state.progress.items() if p.last_on is None or p.last_on <= day}
    if not known:
        last = max((p.last_on for p in kept.values() if p.last_on is not None), default=None)
    return MappingProxyType(kept), last


def _nothing_later(state: CustomerState, day: date) -> bool:
    """True when no record of ``state`` is dated after ``day`` (the usual case, and fast)."""
    if state.last_action_on is not None and state.last_action_on > day:
        return False
    if state.pause is not None and state.pause.since > day:
        return False
    return (
        all(r.issued_on <= day for r in state.receivables)
        and all(p.received_on <= day for p in state.payments)
        and all(
            p.recorded_on <= day and (p.broken_on is None or p.broken_on <= day)
            for p in state.promises
        )
        and all(
            p.agreed_on <= day and (p.cancelled_on is None or p.cancelled_on <= day)
            for p in state.plans
        )
        and all(
            d.opened_on <= day and (d.resolved_on is None or d.resolved_on <= day)
            for d in state.disputes
        )
        and all(p.last_on is None or p.last_on <= day for p in state.progress.values())
    )


def state_as_of(state: CustomerState, day: date) -> CustomerState:
    """The customer as it stood on ``day``: see the module's docstring for what that means.

    ``state`` must carry, besides what is open now, the payments received after the day and
    the documents they settled (the store's ``customer_states(..., as_of=day)`` does). Applying
    it twice for the same day changes nothing more.
    """
    if _nothing_later(state, day):
        return state
    progress, last_action_on = _known_progress(state, day)
    pause = state.pause if state.pause is not None and state.pause.since <= day else None
    return replace(
        state,
        receivables=receivables_as_of(state.receivables, state.payments, day),
        payments=payments_as_of(state.payments, day),
        promises=tuple(_promise(p, day) for p in state.promises if p.recorded_on <= day),
        plans=tuple(_plan(p, day) for p in state.plans if p.agreed_on <= day),
        disputes=tuple(_dispute(d, day) for d in state.disputes if d.opened_on <= day),
        pause=pause,
        progress=progress,
        last_action_on=last_action_on,
    )


def progress_as_of(
    sent: Iterable[PlannedAction], policy: Policy, day: date
) -> tuple[Mapping[str, Progress], date | None]:
    """Each item's progress after the actions carried out up to ``day``, and the last one's
    date. ``sent`` are a customer's actions carried out, in the order they were."""
    progress: dict[str, Progress] = {}
    last: date | None = None
    for action in sent:
        if action.planned_on > day:
            continue
        progress.update(progress_after(progress, action, policy, action.planned_on))
        last = action.planned_on if last is None else max(last, action.planned_on)
    return MappingProxyType(progress), last
