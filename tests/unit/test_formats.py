"""The house formats of docs/writing.md: French and English figures, dates and salutations."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from connector.formats import (
    Salutation,
    addressee,
    count,
    long_date,
    money,
    percent,
    period,
    place_and_date,
    salutation,
    short_date,
    typography,
)
from connector.model import Civility
from connector.money import Money

NNBSP, NBSP = "\u202f", "\u00a0"


def test_french_figures_use_a_comma_and_unbreakable_spaces() -> None:
    assert money(Money.of("103.19", "EUR"), "fr") == f"103,19{NBSP}€"
    assert money(Money.of("20465.485", "EUR"), "fr") == f"20{NNBSP}465,49{NBSP}€"
    assert percent(Decimal("12.15"), "fr") == f"12,15{NBSP}%"
    assert percent(Decimal("10"), "fr") == f"10,00{NBSP}%"


def test_a_deduction_takes_the_minus_sign() -> None:
    assert money(Money.of("-120", "EUR"), "fr") == f"\u2212120,00{NBSP}€"
    assert money(Money.of("-120", "EUR"), "en") == "\u2212€120.00"


def test_english_figures() -> None:
    assert money(Money.of("1234.5", "EUR"), "en") == "€1,234.50"
    assert percent(Decimal("12.15"), "en") == "12.15%"


def test_dates() -> None:
    assert long_date(date(2026, 4, 1), "fr") == "1er avril 2026"
    assert long_date(date(2026, 4, 2), "fr") == "2 avril 2026"
    assert long_date(date(2026, 4, 1), "en") == "1 April 2026"
    assert short_date(date(2026, 4, 1), "fr") == "01/04/2026"
    assert place_and_date("Lyon", date(2026, 10, 19), "fr") == "Lyon, le 19 octobre 2026"
    assert place_and_date("", date(2026, 10, 1), "fr") == "Le 1er octobre 2026"
    assert place_and_date("London", date(2026, 10, 19), "en") == "London, 19 October 2026"


@pytest.mark.parametrize(
    ("n", "fr", "en"),
    [
        (0, "0 facture", "0 invoices"),
        (1, "1 facture", "1 invoice"),
        (2, "2 factures", "2 invoices"),
    ],
)
def test_a_noun_agrees_with_its_figure(n: int, fr: str, en: str) -> None:
    assert count(n, "facture", "factures", "fr") == fr.replace(" ", NBSP)
    assert count(n, "invoice", "invoices", "en") == en.replace(" ", NBSP)


def test_salutations() -> None:
    assert salutation(Civility.MADAME, "Durand", "fr").opening == "Madame,"
    assert salutation(Civility.MONSIEUR, "", "fr").closing_title == "Monsieur"
    assert salutation(Civility.COUPLE, "Durand", "fr").opening == "Madame, Monsieur,"
    unknown = salutation(None, "Durand", "fr")
    assert (unknown.opening, unknown.known) == ("Madame, Monsieur,", False)
    assert salutation(Civility.MADAME, "Durand", "en").opening == "Dear Ms Durand,"
    named = salutation(Civility.MADAME, "Durand", "en")
    assert named.named and not salutation(Civility.MADAME, "Durand", "fr").named
    # British usage: a known title without a name is "Dear Madam", closed "Yours faithfully"
    assert salutation(Civility.MADAME, "", "en") == Salutation("Dear Madam,", "", True)
    assert salutation(Civility.MONSIEUR, " ", "en").opening == "Dear Sir,"
    assert salutation(None, "", "en") == Salutation("Dear Sir or Madam,", "", False)
    assert addressee(Civility.MADAME, "Claire", "Durand", "fr") == "Madame Claire Durand"
    assert addressee(Civility.COUPLE, "", "Durand", "fr") == "Monsieur et Madame Durand"
    assert addressee(None, "Claire", "Durand", "fr") == "Claire Durand"


@pytest.mark.parametrize(
    ("days", "fr", "en"),
    [(1, "un jour", "one day"), (8, "huit jours", "eight days"),
     (15, "quinze jours", "fifteen days"), (30, "30 jours", "30 days")],
)  # fmt: skip
def test_a_period_is_written_in_words_up_to_fifteen(days: int, fr: str, en: str) -> None:
    assert period(days, "fr") == fr and period(days, "en") == en


def test_french_typography_puts_a_no_break_space_where_a_sign_must_not_start_a_line() -> None:
    text = "Objet : relance ; merci ! Une question ? « Oui »"
    assert typography(text, "fr") == (
        f"Objet{NBSP}: relance{NBSP}; merci{NBSP}! Une question{NBSP}? «{NBSP}Oui{NBSP}»"
    )
    unchanged = "https://pay.example/x?a=1 at 10:30; see: it"
    assert typography(unchanged, "fr") == unchanged  # no space, nothing added
    assert typography("Subject : x", "en") == "Subject : x"
    assert typography(typography(text, "fr"), "fr") == typography(text, "fr")
