"""Letters as a creditor would send them: model objects, planned actions, the rendered letter.

The actions are built directly (lines, credits, totals as the planner makes them), so each
test states the situation it prints; the legal figures come from the real calculator and
the bundled rate tables (2025: the ECB rate changes on 1 July, so periods split there).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from functools import cached_property
from pathlib import Path

from pypdf import PdfReader

from connector.channels.letter import _with_appendices, letter_pdf
from connector.legal import LegalClaim
from connector.legal.notice import notice_claim
from connector.model import (
    Channel,
    Civility,
    Contact,
    Creditor,
    Customer,
    LegalKind,
    Platform,
    PostalAddress,
    Promise,
    SourceRef,
    StepKind,
)
from connector.money import Money, Totals
from connector.planner import ClaimLine, CoveredInvoice, CreditLine, ItemKind, PlannedAction
from connector.policy import default_policy
from connector.render import RenderedMessage, render

POLICY = default_policy()
NOTICE_DAY = date(2025, 9, 15)


def eur(amount: str) -> Money:
    return Money.of(amount, "EUR")


def ref(external_id: str) -> SourceRef:
    return SourceRef(platform=Platform.FILES, tenant="lumen", external_id=external_id)


def creditor(logo: Path | None = None) -> Creditor:
    return Creditor(
        name="Atelier Lumen",
        legal_form="SAS",
        share_capital=eur("10000"),
        registration_id="512345678",
        rcs_city="Lyon",
        vat_id="FR47512345678",
        address=PostalAddress(lines=("14 rue Burdeau",), postal_code="69001", city="Lyon"),
        email="relances@atelier-lumen.example.fr",
        reply_to="comptabilite@atelier-lumen.example.fr",
        phone="+33 4 78 00 00 00",
        iban="FR76 1027 8073 0000 0201 2345 678",
        bic="CMCIFR2A",
        website="https://atelier-lumen.example.fr",
        signatory="Claire Martin",
        signatory_title="Responsable de la comptabilité clients",
        logo=str(logo) if logo else "",
    )


def company(language: str = "fr", **changes: object) -> Customer:
    base = Customer(
        ref=ref("C001"),
        name="Hôtel des Célestins SARL",
        language=language,
        registration_id="443 061 841",
        address=PostalAddress(lines=("4 rue Charles Dullin",), postal_code="69002", city="Lyon"),
        contacts=(
            Contact(
                name="Claire Durand",
                civility=Civility.MADAME,
                family_name="Durand",
                email="compta@celestins.example.fr",
                primary=True,
            ),
        ),
    )
    return base.model_copy(update=changes)


def consumer(language: str = "fr") -> Customer:
    return Customer(
        ref=ref("P042"),
        name="Paul Girard",
        legal_kind=LegalKind.B2C,
        language=language,
        address=PostalAddress(
            lines=("Appartement 12", "8 avenue Foch"), postal_code="69006", city="Lyon"
        ),
        contacts=(
            Contact(
                name="Paul Girard",
                civility=Civility.MONSIEUR,
                family_name="Girard",
                email="paul.girard@example.fr",
                primary=True,
            ),
        ),
    )


def invoice(
    number: str,
    due: date,
    total: str,
    open_: str | None = None,
    *,
    issued: date | None = None,
    on: date = NOTICE_DAY,
    url: str | None = None,
) -> ClaimLine:
    return ClaimLine(
        key=ref(number).key,
        kind=ItemKind.RECEIVABLE,
        number=number,
        issued_on=issued or date(due.year, due.month, 1),
        due_on=due,
        open=eur(open_ or total),
        total=eur(total),
        days_late=max(0, (on - due).days),
        ref=ref(number),
        payment_url=url,
    )


def instalment(
    plan: str,
    n: int,
    count: int,
    agreed: date,
    due: date,
    amount: str,
    on: date = NOTICE_DAY,
    covers: Sequence[ClaimLine] = (),
) -> ClaimLine:
    """The ``n``-th of ``count`` instalments of a payment plan for the invoices ``covers``."""
    return ClaimLine(
        key=f"plan:{plan}:{n}",
        kind=ItemKind.INSTALMENT,
        number=f"{n}/{count}",
        issued_on=agreed,
        due_on=due,
        open=eur(amount),
        total=eur(amount),
        days_late=max(0, (on - due).days),
        plan_id=plan,
        part=n,
        parts=count,
        covers=tuple(CoveredInvoice(c.number, c.due_on, c.total) for c in covers),
    )


def action(
    customer: Customer,
    lines: Sequence[ClaimLine],
    *,
    credits: Sequence[CreditLine] = (),
    step: str = "formal_notice",
    on: date = NOTICE_DAY,
) -> PlannedAction:
    kind = {"formal_notice": StepKind.NOTICE}.get(step, StepKind.REMINDER)
    totals = Totals(line.open for line in lines)
    for credit in credits:
        totals.add(-credit.amount)
    return PlannedAction(
        key=f"{customer.ref.key}|{step}|{lines[0].key}",
        customer_ref=customer.ref,
        step=step,
        kind=kind,
        channel=Channel.LETTER,
        template=step,
        planned_on=on,
        lines=tuple(lines),
        credits=tuple(credits),
        totals=totals,
    )


def three_invoices(on: date = NOTICE_DAY) -> list[ClaimLine]:
    """Due before and after 1 July 2025: penalties over two half-years at 13,15 % then 12,15 %."""
    return [
        invoice("F-2025-0107", date(2025, 4, 30), "1250.50", on=on, url="https://pay.example/107"),
        invoice("F-2025-0131", date(2025, 5, 31), "3600.00", "2400.00", on=on),
        invoice("F-2025-0188", date(2025, 7, 15), "480.00", on=on, url="https://pay.example/188"),
    ]


def broken_promise(customer: Customer) -> Promise:
    return Promise(
        id="p1",
        customer_ref=customer.ref,
        promised_on=date(2025, 8, 29),
        recorded_on=date(2025, 8, 18),
        amount=eur("1250.50"),
        balance_at_promise=eur("4130.50"),
    )


def legal_for(planned: PlannedAction, customer: Customer) -> LegalClaim | None:
    return notice_claim(planned, customer, jurisdiction="FR")


@dataclass(frozen=True)
class Printed:
    message: RenderedMessage
    pdf: bytes

    @cached_property
    def pages(self) -> list[str]:
        """Each page's text; no-break spaces read as spaces (pypdf reads U+00A0 so)."""
        return [plain(page.extract_text()) for page in PdfReader(_stream(self.pdf)).pages]

    @cached_property
    def text(self) -> str:
        return "\n".join(self.pages)

    @cached_property
    def prose(self) -> str:
        """The text as one line: sentences read across the lines they wrap on."""
        return " ".join(self.text.split())


