"""The formal notice on paper: a French business letter a lawyer would sign.

Every test reads the PDF as the debtor (or a judge) would: its text, extracted with pypdf,
and where it matters where the text sits on the page and which fonts the file carries.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from fpdf import FPDF
from pypdf import PdfReader
from pypdf.generic import DictionaryObject

from connector.letters import letter_facts
from connector.model import Civility, Contact, PostalAddress
from connector.pdf import PAGE_COUNT_CHARACTER
from connector.planner import CreditLine
from tests.letters import scenarios as s
from tests.letters.scenarios import (
    NOTICE_DAY,
    POLICY,
    action,
    b2b_notice,
    company,
    consumer,
    creditor,
    eur,
    figure,
    instalment,
    invoice,
    legal_for,
    printed,
    ref,
    three_invoices,
)

A4_HEIGHT_PT = 841.89
MM = 72 / 25.4


def test_the_figures_add_up_from_the_lines_to_the_total_due() -> None:
    customer = company()
    planned = action(
        customer,
        three_invoices(),
        credits=(CreditLine(ref("AV-1").key, "AV-1", date(2025, 8, 4), eur("120")),),
    )
    legal = legal_for(planned, customer)
    facts = letter_facts(
        planned, customer=customer, creditor=creditor(), policy=POLICY, language="fr", legal=legal
    )
    lines = sum((i.balance for i in (*facts.items, *facts.credits)), eur("0"))
    assert lines == facts.balance["EUR"] == eur("4010.50")
    for charge in facts.charges:
        assert sum((p.amount for p in charge.periods), eur("0")) == charge.interest
    (total,) = facts.sums
    interest = sum((c.interest for c in facts.charges if c.interest), eur("0"))
    assert total.indemnity == eur("120") and total.interest == interest
    assert total.total == total.principal + total.indemnity + interest


def test_the_notice_prints_each_invoice_each_period_and_the_totals() -> None:
    text = b2b_notice().text
    for number in ("F-2025-0107", "F-2025-0131", "F-2025-0188", "AV-2025-0012"):
        assert f"{'Avoir' if number.startswith('AV') else 'Facture'} {number}" in text
    assert "Paiement non affecté 22/08/2025" in text
    # 1 250,50 + 2 400,00 + 480,00 - 120,00 - 50,00; the paid part of F-2025-0131 is shown
    assert f"Total restant dû {figure('3960.50')}" in text
    assert f"{figure('3600.00')} {figure('1200.00')} {figure('2400.00')} 107 jours" in text
    # penalties split at 1 July 2025 (ECB 3,15 % then 2,15 %, plus 10 points), 365-day basis
    assert "Facture F-2025-0107 du 01/05/2025 au 30/06/2025 61 13,15 %" in text
    assert "du 01/07/2025 au 15/09/2025 77 12,15 %" in text
    assert "base 365 jours" in text
    assert f"Total {figure('156.90')} {figure('120.00')}" in text
    assert (
        f"Indemnités forfaitaires pour frais de recouvrement (3 factures) {figure('120')}" in text
    )
    assert f"Pénalités de retard au 15 septembre 2025 {figure('156.90')}" in text
    assert f"Total dû {figure('4237.40')}" in text  # 3 960,50 + 120,00 + 156,90
    assert f"la somme de {figure('4237.40')} arrêtée au 15 septembre 2025" in text


def test_the_notice_reads_as_a_french_business_letter() -> None:
    letter = b2b_notice()
    pages, text = letter.pages, letter.prose
    first = pages[0]
    assert "Lettre recommandée avec accusé de réception" in first
    assert "N° de recommandé : …" in first and "Réf. : C001-20250915" in first
    assert "Lyon, le 15 septembre 2025" in first
    assert text.count("Objet : Mise en demeure de payer") == 1
    assert first.count("Hôtel des Célestins") == 1  # in the address block, nowhere else
    assert "\nMadame,\n" in first
    assert "Claire Martin\nResponsable de la comptabilité clients\nAtelier Lumen" in letter.text
    assert (
        "Malgré nos relances du 18 juillet 2025 et du 8 août 2025, les factures suivantes" in text
    )
    assert "vous aviez pris l’engagement de régler 1 250,50 € au plus tard le 29 août" in text
    assert "dans un délai de huit jours à compter de la réception de la présente" in text
    assert "La présente vaut mise en demeure au sens de l’article 1344 du Code civil." in text
    assert "Nous vous prions d’agréer, Madame, l’expression de nos salutations distinguées." in text
    assert "IBAN FR76 1027 8073 0000 0201 2345 678 — BIC CMCIFR2A" in text
    assert "F-2025-0107 : https://pay.example/107" in text
    assert "facture(s)" not in text
    for n, page in enumerate(pages, start=1):
        assert f"Page {n}/{len(pages)}" in page
        assert "RCS Lyon 512 345 678" in page and "TVA intracommunautaire FR47512345678" in page
        assert "SAS au capital de 10 000 €" in page


def _fonts(pdf: bytes) -> list[DictionaryObject]:
    fonts = []
    for page in PdfReader(s._stream(pdf)).pages:
        resources = page["/Resources"].get_object()
        for font in resources["/Font"].get_object().values():
            fonts.append(font.get_object())
    return fonts


def test_the_typeface_is_proportional_and_embedded() -> None:
    fonts = _fonts(b2b_notice().pdf)
    names = {str(font["/BaseFont"]).split("+")[-1] for font in fonts}
    assert names == {"SourceSansPro", "SourceSansProBold"}  # no Helvetica, no Courier
    for font in fonts:
        descendant = font["/DescendantFonts"][0].get_object()
        assert "/FontFile2" in descendant["/FontDescriptor"].get_object()  # embedded TrueType


def _positions(pdf: bytes, page: int = 0) -> dict[str, tuple[float, float]]:
    """Where each text run starts, in mm from the left and from the top of the page."""
    found: dict[str, tuple[float, float]] = {}

    def visit(text: str, cm: Any, tm: Any, font: Any, size: Any) -> None:
        if text.strip() and text.strip() not in found:
            x, y = tm[4] * cm[0] + cm[4], tm[5] * cm[3] + cm[5]
            found[text.strip()] = (x / MM, (A4_HEIGHT_PT - y) / MM)

    PdfReader(s._stream(pdf)).pages[page].extract_text(visitor_text=visit)
    return found


def test_the_recipient_shows_in_the_window_of_a_dl_envelope() -> None:
    where = _positions(b2b_notice().pdf)
    # the window of a DL envelope folded A4: x 95-195 mm, y 50-95 mm; the address band
    # French practice recommends: from 110 mm left, 55 mm top, 85 x 33 mm
    for line in ("Hôtel des Célestins SARL", "4 rue Charles Dullin", "69002 Lyon"):
        x, y = where[line]
        assert 108 <= x <= 112 and 54 <= y <= 88, (line, x, y)
    x, y = where["Lettre recommandée avec accusé de réception"]
    assert x < 95  # beside the window, not in it


def test_a_consumer_is_claimed_no_penalty_no_indemnity_and_no_costs() -> None:
    customer = consumer()
    planned = action(customer, three_invoices()[:2])
    letter = printed(planned, customer, legal=legal_for(planned, customer))
    text = letter.prose
    lowered = text.lower()
    for word in ("pénalité", "indemnité", "40,00", "frais", "l441-10", "d441-5", "à votre charge"):
        assert word not in lowered, word
    assert "articles 1231-6 et 1344-1 du Code civil" in text
    assert "intérêts au taux légal (taux en vigueur au 15 septembre 2025 : 2,76 % l’an)" in text
    assert f"la somme de {figure('3650.50')}, augmentée des intérêts au taux légal" in text
    assert "Monsieur Paul Girard\nAppartement 12\n8 avenue Foch\n69006 Lyon" in letter.text
    assert "À l’attention" not in text
    assert (
        "\nMonsieur,\n" in letter.text
        and "Nous vous prions d’agréer, Monsieur, l’expression" in text
    )
    assert "requête en injonction de payer" in text


def test_without_a_rate_the_indemnity_is_claimed_and_the_interest_runs_without_a_figure() -> None:
    customer = company()
    planned = action(customer, three_invoices())
    text = printed(planned, customer, legal=None).prose  # MissingRate: no LegalClaim
    assert "Document Échéance Indemnité forfaitaire" in text
    assert f"Facture F-2025-0131 31/05/2025 {figure('40')}" in text
    assert f"Total {figure('120')}" in text
    assert f"Total dû {figure('4250.50')}" in text  # 4 130,50 + 3 x 40
    assert "des pénalités de retard, qui courent depuis le lendemain de chaque échéance" in text
    assert "à parfaire des pénalités de retard courant jusqu’au complet paiement" in text
    assert "Pénalités de retard au" not in text
    assert "0,00" not in text.split() and "soit  arrêtées" not in text and "0 EUR" not in text


def test_missed_instalments_are_named_one_by_one_and_never_as_invoices() -> None:
    customer = company()
    agreed = date(2025, 6, 2)
    covered = [
        invoice("F-2025-0094", date(2025, 3, 31), "2000.00"),
        invoice("F-2025-0095", date(2025, 4, 30), "2013.31"),
    ]
    planned = action(
        customer,
        [
            instalment("PL1", 1, 3, agreed, date(2025, 7, 1), "1337.77", covers=covered),
            instalment("PL1", 2, 3, agreed, date(2025, 8, 1), "1337.77", covers=covered),
        ],
    )
    legal = legal_for(planned, customer)
    letter = printed(planned, customer, legal=legal)
    text = letter.prose
    assert "Les échéances suivantes demeurent impayées à ce jour :" in text
    for n, due in ((1, "01/07/2025 1 337,77 € 1 337,77 € 76 jours"), (2, "01/08/2025")):
        label = f"Échéancier du 02/06/2025, échéance {n}/3 (factures F-2025-0094, F-2025-0095)"
        assert f"{label} 02/06/2025 {due}" in text
    assert "L’échéancier convenu le 2 juin 2025 n’a pas été respecté" in text
    assert f"Total restant dû {figure('2675.54')}" in text
    # the plan's invoices' indemnities, once, on its first instalment (connector.legal.notice)
    fees = "Indemnités forfaitaires pour frais de recouvrement (2 factures)"
    assert f"{fees} {figure('80')}" in text
    assert legal is not None
    interest = sum((c.interest or eur("0") for c in legal.invoices), eur("0"))
    total = eur("2675.54") + eur("80") + interest
    assert f"Total dû {figure(str(total.amount))}" in text
    assert f"la somme de {figure(str(total.amount))} arrêtée au 15 septembre 2025" in text
    assert "numéro" not in text and "Facture F-" not in text


def _invoice_pdf(title: str) -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    pdf.cell(0, 10, title)
    return bytes(pdf.output())


def test_the_enclosures_listed_are_the_invoices_appended() -> None:
    customer = company()
    planned = action(customer, three_invoices())
    alone = printed(planned, customer)
    both = printed(
        planned,
        customer,
        attachments=(
            ("F-2025-0107.pdf", _invoice_pdf("FACTURE F-2025-0107"), "application/pdf"),
            ("F-2025-0131.pdf", b"not a pdf", "application/pdf"),  # unreadable: left out
            ("F-2025-0188.pdf", _invoice_pdf("FACTURE F-2025-0188"), "application/pdf"),
        ),
    )
    assert "Pièce" not in alone.text
    assert "Pièces jointes : copie des factures F-2025-0107 et F-2025-0188" in both.prose
    assert len(both.pages) == len(alone.pages) + 2
    assert "FACTURE F-2025-0188" in both.pages[-1]


def test_forty_invoices_break_across_pages_with_their_headings_repeated() -> None:
    customer = company()
    lines = [
        invoice(f"F-2025-{n:04d}", date(2025, 4, 1) + timedelta(days=2 * n), f"{100 + n}.10")
        for n in range(1, 41)
    ]
    planned = action(customer, lines)
    letter = printed(planned, customer, legal=legal_for(planned, customer))
    pages = letter.pages
    assert len(pages) >= 3
    statement = re.compile(r"Facture F-2025-\d{4} \d\d/\d\d/\d{4}")
    periods = re.compile(r"du \d\d/\d\d/\d{4} au \d\d/\d\d/\d{4}")
    for n, page in enumerate(pages, start=1):
        assert f"Page {n}/{len(pages)}" in page
        if statement.search(page):
            assert "Document Date Échéance Montant Réglé Reste dû Retard" in page
        if periods.search(page):
            assert "Document Période Jours Taux Base Pénalités Indemnité" in page
        if n > 1:
            assert page.startswith("Atelier Lumen — Mise en demeure de payer — Réf. C001-")
    for line in lines:
        assert f"Facture {line.number} " in letter.text
    principal = sum((line.open for line in lines), eur("0"))
    assert f"Total restant dû {s.figure(str(principal.amount))}" in letter.text


def test_values_from_a_platform_print_literally(caplog: pytest.LogCaptureFixture) -> None:
    name = 'Hôtel <b>des</b> & "Célestins" {nb} **gras** ☕'
    customer = company(
        name=name,
        address=PostalAddress(lines=("Bât. A\nFAUSSE LIGNE",), postal_code="69002", city="Lyon"),
        contacts=(Contact(name="Claire\tDurand", civility=Civility.MADAME),),
    )
    lines = [
        invoice("F-<script>&{nb}", date(2025, 5, 2), "10.00", url="javascript:alert(1)"),
        invoice("F-2", date(2025, 5, 3), "20.00", url="https://pay.example/2"),
    ]
    planned = action(customer, lines)
    letter = printed(planned, customer)
    text = letter.text
    assert 'Hôtel <b>des</b> & "Célestins" {nb} **gras** ?' in text  # the cup has no glyph
    assert "Facture F-<script>&{nb}" in text
    assert "Bât. A FAUSSE LIGNE\n" in text and "À l’attention de Madame Claire Durand" in text
    assert "javascript:" not in text and "https://pay.example/2" in text
    assert any("cannot draw" in r.getMessage() for r in caplog.records)


def test_a_name_carrying_the_page_count_stand_in_prints_question_marks() -> None:
    """The page count is fpdf2's alias made of a character no style of the typeface can draw:
    in a customer's name it prints « ? », as any such character, and never becomes a count."""
    stand_in = PAGE_COUNT_CHARACTER
    customer = company(name=f"Hôtel {stand_in} des Célestins {stand_in * 2}")
    planned = action(customer, three_invoices())
    letter = printed(planned, customer, legal=legal_for(planned, customer))
    assert "Hôtel ? des Célestins ??" in letter.text
    assert len(letter.pages) >= 2
    for n, page in enumerate(letter.pages, start=1):
        assert page.count(f"Page {n}/{len(letter.pages)}") == 1


