"""Promises to pay and payment plans on the dashboard: how the promises of each month ended,
and the cash the live ones and the plans' instalments bring in the coming days.

A promise stands as ``relance promise list --as-of DAY`` says (:mod:`connector.commitments`):
kept once the balance it covers fell by its amount, broken once its date and the policy's
grace days went by (or relance acted on it as broken), cancelled, or live. Each counts in the
month of its promised date. What existed on the day only: a promise recorded later is
unknown, one broken or cancelled later was still live.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select

from connector.asof import receivables_as_of
from connector.commitments import Standing, plan_standing, promise_covered, promise_standing
from connector.instalments import plan_balances
from connector.model import PaymentPlan, Promise, Receivable
from connector.money import Money
from connector.store import Store
from connector.store import schema as t
from connector.store.asof import settled_documents
from connector.store.ledger import row_to_payment, row_to_receivable

__all__ = [
    "ExpectedCash",
    "ExpectedDay",
    "ExpectedWeek",
    "PromiseMonth",
    "PromiseOutcomes",
    "expected_cash",
    "promise_outcomes",
]

_CHUNK = 500
_OPEN = ("open", "partially_paid")


@dataclass(frozen=True, slots=True)
class PromiseMonth:
    """The promises whose date fell in one month, by where each stands."""

    month: date  # its first day
    count: Mapping[Standing, int]
    amount: Mapping[Standing, Mapping[str, Money]]  # promised, per standing and currency


@dataclass(frozen=True, slots=True)
class PromiseOutcomes:
    as_of: date
    grace_days: int
    months: tuple[PromiseMonth, ...]  # oldest first, every month of the period


@dataclass(frozen=True, slots=True)
class ExpectedDay:
    """What is expected on one day: promises still to keep, plan instalments still owed."""

    day: date
    promised: Mapping[str, Money]
    instalments: Mapping[str, Money]
    promises: int
    plan_instalments: int


@dataclass(frozen=True, slots=True)
class ExpectedWeek:
    start: date
    end: date
    amounts: Mapping[str, Money]  # promises and instalments together, per currency
    promises: int
    plan_instalments: int


@dataclass(frozen=True, slots=True)
class ExpectedCash:
    as_of: date
    horizon: date  # the last day counted
    days: tuple[ExpectedDay, ...]  # the days with something expected, in order

    def totals(self) -> dict[str, Money]:
        found: dict[str, Decimal] = defaultdict(Decimal)
        for day in self.days:
            for money in (*day.promised.values(), *day.instalments.values()):
                found[money.currency] += money.amount
        return {c: Money(a, c) for c, a in sorted(found.items())}

    def weeks(self) -> tuple[ExpectedWeek, ...]:
        """Seven days at a time from ``as_of`` (the last week ends on the horizon)."""
        weeks = []
        start = self.as_of
        while start <= self.horizon:
            end = min(start + timedelta(days=6), self.horizon)
            inside = [d for d in self.days if start <= d.day <= end]
            amounts: dict[str, Decimal] = defaultdict(Decimal)
            for d in inside:
                for money in (*d.promised.values(), *d.instalments.values()):
                    amounts[money.currency] += money.amount
            weeks.append(
                ExpectedWeek(
                    start,
                    end,
                    {c: Money(a, c) for c, a in sorted(amounts.items())},
                    sum(d.promises for d in inside),
                    sum(d.plan_instalments for d in inside),
                )
            )
            start = end + timedelta(days=1)
        return tuple(weeks)


def _promises_on(store: Store, tenant: str, day: date) -> list[Promise]:
    """The promises recorded by ``day``, as they stood on it."""
    return [
        p if p.broken_on is None or p.broken_on <= day else p.model_copy(update={"broken_on": None})
        for p in store.promises(tenant)
        if p.recorded_on <= day
    ]


def _open_on(
    store: Store, tenant: str, customers: Iterable[str], day: date
) -> dict[str, list[Receivable]]:
    """The customers' documents open on ``day`` (:mod:`connector.asof`), by customer key."""
    keys = sorted(set(customers))
    found: dict[str, list[Receivable]] = defaultdict(list)
    with store.engine.connect() as conn:
        for start in range(0, len(keys), _CHUNK):
            part = keys[start : start + _CHUNK]
            docs = [
                row_to_receivable(row)
                for row in conn.execute(
                    select(t.receivables).where(
                        t.receivables.c.tenant == tenant,
                        t.receivables.c.customer_key.in_(part),
                        t.receivables.c.status.in_(_OPEN),
                    )
                )
            ]
            later = [
                row_to_payment(row)
                for row in conn.execute(
                    select(t.payments).where(
                        t.payments.c.tenant == tenant,
                        t.payments.c.customer_key.in_(part),
                        t.payments.c.received_on > day,
                    )
                )
            ]
            docs += settled_documents(conn, tenant, later, day, {d.ref.key for d in docs})
            for receivable in receivables_as_of(docs, later, day):
                if receivable.is_open:
                    found[receivable.customer_ref.key].append(receivable)
    return found


