"""The e-mails held to docs/writing.md: every step in French and English, to a business and to
a consumer, as golden files; and the rules a reader checks, one by one."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date

import pytest

from connector.formats import money
from connector.model import Civility, Contact, LegalKind
from connector.money import Money, Totals
from connector.render import render

from .scenarios import CALENDAR, CREDITOR, EMAIL_STEPS, POLICY, YEARS, customer, message

NBSP, NNBSP = "\u00a0", "\u202f"


def shown(amount: Money, language: str) -> str:
    """A figure as an e-mail prints it: no-break spaces a mail client's fonts all have."""
    return money(amount, language).replace(NNBSP, NBSP)


KINDS = [LegalKind.B2B, LegalKind.B2C]


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.value)
@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("step", EMAIL_STEPS)
def test_golden_emails(
    step: str, language: str, kind: LegalKind, golden: Callable[[str, str], None]
) -> None:
    sent = message(step, kind, language)
    name = f"emails/{step}.{language}.{kind.value}"
    golden(f"{name}.txt", f"Subject: {sent.subject}\n\n{sent.text}")
    golden(f"{name}.html", sent.html)


def _with_contact(contact: Contact | None, language: str = "fr") -> str:
    sent = YEARS[LegalKind.B2B]["reminder_1"]
    base = customer(LegalKind.B2B, language)
    who = base.model_copy(update={"contacts": () if contact is None else (contact,)})
    return render(sent.action, customer=who, creditor=CREDITOR, policy=POLICY).text


@pytest.mark.parametrize(
    ("civility", "opening", "closing", "attention"),
    [
        (Civility.MADAME, "Madame,", "d’agréer, Madame, l’expression", "de Madame Claire Durand"),
        (
            Civility.MONSIEUR,
            "Monsieur,",
            "d’agréer, Monsieur, l’expression",
            "de Monsieur Claire Durand",
        ),
        (
            Civility.COUPLE,
            "Madame, Monsieur,",
            "d’agréer, Madame, Monsieur, l’expression",
            "de Monsieur et Madame Durand",
        ),
        # unknown: a label, since the name may as well be a department's
        (
            None,
            "Madame, Monsieur,",
            "d’agréer, Madame, Monsieur, l’expression",
            "de\u00a0: Claire Durand",
        ),
    ],
)
def test_the_salutation_and_its_closing_come_from_the_contact(
    civility: Civility | None, opening: str, closing: str, attention: str
) -> None:
    contact = Contact(
        name="Claire Durand", civility=civility, family_name="Durand", email="c@x.fr", primary=True
    )
    text = _with_contact(contact)
    assert f"\n{opening}\n" in text
    assert closing in text
    assert f"À l’attention {attention}\n" in text


def test_a_company_without_a_named_contact_is_written_to_its_accounts_department() -> None:
    text = _with_contact(Contact(email="compta@x.fr", primary=True))
    assert "À l’attention du service comptabilité fournisseurs" in text
    assert "\nMadame, Monsieur,\n" in text


def test_a_title_the_source_wrote_into_the_name_is_not_doubled() -> None:
    contact = Contact(name="Mme Roux", civility=Civility.MADAME, email="r@x.fr", primary=True)
    assert "À l’attention de Madame Roux\n" in _with_contact(contact)


@pytest.mark.parametrize(
    ("civility", "family", "opening", "closing"),
    [
        (Civility.MADAME, "Durand", "Dear Ms Durand,", "Yours sincerely,"),
        (Civility.MONSIEUR, "", "Dear Sir,", "Yours faithfully,"),
        (None, "Durand", "Dear Sir or Madam,", "Yours faithfully,"),
    ],
)
def test_english_salutations_close_as_british_letters_do(
    civility: Civility | None, family: str, opening: str, closing: str
) -> None:
    contact = Contact(
        name="Claire Durand", civility=civility, family_name=family, email="c@x.fr", primary=True
    )
    text = _with_contact(contact, "en")
    assert f"\n{opening}\n" in text and f"\n{closing}\n" in text


def _reminder_2(reminders: tuple[date, ...], language: str = "fr") -> str:
    sent = YEARS[LegalKind.B2B]["reminder_2"]
    return render(
        sent.action,
        customer=customer(LegalKind.B2B, language),
        creditor=CREDITOR,
        policy=POLICY,
        reminders=reminders,
    ).text


