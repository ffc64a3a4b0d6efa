"""A customer's year as the e-mails tell it: the actions the planner really produces for a
business and for a consumer, with a credit note, an unapplied payment and a broken promise,
and the days the earlier reminders went out (what « malgré nos relances » may refer to).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from connector.calendar import BusinessCalendar
from connector.model import (
    Civility,
    Contact,
    Creditor,
    Customer,
    LegalKind,
    Payment,
    Platform,
    PostalAddress,
    Promise,
    Receivable,
    ReceivableKind,
    ReceivableStatus,
    SourceRef,
)
from connector.money import Money, Totals
from connector.planner import (
    ClaimLine,
    CreditLine,
    CustomerState,
    ItemKind,
    PlannedAction,
    apply_action,
    plan_customer,
)
from connector.policy import default_policy
from connector.render import RenderedMessage, reminder_days, render

POLICY = default_policy()
CALENDAR = BusinessCalendar("FR")
EMAIL_STEPS = ("courtesy", "reminder_1", "reminder_2", "statement")
CREDITOR = Creditor(
    name="Atelier Lumen",
    legal_form="SAS",
    registration_id="512 345 678",
    email="relances@lumen.example.fr",
    reply_to="compta@lumen.example.fr",
    phone="04 72 10 20 30",
    iban="FR76 1027 8073 0000 0201 2345 678",
    bic="CMCIFR2A",
    address=PostalAddress(lines=("14 rue Burdeau",), postal_code="69001", city="Lyon"),
    signatory="Claire Martin, comptabilité clients",
)


def ref(x: str) -> SourceRef:
    return SourceRef(platform=Platform.FILES, tenant="t", external_id=x)


def customer(kind: LegalKind, language: str) -> Customer:
    if kind is LegalKind.B2B:
        return Customer(
            ref=ref("C1"),
            name="Hôtel des Célestins",
            language=language,
            legal_kind=kind,
            registration_id="802 954 785",
            address=PostalAddress(
                lines=("4 rue Charles Dullin",), postal_code="69002", city="Lyon"
            ),
            contacts=(
                Contact(
                    name="Sophie Durand",
                    civility=Civility.MADAME,
                    family_name="Durand",
                    email="compta@celestins.example.fr",
                    primary=True,
                ),
            ),
        )
    return Customer(
        ref=ref("C1"),
        name="Jean Moreau",
        language=language,
        legal_kind=kind,
        address=PostalAddress(lines=("9 quai Saint-Vincent",), postal_code="69001", city="Lyon"),
        contacts=(
            Contact(
                name="Jean Moreau",
                civility=Civility.MONSIEUR,
                family_name="Moreau",
                email="jean.moreau@example.fr",
                primary=True,
            ),
        ),
    )


def _document(
    number: str, issued: date, due: date, amount: str, kind: ReceivableKind
) -> Receivable:
    return Receivable(
        ref=ref(number),
        customer_ref=ref("C1"),
        kind=kind,
        number=number,
        issued_on=issued,
        due_on=due,
        currency="EUR",
        total=Money.of(amount, "EUR"),
        open_balance=Money.of(amount, "EUR"),
        status=ReceivableStatus.OPEN,
        document_url=f"https://docs.lumen.example.fr/{number}.pdf",
        payment_url=f"https://pay.lumen.example.fr/{number}",
    )


PROMISE = Promise(
    id="p1",
    customer_ref=ref("C1"),
    promised_on=date(2026, 3, 20),
    recorded_on=date(2026, 3, 12),
    amount=Money.of("1410.50", "EUR"),
    balance_at_promise=Money.of("1730.50", "EUR"),
)


def state(kind: LegalKind, language: str = "fr") -> CustomerState:
    return CustomerState(
        customer(kind, language),
        receivables=[
            _document(
                "F-0042", date(2026, 1, 5), date(2026, 3, 2), "1250.50", ReceivableKind.INVOICE
            ),
            _document(
                "F-0051", date(2026, 1, 9), date(2026, 3, 9), "480.00", ReceivableKind.INVOICE
            ),
            _document(
                "AV-0007",
                date(2026, 2, 13),
                date(2026, 2, 13),
                "120.00",
                ReceivableKind.CREDIT_NOTE,
            ),
        ],
        payments=[
            Payment(
                ref=ref("VIR-0219"),
                customer_ref=ref("C1"),
                received_on=date(2026, 2, 19),
                amount=Money.of("200.00", "EUR"),
                unapplied=Money.of("200.00", "EUR"),
            )
        ],
        promises=[PROMISE],
    )


@dataclass(frozen=True, slots=True)
class Sent:
    action: PlannedAction
    reminders: tuple[date, ...]  # earlier reminders covering its invoices


def year(kind: LegalKind) -> dict[str, Sent]:
    """The first action of each step, from February to June, each carried out on its day."""
    current = state(kind)
    done: list[PlannedAction] = []
    found: dict[str, Sent] = {}
    day = date(2026, 2, 20)
    while day < date(2026, 6, 1):
        for action in plan_customer(current, POLICY, CALENDAR, day).actions:
            found.setdefault(action.step, Sent(action, reminder_days(action, done)))
            done.append(action)
            current = apply_action(current, action, POLICY)
        day += timedelta(days=1)
    found["statement"] = Sent(statement(current, date(2026, 3, 31)), ())
    return found


def statement(current: CustomerState, on: date) -> PlannedAction:
    """A statement of account as the dossier builds it: every open document, then deductions."""
    reminder = next(s for s in POLICY.steps if s.name == "reminder_1")
    invoices = [r for r in current.receivables if r.is_open and r.kind is ReceivableKind.INVOICE]
    lines = tuple(
        ClaimLine(
            key=r.ref.key,
            kind=ItemKind.RECEIVABLE,
            number=r.number,
            issued_on=r.issued_on,
            due_on=r.due_on,
            open=r.open_balance,
            total=r.total,
            days_late=max(0, (on - r.due_on).days),
            ref=r.ref,
            document_url=r.document_url,
            payment_url=r.payment_url,
        )
        for r in sorted(invoices, key=lambda r: r.due_on)
    )
    credits = tuple(
        CreditLine(r.ref.key, r.number, r.issued_on, r.open_balance)
        for r in current.receivables
        if r.is_open and r.kind is ReceivableKind.CREDIT_NOTE
    ) + tuple(
        CreditLine(p.ref.key, "payment", p.received_on, p.unapplied) for p in current.payments
    )
    totals = Totals(line.open for line in lines)
    for credit in credits:
        totals.add(-credit.amount)
    return PlannedAction(
        key="C1|statement",
        customer_ref=current.customer.ref,
        step="statement",
        kind=reminder.kind,
        channel=reminder.channel,
        template="statement",
        planned_on=on,
        lines=lines,
        credits=credits,
        totals=totals,
    )


YEARS = {kind: year(kind) for kind in LegalKind}


def message(step: str, kind: LegalKind, language: str) -> RenderedMessage:
    sent = YEARS[kind][step]
    promises = [PROMISE] if PROMISE.id in sent.action.broken_promises else []
    return render(
        sent.action,
        customer=customer(kind, language),
        creditor=CREDITOR,
        policy=POLICY,
        promises=promises,
        reminders=sent.reminders,
    )
