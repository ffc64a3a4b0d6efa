"""A formal notice's figures, line by line: invoices, split invoices' instalments, a payment
plan's instalments, and a notice whose interest has no rate."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest

from connector.calendar import BusinessCalendar
from connector.instalments import paid_on_parts, term_balances
from connector.legal import ContractTerms
from connector.legal.notice import notice_claim
from connector.model import (
    Allocation,
    Customer,
    Instalment,
    LegalKind,
    Payment,
    PaymentPlan,
    Platform,
    PostalAddress,
    Receivable,
    ReceivableStatus,
    SourceRef,
    StepKind,
)
from connector.money import Money
from connector.planner import (
    CustomerState,
    ItemKind,
    PlannedAction,
    Progress,
    plan_customer,
    receivable_lines,
)
from connector.policy import default_policy
from connector.render import render
from connector.store.codec import action_from_json, action_to_json
from tests.legal.cases import cents
from tests.letters.scenarios import creditor

POLICY = default_policy()
CALENDAR = BusinessCalendar.for_window(POLICY.send_window, "FR")


def ref(external_id: str) -> SourceRef:
    return SourceRef(platform=Platform.FILES, tenant="t", external_id=external_id)


def eur(amount: str) -> Money:
    return Money.of(amount, "EUR")


# a notice goes by registered letter: the customer needs a postal address
CUSTOMER = Customer(
    ref=ref("C1"),
    name="Boulangerie Martin SARL",
    address=PostalAddress(lines=("3 rue Mercière",), postal_code="69002", city="Lyon"),
)


def invoice(number: str, issued: date, due: date, total: str, **extra: object) -> Receivable:
    return Receivable(
        ref=ref(number),
        customer_ref=ref("C1"),
        number=number,
        issued_on=issued,
        due_on=due,
        currency="EUR",
        total=eur(total),
        open_balance=eur(total),
        status=ReceivableStatus.OPEN,
        **extra,  # type: ignore[arg-type]
    )


def notice_for(state: CustomerState, day: date) -> PlannedAction:
    """The formal notice the planner makes on ``day`` once two reminders went out."""
    keys = [r.ref.key for r in state.receivables]
    keys += [f"{r.ref.key}#{n}" for r in state.receivables for n in range(1, 4)]
    keys += [f"plan:{p.id}:{n}" for p in state.plans for n in range(1, 4)]
    before = day - timedelta(days=20)
    ready = CustomerState(
        state.customer,
        state.receivables,
        payments=state.payments,
        plans=state.plans,
        progress={key: Progress("reminder_2", 2, before) for key in keys},
        last_action_on=before,
    )
    (action,) = plan_customer(ready, POLICY, CALENDAR, day).actions
    assert action.kind is StepKind.NOTICE
    return action


def test_a_split_invoice_is_figured_on_the_late_instalment_only() -> None:
    """1,000 with 30 % at once and 70 % at 60 days: the notice, 46 days after the first
    instalment, claims 300 with its own indemnity and interest, nothing on the 700."""
    split = invoice(
        "F-1",
        date(2026, 1, 15),
        date(2026, 3, 16),
        "1000.00",
        instalments=(
            Instalment(due_on=date(2026, 1, 15), amount=eur("300")),
            Instalment(due_on=date(2026, 3, 16), amount=eur("700")),
        ),
    )
    day = date(2026, 3, 2)
    action = notice_for(CustomerState(CUSTOMER, (split,)), day)
    (line,) = action.lines
    claim = notice_claim(action, CUSTOMER, jurisdiction="FR")
    assert claim is not None and not claim.interest_missing
    (figures,) = claim.invoices
    assert figures.key == line.key and figures.indemnity_for == ("F-1",)
    assert figures.principal == eur("300") and figures.indemnity == eur("40")
    # 46 days (16 Jan to 2 Mar) at ECB 2.15 + 10 = 12.15 %: 300 x 12.15 % x 46 / 365 = 4.59
    assert figures.interest == eur("4.59")
    assert figures.periods[0].start == date(2026, 1, 16)


def test_two_late_instalments_are_two_late_payments() -> None:
    split = invoice(
        "F-2",
        date(2025, 12, 1),
        date(2026, 1, 30),
        "1000.00",
        instalments=(
            Instalment(due_on=date(2025, 12, 1), amount=eur("300")),
            Instalment(due_on=date(2026, 1, 30), amount=eur("700")),
        ),
    )
    action = notice_for(CustomerState(CUSTOMER, (split,)), date(2026, 3, 2))
    claim = notice_claim(action, CUSTOMER, jurisdiction="FR")
    assert claim is not None
    assert [c.indemnity for c in claim.invoices] == [eur("40"), eur("40")]
    assert [c.principal for c in claim.invoices] == [eur("300"), eur("700")]
    assert [c.due_on for c in claim.invoices] == [date(2025, 12, 1), date(2026, 1, 30)]
    assert claim.indemnity_total["EUR"] == eur("80")


def test_missed_plan_instalments_carry_their_invoices_indemnities_once() -> None:
    first = invoice("F-10", date(2025, 10, 1), date(2025, 10, 31), "1500.00")
    second = invoice("F-11", date(2025, 10, 15), date(2025, 11, 14), "900.00")
    plan = PaymentPlan(
        id="7",
        customer_ref=ref("C1"),
        agreed_on=date(2025, 12, 1),
        receivable_refs=(first.ref, second.ref),
        instalments=(
            Instalment(due_on=date(2026, 1, 5), amount=eur("800")),
            Instalment(due_on=date(2026, 2, 5), amount=eur("800")),
            Instalment(due_on=date(2026, 3, 5), amount=eur("800")),
        ),
        balance_at_plan=eur("2400"),
    )
    action = notice_for(CustomerState(CUSTOMER, (first, second), plans=(plan,)), date(2026, 3, 2))
    assert [ln.kind for ln in action.lines] == [ItemKind.INSTALMENT, ItemKind.INSTALMENT]
    assert all([c.number for c in ln.covers] == ["F-10", "F-11"] for ln in action.lines)
    claim = notice_claim(action, CUSTOMER, jurisdiction="FR")
    assert claim is not None
    one, two = claim.invoices
    assert (one.indemnity, one.indemnity_for) == (eur("80"), ("F-10", "F-11"))
    assert (two.indemnity, two.indemnity_for) == (eur("0"), ())
    assert one.periods[0].start == date(2026, 1, 6)  # from the instalment's own due date
    assert two.periods[0].start == date(2026, 2, 6)
    assert claim.indemnity_total["EUR"] == eur("80")


def test_without_a_rate_the_indemnity_stays_and_the_interest_has_no_figure() -> None:
    late = invoice("F-20", date(2026, 6, 1), date(2026, 7, 1), "1200.00")
    action = notice_for(CustomerState(CUSTOMER, (late,)), date(2026, 9, 1))  # no 2026 H2 rate
    claim = notice_claim(action, CUSTOMER, jurisdiction="FR")
    assert claim is not None
    assert "2026-07-01" in claim.interest_missing
    (figures,) = claim.invoices
    assert figures.indemnity == eur("40") and figures.interest is None
    assert claim.indemnity_total["EUR"] == eur("40")
    assert len(claim.interest_total) == 0


def test_a_consumer_owes_no_indemnity_on_an_instalment() -> None:
    consumer = CUSTOMER.model_copy(update={"legal_kind": LegalKind.B2C})
    split = invoice(
        "F-3",
        date(2026, 1, 15),
        date(2026, 3, 16),
        "1000.00",
        instalments=(
            Instalment(due_on=date(2026, 1, 15), amount=eur("300")),
            Instalment(due_on=date(2026, 3, 16), amount=eur("700")),
        ),
    )
    action = notice_for(CustomerState(consumer, (split,)), date(2026, 3, 2))
    claim = notice_claim(action, consumer, jurisdiction="FR")
    assert claim is not None
    (figures,) = claim.invoices
    assert figures.indemnity == eur("0") and figures.indemnity_for == ()


def test_a_notice_figures_the_interest_on_the_invoices_real_payment_history() -> None:
    """10,000 due 15 Dec 2025, 4,000 paid on 1 Feb 2026: interest ran on 10,000 until then
    (ECB 2.15 on 1 Jul 2025 and 1 Jan 2026, + 10: one run of 47 days), and the payment went
    to that interest, then the 40 EUR, then the principal (Code civil 1343-1); from 1 Feb on
    6,196.45 runs. Figured on the 6,000 open alone, the notice claimed less than owed."""
    partly = invoice("F-9", date(2025, 11, 15), date(2025, 12, 15), "10000").model_copy(
        update={"open_balance": eur("6000"), "status": ReceivableStatus.PARTIALLY_PAID}
    )
    paid = Payment(
        ref=ref("P-1"),
        customer_ref=ref("C1"),
        received_on=date(2026, 2, 1),
        amount=eur("4000"),
        unapplied=eur("0"),
        allocations=(Allocation(receivable_ref=partly.ref, amount=eur("4000")),),
    )
    day = date(2026, 4, 15)
    action = notice_for(CustomerState(CUSTOMER, (partly,), payments=(paid,)), day)
    (line,) = action.lines
    assert line.open == eur("6000") and line.payments == ((date(2026, 2, 1), eur("4000")),)
    claim = notice_claim(action, CUSTOMER, jurisdiction="FR")
    assert claim is not None
    (figures,) = claim.invoices
    before = cents(Fraction(10000) * Fraction("12.15") / 100 * Fraction(47, 365))
    assert before == Decimal("156.45")
    after = Decimal("10000") - (Decimal("4000") - before - 40)  # 6,196.45
    days = (day - date(2026, 1, 31)).days  # 1 Feb to the notice's day inclusive
    rest = cents(Fraction(after) * Fraction("12.15") / 100 * Fraction(days, 365))
    assert [(p.start, p.principal.amount, p.amount.amount) for p in figures.periods] == [
        (date(2025, 12, 16), Decimal("10000"), before),
        (date(2026, 2, 1), after, rest),
    ]
    (imputed,) = figures.imputations
    assert (imputed.interest, imputed.indemnity) == (eur(str(before)), eur("40"))
    # what the letter adds up (the ledger's open amount, all the interest, the indemnity) is
    # what the law leaves owed after imputation
    letter_total = line.open + figures.interest + figures.indemnity
    owed = figures.principal + figures.interest_owed + figures.indemnity_owed
    assert letter_total == owed == eur(str(Decimal(6000) + before + rest + 40))
    # a record of the action keeps the history: the file rebuilds the same figures
    again = action_from_json(json.loads(json.dumps(action_to_json(action))))
    assert again.lines == action.lines
    # the letter says where the payment went, and claims that total
    message = render(action, customer=CUSTOMER, creditor=creditor(), policy=POLICY, legal=claim)
    text = " ".join(message.text.split())
    assert "imputés d’abord sur les pénalités échues" in text
    total = f"{Decimal(6000) + before + rest + 40:,.2f}".replace(",", " ").replace(".", ",")
    assert f"la somme de {total}" in text  # spaces normalised: « 6 349,09 »


def test_dated_payments_cover_a_split_invoices_parts_in_date_order() -> None:
    """300 due 1 Feb and 700 due 1 Apr; 100 credited without a date, then 400 paid on 20 Mar:
    the credit and 200 of the payment cover the first part, 200 go to the second."""
    split = invoice(
        "F-5",
        date(2026, 1, 1),
        date(2026, 4, 1),
        "1000",
        instalments=(
            Instalment(due_on=date(2026, 2, 1), amount=eur("300")),
            Instalment(due_on=date(2026, 4, 1), amount=eur("700")),
        ),
    ).model_copy(update={"open_balance": eur("500"), "status": ReceivableStatus.PARTIALLY_PAID})
    paid = Payment(
        ref=ref("P-2"),
        customer_ref=ref("C1"),
        received_on=date(2026, 3, 20),
        amount=eur("400"),
        unapplied=eur("0"),
        allocations=(Allocation(receivable_ref=split.ref, amount=eur("400")),),
    )
    parts = term_balances(split)
    assert paid_on_parts(split, parts, [paid], date(2026, 5, 1)) == [
        ((date(2026, 3, 20), eur("200")),),
        ((date(2026, 3, 20), eur("200")),),
    ]
    (line,) = receivable_lines(split, date(2026, 5, 1), [paid])  # the first part is paid
    assert (line.open, line.payments) == (eur("500"), ((date(2026, 3, 20), eur("200")),))
    # not yet received on the as-of day: no history; allocations that say more than was
    # paid: none either (only what is open counts, as before)
    assert paid_on_parts(split, parts, [paid], date(2026, 3, 19)) == [(), ()]
    more = paid.model_copy(update={"amount": eur("600"), "allocations": (
        Allocation(receivable_ref=split.ref, amount=eur("600")),
    )})  # fmt: skip
    assert paid_on_parts(split, parts, [more], date(2026, 5, 1)) == [(), ()]


def test_a_contract_rate_outside_france_leaves_the_notice_at_the_statutory_rate(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A German tenant's terms with a late-payment rate: the notice is still figured (at the
    base rate + 9), and the log says the contract's rate was not applied."""
    late = invoice("R-7", date(2025, 12, 1), date(2026, 1, 15), "1000")
    action = notice_for(CustomerState(CUSTOMER, (late,)), date(2026, 3, 2))
    claim = notice_claim(
        action, CUSTOMER, jurisdiction="DE", contract=ContractTerms(rate=Decimal("12"))
    )
    assert claim is not None
    (figures,) = claim.invoices
    assert [p.rate for p in figures.periods] == [Decimal("10.27")]  # 1.27 + 9
    assert "modelled for FR only" in caplog.text
