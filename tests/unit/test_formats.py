"""The house formats of docs/writing.md: French and English figures, dates and salutations."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from connector.formats import (
    addressee,
    count,
    long_date,
    money,
    percent,
    place_and_date,
    salutation,
    short_date,
)
from connector.model import Civility
from connector.money import Money

NNBSP, NBSP = "\u202f", "\u00a0"


def test_french_figures_use_a_comma_and_unbreakable_spaces() -> None:
    assert money(Money.of("103.19", "EUR"), "fr") == f"103,19{NBSP}€"
    assert money(Money.of("20465.485", "EUR"), "fr") == f"20{NNBSP}465,49{NBSP}€"
    assert percent(Decimal("12.15"), "fr") == f"12,15{NBSP}%"
    assert percent(Decimal("10"), "fr") == f"10,00{NBSP}%"


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
    assert salutation(Civility.MADAME, "", "en").opening == "Dear Sir or Madam,"
    assert addressee(Civility.MADAME, "Claire", "Durand", "fr") == "Madame Claire Durand"
    assert addressee(Civility.COUPLE, "", "Durand", "fr") == "Monsieur et Madame Durand"
    assert addressee(None, "Claire", "Durand", "fr") == "Claire Durand"
