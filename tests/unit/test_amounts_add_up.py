"""Property tests: what relance claims adds up, for any ledger, on any day.

* Every planned action's lines, less its credits, are its totals, currency by currency;
  nothing is listed in a currency it does not claim.
* Every rendered message shows each line, each credit and the total it adds up to.
* A split invoice's instalments add up to its open balance, whatever was paid.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connector.instalments import term_balances
from connector.model import (
    Creditor,
    Instalment,
    Payment,
    PaymentPlan,
    Receivable,
    ReceivableKind,
    ReceivableStatus,
)
from connector.money import Money, Totals
from connector.planner import CustomerState, PlannedAction, apply_action, plan_customer
from connector.render import render

from .helpers import CALENDAR, POLICY, customer, ref

START = date(2026, 1, 5)
CREDITOR = Creditor(name="Atelier Test SAS", email="relances@example.com", iban="FR76 3000")
AMOUNTS = ["49.90", "120.00", "480.00", "1500.00", "9800.00", "3333.33"]


@st.composite
def receivables(draw: st.DrawFn, n: int) -> Receivable:
    currency = draw(st.sampled_from(["EUR", "EUR", "USD"]))
    total = Decimal(draw(st.sampled_from(AMOUNTS)))
    issued = START + timedelta(days=draw(st.integers(-90, 30)))
    parts = draw(st.integers(1, 3))
    shares = [(total * Decimal(30) / 100).quantize(Decimal("0.01"))] if parts > 1 else []
    if parts == 3:
        shares.append((total * Decimal(30) / 100).quantize(Decimal("0.01")))
    shares.append(total - sum(shares, Decimal(0)))
    dues = [issued + timedelta(days=30 * k) for k in range(parts)]
    paid = draw(st.sampled_from([Decimal(0), Decimal(0), total / 3, total - Decimal("0.01")]))
    paid = paid.quantize(Decimal("0.01"))
    per_part = draw(st.booleans())  # the source keeps each instalment's open part
    opens = []
    left = paid
    for share in shares:
        covered = min(left, share)
        left -= covered
        opens.append(share - covered)
    terms = (
        tuple(
            Instalment(
                due_on=d,
                amount=Money(s, currency),
                open_balance=Money(o, currency) if per_part else None,
            )
            for d, s, o in zip(dues, shares, opens, strict=True)
        )
        if parts > 1
        else ()
    )
    return Receivable(
        ref=ref(f"F{n}"),
        customer_ref=ref("C1"),
        number=f"F{n}",
        issued_on=issued,
        due_on=dues[-1],
        currency=currency,
        total=Money(total, currency),
        open_balance=Money(total - paid, currency),
        status=ReceivableStatus.PARTIALLY_PAID if paid else ReceivableStatus.OPEN,
        instalments=terms,
    )


@st.composite
def states(draw: st.DrawFn) -> CustomerState:
    count = draw(st.integers(1, 4))
    items = [draw(receivables(n)) for n in range(count)]
    for n in range(draw(st.integers(0, 2))):
        currency = draw(st.sampled_from(["EUR", "USD"]))
        amount = draw(st.sampled_from(["30.00", "300.00", "5000.00"]))
        items.append(
            Receivable(
                ref=ref(f"AV{n}"),
                customer_ref=ref("C1"),
                kind=ReceivableKind.CREDIT_NOTE,
                number=f"AV{n}",
                issued_on=START,
                due_on=START,
                currency=currency,
                total=Money.of(amount, currency),
                open_balance=Money.of(amount, currency),
                status=ReceivableStatus.OPEN,
            )
        )
    payments = [
        Payment(
            ref=ref(f"P{n}"),
            customer_ref=ref("C1"),
            received_on=START,
            amount=Money.of(amount, currency),
            unapplied=Money.of(amount, currency),
        )
        for n, (amount, currency) in enumerate(
            draw(
                st.lists(
                    st.tuples(
                        st.sampled_from(["20.00", "700.00"]), st.sampled_from(["EUR", "USD"])
                    ),
                    max_size=2,
                )
            )
        )
    ]
    plans = []
    first = items[0]
    if first.currency == "EUR" and first.open_balance.amount >= 1 and draw(st.booleans()):
        half = (first.open_balance.amount / 2).quantize(Decimal("0.01"))
        plans.append(
            PaymentPlan(
                id="plan-1",
                customer_ref=ref("C1"),
                agreed_on=START,
                receivable_refs=(first.ref,),
                instalments=(
                    Instalment(due_on=START + timedelta(days=10), amount=Money(half, "EUR")),
                    Instalment(
                        due_on=START + timedelta(days=40),
                        amount=first.open_balance - Money(half, "EUR"),
                    ),
                ),
                balance_at_plan=first.open_balance,
            )
        )
    return CustomerState(customer(), tuple(items), payments=tuple(payments), plans=tuple(plans))


def _check_adds_up(action: PlannedAction) -> None:
    owed = Totals(line.open for line in action.lines)
    for credit in action.credits:
        assert credit.amount.currency in owed, "a credit in a currency the action does not claim"
        owed.add(-credit.amount)
    assert dict(owed) == dict(action.totals), action.key
    assert all(total.is_positive for total in action.totals.values())


def _check_rendered(action: PlannedAction) -> None:
    message = render(action, customer=customer(), creditor=CREDITOR, policy=POLICY)
    for text in (message.text, message.html):
        shown = text.replace("\u202f", " ").replace("\xa0", " ")
        for money in (
            *(ln.open for ln in action.lines),
            *(c.amount for c in action.credits),
            *action.totals.values(),
        ):
            assert money.format("fr_FR").replace("\u202f", " ").replace("\xa0", " ") in shown


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(states())
def test_every_action_and_message_adds_up_day_after_day(state: CustomerState) -> None:
    day = START
    while day <= START + timedelta(days=120):
        for action in plan_customer(state, POLICY, CALENDAR, day).actions:
            _check_adds_up(action)
            _check_rendered(action)
            state = apply_action(state, action, POLICY)
        day += timedelta(days=1)


@settings(max_examples=100, deadline=None)
@given(receivables(0))
def test_a_split_invoice_instalments_add_up_to_its_open_balance(invoice: Receivable) -> None:
    parts = term_balances(invoice)
    assert sum((p.open for p in parts), Money.zero(invoice.currency)) == invoice.open_balance
    assert sum((p.amount for p in parts), Money.zero(invoice.currency)) == invoice.total
    assert [p.due_on for p in parts] == sorted(p.due_on for p in parts)
