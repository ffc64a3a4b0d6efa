"""Nothing from the future: a day's plan and messages see only what existed on that day.

The property: for any ledger and any day, adding records dated after the day (invoices and
credit notes issued later, payments received later that settle existing invoices as the
source would show it, promises, plans, disputes and pauses recorded later, and a dispute
resolved, a promise broken or a plan cancelled later) changes nothing that is planned for
the day, nor a word of what is rendered.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from types import MappingProxyType

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from connector.allocations import Settled, allocate_in_due_order
from connector.asof import progress_as_of, receivables_as_of, state_as_of
from connector.model import (
    Allocation,
    Contact,
    Creditor,
    Customer,
    Dispute,
    Instalment,
    LegalKind,
    Pause,
    Payment,
    PaymentPlan,
    Platform,
    PostalAddress,
    Promise,
    Receivable,
    ReceivableKind,
    ReceivableStatus,
    SourceRef,
)
from connector.money import Money
from connector.planner import (
    CustomerPlan,
    CustomerState,
    Progress,
    apply_action,
    plan_customer,
)
from connector.render import render

from .helpers import CALENDAR, POLICY, ref

CREDITOR = Creditor(name="Atelier Lumen", email="relances@lumen.example.fr", iban="FR76 1")
FIRST = date(2026, 1, 5)
CENT = Decimal("0.01")
amounts = st.decimals(min_value=Decimal("20"), max_value=Decimal("15000"), places=2)
STEPS = [s.name for s in POLICY.steps]


def _status(open_: Decimal, total: Decimal) -> ReceivableStatus:
    if open_ <= 0:
        return ReceivableStatus.PAID
    return ReceivableStatus.OPEN if open_ >= total else ReceivableStatus.PARTIALLY_PAID


def _document(
    number: str,
    issued: date,
    terms: int,
    total: Decimal,
    open_: Decimal,
    kind: ReceivableKind = ReceivableKind.INVOICE,
) -> Receivable:
    return Receivable(
        ref=ref(number),
        customer_ref=ref("C1"),
        kind=kind,
        number=number,
        issued_on=issued,
        due_on=issued + timedelta(days=terms),
        currency="EUR",
        total=Money(total, "EUR"),
        open_balance=Money(open_, "EUR"),
        status=_status(open_, total),
    )


def _payment(pid: str, on: date, parts: dict[str, Decimal], unapplied: Decimal) -> Payment:
    applied = sum(parts.values(), Decimal(0))
    return Payment(
        ref=ref(pid),
        customer_ref=ref("C1"),
        received_on=on,
        amount=Money(applied + unapplied, "EUR"),
        unapplied=Money(unapplied, "EUR"),
        allocations=tuple(
            Allocation(receivable_ref=ref(number), amount=Money(amount, "EUR"))
            for number, amount in parts.items()
        ),
    )


def _share(draw: st.DrawFn, of: Decimal) -> Decimal:
    """A part of ``of``: all of it, half of it, or a cent-exact random slice; never less
    than a cent (half of one cent rounds to nothing, which no allocation can be)."""
    kind = draw(st.sampled_from(["all", "half", "some"]))
    if kind == "all":
        return of
    if kind == "half":
        return max((of / 2).quantize(CENT), CENT)
    return draw(st.decimals(min_value=CENT, max_value=of, places=2))


@st.composite
def known_ledgers(draw: st.DrawFn) -> tuple[CustomerState, date]:
    """A customer's ledger and dunning as they stood on ``day``: nothing in it is later."""
    day = CALENDAR.on_or_after(FIRST + timedelta(days=draw(st.integers(0, 200))))
    language = draw(st.sampled_from(["fr", "en"]))
    customer = Customer(
        ref=ref("C1"),
        name="Client C1",
        language=language,
        legal_kind=draw(st.sampled_from(list(LegalKind))),
        contacts=(Contact(name="Compta", email="compta@c1.example.fr", primary=True),),
    )
    receivables: list[Receivable] = []
    payments: list[Payment] = []
    for n in range(draw(st.integers(1, 6))):
        if draw(st.integers(0, 3)) == 0:  # falls due within the week: a courtesy reminder
            terms, issued = 30, day + timedelta(days=draw(st.integers(1, 7)) - 30)
        else:
            issued = day - timedelta(days=draw(st.integers(0, 150)))
            terms = draw(st.sampled_from([0, 15, 30, 45, 60]))
        total = draw(amounts)
        paid = _share(draw, total) if draw(st.booleans()) else Decimal(0)
        receivables.append(_document(f"F{n}", issued, terms, total, total - paid))
        if paid:
            on = issued + timedelta(days=draw(st.integers(0, (day - issued).days)))
            payments.append(_payment(f"P{n}", on, {f"F{n}": paid}, Decimal(0)))
    if draw(st.booleans()):
        issued = day - timedelta(days=draw(st.integers(0, 60)))
        credit = draw(amounts)
        receivables.append(
            _document("AV1", issued, 0, credit, credit, kind=ReceivableKind.CREDIT_NOTE)
        )
    if draw(st.booleans()):
        on = day - timedelta(days=draw(st.integers(0, 60)))
        payments.append(_payment("PU", on, {}, draw(amounts)))
    invoices = [r for r in receivables if r.kind is ReceivableKind.INVOICE]
    numbers = [r.number for r in invoices]
    disputes = []
    if draw(st.booleans()):
        resolved = draw(st.none() | st.integers(0, 40))
        opened = day - timedelta(days=draw(st.integers(0, 40)))
        disputes.append(
            Dispute(
                id="d1",
                receivable_ref=ref(draw(st.sampled_from(numbers))),
                opened_on=opened,
                resolved_on=None if resolved is None else opened + timedelta(days=resolved),
            )
        )
        if disputes[0].resolved_on is not None and disputes[0].resolved_on > day:
            disputes[0] = disputes[0].model_copy(update={"resolved_on": None})
    promises = []
    if draw(st.booleans()):
        covered = draw(st.lists(st.sampled_from(invoices), unique=True, max_size=2))
        balance = sum((r.open_balance.amount for r in covered or invoices), Decimal(0))
        if balance > 0:
            promises.append(
                Promise(
                    id="p1",
                    customer_ref=ref("C1"),
                    recorded_on=day - timedelta(days=draw(st.integers(0, 30))),
                    promised_on=day + timedelta(days=draw(st.integers(-20, 20))),
                    amount=Money(_share(draw, balance), "EUR"),
                    balance_at_promise=Money(balance, "EUR"),
                    receivable_refs=tuple(r.ref for r in covered),
                )
            )
    plans = []
    if draw(st.booleans()):
        covered = draw(st.lists(st.sampled_from(invoices), unique=True, min_size=1, max_size=2))
        balance = sum((r.open_balance.amount for r in covered), Decimal(0))
        if balance >= Decimal("0.03"):  # three instalments of at least a cent each
            agreed = day - timedelta(days=draw(st.integers(0, 60)))
            third = (balance / 3).quantize(CENT)
            plans.append(
                PaymentPlan(
                    id="plan1",
                    customer_ref=ref("C1"),
                    agreed_on=agreed,
                    receivable_refs=tuple(r.ref for r in covered),
                    instalments=tuple(
                        Instalment(
                            due_on=agreed + timedelta(days=30 * k),
                            amount=Money(third if k < 3 else balance - 2 * third, "EUR"),
                        )
                        for k in (1, 2, 3)
                    ),
                    balance_at_plan=Money(balance, "EUR"),
                )
            )
    progress: dict[str, Progress] = {}
    chased = draw(st.lists(st.sampled_from(numbers), unique=True)) if draw(st.booleans()) else []
    for number in chased:
        step = draw(st.sampled_from(STEPS[:4]))
        on = day - timedelta(days=draw(st.integers(0, 60)))
        progress[ref(number).key] = Progress(step, 1 if "reminder" in step else 0, on)
    pause = None
    if draw(st.integers(0, 5)) == 0:
        since = day - timedelta(days=draw(st.integers(0, 30)))
        pause = Pause(since=since, until=since + timedelta(days=draw(st.integers(0, 40))))
    last = max((p.last_on for p in progress.values() if p.last_on), default=None)
    state = CustomerState(
        customer,
        tuple(receivables),
        tuple(payments),
        tuple(promises),
        tuple(plans),
        tuple(disputes),
        pause,
        MappingProxyType(progress),
        last,
    )
    return state, day