def test_a_company_abroad_gets_its_country_on_the_last_line() -> None:
    customer = company(
        address=PostalAddress(
            lines=("Torstraße 5",), postal_code="10119", city="Berlin", country="DE"
        )
    )
    text = printed(action(customer, three_invoices()), customer).text
    assert "Torstraße 5\n10119 Berlin\nALLEMAGNE" in text


def test_the_notice_in_english() -> None:
    customer = company(language="en")
    planned = action(customer, three_invoices())
    pages = printed(
        planned, customer, legal=legal_for(planned, customer), reminders=(date(2025, 8, 8),)
    ).pages
    text = " ".join("\n".join(pages).split())
    assert "Registered post with proof of delivery" in text
    assert "Lyon, 15 September 2025" in text
    assert "Subject: Formal notice to pay (mise en demeure)" in text
    assert "Dear Ms Durand," in text and "Yours sincerely," in text
    assert "Despite our reminder of 8 August 2025, the following invoices remain unpaid:" in text
    assert "Article L441-10 of the French Commercial Code (Code de commerce)" in text
    assert "Total due €4,407.40" in text  # €4,130.50 + 3 x €40 + €156.90 of interest
    assert f"Page 1 of {len(pages)}" in pages[0]
    assert "Madame" not in text and "facture" not in text.lower()


