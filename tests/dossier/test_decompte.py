"""The décompte's figures: connector.legal's, per invoice, adding up to the total; and
what it says instead of a figure when a rate is missing or a consumer had no notice."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from connector.dossier.cover import decompte_pdf
from connector.dossier.decompte import compute_decompte
from connector.dossier.wording import Wording
from connector.legal import ContractTerms, InvoiceDebt, RateTables, assess
from connector.model import (
    Customer,
    Instalment,
    LegalKind,
    Payment,
    PaymentPlan,
    Platform,
    Receivable,
    ReceivableKind,
    ReceivableStatus,
    SourceRef,
)
from connector.money import Money, Totals
from connector.planner import CustomerState
from connector.store import EventType

from .scenario import CREDITOR

TABLES = RateTables()
COVERED_UNTIL = date(2026, 6, 30)  # the ECB table shipped covers up to here


def ref(external_id: str) -> SourceRef:
    return SourceRef(platform=Platform.FILES, tenant="t", external_id=external_id)


CUSTOMER = Customer(ref=ref("C"), name="Client")


def invoice(
    number: str, due: date, total: str, open_: str | None = None, *, credit: bool = False
) -> Receivable:
    balance = Money.of(open_ or total, "EUR")
    return Receivable(
        ref=ref(number),
        customer_ref=CUSTOMER.ref,
        kind=ReceivableKind.CREDIT_NOTE if credit else ReceivableKind.INVOICE,
        number=number,
        issued_on=due - timedelta(days=30),
        due_on=due,
        currency="EUR",
        total=Money.of(total, "EUR"),
        open_balance=balance,
        status=ReceivableStatus.OPEN,
    )


def state(
    *receivables: Receivable, b2c: bool = False, payments: tuple[Payment, ...] = ()
) -> CustomerState:
    customer = CUSTOMER.model_copy(update={"legal_kind": LegalKind.B2C if b2c else LegalKind.B2B})
    return CustomerState(customer=customer, receivables=receivables, payments=payments)


def test_a_missing_half_year_stops_the_interest_at_the_last_rate_known() -> None:
    early = invoice("F-1", date(2026, 3, 2), "1000.00")
    late = invoice("F-2", date(2026, 7, 10), "500.00")
    as_of = date(2026, 9, 30)
    decompte = compute_decompte(state(early, late), as_of=as_of, notices={}, tables=TABLES)
    first, second = decompte.lines
    (expected,) = assess(
        [InvoiceDebt("F-1", early.open_balance, early.due_on)], as_of=COVERED_UNTIL, tables=TABLES
    ).invoices
    assert first.interest == expected.interest and first.periods == expected.periods
    assert (first.computed_until, first.missing_from) == (COVERED_UNTIL, date(2026, 7, 1))
    assert first.computed
    # nothing computable: no interest figure at all, never a zero printed as one
    assert not second.computed
    assert second.missing_from == date(2026, 7, 11)
    assert second.interest is None and second.interest_figure.is_zero
    # the indemnity needs no rate: still claimed on both
    assert first.indemnity == second.indemnity == Money.of("40", "EUR")
    assert decompte.total["EUR"] == Money.of("1580.00", "EUR") + expected.interest
    words = Wording("fr")
    text = decompte_pdf(decompte, words, CREDITOR, CUSTOMER)
    assert text.startswith(b"%PDF-")
    sentence = words.say("missing_rate", None, date(2026, 7, 11), False)
    assert sentence.startswith("Pénalités non chiffrées")
    assert "0,00" not in sentence


def test_a_consumer_owes_legal_interest_only_from_the_notice_and_no_indemnity() -> None:
    owed = invoice("F-1", date(2026, 1, 15), "800.00")
    other = invoice("F-2", date(2026, 2, 1), "200.00")
    notice_on = date(2026, 3, 2)
    as_of = date(2026, 5, 29)
    decompte = compute_decompte(
        state(owed, other, b2c=True), as_of=as_of, notices={owed.ref.key: notice_on}, tables=TABLES
    )
    with_notice, without = decompte.lines
    (expected,) = assess(
        [InvoiceDebt("F-1", owed.open_balance, owed.due_on)],
        as_of=as_of,
        b2c=True,
        notice_on=notice_on,
        tables=TABLES,
    ).invoices
    assert with_notice.interest == expected.interest and with_notice.interest.is_positive
    assert with_notice.periods[0].start == notice_on + timedelta(days=1)  # the day after
    assert with_notice.interest_from == notice_on
    assert without.no_notice and without.interest == Money.zero("EUR")
    assert with_notice.indemnity.is_zero and without.indemnity.is_zero
    assert decompte.indemnities == Totals()


def test_not_yet_due_and_disputed_invoices_are_listed_apart() -> None:
    decompte = compute_decompte(
        state(invoice("F-1", date(2026, 5, 29), "100.00")),
        as_of=date(2026, 5, 29),
        notices={},
        tables=TABLES,
    )
    assert decompte.lines == () and [x.debt.number for x in decompte.excluded] == ["F-1"]
    assert decompte.total == Totals()


amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999.99"), places=2)
days = st.dates(min_value=date(2023, 1, 1), max_value=date(2026, 5, 31))


@st.composite
def ledgers(draw: st.DrawFn) -> CustomerState:
    receivables = []
    for n in range(draw(st.integers(0, 6))):
        total = draw(amounts)
        paid = draw(st.decimals(min_value=Decimal(0), max_value=total - Decimal("0.01"), places=2))
        receivables.append(invoice(f"F-{n}", draw(days), str(total), str(total - paid)))
    for n in range(draw(st.integers(0, 2))):
        receivables.append(invoice(f"AV-{n}", draw(days), str(draw(amounts)), credit=True))
    payments = tuple(
        Payment(
            ref=ref(f"P-{n}"),
            customer_ref=CUSTOMER.ref,
            received_on=draw(days),
            amount=Money(amount, "EUR"),
            unapplied=Money(amount, "EUR"),
        )
        for n, amount in enumerate(draw(st.lists(amounts, max_size=2)))
    )
    return state(*receivables, b2c=draw(st.booleans()), payments=payments)


@settings(max_examples=60, deadline=None)
@given(ledgers(), st.dates(min_value=date(2024, 1, 1), max_value=date(2026, 6, 30)))
def test_every_decompte_adds_up_to_its_total(ledger: CustomerState, as_of: date) -> None:
    decompte = compute_decompte(ledger, as_of=as_of, notices={}, tables=TABLES)
    lines = Totals()
    for entry in decompte.lines:
        assert entry.total is not None
        lines.add(entry.total)
        shown = sum((p.amount for p in entry.periods), Money.zero("EUR"))
        if entry.periods:  # the periods add up to the line's interest, with its rounding line
            assert shown + entry.rounding == entry.interest
            assert abs(entry.rounding.amount) <= Decimal("0.01") * len(entry.periods)
    for deduction in decompte.deductions:
        lines.add(-deduction.amount)
    total = decompte.total
    for currency in set(lines) | set(total):
        assert lines.get_or_zero(currency) == total.get_or_zero(currency)
    claimed = {e.debt.number for e in decompte.lines}
    apart = {x.debt.number for x in decompte.excluded}
    open_invoices = {r.number for r in ledger.receivables if r.kind is ReceivableKind.INVOICE}
    assert claimed | apart == open_invoices and not claimed & apart
    assert len(decompte.deductions) == sum(
        1 for r in ledger.receivables if r.kind is ReceivableKind.CREDIT_NOTE
    ) + len(ledger.payments)


def test_the_indemnity_without_a_rate_is_the_one_assess_gives() -> None:
    # a rate missing for the whole period: the contract's higher sum is still claimed
    late = invoice("F-2", date(2026, 7, 10), "500.00")
    contract = ContractTerms(indemnity=Money.of("60", "EUR"))
    decompte = compute_decompte(
        state(late), as_of=date(2026, 9, 30), notices={}, contract=contract, tables=TABLES
    )
    (entry,) = decompte.lines
    assert not entry.computed and entry.indemnity == Money.of("60", "EUR")
    assert decompte.total["EUR"] == Money.of("560.00", "EUR")


def test_a_split_invoice_is_claimed_instalment_by_instalment() -> None:
    split = invoice("F-S", date(2026, 4, 1), "1000.00").model_copy(
        update={
            "instalments": (
                Instalment(due_on=date(2026, 2, 2), amount=Money.of("300.00", "EUR")),
                Instalment(due_on=date(2026, 4, 1), amount=Money.of("700.00", "EUR")),
            )
        }
    )
    as_of = date(2026, 3, 16)
    decompte = compute_decompte(state(split), as_of=as_of, notices={}, tables=TABLES)
    (line,) = decompte.lines
    (later,) = decompte.excluded
    (expected,) = assess(
        [InvoiceDebt("F-S", Money.of("300.00", "EUR"), date(2026, 2, 2))],
        as_of=as_of,
        tables=TABLES,
    ).invoices
    assert (line.debt.part, line.debt.parts, line.principal) == (1, 2, Money.of("300.00", "EUR"))
    assert line.interest == expected.interest and line.indemnity == Money.of("40", "EUR")
    assert (later.debt.part, later.debt.open, later.since) == (
        2,
        Money.of("700.00", "EUR"),
        date(2026, 4, 1),
    )
    words = Wording("fr")
    assert words.say("debt", "term", "F-S", 1, 2, split.issued_on) == "F-S, échéance 1/2"
    assert decompte.receivables == (split,)


def test_a_live_payment_plan_is_claimed_by_its_missed_instalments() -> None:
    first = invoice("F-A", date(2026, 1, 12), "600.00")
    second = invoice("F-B", date(2026, 1, 20), "400.00")
    plan = PaymentPlan(
        id="PL-7",
        customer_ref=CUSTOMER.ref,
        agreed_on=date(2026, 2, 2),
        receivable_refs=(first.ref, second.ref),
        instalments=(
            Instalment(due_on=date(2026, 3, 2), amount=Money.of("500.00", "EUR")),
            Instalment(due_on=date(2026, 4, 1), amount=Money.of("500.00", "EUR")),
        ),
        balance_at_plan=Money.of("1000.00", "EUR"),
    )
    ledger = replace(state(first, second), plans=(plan,))
    as_of = date(2026, 3, 16)
    decompte = compute_decompte(ledger, as_of=as_of, notices={}, tables=TABLES)
    (missed,) = decompte.lines
    (upcoming,) = decompte.excluded
    assert missed.debt.number == "PL-7" and missed.debt.part == 1
    assert missed.principal == Money.of("500.00", "EUR")
    assert missed.indemnity == Money.of("80", "EUR")  # the two invoices' indemnities, once
    assert missed.indemnity_for == ("F-A", "F-B")
    (expected,) = assess(
        [InvoiceDebt("PL-7", Money.of("500.00", "EUR"), date(2026, 3, 2))],
        as_of=as_of,
        tables=TABLES,
    ).invoices
    assert missed.interest == expected.interest
    assert upcoming.debt.part == 2 and upcoming.since == date(2026, 4, 1)
    assert decompte.receivables == (first, second)  # their PDFs justify the claim
    words = Wording("fr")
    label = words.say("debt", "instalment", "PL-7", 1, 2, plan.agreed_on)
    assert label == "Échéancier du 02/02/2026, échéance 1/2"


def test_every_audit_event_has_a_name_in_both_languages() -> None:
    for language in ("fr", "en"):
        words = Wording(language)
        for kind in EventType:
            assert words.event(kind.value) != kind.value, (language, kind)