@st.composite
def later_records(draw: st.DrawFn, state: CustomerState, day: date) -> CustomerState:
    """``state`` with records dated after ``day`` added, as the source and people would."""
    after = st.integers(1, 60).map(lambda n: day + timedelta(days=n))
    receivables = {r.ref.key: r for r in state.receivables}
    payments = list(state.payments)
    for n in range(draw(st.integers(0, 2))):  # invoices issued later
        total = draw(amounts)
        doc = _document(f"L{n}", draw(after), draw(st.sampled_from([0, 30])), total, total)
        receivables[doc.ref.key] = doc
    if draw(st.booleans()):  # a credit note issued later
        credit = draw(amounts)
        doc = _document("AV9", draw(after), 0, credit, credit, kind=ReceivableKind.CREDIT_NOTE)
        receivables[doc.ref.key] = doc
    for n in range(draw(st.integers(0, 3))):  # payments received later, settling documents
        open_now = [r for r in receivables.values() if r.open_balance.is_positive]
        settled = (
            draw(st.lists(st.sampled_from(open_now), unique=True, max_size=3)) if open_now else []
        )
        parts = {r.number: _share(draw, r.open_balance.amount) for r in settled}
        for doc in settled:
            left = doc.open_balance.amount - parts[doc.number]
            receivables[doc.ref.key] = doc.model_copy(
                update={
                    "open_balance": Money(left, "EUR"),
                    "status": _status(left, doc.total.amount),
                }
            )
        unapplied = draw(st.sampled_from([Decimal(0), Decimal("15.00")]))
        if parts or unapplied:
            payments.append(_payment(f"PL{n}", draw(after), parts, unapplied))
    numbers = sorted(r.number for r in receivables.values())
    promises = [
        p.model_copy(update={"broken_on": draw(after)}) if draw(st.booleans()) else p
        for p in state.promises
    ]
    if draw(st.booleans()):
        promises.append(
            Promise(
                id="p9",
                customer_ref=ref("C1"),
                recorded_on=draw(after),
                promised_on=day + timedelta(days=70),
                amount=Money(Decimal("10.00"), "EUR"),
                balance_at_promise=Money(Decimal("10.00"), "EUR"),
            )
        )
    plans = [
        p.model_copy(update={"cancelled_on": draw(after)}) if draw(st.booleans()) else p
        for p in state.plans
    ]
    if draw(st.booleans()):
        agreed = draw(after)
        plans.append(
            PaymentPlan(
                id="plan9",
                customer_ref=ref("C1"),
                agreed_on=agreed,
                receivable_refs=(ref(draw(st.sampled_from(numbers))),),
                instalments=(Instalment(due_on=agreed, amount=Money(Decimal("5.00"), "EUR")),),
                balance_at_plan=Money(Decimal("5.00"), "EUR"),
            )
        )
    disputes = [
        d.model_copy(update={"resolved_on": draw(after)})
        if d.resolved_on is None and draw(st.booleans())
        else d
        for d in state.disputes
    ]
    if draw(st.booleans()):
        disputes.append(
            Dispute(
                id="d9",
                receivable_ref=ref(draw(st.sampled_from(numbers))),
                opened_on=draw(after),
            )
        )
    pause = state.pause
    if pause is None and draw(st.booleans()):
        pause = Pause(since=draw(after))
    return replace(
        state,
        receivables=tuple(receivables.values()),
        payments=tuple(payments),
        promises=tuple(promises),
        plans=tuple(plans),
        disputes=tuple(disputes),
        pause=pause,
    )