def test_malgre_nos_relances_only_after_two_reminders_really_sent() -> None:
    none, one = _reminder_2(()), _reminder_2((date(2026, 3, 3),))
    two = _reminder_2((date(2026, 3, 3), date(2026, 3, 16)))
    assert "À ce jour, les factures suivantes demeurent impayées." in none
    assert "relance du" not in none and "nos relances" not in none
    assert f"Malgré notre relance du 3{NBSP}mars 2026," in one and "nos relances" not in one
    assert f"Malgré nos relances, dont la dernière le 16{NBSP}mars 2026," in two
    english = _reminder_2((date(2026, 3, 3),), "en")
    assert f"Despite our reminder of 3{NBSP}March 2026," in english


def test_the_second_reminder_deadline_runs_from_receipt_and_falls_on_a_business_day() -> None:
    sent = YEARS[LegalKind.B2B]["reminder_2"]
    # 6 May 2026 + 8 days is Thursday 14 May, Ascension Day: the deadline moves to Friday 15
    action = replace(sent.action, planned_on=date(2026, 5, 6))
    text = render(
        action, customer=customer(LegalKind.B2B, "fr"), creditor=CREDITOR, policy=POLICY
    ).text
    assert "dans un délai de huit jours à compter de la réception du présent courriel" in text
    assert f"soit au plus tard le 15{NBSP}mai 2026." in text
    assert CALENDAR.is_send_day(date(2026, 5, 15)) and not CALENDAR.is_send_day(date(2026, 5, 14))


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("step", EMAIL_STEPS)
def test_a_consumer_is_never_charged_penalties_an_indemnity_or_costs(
    step: str, language: str
) -> None:
    sent = message(step, LegalKind.B2C, language)
    for part in (sent.subject, sent.text, sent.html):
        lowered = part.lower()
        assert "pénalité" not in lowered and "penalt" not in lowered
        assert "indemnit" not in lowered and "40" + NBSP + "€" not in part and "€40" not in part
        assert "à votre charge" not in lowered and "at your expense" not in lowered
    business = message(step, LegalKind.B2B, language).text
    if step == "reminder_2":  # the business is reminded of both, once
        assert ("L441-10" in business) and ("40" in business)


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.value)
@pytest.mark.parametrize("language", ["fr", "en"])
def test_deductions_are_lines_and_the_lines_add_up_to_the_total(
    language: str, kind: LegalKind
) -> None:
    sent = YEARS[kind]["reminder_2"].action
    text = message("reminder_2", kind, language).text
    assert sent.credits, "the scenario has a credit note and an unapplied payment"
    listed = Totals(line.open for line in sent.lines)
    for line in sent.lines:
        assert shown(line.open, language) in text
    for credit in sent.credits:
        assert shown(-credit.amount, language) in text
        listed.add(-credit.amount)
    assert listed == sent.totals
    (total,) = sent.totals.values()
    table = text.split("Total restant dû" if language == "fr" else "Balance outstanding")[1]
    assert table.split("\n")[0].strip().endswith(shown(total, language))


def test_french_figures_and_dates_in_the_table_and_in_prose() -> None:
    text = message("reminder_2", LegalKind.B2B, "fr").text
    assert f"1{NBSP}250,50{NBSP}€" in text  # 1 250,50 € with unbreakable spaces
    assert "02/03/2026" in text  # a table's short date
    assert f"Malgré notre relance du 3{NBSP}mars 2026" in text  # a long date in prose
    assert f"21{NBSP}jours" in text and f"\u2212120,00{NBSP}€" in text
    assert f"Objet{NBSP}:" not in text  # an e-mail has a subject header, not an object line


def test_french_punctuation_takes_a_no_break_space() -> None:
    sent = message("reminder_2", LegalKind.B2B, "fr")
    for part in (sent.subject, sent.text):
        for sign in ";:!?»":
            assert f" {sign}" not in part, f"a breaking space before {sign!r}"
    assert f"Deuxième relance{NBSP}:" in sent.subject


def test_a_contact_that_is_the_company_itself_names_no_one() -> None:
    # Odoo and QuickBooks keep the company's own address as its contact
    text = _with_contact(Contact(name="Hôtel des Célestins", email="h@x.fr", primary=True))
    assert "À l’attention du service comptabilité fournisseurs" in text


def test_a_couple_known_by_its_family_name() -> None:
    couple = Contact(civility=Civility.COUPLE, family_name="Petit", email="p@x.fr", primary=True)
    text = _with_contact(couple)
    assert "À l’attention de Monsieur et Madame Petit\n" in text
    assert "\nMadame, Monsieur,\n" in text
    assert "Dear Mr and Mrs Petit," in _with_contact(couple, "en")