def _stream(data: bytes):  # type: ignore[no-untyped-def]
    import io

    return io.BytesIO(data)


def printed(
    planned: PlannedAction,
    customer: Customer,
    *,
    sender: Creditor | None = None,
    legal: LegalClaim | None = None,
    reminders: Sequence[date] = (),
    promises: Sequence[Promise] = (),
    attachments: Sequence[tuple[str, bytes, str]] = (),
) -> Printed:
    """The letter as the letter channel prints it (with its appended invoices)."""
    sender = sender or creditor()
    message = render(
        planned,
        customer=customer,
        creditor=sender,
        policy=POLICY,
        legal=legal,
        promises=promises,
        reminders=reminders,
    )
    message = replace(message, attachments=tuple(attachments))
    return Printed(message, _with_appendices(letter_pdf(message, sender), message))


def b2b_notice(logo: Path | None = None) -> Printed:
    """The full B2B notice: three late invoices (one partly paid), a credit note and an
    unapplied payment deducted, two reminders, a broken promise, penalties over two
    half-years."""
    customer = company()
    planned = action(
        customer,
        three_invoices(),
        credits=(
            CreditLine(ref("AV-2025-0012").key, "AV-2025-0012", date(2025, 8, 4), eur("120")),
            CreditLine("payment:P-77", "payment", date(2025, 8, 22), eur("50")),
        ),
    )
    return printed(
        planned,
        customer,
        sender=creditor(logo),
        legal=legal_for(planned, customer),
        reminders=(date(2025, 7, 18), date(2025, 8, 8)),
        promises=(broken_promise(customer),),
    )


def plain(text: str) -> str:
    """``text`` with its no-break spaces (U+00A0, U+202F) as plain spaces."""
    return text.replace("\u00a0", " ").replace("\u202f", " ")


def figure(value: str) -> str:
    """A French figure as a reader finds it in the letter: ``1 234,56 €``."""
    return plain(Money(Decimal(value), "EUR").format("fr_FR"))