def _planned(state: CustomerState, day: date) -> tuple[CustomerPlan, list[tuple[str, ...]]]:
    view = state_as_of(state, day)
    result = plan_customer(view, POLICY, CALENDAR, day)
    messages = []
    for action in result.actions:
        broken = [p for p in view.promises if p.id in action.broken_promises]
        message = render(
            action, customer=view.customer, creditor=CREDITOR, policy=POLICY, promises=broken
        )
        messages.append((message.subject, message.text, message.html))
    return result, messages


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_records_dated_after_the_day_change_nothing_planned_or_rendered(
    data: st.DataObject,
) -> None:
    state, day = data.draw(known_ledgers())
    later = data.draw(later_records(state, day))
    before_plan, before_messages = _planned(state, day)
    after_plan, after_messages = _planned(later, day)
    for action in before_plan.actions:
        event(f"planned: {action.kind.value}")
    if any(r.status is ReceivableStatus.PARTIALLY_PAID for r in state.receivables):
        event("a partly paid invoice")
    assert after_plan == before_plan
    assert after_messages == before_messages
    # and the view itself: the same records, as they stood, whatever came later
    assert state_as_of(later, day) == state_as_of(state, day)
    assert state_as_of(state_as_of(later, day), day) == state_as_of(later, day)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(known_ledgers())
