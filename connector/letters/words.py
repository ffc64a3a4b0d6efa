"""The words of a letter's frame, from ``templates/<lang>/letter.j2``.

The template is rendered without autoescape (a PDF prints values as they are) and with the
formats of :mod:`connector.formats` in its context: ``money``, ``whole`` (« 10 000 € »),
``day`` (« 1er avril 2026 »), ``short`` (« 01/04/2026 »), ``percent``, ``count``
(« 3 factures ») and ``company_number`` (a SIREN or SIRET written in groups). :func:`frame`
gives its macros and variables as attributes of one module per language.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from typing import Any

from babel import Locale
from babel.numbers import format_currency
from jinja2 import Environment, PackageLoader, StrictUndefined

from connector import formats
from connector.money import Money

__all__ = ["Figures", "context", "environment", "frame", "territory"]


@cache
def environment() -> Environment:
    return Environment(
        loader=PackageLoader("connector", "templates"),
        autoescape=False,  # noqa: S701 - printed into a PDF, never read as HTML
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _company_number(value: str) -> dict[str, str]:
    """A French SIREN (9 digits) and SIRET (14) in their written groups; "" for each that
    ``value`` is not (a foreign company number, say)."""
    digits = "".join(value.split())
    if not digits.isdigit() or len(digits) not in (9, 14):
        return {"siren": "", "siret": ""}
    siren = f"{digits[:3]} {digits[3:6]} {digits[6:9]}"
    return {"siren": siren, "siret": f"{siren} {digits[9:]}" if len(digits) == 14 else ""}


@dataclass(frozen=True, slots=True)
class Figures:
    """How a letter writes figures in its language, for its templates (``letter.fmt`` in a
    step's template, the bare names in ``letter.j2``)."""

    language: str

    def money(self, value: Money) -> str:
        return formats.money(value, self.language)

    def whole(self, value: Money) -> str:
        """A round sum without its cents, as a share capital is written: ``10 000 €``."""
        if value.amount != value.amount.to_integral_value():
            return self.money(value)
        locale = Locale.parse(formats.LOCALES.get(self.language, formats.LOCALES["en"]))
        pattern = locale.currency_formats["standard"].pattern.replace(".00", "")
        return str(
            format_currency(
                value.amount, value.currency, format=pattern, currency_digits=False, locale=locale
            )
        )

    def day(self, value: date) -> str:
        return formats.long_date(value, self.language)

    def short(self, value: date) -> str:
        return formats.short_date(value, self.language)

    def percent(self, value: Decimal) -> str:
        return formats.percent(value, self.language)

    def number(self, value: Decimal | int) -> str:
        return formats.number(value, self.language)

    def count(self, n: int, singular: str, plural: str) -> str:
        return formats.count(n, singular, plural, self.language)

    def period(self, days: int) -> str:
        """« huit jours », "eight days"."""
        return formats.period(days, self.language)


def context(language: str) -> dict[str, Any]:
    """The names ``letter.j2`` writes figures with."""
    figures = Figures(language)
    return {
        "language": language,
        "money": figures.money,
        "whole": figures.whole,
        "day": figures.day,
        "short": figures.short,
        "percent": figures.percent,
        "count": figures.count,
        "company_number": _company_number,
    }


@cache
def frame(language: str) -> Any:
    """The macros and labels of ``templates/<language>/letter.j2``."""
    template = environment().get_template(f"{language}/letter.j2")
    return template.make_module(context(language))


def territory(code: str, language: str) -> str:
    """A country's name as written on the last line of an address: « ALLEMAGNE »."""
    locale = Locale.parse(formats.LOCALES.get(language, formats.LOCALES["en"]))
    return str(locale.territories.get(code, code)).upper()