def test_a_reminder_by_post_has_the_same_letterhead_and_is_not_registered() -> None:
    customer = company()
    planned = action(customer, three_invoices()[:1], step="reminder_1")
    text = printed(planned, customer).prose
    assert "Lettre recommandée" not in text and "N° de recommandé" not in text
    assert "Réf. : C001-20250915" in text and "Lyon, le 15 septembre 2025" in text
    assert "Sauf erreur ou omission de notre part" in text  # the step's own words
    assert "Facture F-2025-0107" in text and "RCS Lyon 512 345 678" in text
    assert "mise en demeure" not in text.lower().split("objet")[0]


def test_the_logo_is_printed_at_the_top_left(tmp_path: Any) -> None:
    from PIL import Image

    logo = tmp_path / "logo.png"
    Image.new("RGB", (300, 100), (200, 120, 0)).save(logo)
    first = PdfReader(s._stream(b2b_notice(logo).pdf)).pages[0]
    assert len(first.images) == 1


@pytest.mark.parametrize(
    ("name", "build"),
    [
        ("notice_b2b.fr", lambda: b2b_notice()),
        (
            "notice_b2c.fr",
            lambda: printed(
                action(consumer(), three_invoices()[:2]),
                consumer(),
                legal=legal_for(action(consumer(), three_invoices()[:2]), consumer()),
                reminders=(date(2025, 8, 8),),
            ),
        ),
        ("notice_without_rate.fr", lambda: printed(action(company(), three_invoices()), company())),
        (
            "notice_b2b.en",
            lambda: printed(
                action(company(language="en"), three_invoices()),
                company(language="en"),
                legal=legal_for(action(company(language="en"), three_invoices()), company()),
            ),
        ),
    ],
)
def test_golden_letters(name: str, build: Callable[[], s.Printed], golden: Any) -> None:
    golden(f"{name}.txt", build().text)