def test_a_ledger_of_the_day_is_its_own_view(case: tuple[CustomerState, date]) -> None:
    state, day = case
    view = state_as_of(state, day)
    assert view.receivables == state.receivables and view.payments == state.payments
    assert view.promises == state.promises and view.progress == state.progress


def test_the_first_of_october_knows_nothing_of_november() -> None:
    """The demo's case: a payment of 19 November settled an invoice and left a little
    unapplied; a credit note of 13 October; a promise recorded on 18 November."""
    october = date(2026, 10, 1)
    invoice = _document("F-0072", date(2026, 2, 18), 30, Decimal("3886.73"), Decimal(0))
    credit = _document("AV-1", date(2026, 10, 13), 0, Decimal("118.74"), Decimal("118.74"))
    credit = credit.model_copy(update={"kind": ReceivableKind.CREDIT_NOTE})
    paid = _payment("P1", date(2026, 11, 19), {"F-0072": Decimal("3886.73")}, Decimal("267.77"))
    promise = Promise(
        id="p",
        customer_ref=ref("C1"),
        recorded_on=date(2026, 11, 18),
        promised_on=date(2026, 11, 30),
        amount=Money.of("3886.73", "EUR"),
        balance_at_promise=Money.of("3886.73", "EUR"),
    )
    customer = Customer(
        ref=ref("C1"),
        name="Menuiserie Girard",
        contacts=(Contact(email="compta@girard.example.fr", primary=True),),
    )
    state = CustomerState(customer, (invoice, credit), (paid,), (promise,))
    view = state_as_of(state, october)
    assert [(r.number, r.open_balance, r.status) for r in view.receivables] == [
        ("F-0072", Money.of("3886.73", "EUR"), ReceivableStatus.OPEN)
    ]
    assert view.payments == () and view.promises == ()
    (action,) = plan_customer(view, POLICY, CALENDAR, october).actions
    assert action.credits == () and action.totals["EUR"] == Money.of("3886.73", "EUR")
    text = render(action, customer=customer, creditor=CREDITOR, policy=POLICY).text
    assert "19/11/2026" not in text and "AV-1" not in text and "267,77" not in text
    # on 20 November the payment is there: the invoice is paid, 267.77 stays to deduct
    november = state_as_of(state, date(2026, 11, 20))
    assert november.receivables[0].open_balance.is_zero and november.payments == (paid,)