def _months(first: date, last: date) -> list[date]:
    months, month = [], first.replace(day=1)
    while month <= last:
        months.append(month)
        month = (month + timedelta(days=32)).replace(day=1)
    return months


def promise_outcomes(
    store: Store, tenant: str, as_of: date, *, since: date, grace_days: int
) -> PromiseOutcomes:
    """The promises whose date fell in each month from ``since``'s to ``as_of``'s, by where
    each stands on ``as_of`` (``grace_days``: the policy's ``promise_grace_days``)."""
    months = _months(since, as_of)
    promises = [p for p in _promises_on(store, tenant, as_of) if months[0] <= p.promised_on]
    promises = [p for p in promises if p.promised_on.replace(day=1) <= months[-1]]
    ledger = _open_on(store, tenant, (p.customer_ref.key for p in promises), as_of)
    counts: dict[date, dict[Standing, int]] = {m: dict.fromkeys(Standing, 0) for m in months}
    amounts: dict[date, dict[Standing, dict[str, Decimal]]] = {
        m: {s: defaultdict(Decimal) for s in Standing} for m in months
    }
    for promise in promises:
        standing = promise_standing(
            promise, ledger.get(promise.customer_ref.key, ()), as_of, grace_days
        )
        month = promise.promised_on.replace(day=1)
        counts[month][standing] += 1
        amounts[month][standing][promise.amount.currency] += promise.amount.amount
    return PromiseOutcomes(
        as_of,
        grace_days,
        tuple(
            PromiseMonth(
                m,
                counts[m],
                {s: {c: Money(a, c) for c, a in sorted(amounts[m][s].items())} for s in Standing},
            )
            for m in months
        ),
    )


def _promised(
    promises: Sequence[Promise],
    ledger: Mapping[str, list[Receivable]],
    as_of: date,
    grace: int,
    horizon: date,
) -> list[tuple[date, Money]]:
    expected = []
    for promise in promises:
        if promise.promised_on > horizon:
            continue
        open_ = ledger.get(promise.customer_ref.key, [])
        if promise_standing(promise, open_, as_of, grace) is not Standing.LIVE:
            continue
        paid = promise.balance_at_promise - promise_covered(promise, open_)
        left = promise.amount.amount - max(paid.amount, Decimal(0))
        if left > 0:
            expected.append((max(promise.promised_on, as_of), Money(left, promise.amount.currency)))
    return expected


def _instalments(
    plans: Sequence[PaymentPlan], ledger: Mapping[str, list[Receivable]], as_of: date, horizon: date
) -> list[tuple[date, Money]]:
    expected = []
    for plan in plans:
        open_ = ledger.get(plan.customer_ref.key, [])
        if plan_standing(plan, open_, as_of) is not Standing.LIVE:
            continue
        by_key = {r.ref.key: r.open_balance for r in open_}
        for part in plan_balances(plan, by_key):
            if part.open.is_positive and as_of <= part.due_on <= horizon:
                expected.append((part.due_on, part.open))
    return expected


def expected_cash(
    store: Store, tenant: str, as_of: date, *, grace_days: int, days: int = 30
) -> ExpectedCash:
    """The cash expected in the ``days`` days from ``as_of`` (included): what the live
    promises still owe on their date (on ``as_of`` for one due already, within its grace
    days), and the live payment plans' instalments still owed on theirs."""
    horizon = as_of + timedelta(days=days - 1)
    promises = _promises_on(store, tenant, as_of)
    plans = [p for p in store.plans(tenant) if p.agreed_on <= as_of]
    customers = {p.customer_ref.key for p in promises if p.promised_on <= horizon}
    customers |= {p.customer_ref.key for p in plans if p.active_on(as_of)}
    ledger = _open_on(store, tenant, customers, as_of)
    promised = _promised(promises, ledger, as_of, grace_days, horizon)
    owed = _instalments([p for p in plans if p.active_on(as_of)], ledger, as_of, horizon)
    by_day: dict[date, tuple[list[dict[str, Decimal]], list[int]]] = {}
    for source, items in enumerate((promised, owed)):
        for day, money in items:
            sums, counts = by_day.setdefault(
                day, ([defaultdict(Decimal), defaultdict(Decimal)], [0, 0])
            )
            sums[source][money.currency] += money.amount
            counts[source] += 1
    return ExpectedCash(
        as_of,
        horizon,
        tuple(
            ExpectedDay(
                day,
                {c: Money(a, c) for c, a in sorted(sums[0].items())},
                {c: Money(a, c) for c, a in sorted(sums[1].items())},
                counts[0],
                counts[1],
            )
            for day, (sums, counts) in sorted(by_day.items())
        ),
    )
