"""Property tests: the planner's promises hold for any ledger, over months of daily cycles."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connector.model import Dispute, Promise, ReceivableKind, ReceivableStatus, StepKind
from connector.money import Money, Totals
from connector.planner import CustomerState, ItemKind, apply_action, plan_customer

from .helpers import CALENDAR, POLICY, customer, invoice, ref

START = date(2026, 1, 5)
STEP_INDEX = {s.name: i for i, s in enumerate(POLICY.steps)}


@st.composite
def ledgers(draw: st.DrawFn) -> tuple[CustomerState, dict[int, str]]:
    count = draw(st.integers(1, 5))
    receivables = []
    for n in range(count):
        due = START + timedelta(days=draw(st.integers(-40, 60)))
        amount = draw(st.sampled_from(["49.90", "120.00", "480.00", "1500.00", "9800.00"]))
        partial = draw(st.booleans())
        receivables.append(
            invoice(f"F{n}", due, amount, open_=str(Decimal(amount) / 2) if partial else None)
        )
    if draw(st.booleans()):
        receivables.append(
            invoice(
                "AV",
                START,
                draw(st.sampled_from(["30.00", "300.00"])),
                kind=ReceivableKind.CREDIT_NOTE,
            )
        )
    disputes = []
    if draw(st.booleans()):
        disputed = draw(st.integers(0, count - 1))
        disputes.append(
            Dispute(
                id="d",
                receivable_ref=ref(f"F{disputed}"),
                opened_on=START + timedelta(days=draw(st.integers(0, 40))),
            )
        )
    promises = []
    if draw(st.booleans()):
        first = receivables[0]
        promises.append(
            Promise(
                id="p",
                customer_ref=ref("C1"),
                recorded_on=START + timedelta(days=draw(st.integers(0, 30))),
                promised_on=START + timedelta(days=draw(st.integers(31, 60))),
                amount=first.open_balance,
                balance_at_promise=first.open_balance,
                receivable_refs=(first.ref,),
            )
        )
    payments = draw(st.dictionaries(st.integers(0, 100), st.integers(0, count - 1), max_size=3))
    return CustomerState(customer(), receivables, disputes=disputes, promises=promises), payments


def _pay(state: CustomerState, number: str) -> CustomerState:
    paid = [replace_paid(r) if r.number == number else r for r in state.receivables]
    return replace(state, receivables=tuple(paid))


def replace_paid(receivable):  # type: ignore[no-untyped-def]
    return receivable.model_copy(
        update={"open_balance": Money.zero(receivable.currency), "status": ReceivableStatus.PAID}
    )


def _held_by_promise(state: CustomerState, key: str, day: date) -> bool:
    grace = timedelta(days=POLICY.promise_grace_days)
    for promise in state.promises:
        covered = [r for r in state.receivables if r.ref in promise.receivable_refs]
        kept = sum((r.open_balance.amount for r in covered), Decimal(0)) <= (
            promise.balance_at_promise.amount - promise.amount.amount
        )
        if (
            promise.broken_on is None
            and promise.recorded_on <= day
            and day <= promise.promised_on + grace
            and not kept
            and any(r.ref.key == key for r in covered)
        ):
            return True
    return False


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ledgers())
def test_invariants_hold_over_a_hundred_days(case: tuple[CustomerState, dict[int, str]]) -> None:
    state, payments = case
    reminders: dict[str, int] = {}
    reached: dict[str, int] = {}
    for offset in range(110):
        day = START + timedelta(days=offset)
        if offset in payments:
            state = _pay(state, f"F{payments[offset]}")
        result = plan_customer(state, POLICY, CALENDAR, day)
        steps = [a.step for a in result.actions]
        assert len(steps) == len(set(steps)), "one action per customer and step"
        by_key = {r.ref.key: r for r in state.receivables}
        disputed = {d.receivable_ref.key for d in state.disputes if d.open_on(day)}
        for action in result.actions:
            for line in action.lines:
                receivable = by_key[line.key]
                assert receivable.is_open, "never a step for a paid balance"
                assert line.key not in disputed, "never a step for a disputed invoice"
                assert not _held_by_promise(state, line.key, day), "never before a promise ends"
                if action.kind is StepKind.COURTESY:
                    assert receivable.due_on > day, "courtesy only before the due date"
                else:
                    assert receivable.due_on < day
                index = STEP_INDEX[action.step]
                assert index >= reached.get(line.key, -1), "steps never go back"
                reached[line.key] = index
                if action.kind is StepKind.REMINDER:
                    reminders[line.key] = reminders.get(line.key, 0) + 1
                    assert reminders[line.key] <= POLICY.max_reminders
            if action.kind is not StepKind.COURTESY:
                expected = {
                    r.ref.key
                    for r in state.receivables
                    if r.is_open
                    and r.kind is ReceivableKind.INVOICE
                    and r.due_on < day
                    and r.ref.key not in disputed
                    and not _held_by_promise(state, r.ref.key, day)
                }
                got = {ln.key for ln in action.lines if ln.kind is ItemKind.RECEIVABLE}
                assert got == expected, "one message covers every overdue invoice"
                net = Totals(ln.open for ln in action.lines)
                for credit in action.credits:
                    net.add(-credit.amount)
                assert dict(net.positive()) == dict(action.totals)
            state = apply_action(state, action, POLICY)
        if result.actions:
            assert plan_customer(state, POLICY, CALENDAR, day).actions == (), "re-plan is empty"