def test_a_reopened_invoice_never_exceeds_its_total() -> None:
    invoice = _document("F1", date(2026, 1, 1), 30, Decimal("100.00"), Decimal("20.00"))
    paid = _payment("P1", date(2026, 3, 1), {"F1": Decimal("95.00")}, Decimal(0))
    (seen,) = receivables_as_of([invoice], [paid], date(2026, 2, 1))
    assert seen.open_balance == Money.of("100.00", "EUR") and seen.status is ReceivableStatus.OPEN
    (seen,) = receivables_as_of([invoice], [paid], date(2026, 3, 1))
    assert seen == invoice  # received on the day itself: already counted


def test_progress_is_rebuilt_from_the_actions_sent_by_the_day() -> None:
    invoice = _document("F1", date(2026, 1, 1), 30, Decimal("500.00"), Decimal("500.00"))
    reachable = Customer(  # by e-mail, phone and post: every step can reach it
        ref=ref("C1"),
        name="C1",
        address=PostalAddress(lines=("1 rue Neuve",), postal_code="69001", city="Lyon"),
        contacts=(Contact(email="compta@c1.example", phone="+33 4 00 00 00 00", primary=True),),
    )
    state = CustomerState(reachable, (invoice,))
    sent = []
    for offset in range(0, 80):
        day = date(2026, 2, 2) + timedelta(days=offset)
        for action in plan_customer(state, POLICY, CALENDAR, day).actions:
            sent.append(action)
            state = apply_action(state, action, POLICY)
    assert len(sent) >= 3
    middle = sent[1].planned_on
    progress, last = progress_as_of(sent, POLICY, middle)
    assert last == middle
    assert progress[invoice.ref.key].step == sent[1].step
    view = state_as_of(state, middle)  # without the outbox, later progress is dropped
    assert view.last_action_on is None or view.last_action_on <= middle


def test_a_payment_is_spread_in_due_date_order_up_to_each_capacity() -> None:
    a, b, c = ref("A"), ref("B"), ref("C")
    allocations = allocate_in_due_order(
        Money.of("250", "EUR"),
        [
            Settled(b, date(2026, 3, 1), Money.of("200", "EUR")),
            Settled(a, date(2026, 2, 1), Money.of("100", "EUR")),
            Settled(c, date(2026, 1, 1), Money.of("70", "CHF")),
            Settled(a, date(2026, 2, 1), Money.of("100", "EUR")),
        ],
    )
    assert [(x.receivable_ref, x.amount) for x in allocations] == [
        (a, Money.of("100", "EUR")),
        (b, Money.of("150", "EUR")),
    ]


def test_a_split_invoice_reopened_by_a_later_payment_owes_its_instalments_in_order() -> None:
    from connector.instalments import term_balances

    ref, customer = _ref("F-9"), _ref("C9")
    split = Receivable(
        ref=ref,
        customer_ref=customer,
        number="F-9",
        issued_on=date(2026, 1, 15),
        due_on=date(2026, 3, 16),
        currency="EUR",
        total=Money.of("1000", "EUR"),
        open_balance=Money.of("0", "EUR"),
        status=ReceivableStatus.PAID,
        instalments=(
            Instalment(
                due_on=date(2026, 1, 15),
                amount=Money.of("300", "EUR"),
                open_balance=Money.of("0", "EUR"),
            ),
            Instalment(
                due_on=date(2026, 3, 16),
                amount=Money.of("700", "EUR"),
                open_balance=Money.of("0", "EUR"),
            ),
        ),
    )
    later = Payment(
        ref=_ref("P9"),
        customer_ref=customer,
        received_on=date(2026, 3, 20),
        amount=Money.of("700", "EUR"),
        unapplied=Money.of("0", "EUR"),
        allocations=(Allocation(receivable_ref=ref, amount=Money.of("700", "EUR")),),
    )
    (on_day,) = receivables_as_of([split], [later], date(2026, 3, 1))
    assert on_day.open_balance == Money.of("700", "EUR")
    # 300 was paid by then: the first instalment is settled, the second owes its 700
    assert [b.open.amount for b in term_balances(on_day)] == [0, 700]


def _ref(external_id: str) -> SourceRef:
    return SourceRef(platform=Platform.FILES, tenant="t", external_id=external_id)
