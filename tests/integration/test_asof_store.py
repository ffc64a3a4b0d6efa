"""The store's as-of view: weeks later, a day looks exactly as it did on the day.

A small ledger unfolds day by day (invoices issued, payments received and allocated, a
promise recorded then broken) while the executor runs every day. Each evening the store's
view of the day is kept; at the end, with everything that came after in the store (paid
invoices, later payments, progress, the broken promise), the view of each past day, the
dry run for it and the aged balance on it are the same as they were that evening.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from connector.model import (
    Allocation,
    Payment,
    Promise,
    Receivable,
    ReceivableKind,
    ReceivableStatus,
)
from connector.money import Money
from connector.planner import CustomerState
from connector.store import Store

from .builders import TENANT, customer, invoice, make_executor, ref

START, END = date(2026, 2, 2), date(2026, 4, 30)


def _paid(pid: str, cid: str, on: str, amount: str, unapplied: str, **parts: str) -> Payment:
    return Payment(
        ref=ref(pid),
        customer_ref=ref(cid),
        received_on=date.fromisoformat(on),
        amount=Money.of(amount, "EUR"),
        unapplied=Money.of(unapplied, "EUR"),
        allocations=tuple(
            Allocation(receivable_ref=ref(number.replace("_", "-")), amount=Money.of(v, "EUR"))
            for number, v in parts.items()
        ),
    )


CUSTOMERS = [
    customer("C1", "Hôtel Morel"),
    customer("C2", "Garage Petit"),
    customer("C3", "Cabinet Roux"),
]
DOCUMENTS = [
    invoice("F-1", "C1", date(2026, 2, 4), "1200.00", issued=date(2026, 1, 5)),
    invoice("F-2", "C1", date(2026, 3, 31), "800.00", issued=date(2026, 3, 1)),
    invoice("F-3", "C2", date(2026, 2, 19), "2500.00", issued=date(2026, 1, 20)),
    invoice("F-4", "C2", date(2026, 4, 24), "640.00", issued=date(2026, 3, 25)),
    invoice("F-5", "C3", date(2026, 3, 3), "300.00", issued=date(2026, 2, 1)),
    invoice("AV-1", "C1", date(2026, 3, 10), "100.00", issued=date(2026, 3, 10)).model_copy(
        update={"kind": ReceivableKind.CREDIT_NOTE}
    ),
]
PAYMENTS = [
    _paid("P1", "C1", "2026-03-20", "700.00", "0", F_1="700.00"),
    _paid("P2", "C1", "2026-04-02", "1300.00", "0", F_1="500.00", F_2="800.00"),
    _paid("P3", "C3", "2026-03-25", "400.00", "100.00", F_5="300.00"),
]
PROMISE = Promise(
    id="promise-1",
    customer_ref=ref("C2"),
    recorded_on=date(2026, 3, 5),
    promised_on=date(2026, 3, 20),
    amount=Money.of("1000.00", "EUR"),
    balance_at_promise=Money.of("2500.00", "EUR"),
)


def _ledger_on(day: date) -> tuple[list[Receivable], list[Payment]]:
    """What the source showed on ``day``: documents issued by then, paid by then."""
    received = [p for p in PAYMENTS if p.received_on <= day]
    documents = []
    for doc in DOCUMENTS:
        if doc.issued_on > day:
            continue
        paid = sum(
            (
                a.amount.amount
                for p in received
                for a in p.allocations
                if a.receivable_ref == doc.ref
            ),
            Decimal(0),
        )
        left = doc.total.amount - paid
        status = (
            ReceivableStatus.PAID
            if left == 0
            else ReceivableStatus.OPEN
            if left == doc.total.amount
            else ReceivableStatus.PARTIALLY_PAID
        )
        documents.append(
            doc.model_copy(update={"open_balance": Money(left, "EUR"), "status": status})
        )
    return documents, received


@dataclass(frozen=True)
class Seen:
    states: dict[str, tuple[object, ...]]
    planned: list[tuple[str, str, object, tuple[str, ...]]]
    aged: dict[str, object]


def _fingerprint(state: CustomerState) -> tuple[object, ...]:
    return (
        sorted(
            (r.number, r.open_balance.amount, r.status.value)
            for r in state.receivables
            if r.is_open
        ),
        sorted((p.ref.external_id, p.unapplied.amount) for p in state.payments),
        [(p.id, p.broken_on) for p in state.promises],
        dict(state.progress),
        state.last_action_on,
    )


def _seen(store: Store, executor_day: date, tmp_path: Path) -> Seen:
    executor = make_executor(store, tmp_path / "dry", None, executor_day)
    states = {
        s.customer.ref.external_id: _fingerprint(s)
        for s in store.customer_states(TENANT, as_of=executor_day, policy=executor.policy)
    }
    planned = [
        (
            a.customer_ref.external_id,
            a.step,
            a.totals.get("EUR"),
            tuple(ln.number for ln in a.lines),
        )
        for a in executor.dry_run(executor_day).planned
    ]
    aged = {
        r.number: r.open_balance.amount for r in store.open_receivables(TENANT, as_of=executor_day)
    }
    return Seen(states, planned, aged)


def test_a_past_day_looks_as_it_did_that_evening(store: Store, tmp_path: Path) -> None:
    evenings: dict[date, Seen] = {}
    day = START
    while day <= END:
        documents, received = _ledger_on(day)
        store.upsert_ledger(TENANT, customers=CUSTOMERS, receivables=documents, payments=received)
        if day == PROMISE.recorded_on:
            store.add_promise(TENANT, PROMISE)
        executor = make_executor(store, tmp_path / "outbox", None, day)
        executor.run(day)
        evenings[day] = _seen(store, day, tmp_path)
        day += timedelta(days=1)

    sent = store.actions(TENANT)
    assert len({a.step for a in sent}) >= 3, "the customers went through several steps"
    assert store.receivable(TENANT, ref("F-1")).status is ReceivableStatus.PAID
    assert store.promises(TENANT, ref("C2"))[0].broken_on is not None
    for past, seen in evenings.items():
        assert _seen(store, past, tmp_path) == seen, past
    # on 19 March, F-1 is open in full: its first payment is of the 20th
    assert evenings[date(2026, 3, 19)].aged["F-1"] == Decimal("1200.00")
    assert "AV-1" not in evenings[date(2026, 3, 9)].aged