def test_a_figure_that_does_not_exist_is_never_printed_as_zero() -> None:
    # a plan whose invoices the letter does not know carries no indemnity: neither a word of
    # it nor a « 0,00 € » in its column; its instalments bear interest from their due dates
    customer = company()
    agreed = date(2025, 6, 2)
    planned = action(customer, [instalment("PL", 1, 2, agreed, date(2025, 7, 1), "500")])
    text = printed(planned, customer, legal=legal_for(planned, customer)).prose
    assert "0,00" not in text.split() and "indemnité" not in text.lower()
    assert f"Total restant dû {figure('500')}" in text and "Total dû" in text


def test_a_split_invoice_is_claimed_by_its_late_instalments_and_shows_the_rest_apart() -> None:
    from dataclasses import replace as copy

    from connector.model import Instalment, Receivable, ReceivableStatus
    from connector.planner import receivable_lines

    customer = company()
    split = Receivable(
        ref=ref("F-2025-0300"),
        customer_ref=customer.ref,
        number="F-2025-0300",
        issued_on=date(2025, 6, 2),
        due_on=date(2025, 10, 31),
        currency="EUR",
        total=eur("1000.00"),
        open_balance=eur("1000.00"),
        status=ReceivableStatus.OPEN,
        instalments=(
            Instalment(due_on=date(2025, 7, 2), amount=eur("300.00")),
            Instalment(due_on=date(2025, 10, 31), amount=eur("700.00")),
        ),
    )
    first, rest = receivable_lines(split, NOTICE_DAY)
    planned = copy(action(customer, [first]), later=(rest,))
    legal = legal_for(planned, customer)
    letter = printed(planned, customer, legal=legal)
    text = letter.prose
    assert "La facture suivante demeure impayée" not in text  # it is an instalment
    assert "L’échéance suivante demeure impayée à ce jour :" in text
    assert f"Facture F-2025-0300, échéance 1/2 02/06/2025 02/07/2025 {figure('300')}" in text
    assert f"Total restant dû {figure('300')}" in text  # the 700 not yet due is not claimed
    later = "Pour mémoire, non encore échu Échéance Montant Facture F-2025-0300, échéance 2/2"
    assert f"{later} 31/10/2025 {figure('700')}" in text
    fees = "Indemnités forfaitaires pour frais de recouvrement (1 échéance)"
    assert f"{fees} {figure('40')}" in text
    assert "(40,00 € par échéance en retard)" in text


