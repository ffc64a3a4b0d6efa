"""The planner's rules, one scenario each, with the default French policy."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from connector.model import (
    Dispute,
    Instalment,
    Pause,
    Payment,
    PaymentPlan,
    Promise,
    ReceivableKind,
)
from connector.money import Money
from connector.planner import CustomerState, PlannedAction, apply_action, plan_customer

from .helpers import CALENDAR, POLICY, customer, invoice, ref


def _run(state: CustomerState, start: date, days: int) -> list[tuple[date, PlannedAction]]:
    """Plan and carry out every action day by day, as the daily cycle does."""
    done = []
    for offset in range(days):
        day = start + timedelta(days=offset)
        for action in plan_customer(state, POLICY, CALENDAR, day).actions:
            done.append((day, action))
            state = apply_action(state, action, POLICY)
    return done


def test_full_cadence_of_one_invoice_on_french_business_days() -> None:
    # due Monday 2026-03-02: D-5 Wed 25 Feb, D+1 Tue 3 Mar, D+8 Tue 10, D+15 Mon 16 Mar,
    # D+30 Tue 1 Apr, D+60 Fri 1 May is Labour Day -> Mon 4 May
    state = CustomerState(customer(), [invoice("F1", date(2026, 3, 2), "1200")])
    done = _run(state, date(2026, 2, 20), 90)
    assert [(d, a.step) for d, a in done] == [
        (date(2026, 2, 25), "courtesy"),
        (date(2026, 3, 3), "reminder_1"),
        (date(2026, 3, 10), "phone_call"),
        (date(2026, 3, 17), "reminder_2"),
        (date(2026, 4, 1), "formal_notice"),
        (date(2026, 5, 4), "escalation"),
    ]


def test_ascension_and_victory_day_are_skipped() -> None:
    # D+1 of a due date on Thursday 7 May 2026 is Friday 8 May (Victoire 1945): Monday 11
    state = CustomerState(customer(), [invoice("F1", date(2026, 5, 7), "900")])
    done = _run(state, date(2026, 5, 7), 5)
    assert [(d, a.step) for d, a in done] == [(date(2026, 5, 11), "reminder_1")]


def test_small_amount_gets_one_reminder_then_the_notice() -> None:
    state = CustomerState(customer(), [invoice("F1", date(2026, 3, 2), "120")])
    steps = [a.step for _, a in _run(state, date(2026, 3, 1), 70)]
    assert steps == ["reminder_1", "formal_notice", "escalation"]


def test_one_message_lists_every_overdue_invoice_at_the_highest_step() -> None:
    state = CustomerState(customer(), [invoice("F1", date(2026, 3, 2), "1000")])
    for _, action in _run(state, date(2026, 3, 1), 12):
        state = apply_action(state, action, POLICY)  # F1 reached the phone call
    state = CustomerState(
        state.customer,
        [*state.receivables, invoice("F2", date(2026, 3, 12), "500")],
        progress=state.progress,
        last_action_on=state.last_action_on,
    )
    action = plan_customer(state, POLICY, CALENDAR, date(2026, 3, 17)).actions[0]
    assert action.step == "reminder_2"
    assert [line.number for line in action.lines] == ["F1", "F2"]
    assert action.totals["EUR"] == Money.of("1500", "EUR")


def test_credit_notes_and_unapplied_payments_are_deducted() -> None:
    credit = invoice("AV1", date(2026, 2, 1), "200", kind=ReceivableKind.CREDIT_NOTE)
    payment = Payment(
        ref=ref("P1"),
        customer_ref=ref("C1"),
        received_on=date(2026, 2, 20),
        amount=Money.of("150", "EUR"),
        unapplied=Money.of("100", "EUR"),
    )
    state = CustomerState(
        customer(), [invoice("F1", date(2026, 3, 2), "1000"), credit], payments=[payment]
    )
    (action,) = plan_customer(state, POLICY, CALENDAR, date(2026, 3, 3)).actions
    assert action.totals["EUR"] == Money.of("700", "EUR")
    assert {c.label for c in action.credits} == {"AV1", "payment"}


def test_credits_covering_the_balance_mean_no_reminder() -> None:
    credit = invoice("AV1", date(2026, 2, 1), "1000", kind=ReceivableKind.CREDIT_NOTE)
    state = CustomerState(customer(), [invoice("F1", date(2026, 3, 2), "1000"), credit])
    result = plan_customer(state, POLICY, CALENDAR, date(2026, 3, 3))
    assert result.actions == ()
    assert any("cover" in note for note in result.notes)


def test_currencies_are_totalled_apart() -> None:
    state = CustomerState(
        customer(),
        [
            invoice("F1", date(2026, 3, 2), "1000"),
            invoice("F2", date(2026, 3, 2), "300", currency="CHF"),
        ],
    )
    (action,) = plan_customer(state, POLICY, CALENDAR, date(2026, 3, 3)).actions
    assert dict(action.totals) == {"CHF": Money.of("300", "CHF"), "EUR": Money.of("1000", "EUR")}


def test_a_paused_customer_gets_nothing_until_the_pause_ends() -> None:
    pause = Pause(since=date(2026, 3, 1), until=date(2026, 3, 20))
    state = CustomerState(customer(), [invoice("F1", date(2026, 3, 2), "1000")], pause=pause)
    paused = plan_customer(state, POLICY, CALENDAR, date(2026, 3, 10))
    assert paused.actions == ()
    assert paused.next_review_on == date(2026, 3, 21)
    assert plan_customer(state, POLICY, CALENDAR, date(2026, 3, 23)).actions


def test_a_disputed_invoice_is_held_and_the_others_are_chased() -> None:
    dispute = Dispute(id="d1", receivable_ref=ref("F1"), opened_on=date(2026, 3, 1))
    state = CustomerState(
        customer(),
        [invoice("F1", date(2026, 3, 2), "1000"), invoice("F2", date(2026, 3, 2), "400")],
        disputes=[dispute],
    )
    (action,) = plan_customer(state, POLICY, CALENDAR, date(2026, 3, 3)).actions
    assert [line.number for line in action.lines] == ["F2"]


def test_a_pending_promise_holds_then_a_broken_one_acts_at_once() -> None:
    promise = Promise(
        id="p1",
        customer_ref=ref("C1"),
        promised_on=date(2026, 3, 10),
        amount=Money.of("1000", "EUR"),
        recorded_on=date(2026, 3, 3),
        balance_at_promise=Money.of("1000", "EUR"),
    )
    state = CustomerState(customer(), [invoice("F1", date(2026, 3, 2), "1000")], promises=[promise])
    held = plan_customer(state, POLICY, CALENDAR, date(2026, 3, 12))
    assert held.actions == ()
    assert held.next_review_on == date(2026, 3, 13)
    (action,) = plan_customer(state, POLICY, CALENDAR, date(2026, 3, 13)).actions
    assert action.broken_promises == ("p1",)
    assert action.step == "reminder_1"
    after = apply_action(state, action, POLICY)
    assert after.promises[0].broken_on == date(2026, 3, 13)


def test_a_kept_promise_has_no_effect() -> None:
    promise = Promise(
        id="p1",
        customer_ref=ref("C1"),
        promised_on=date(2026, 3, 10),
        amount=Money.of("500", "EUR"),
        recorded_on=date(2026, 3, 3),
        balance_at_promise=Money.of("1000", "EUR"),
    )
    state = CustomerState(
        customer(), [invoice("F1", date(2026, 3, 2), "1000", open_="500")], promises=[promise]
    )
    (action,) = plan_customer(state, POLICY, CALENDAR, date(2026, 3, 13)).actions
    assert action.broken_promises == ()


def test_a_payment_plan_is_chased_by_instalment() -> None:
    plan = PaymentPlan(
        id="plan1",
        customer_ref=ref("C1"),
        agreed_on=date(2026, 3, 1),
        receivable_refs=(ref("F1"),),
        balance_at_plan=Money.of("900", "EUR"),
        instalments=tuple(
            Instalment(due_on=d, amount=Money.of("300", "EUR"))
            for d in (date(2026, 3, 16), date(2026, 4, 15), date(2026, 5, 15))
        ),
    )
    # the first instalment was paid: 600 still open on the invoice, long overdue
    state = CustomerState(
        customer(), [invoice("F1", date(2026, 1, 15), "900", open_="600")], plans=[plan]
    )
    on_due_day = plan_customer(state, POLICY, CALENDAR, date(2026, 4, 15)).actions
    assert on_due_day == ()  # the instalment is not late yet (its courtesy went on 10 April)
    (action,) = plan_customer(state, POLICY, CALENDAR, date(2026, 4, 16)).actions
    assert action.step == "reminder_1"
    assert [(line.number, line.open) for line in action.lines] == [("2/3", Money.of("300", "EUR"))]


def test_paid_invoices_get_nothing_and_unpaid_ones_only_courtesy_before_due() -> None:
    state = CustomerState(
        customer(),
        [
            invoice("F1", date(2026, 3, 2), "1000", open_="0"),
            invoice("F2", date(2026, 3, 20), "500"),
        ],
    )
    for offset in range(0, 19):
        day = date(2026, 3, 1) + timedelta(days=offset)
        for action in plan_customer(state, POLICY, CALENDAR, day).actions:
            assert action.step == "courtesy"
            assert [line.number for line in action.lines] == ["F2"]


def test_nothing_is_planned_on_a_weekend_and_the_review_is_the_next_send_day() -> None:
    state = CustomerState(customer(), [invoice("F1", date(2026, 3, 5), "1000")])
    saturday = plan_customer(state, POLICY, CALENDAR, date(2026, 3, 7))
    assert saturday.actions == ()
    assert saturday.next_review_on == date(2026, 3, 9)


def test_next_review_on_is_the_day_the_next_action_falls_due() -> None:
    state = CustomerState(customer(), [invoice("F1", date(2026, 3, 2), "1000")])
    (first,) = plan_customer(state, POLICY, CALENDAR, date(2026, 3, 3)).actions
    state = apply_action(state, first, POLICY)
    review = plan_customer(state, POLICY, CALENDAR, date(2026, 3, 3)).next_review_on
    assert review == date(2026, 3, 10)
    before = review - timedelta(days=1)
    assert plan_customer(state, POLICY, CALENDAR, before).actions == ()
    assert plan_customer(state, POLICY, CALENDAR, review).actions[0].step == "phone_call"


def test_no_courtesy_reminder_once_the_formal_notice_went_out() -> None:
    state = CustomerState(customer(), [invoice("F1", date(2026, 1, 5), "1000")])
    for _, action in _run(state, date(2026, 1, 1), 50):
        state = apply_action(state, action, POLICY)
    assert state.progress[ref("F1").key].step == "formal_notice"
    state = replace(state, receivables=(*state.receivables, invoice("F2", date(2026, 3, 2), "500")))
    result = plan_customer(state, POLICY, CALENDAR, date(2026, 2, 25))
    assert result.actions == ()
    assert any("withheld" in note for note in result.notes)
