"""What customers read: every step in French and English, and the formal notice's facts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader

from connector.calendar import BusinessCalendar
from connector.channels import LetterChannel, TaskChannel
from connector.clock import FrozenClock
from connector.model import (
    Contact,
    Creditor,
    Customer,
    LegalKind,
    Platform,
    PostalAddress,
    Promise,
    Receivable,
    ReceivableStatus,
    SourceRef,
)
from connector.money import Money
from connector.planner import CustomerState, PlannedAction, apply_action, plan_customer
from connector.policy import default_policy
from connector.render import render

POLICY = default_policy()
CALENDAR = BusinessCalendar("FR")
CREDITOR = Creditor(
    name="Atelier Lumen",
    legal_form="SAS",
    registration_id="512 345 678",
    email="relances@lumen.example.fr",
    reply_to="compta@lumen.example.fr",
    iban="FR76 1027 8073 0000 0201 2345 678",
    address=PostalAddress(lines=("14 rue Burdeau",), postal_code="69001", city="Lyon"),
    signatory="Claire Martin",
)


def ref(x: str) -> SourceRef:
    return SourceRef(platform=Platform.FILES, tenant="t", external_id=x)


def customer(language: str = "fr", kind: LegalKind = LegalKind.B2B) -> Customer:
    return Customer(
        ref=ref("C1"),
        name="Hôtel des Célestins",
        language=language,
        legal_kind=kind,
        address=PostalAddress(lines=("4 rue Charles Dullin",), postal_code="69002", city="Lyon"),
        contacts=(
            Contact(
                name="Mme Roux",
                email="compta@celestins.example.fr",
                phone="+33 4 72 00 00 01",
                primary=True,
            ),
        ),
    )


def invoice(number: str, due: date, amount: str) -> Receivable:
    return Receivable(
        ref=ref(number),
        customer_ref=ref("C1"),
        number=number,
        issued_on=date(2026, 1, 5),
        due_on=due,
        currency="EUR",
        total=Money.of(amount, "EUR"),
        open_balance=Money.of(amount, "EUR"),
        status=ReceivableStatus.OPEN,
        payment_url=f"https://pay.example/{number}",
    )


def actions(kind: LegalKind = LegalKind.B2B) -> dict[str, PlannedAction]:
    state = CustomerState(
        customer(kind=kind),
        [
            invoice("F-0042", date(2026, 3, 2), "1250.50"),
            invoice("F-0051", date(2026, 3, 9), "480.00"),
        ],
    )
    found = {}
    day = date(2026, 2, 20)
    while day < date(2026, 6, 1):
        for action in plan_customer(state, POLICY, CALENDAR, day).actions:
            found.setdefault(action.step, action)
            state = apply_action(state, action, POLICY)
        day = date.fromordinal(day.toordinal() + 1)
    return found


ALL = actions()


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("step", [s.name for s in POLICY.steps])
def test_every_step_renders_in_both_languages(step: str, language: str) -> None:
    message = render(ALL[step], customer=customer(language), creditor=CREDITOR, policy=POLICY)
    assert message.subject and "F-0042" in message.text
    assert "F-0042" in message.html and "<script" not in message.html
    if message.channel.value == "email":
        assert message.language == language
        assert message.to == ("compta@celestins.example.fr",)
        assert "FR76 1027" in message.text


def test_the_first_reminder_in_french() -> None:
    text = render(ALL["reminder_1"], customer=customer(), creditor=CREDITOR, policy=POLICY).text
    assert "Sauf erreur ou omission de notre part" in text
    assert "1\u00a0250,50\u00a0€" in text  # 1 250,50 € with French no-break spaces
    assert "Claire Martin" in text


def test_the_formal_notice_states_what_the_law_requires() -> None:
    notice = render(ALL["formal_notice"], customer=customer(), creditor=CREDITOR, policy=POLICY)
    text = notice.text
    assert notice.subject == "Mise en demeure de payer" and "mettons en demeure" in text
    assert "F-0042" in text and "F-0051" in text
    assert "L441-10" in text and "D441-5" in text
    assert f"indemnités forfaitaires {Money.of('80', 'EUR').format('fr_FR')}" in text  # 2 x 40 €
    assert "injonction de payer" in text
    assert "SIREN 512 345 678" in text


def test_a_consumer_notice_claims_no_indemnity() -> None:
    b2c = actions(LegalKind.B2C)["formal_notice"]
    text = render(b2c, customer=customer(kind=LegalKind.B2C), creditor=CREDITOR, policy=POLICY).text
    assert "40" not in text.split("Total restant dû")[1].split("injonction")[0]
    assert "1231-6" in text and "taux légal" in text


def test_broken_promises_are_recalled() -> None:
    promise = Promise(
        id="p1",
        customer_ref=ref("C1"),
        promised_on=date(2026, 3, 20),
        recorded_on=date(2026, 3, 11),
        amount=Money.of("1730.50", "EUR"),
        balance_at_promise=Money.of("1730.50", "EUR"),
    )
    text = render(
        ALL["reminder_2"], customer=customer(), creditor=CREDITOR, policy=POLICY, promises=[promise]
    ).text
    assert "au plus tard le 20\u00a0mars 2026" in text  # no line break inside a date


def test_the_phone_call_is_a_to_do_with_who_to_call_and_the_question(tmp_path: Path) -> None:
    message = render(ALL["phone_call"], customer=customer("en"), creditor=CREDITOR, policy=POLICY)
    assert message.language == "fr"  # a to-do for the creditor's own staff
    assert "+33 4 72 00 00 01" in message.text
    assert "date de règlement ferme" in message.text
    receipt = TaskChannel(clock=FrozenClock.on(date(2026, 3, 10)), outbox_dir=tmp_path).send(
        message, action_key=message.action_key
    )
    assert "À quelle date précise" in Path(receipt.reference).read_text(encoding="utf-8")


def test_the_letter_is_a_pdf_with_every_invoice(tmp_path: Path) -> None:
    notice = render(ALL["formal_notice"], customer=customer(), creditor=CREDITOR, policy=POLICY)
    receipt = LetterChannel(
        clock=FrozenClock.on(date(2026, 4, 1)), outbox_dir=tmp_path, creditor=CREDITOR
    ).send(notice, action_key=notice.action_key)
    text = "\n".join(page.extract_text() for page in PdfReader(receipt.reference).pages)
    assert "Mise en demeure de payer" in text
    assert "F-0042" in text and "F-0051" in text
    assert "Total restant dû 1\u202f730,50 €" in text.replace("\xa0", " ")
    assert "4 rue Charles Dullin" in text


def test_the_notice_shows_the_interest_period_by_period_when_computed() -> None:
    from connector.legal import InvoiceDebt, assess

    notice = ALL["formal_notice"]
    legal = assess(
        [InvoiceDebt(ln.number, ln.open, ln.due_on) for ln in notice.lines], as_of=notice.planned_on
    )
    text = render(notice, customer=customer(), creditor=CREDITOR, policy=POLICY, legal=legal).text
    for invoice in legal.invoices:
        assert f"{invoice.number}\u00a0: du" in text  # French no-break space before the colon
        assert "12,15\u00a0%" in text  # ECB 2.15 on 1 January 2026 + 10 points
    assert f"pénalités de retard {legal.interest_total['EUR'].format('fr_FR')}" in text
    assert "base 365 jours" in text


def test_the_notice_goes_registered_through_the_sender_with_numbered_pages(tmp_path: Path) -> None:
    from connector.channels.letter import LetterRecord

    posted: list[LetterRecord] = []

    class Registered:  # a provider of electronic registered mail would look like this
        def post(self, pdf: bytes, *, name: str, registered: bool, on: date) -> LetterRecord:
            path = tmp_path / f"{name}.pdf"
            path.write_bytes(pdf)
            posted.append(LetterRecord(str(path), registered, on, tracking_number="1A23456789"))
            return posted[-1]

    notice = render(ALL["formal_notice"], customer=customer(), creditor=CREDITOR, policy=POLICY)
    receipt = LetterChannel(
        clock=FrozenClock.on(date(2026, 4, 1)),
        outbox_dir=tmp_path,
        creditor=CREDITOR,
        sender=Registered(),
    ).send(notice, action_key=notice.action_key)
    assert posted[0].registered
    assert receipt.details["tracking_number"] == "1A23456789"
    pages = PdfReader(receipt.reference).pages
    first = pages[0].extract_text()
    assert f"1/{len(pages)}" in first and "SIREN 512 345 678" in first
    assert "14 rue Burdeau" in first


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("step", [s.name for s in POLICY.steps])
def test_golden_texts(step: str, language: str, golden: Callable[[str, str], None]) -> None:
    message = render(ALL[step], customer=customer(language), creditor=CREDITOR, policy=POLICY)
    golden(f"{step}.{language}.txt", f"Subject: {message.subject}\n\n{message.text}")
    golden(f"{step}.{language}.html", message.html)


def test_golden_notice_pdf_text(tmp_path: Path, golden: Callable[[str, str], None]) -> None:
    notice = render(ALL["formal_notice"], customer=customer(), creditor=CREDITOR, policy=POLICY)
    receipt = LetterChannel(
        clock=FrozenClock.on(date(2026, 4, 1)), outbox_dir=tmp_path, creditor=CREDITOR
    ).send(notice, action_key=notice.action_key)
    text = "\n".join(page.extract_text() for page in PdfReader(receipt.reference).pages)
    golden("formal_notice.fr.pdf.txt", text)


def test_the_tenant_logo_is_printed_on_letters_and_shown_in_emails(tmp_path: Path) -> None:
    from PIL import Image

    logo = tmp_path / "logo.png"
    Image.new("RGB", (120, 40), (200, 120, 0)).save(logo)
    branded = CREDITOR.model_copy(
        update={"logo": str(logo), "logo_url": "https://lumen.example.fr/logo.png"}
    )
    notice = render(ALL["formal_notice"], customer=customer(), creditor=branded, policy=POLICY)
    receipt = LetterChannel(
        clock=FrozenClock.on(date(2026, 4, 1)), outbox_dir=tmp_path, creditor=branded
    ).send(notice, action_key=notice.action_key)
    assert PdfReader(receipt.reference).pages[0].images  # the logo is on the first page
    email = render(ALL["reminder_1"], customer=customer(), creditor=branded, policy=POLICY)
    assert '<img src="https://lumen.example.fr/logo.png"' in email.html


def test_the_invoices_own_pdfs_are_appended_to_the_letter(tmp_path: Path) -> None:
    from dataclasses import replace

    from fpdf import FPDF

    invoice_pdf = FPDF()
    invoice_pdf.add_page()
    invoice_pdf.set_font("Helvetica", size=12)
    invoice_pdf.cell(0, 10, "FACTURE F-0042 ORIGINALE")
    notice = render(ALL["formal_notice"], customer=customer(), creditor=CREDITOR, policy=POLICY)
    with_invoice = replace(
        notice,
        attachments=(
            ("F-0042.pdf", bytes(invoice_pdf.output()), "application/pdf"),
            ("F-0051.pdf", b"not a pdf at all", "application/pdf"),  # unreadable: left out
        ),
    )
    channel = LetterChannel(
        clock=FrozenClock.on(date(2026, 4, 1)), outbox_dir=tmp_path, creditor=CREDITOR
    )
    plain = PdfReader(channel.send(notice, action_key="plain").reference).pages
    appended = PdfReader(channel.send(with_invoice, action_key="with").reference).pages
    assert len(appended) == len(plain) + 1
    assert "FACTURE F-0042 ORIGINALE" in appended[-1].extract_text()