def test_a_notice_claims_only_what_is_due_and_a_reminder_by_post_mentions_what_comes() -> None:
    from dataclasses import replace as copy

    customer = company()
    soon = invoice("F-2025-0999", date(2025, 9, 30), "99.00")
    notice = copy(action(customer, three_invoices()), upcoming=(soon,))
    assert "F-2025-0999" not in printed(notice, customer).text
    reminder = copy(action(customer, three_invoices(), step="reminder_1"), upcoming=(soon,))
    assert "Facture F-2025-0999 30/09/2025 99,00 €" in printed(reminder, customer).text


def test_a_message_without_its_letter_is_refused_with_the_reason() -> None:
    from connector.channels.letter import letter_pdf
    from connector.errors import DeliveryError
    from connector.model import Channel, StepKind
    from connector.render import RenderedMessage

    by_hand = RenderedMessage(
        action_key="files:lumen:C001|formal_notice|F-1",
        step="formal_notice",
        kind=StepKind.NOTICE,
        channel=Channel.LETTER,
        language="fr",
        subject="Mise en demeure de payer",
        text="…",
        html="<p>…</p>",
    )
    with pytest.raises(DeliveryError, match="has no letter to print") as refused:
        letter_pdf(by_hand, creditor())
    assert refused.value.hint and "render" in refused.value.hint
