"""Where a promise or a payment plan stands on a day: live, kept, broken or cancelled."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from connector.commitments import Standing, plan_paid, plan_standing, promise_standing
from connector.model import Instalment, PaymentPlan, Promise, Receivable, ReceivableKind
from connector.money import Money

from .helpers import invoice, ref

EUR = "EUR"


def _plan(cancelled_on: date | None = None) -> PaymentPlan:
    """F-1 (3,000) in three instalments of 1,000: 10 January, 10 February, 10 March."""
    return PaymentPlan(
        id="plan-1",
        customer_ref=ref("C1"),
        agreed_on=date(2026, 1, 5),
        receivable_refs=(ref("F-1"),),
        instalments=tuple(
            Instalment(due_on=date(2026, month, 10), amount=Money.of("1000", EUR))
            for month in (1, 2, 3)
        ),
        balance_at_plan=Money.of("3000", EUR),
        cancelled_on=cancelled_on,
    )


def _still_open(amount: str) -> list[Receivable]:
    if Decimal(amount) == 0:
        return []  # a paid invoice is not among the open receivables
    return [
        invoice("F-1", date(2025, 12, 1), "3000", open_=amount),
        invoice("F-9", date(2025, 12, 1), "50"),
    ]


def test_a_plan_followed_so_far_is_live() -> None:
    assert plan_standing(_plan(), _still_open("2000"), date(2026, 2, 10)) is Standing.LIVE
    assert plan_standing(_plan(), _still_open("3000"), date(2026, 1, 10)) is Standing.LIVE


def test_a_plan_with_an_instalment_past_due_and_unpaid_is_broken() -> None:
    assert plan_standing(_plan(), _still_open("3000"), date(2026, 1, 11)) is Standing.BROKEN
    # 1,500 paid covers January, not February
    assert plan_standing(_plan(), _still_open("1500"), date(2026, 2, 11)) is Standing.BROKEN
    assert plan_paid(_plan(), _still_open("1500")) == Money.of("1500", EUR)


def test_a_plan_whose_invoices_are_paid_is_kept() -> None:
    assert plan_standing(_plan(), _still_open("0"), date(2026, 6, 1)) is Standing.KEPT
    assert plan_paid(_plan(), []) == Money.of("3000", EUR)


def test_a_cancelled_plan_is_cancelled_from_its_cancellation_day() -> None:
    plan = _plan(cancelled_on=date(2026, 2, 1))
    assert plan_standing(plan, _still_open("3000"), date(2026, 1, 31)) is Standing.BROKEN
    assert plan_standing(plan, _still_open("3000"), date(2026, 2, 1)) is Standing.CANCELLED


def _promise(**changes: object) -> Promise:
    fields: dict[str, object] = {
        "id": "promise-1",
        "customer_ref": ref("C1"),
        "promised_on": date(2026, 3, 20),
        "amount": Money.of("800", EUR),
        "recorded_on": date(2026, 3, 5),
        "balance_at_promise": Money.of("1000", EUR),
        "receivable_refs": (ref("F-1"),),
    }
    return Promise.model_validate({**fields, **changes})


def _open(amount: str) -> list[Receivable]:
    return [
        invoice("F-1", date(2026, 2, 1), "1000", open_=amount),
        invoice("F-2", date(2026, 2, 1), "5000"),  # not covered by the promise
        invoice("AV-1", date(2026, 2, 1), "300", kind=ReceivableKind.CREDIT_NOTE),
    ]


def test_a_promise_is_live_until_its_date_and_grace_then_broken() -> None:
    assert promise_standing(_promise(), _open("1000"), date(2026, 3, 22), 2) is Standing.LIVE
    assert promise_standing(_promise(), _open("1000"), date(2026, 3, 23), 2) is Standing.BROKEN
    broken = _promise(broken_on=date(2026, 3, 23))
    assert promise_standing(broken, _open("1000"), date(2026, 3, 23), 2) is Standing.BROKEN


def test_a_promise_is_kept_once_the_covered_balance_fell_by_its_amount() -> None:
    assert promise_standing(_promise(), _open("200"), date(2026, 4, 30), 2) is Standing.KEPT
    assert promise_standing(_promise(), _open("201"), date(2026, 3, 10), 2) is Standing.LIVE
    # covering every open invoice: the uncovered one counts too, the credit note does not
    everything = _promise(receivable_refs=(), balance_at_promise=Money.of("6000", EUR))
    assert promise_standing(everything, _open("200"), date(2026, 3, 10), 2) is Standing.KEPT


def test_a_cancelled_promise_is_cancelled_whatever_was_paid() -> None:
    withdrawn = _promise(cancelled_on=date(2026, 3, 12))
    assert promise_standing(withdrawn, _open("1000"), date(2026, 3, 11), 2) is Standing.LIVE
    assert promise_standing(withdrawn, _open("0.01"), date(2026, 3, 12), 2) is Standing.CANCELLED


@given(
    open_cents=st.integers(min_value=0, max_value=300_000),
    day=st.dates(min_value=date(2026, 1, 1), max_value=date(2026, 4, 30)),
)
def test_a_plan_is_broken_exactly_when_what_fell_due_exceeds_what_was_paid(
    open_cents: int, day: date
) -> None:
    still_open = str(Decimal(open_cents) / 100)
    standing = plan_standing(_plan(), _still_open(still_open), day)
    paid = Decimal(3000) - Decimal(still_open)
    fallen_due = Decimal(1000) * sum(1 for m in (1, 2, 3) if date(2026, m, 10) < day)
    if open_cents == 0:
        assert standing is Standing.KEPT
    elif fallen_due > paid:
        assert standing is Standing.BROKEN
    else:
        assert standing is Standing.LIVE
