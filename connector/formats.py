"""How numbers, dates and people are written for a reader, in French and in English.

Every debtor-facing document (e-mail, letter, dossier) formats through here, so that a
French reader always sees ``1 234,56 €``, ``12,15 %``, ``1er avril 2026`` and ``Lyon, le
19 octobre 2026``, and an English reader ``€1,234.56``, ``12.15%``, ``1 April 2026``. The
rules are written down in ``docs/writing.md``; this module is their single implementation.

Spaces: French puts a narrow no-break space (U+202F) between thousands and a no-break space
(U+00A0) before ``€`` and ``%`` (CLDR's French data, through babel), so a figure never
breaks across two lines. Plain-text layouts that pad columns count characters, not bytes,
so these spaces are safe there too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from babel.dates import format_date
from babel.numbers import format_decimal

from connector.model import Civility, Contact
from connector.money import Money

__all__ = [
    "LOCALES",
    "Civility",
    "Salutation",
    "addressee",
    "attention",
    "count",
    "long_date",
    "money",
    "number",
    "percent",
    "period",
    "place_and_date",
    "salutation",
    "short_date",
    "typography",
]

LOCALES = {"fr": "fr_FR", "en": "en_GB"}
NBSP = "\u00a0"


def _locale(language: str) -> str:
    return LOCALES.get(language, LOCALES["en"])


def money(value: Money, language: str) -> str:
    """``1 234,56 €`` (fr) or ``€1,234.56`` (en), rounded to the currency's minor unit.

    A deduction is printed with the minus sign (U+2212), not a hyphen: ``−120,00 €``."""
    text = value.format(_locale(language))
    return "\u2212" + text[1:] if text.startswith("-") else text


def number(value: Decimal | int, language: str, *, places: int | None = None) -> str:
    """A plain number with the language's separators (``1 234,5`` / ``1,234.5``)."""
    pattern = None if places is None else "#,##0." + "0" * places if places else "#,##0"
    return str(format_decimal(value, format=pattern, locale=_locale(language)))


def percent(rate: Decimal, language: str) -> str:
    """A rate given in percent points: ``Decimal("12.15")`` -> ``12,15 %`` / ``12.15%``.

    Two decimals always, as rates are published (``10,00 %``): a reader compares them."""
    figure = number(rate, language, places=2)
    return f"{figure}{NBSP}%" if language == "fr" else f"{figure}%"


def long_date(day: date, language: str) -> str:
    """``1er avril 2026`` / ``1 April 2026``."""
    text = str(format_date(day, "d MMMM y", locale=_locale(language)))
    if language == "fr" and day.day == 1:
        return "1er" + text[1:]
    return text


def short_date(day: date, language: str) -> str:
    """``01/04/2026`` in both languages (day first, as read in France and Britain)."""
    return day.strftime("%d/%m/%Y")


def place_and_date(city: str, day: date, language: str) -> str:
    """The dateline of a letter: ``Lyon, le 19 octobre 2026`` / ``Lyon, 19 October 2026``."""
    when = long_date(day, language)
    if language == "fr":
        return f"{city}, le {when}" if city else f"Le {when}"
    return f"{city}, {when}" if city else when


def count(n: int, singular: str, plural: str, language: str = "fr") -> str:
    """``1 facture``, ``3 factures``: the figure and the noun agreeing with it.

    French treats 0 and 1 as singular (« 0 facture »); English only 1."""
    one = n in (0, 1) if language == "fr" else n == 1
    return f"{n}{NBSP}{singular if one else plural}"


@dataclass(frozen=True, slots=True)
class Salutation:
    """The opening and the courtesy title repeated in the closing formula.

    French business letters open on « Madame, » / « Monsieur, » (the name is not repeated
    after the title in a formal letter), and close by repeating the same words: « Nous vous
    prions d'agréer, Madame, l'expression de nos salutations distinguées. » Unknown →
    « Madame, Monsieur, ». English: "Dear Ms Durand," / "Dear Mr Durand," with "Yours
    sincerely"; unknown → "Dear Sir or Madam," with "Yours faithfully".
    """

    opening: str  # « Madame, » / "Dear Ms Durand,"
    closing_title: str  # « Madame » in « Nous vous prions d'agréer, Madame, … »; "" in English
    known: bool  # False when the civility was unknown
    named: bool = False  # the opening names the person: English closes "Yours sincerely"


