"""Split invoices and payment plans, instalment by instalment: the model, the arithmetic and
what the planner claims."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from pydantic import ValidationError

from connector.instalments import cover_in_order, plan_balances, term_balances
from connector.model import Instalment, PaymentPlan, Receivable, ReceivableStatus
from connector.money import Money
from connector.planner import CustomerState, ItemKind, apply_action, plan_customer

from .helpers import CALENDAR, POLICY, customer, ref

ISSUED = date(2026, 1, 15)


def eur(amount: str) -> Money:
    return Money.of(amount, "EUR")


def split(
    number: str = "F-30-70",
    *,
    total: str = "1000.00",
    open_: str | None = None,
    parts: tuple[tuple[date, str, str | None], ...] = (
        (ISSUED, "300.00", None),
        (date(2026, 3, 16), "700.00", None),
    ),
    due: date | None = None,
) -> Receivable:
    """30 % at once, the balance at 60 days (Odoo's "30% Now, Balance 60 Days")."""
    balance = eur(total if open_ is None else open_)
    return Receivable(
        ref=ref(number),
        customer_ref=ref("C1"),
        number=number,
        issued_on=ISSUED,
        due_on=due or parts[-1][0],
        currency="EUR",
        total=eur(total),
        open_balance=balance,
        status=ReceivableStatus.OPEN if balance == eur(total) else ReceivableStatus.PARTIALLY_PAID,
        instalments=tuple(
            Instalment(due_on=d, amount=eur(a), open_balance=None if o is None else eur(o))
            for d, a, o in parts
        ),
    )


# --- the model --------------------------------------------------------------------------------


def test_a_schedule_must_add_up_end_on_the_due_date_and_be_in_order() -> None:
    with pytest.raises(ValidationError, match=r"add up to 900\.00"):
        split(parts=((ISSUED, "300.00", None), (date(2026, 3, 16), "600.00", None)))
    with pytest.raises(ValidationError, match="must be in date order"):
        split(parts=((date(2026, 3, 16), "300.00", None), (ISSUED, "700.00", None)))
    with pytest.raises(ValidationError, match="invoice's due date is its last instalment's"):
        split(due=date(2026, 3, 31))
    with pytest.raises(ValidationError, match="every instalment's open balance, or none"):
        split(parts=((ISSUED, "300.00", "0"), (date(2026, 3, 16), "700.00", None)))
    with pytest.raises(
        ValidationError, match=r"open balances add up to 700, the invoice.s to 1000\.00"
    ):
        split(
            open_="1000.00", parts=((ISSUED, "300.00", "0"), (date(2026, 3, 16), "700.00", "700"))
        )


def test_an_invoice_without_terms_is_one_instalment() -> None:
    whole = split().model_copy(update={"instalments": ()})
    (only,) = term_balances(whole)
    assert (only.number, only.count, only.open, only.due_on) == (1, 1, eur("1000"), whole.due_on)


def test_paid_amounts_cover_the_instalments_in_order() -> None:
    parts = term_balances(split(open_="800.00"))
    assert [(p.number, p.count, p.open) for p in parts] == [(1, 2, eur("100")), (2, 2, eur("700"))]
    assert cover_in_order([eur("300"), eur("700")], Decimal("-5")) == [eur("300"), eur("700")]
    assert cover_in_order([eur("300"), eur("700")], Decimal("2000")) == [eur("0"), eur("0")]


def test_the_sources_own_figures_per_instalment_win() -> None:
    # a payment the accountant matched to the second instalment
    invoice = split(
        open_="800.00",
        parts=((ISSUED, "300.00", "300.00"), (date(2026, 3, 16), "700.00", "500.00")),
    )
    assert [p.open for p in term_balances(invoice)] == [eur("300"), eur("500")]


def test_a_plans_instalments_are_paid_in_order() -> None:
    plan = PaymentPlan(
        id="P1",
        customer_ref=ref("C1"),
        agreed_on=date(2026, 2, 1),
        receivable_refs=(ref("F-1"),),
        instalments=(
            Instalment(due_on=date(2026, 2, 15), amount=eur("500")),
            Instalment(due_on=date(2026, 3, 15), amount=eur("500")),
        ),
        balance_at_plan=eur("1000"),
    )
    parts = plan_balances(plan, {ref("F-1").key: eur("600")})
    assert [p.open for p in parts] == [eur("100"), eur("500")]


# --- what the planner claims ------------------------------------------------------------------


def test_only_the_instalment_past_due_is_claimed_late_from_its_own_date() -> None:
    """The real Odoo 19 case: 1,000 with 30 % due at once was chased as 1,000, 31 days late."""
    as_of = date(2026, 2, 16)  # 31 days after the first instalment, a month before the second
    state = CustomerState(customer(), receivables=(split(),))
    (action,) = plan_customer(state, POLICY, CALENDAR, as_of).actions
    (line,) = action.lines
    assert line.kind is ItemKind.TERM
    assert (line.number, line.part, line.parts) == ("F-30-70", 1, 2)
    assert (line.open, line.due_on, line.days_late) == (eur("300"), ISSUED, 32)
    assert line.key.endswith("#1") and line.ref == ref("F-30-70")
    assert action.totals["EUR"] == eur("300")
    (later,) = action.later  # shown as not yet due, never claimed
    assert (later.open, later.due_on, later.part, later.days_late) == (
        eur("700"),
        date(2026, 3, 16),
        2,
        0,
    )
    assert action.receivable_refs == (ref("F-30-70"),)


def test_each_instalment_keeps_its_own_progress() -> None:
    """The first instalment is reminded, then paid; the second, late in turn, is a new late
    payment: it gets its courtesy notice and its first reminder, not the first one's next step."""
    state = CustomerState(customer(), receivables=(split(),))
    day = date(2026, 1, 16)
    steps: list[tuple[date, str, tuple[int | None, ...]]] = []
    while day <= date(2026, 3, 31):
        if day == date(2026, 1, 21):  # the 300 arrives
            state = CustomerState(
                customer(),
                receivables=(split(open_="700.00"),),
                progress=state.progress,
                last_action_on=state.last_action_on,
            )
        for action in plan_customer(state, POLICY, CALENDAR, day).actions:
            steps.append((day, action.step, tuple(ln.part for ln in action.lines)))
            state = apply_action(state, action, POLICY)
        day = date.fromordinal(day.toordinal() + 1)
    assert steps[0] == (date(2026, 1, 16), "reminder_1", (1,))
    later = [(step, parts) for when, step, parts in steps[1:]]
    assert later[:2] == [("courtesy", (2,)), ("reminder_1", (2,))]


def test_a_split_invoice_chased_whole_before_keeps_that_progress() -> None:
    from connector.planner import Progress

    invoice = split()
    state = CustomerState(
        customer(),
        receivables=(invoice,),
        progress={invoice.ref.key: Progress("reminder_1", 1, date(2026, 1, 20))},
        last_action_on=date(2026, 1, 20),
    )
    (action,) = plan_customer(state, POLICY, CALENDAR, date(2026, 2, 16)).actions
    assert action.step != "reminder_1"  # not reminded from the start again
