"""Property tests: the planner's promises hold for any ledger, over months of daily cycles."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connector.model import Channel, Dispute, Promise, ReceivableKind, ReceivableStatus, StepKind
from connector.money import Money, Totals
from connector.planner import CustomerState, apply_action, plan_customer

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


def _expected(state: CustomerState, day: date) -> set[str]:
    """The invoices a step may list on ``day``: overdue, open, not disputed, not held."""
    disputed = {d.receivable_ref.key for d in state.disputes if d.open_on(day)}
    return {
        r.ref.key
        for r in state.receivables
        if r.is_open
        and r.kind is ReceivableKind.INVOICE
        and r.due_on < day
        and r.ref.key not in disputed
        and not _held_by_promise(state, r.ref.key, day)
    }


NOTICE_DEADLINE = timedelta(days=POLICY.letter_delivery_days + POLICY.notice_deadline_days)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ledgers())
def test_invariants_hold_over_a_hundred_days(case: tuple[CustomerState, dict[int, str]]) -> None:
    state, payments = case
    reminders: dict[str, int] = {}
    reached: dict[str, int] = {}
    noticed: dict[str, date] = {}
    given: dict[str, date] = {}  # the last day a reminder gave to pay
    credit_total = Totals(
        r.open_balance for r in state.receivables if r.kind is ReceivableKind.CREDIT_NOTE
    )
    for offset in range(110):
        day = START + timedelta(days=offset)
        if offset in payments:
            state = _pay(state, f"F{payments[offset]}")
        result = plan_customer(state, POLICY, CALENDAR, day)
        assert result.blocked == (), "a customer reachable by e-mail and post is never blocked"
        steps = [a.step for a in result.actions]
        assert len(steps) == len(set(steps)), "one action per customer and step"
        by_key = {r.ref.key: r for r in state.receivables}
        expected = _expected(state, day)
        listed: list[str] = []
        deducted = Totals()
        for action in result.actions:
            for line in action.lines:
                receivable = by_key[line.key]
                listed.append(line.key)
                if action.kind is StepKind.COURTESY:
                    assert receivable.due_on > day, "courtesy only before the due date"
                    continue
                assert line.key in expected, "never for a paid, disputed or held invoice"
                index = STEP_INDEX[action.step]
                assert index >= reached.get(line.key, -1), "steps never go back"
                assert day > given.get(line.key, date.min), "never before a deadline given"
                if action.step == "reminder_2":
                    given[line.key] = day + timedelta(days=8)
                reached[line.key] = index
                if action.kind is StepKind.REMINDER:
                    reminders[line.key] = reminders.get(line.key, 0) + 1
                    assert reminders[line.key] <= POLICY.max_reminders
                if action.kind is StepKind.NOTICE:
                    assert (
                        reminders.get(line.key, 0) >= 1 or (day - receivable.due_on).days >= 30
                    ), "a notice lists only invoices reminded or late enough"
                    noticed[line.key] = day
                if action.kind is StepKind.ESCALATION:
                    assert line.key in noticed, "escalated only after a notice"
                    assert day > noticed[line.key] + NOTICE_DEADLINE, "after its deadline"
            if action.kind is not StepKind.COURTESY:
                net = Totals(ln.open for ln in action.lines)
                for credit in action.credits:
                    net.add(-credit.amount)
                    deducted.add(credit.amount)
                assert dict(net.positive()) == dict(action.totals)
            state = apply_action(state, action, POLICY)
        assert len(listed) == len(set(listed)), "an invoice is in one message a day at most"
        for currency, amount in deducted.items():
            assert amount <= credit_total[currency], "a credit is deducted once"
        if result.actions:
            assert plan_customer(state, POLICY, CALENDAR, day).actions == (), "re-plan is empty"
    if not credit_total:  # the schedule never stalls: old unpaid invoices reach the end
        end = START + timedelta(days=109)
        for key in _expected(state, end):
            if by_key[key].due_on <= START - timedelta(days=20):
                assert reached.get(key) == STEP_INDEX["escalation"], f"{key} stalled"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ledgers(), st.sampled_from(["no e-mail", "phone only", "nothing"]))
def test_a_customer_hard_to_reach_is_never_stuck(
    case: tuple[CustomerState, dict[int, str]], reachable: str
) -> None:
    state, _ = case
    who = {
        "no e-mail": customer(email=None),
        "phone only": customer(email=None, address=False),
        "nothing": customer(email=None, phone=None, address=False),
    }[reachable]
    state = replace(state, customer=who, promises=())
    for offset in range(110):
        day = START + timedelta(days=offset)
        result = plan_customer(state, POLICY, CALENDAR, day)
        for action in result.actions:
            assert action.channel is not Channel.EMAIL, "never an e-mail without an address"
            if reachable == "phone only" and action.channel is Channel.PHONE_TASK:
                assert action.kind is StepKind.ESCALATION or action.template == "phone_call"
            state = apply_action(state, action, POLICY)
        for blocked in result.blocked:
            assert reachable == "nothing" or blocked.step == "formal_notice"
            assert blocked.reason, "a block always says why"
        if reachable == "nothing":
            assert result.actions == (), "nothing reaches it: no action, only blocks"
    if reachable == "no e-mail" and not any(
        r.kind is ReceivableKind.CREDIT_NOTE for r in state.receivables
    ):
        end = START + timedelta(days=109)
        for key in _expected(state, end):
            receivable = next(r for r in state.receivables if r.ref.key == key)
            if receivable.due_on <= START - timedelta(days=20):
                assert state.progress[key].step == "escalation", f"{key} stalled"