def salutation(civility: Civility | None, family_name: str, language: str) -> Salutation:
    """The salutation for a contact whose civility and family name may be unknown."""
    name = " ".join(family_name.split())
    if language == "fr":
        match civility:
            case Civility.MADAME:
                return Salutation("Madame,", "Madame", True)
            case Civility.MONSIEUR:
                return Salutation("Monsieur,", "Monsieur", True)
            case Civility.COUPLE:
                return Salutation("Madame, Monsieur,", "Madame, Monsieur", True)
            case None:
                return Salutation("Madame, Monsieur,", "Madame, Monsieur", False)
    match civility:
        case Civility.MADAME if name:
            return Salutation(f"Dear Ms {name},", "", True, named=True)
        case Civility.MONSIEUR if name:
            return Salutation(f"Dear Mr {name},", "", True, named=True)
        case Civility.COUPLE if name:
            return Salutation(f"Dear Mr and Mrs {name},", "", True, named=True)
        case Civility.MADAME:  # British usage without a name: "Dear Madam", "Yours faithfully"
            return Salutation("Dear Madam,", "", True)
        case Civility.MONSIEUR:
            return Salutation("Dear Sir,", "", True)
        case Civility.COUPLE:
            return Salutation("Dear Sir or Madam,", "", True)
        case None:
            return Salutation("Dear Sir or Madam,", "", False)


def addressee(civility: Civility | None, given_name: str, family_name: str, language: str) -> str:
    """The person's name as written in an address block or « À l'attention de » line:
    ``Madame Claire Durand``, ``Monsieur et Madame Durand``, ``Ms Claire Durand``."""
    full = " ".join(f"{given_name} {family_name}".split())
    titles = {
        "fr": {
            Civility.MADAME: "Madame",
            Civility.MONSIEUR: "Monsieur",
            Civility.COUPLE: "Monsieur et Madame",
        },
        "en": {Civility.MADAME: "Ms", Civility.MONSIEUR: "Mr", Civility.COUPLE: "Mr and Mrs"},
    }["fr" if language == "fr" else "en"]
    if civility is None:
        return full
    if civility is Civility.COUPLE:
        return f"{titles[civility]} {' '.join(family_name.split()) or full}".strip()
    return f"{titles[civility]} {full}".strip()


_TITLES = frozenset({"m", "m.", "mme", "mlle", "madame", "monsieur", "mr", "mrs", "ms", "miss"})


def attention(contact: Contact | None, company: str, language: str) -> str:
    """The person a message to ``company`` is for, as its « À l’attention de » line names
    them: ``Madame Claire Durand``; "" when no person is named (a contact that is the
    company itself, as some platforms keep it, names no one). Shared by e-mails and letters."""
    if contact is None:
        return ""
    words = contact.name.split()
    if contact.civility is not None and len(words) > 1 and words[0].lower() in _TITLES:
        words = words[1:]  # the source wrote the title into the name: « Mme Roux »
    full, family = " ".join(words), " ".join(contact.family_name.split())
    if full.lower() == " ".join(company.split()).lower():
        full = ""
    if not full and not (family and contact.civility is not None):
        return ""
    if family and family.lower() in full.lower() and contact.civility is not Civility.COUPLE:
        family = ""  # the full name already has it: « Claire Durand »
    elif family and family.lower() in full.lower():
        full = ""  # « Monsieur et Madame Durand »
    return addressee(contact.civility, full, family, language)


_WORDS = {
    "fr": ("zéro", "un", "deux", "trois", "quatre", "cinq", "six", "sept", "huit", "neuf", "dix",
           "onze", "douze", "treize", "quatorze", "quinze"),
    "en": ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
           "eleven", "twelve", "thirteen", "fourteen", "fifteen"),
}  # fmt: skip


def period(days: int, language: str) -> str:
    """A period of calendar days, in words up to fifteen: ``huit jours``, ``eight days``,
    ``30 jours``; French « un jour » / English "one day" for one."""
    words = _WORDS["fr" if language == "fr" else "en"]
    figure = words[days] if 0 <= days < len(words) else str(days)
    if language == "fr":
        return f"{figure} jour" if days in (0, 1) else f"{figure} jours"
    return f"{figure} day" if days == 1 else f"{figure} days"


_SPACE_BEFORE = re.compile("[ \u202f]+(?=[;:!?»])")
_SPACE_AFTER = re.compile("«[ \u202f]+")


def typography(text: str, language: str) -> str:
    """French spacing: a no-break space before ``; : ! ?`` and ``»`` and after ``«``, so a
    sign never starts a line; other languages are returned as they are.

    Only an existing space is made unbreakable: ``https://`` or ``10:30`` are left alone. The
    no-break space is U+00A0 (not the narrow U+202F) because every mail client's fonts have it.
    """
    if language != "fr":
        return text
    return _SPACE_AFTER.sub("«" + NBSP, _SPACE_BEFORE.sub(NBSP, text))
