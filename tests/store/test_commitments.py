"""Payment plans and promises in the store, on SQLite and PostgreSQL: an invoice is in one live
plan only, whoever records it; cancelling is dated, audited, and happens once."""

from __future__ import annotations

import threading
from datetime import date

import pytest

from connector.errors import ConflictError, DataError, RelanceError
from connector.model import Instalment, PaymentPlan, Promise
from connector.money import Money
from connector.planner import plan_customer
from connector.store import EventType, Store

from .test_store import CALENDAR, POLICY, _seed, customer, invoice, ref


def _plan(
    plan_id: str,
    numbers: tuple[str, ...] = ("F-1",),
    agreed: date = date(2026, 3, 5),
    cid: str = "C1",
    total: str = "1234.56",
) -> PaymentPlan:
    amount = Money.of(total, "EUR")
    return PaymentPlan(
        id=plan_id,
        customer_ref=ref(cid),
        agreed_on=agreed,
        receivable_refs=tuple(ref(n) for n in numbers),
        instalments=(Instalment(due_on=date(2026, 4, 1), amount=amount),),
        balance_at_plan=amount,
    )


def _seed_more(store: Store) -> None:
    _seed(store)  # C1: F-1 1,234.56; C2: F-2 99.99
    store.upsert_ledger(
        "acme", customers=[customer("C1")], receivables=[invoice("F-3", date(2026, 3, 4), "400")]
    )


def _events(store: Store, kind: EventType) -> list[dict[str, object]]:
    return [e.payload for e in store.history("acme", customer_ref=ref("C1")) if e.kind is kind]


def test_a_second_live_plan_on_an_invoice_is_refused_naming_the_first(store: Store) -> None:
    _seed_more(store)
    store.add_plan("acme", _plan("plan-a", ("F-1",)))
    with pytest.raises(ConflictError) as refused:
        store.add_plan("acme", _plan("plan-b", ("F-3", "F-1"), total="1634.56"))
    assert "invoice F-1 is already in payment plan plan-a (agreed on 2026-03-05)" in str(
        refused.value
    )
    assert refused.value.exit_code == 5
    assert "relance payment-plan cancel plan-a" in (refused.value.hint or "")
    # nothing of the refused plan was kept: no row, no audit event
    assert [p.id for p in store.plans("acme")] == ["plan-a"]
    assert [e["id"] for e in _events(store, EventType.PLAN_AGREED)] == ["plan-a"]


def test_a_plan_on_other_invoices_of_the_customer_is_accepted(store: Store) -> None:
    _seed_more(store)
    store.add_plan("acme", _plan("plan-a", ("F-1",)))
    store.add_plan("acme", _plan("plan-b", ("F-3",), total="400"))
    assert sorted(p.id for p in store.plans("acme", ref("C1"))) == ["plan-a", "plan-b"]


def test_once_cancelled_the_invoice_can_go_into_a_new_plan_from_that_day(store: Store) -> None:
    _seed_more(store)
    store.add_plan("acme", _plan("plan-a"))
    store.cancel_plan("acme", "plan-a", date(2026, 3, 20), reason="renegotiated")
    # a plan that would run beside plan-a's last days is still refused
    with pytest.raises(ConflictError, match="plan-a"):
        store.add_plan("acme", _plan("plan-b", agreed=date(2026, 3, 19)))
    store.add_plan("acme", _plan("plan-b", agreed=date(2026, 3, 20)))
    (cancel,) = _events(store, EventType.PLAN_CANCELLED)
    assert cancel == {"id": "plan-a", "cancelled_on": "2026-03-20", "reason": "renegotiated"}
    plans = {p.id: p for p in store.plans("acme")}
    assert plans["plan-a"].cancelled_on == date(2026, 3, 20)
    assert not plans["plan-a"].active_on(date(2026, 3, 20))
    assert plans["plan-b"].active_on(date(2026, 3, 20))


def test_a_plan_names_only_its_customers_invoices(store: Store) -> None:
    _seed_more(store)
    with pytest.raises(DataError, match="invoice F-2 belongs to another customer"):
        store.add_plan("acme", _plan("plan-x", ("F-1", "F-2")))
    with pytest.raises(DataError, match="no invoice"):
        store.add_plan("acme", _plan("plan-y", ("F-404",)))
    assert store.plans("acme") == []


def test_a_cancellation_happens_once_and_not_before_the_plan(store: Store) -> None:
    _seed_more(store)
    store.add_plan("acme", _plan("plan-a"))
    with pytest.raises(DataError, match="dates from 2026-03-05"):
        store.cancel_plan("acme", "plan-a", date(2026, 3, 1))
    store.cancel_plan("acme", "plan-a", date(2026, 3, 6))
    with pytest.raises(ConflictError, match="already cancelled on 2026-03-06"):
        store.cancel_plan("acme", "plan-a", date(2026, 3, 7))
    with pytest.raises(RelanceError, match="no plan 'plan-zz'"):
        store.cancel_plan("acme", "plan-zz", date(2026, 3, 7))
    assert len(_events(store, EventType.PLAN_CANCELLED)) == 1


def test_two_plans_recorded_at_once_on_one_invoice_are_never_both_kept(store: Store) -> None:
    _seed_more(store)
    outcomes: list[str] = []
    start = threading.Barrier(4)

    def agree(n: int) -> None:
        start.wait()
        try:
            store.add_plan("acme", _plan(f"plan-{n}"))
            outcomes.append("kept")
        except ConflictError:
            outcomes.append("refused")

    threads = [threading.Thread(target=agree, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["kept", "refused", "refused", "refused"]
    assert len(store.plans("acme")) == 1


def test_a_cancelled_promise_no_longer_holds_the_reminders(store: Store) -> None:
    _seed(store)
    store.add_promise(
        "acme",
        Promise(
            id="p1",
            customer_ref=ref("C1"),
            promised_on=date(2026, 3, 20),
            recorded_on=date(2026, 3, 5),
            amount=Money.of("1234.56", "EUR"),
            balance_at_promise=Money.of("1234.56", "EUR"),
        ),
    )
    (held,) = store.customer_states("acme", customer_refs=[ref("C1")])
    assert plan_customer(held, POLICY, CALENDAR, date(2026, 3, 10)).actions == ()
    store.cancel_promise("acme", "p1", date(2026, 3, 9), reason="the customer withdrew it")
    (after,) = store.customer_states("acme", customer_refs=[ref("C1")])
    (action,) = plan_customer(after, POLICY, CALENDAR, date(2026, 3, 10)).actions
    assert [line.number for line in action.lines] == ["F-1"]
    # the day before the cancellation, the promise still held them
    assert plan_customer(after, POLICY, CALENDAR, date(2026, 3, 8)).actions == ()
    (cancel,) = _events(store, EventType.PROMISE_CANCELLED)
    assert cancel == {
        "id": "p1",
        "cancelled_on": "2026-03-09",
        "reason": "the customer withdrew it",
    }
    with pytest.raises(ConflictError, match="already cancelled"):
        store.cancel_promise("acme", "p1", date(2026, 3, 10))
