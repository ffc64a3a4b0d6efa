"""The words of the collection file, from ``templates/dossier/<language>.j2``.

The template holds every label (``labels``) and every sentence with a value in it (one
macro each); this module only looks them up and formats the values through
:mod:`connector.formats`, so no wording is assembled in Python. The file is written in
the creditor's language (French for a French creditor, whose court reads French).
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

from connector import formats
from connector.model import Creditor
from connector.money import Money

__all__ = ["Wording", "language_for"]

_ENV = Environment(
    loader=PackageLoader("connector", "templates"),
    autoescape=False,  # noqa: S701 - plain text for PDF sheets and CSV cells, never HTML
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
_SPACES = re.compile(r"[ \t\r\n]+")  # ASCII only: the no-break spaces French needs stay


def language_for(creditor: Creditor) -> str:
    """French for a French creditor, English otherwise."""
    return "fr" if creditor.country == "FR" else "en"


class Wording:
    """``words["decompte"]`` for a label, ``words.say("period", …)`` for a sentence."""

    def __init__(self, language: str) -> None:
        self.language = language if language in formats.LOCALES else "en"
        lang = self.language
        helpers: dict[str, Any] = {
            "money": lambda value: formats.money(value, lang),
            "date": lambda day: formats.short_date(day, lang),
            "long_date": lambda day: formats.long_date(day, lang),
            "percent": lambda rate: formats.percent(rate, lang),
            "count": lambda n, one, many: formats.count(n, one, many, lang),
        }
        self._module = _ENV.get_template(f"dossier/{lang}.j2").make_module(helpers)
        self._labels: dict[str, Any] = vars(self._module)["labels"]

    def __getitem__(self, key: str) -> str:
        return str(self._labels[key])

    def event(self, kind: str) -> str:
        """An audit event's name; an unknown kind (a newer relance) is shown as recorded."""
        return str(self._labels["events"].get(kind, kind))

    def say(self, name: str, *args: Any) -> str:
        """The sentence ``name`` of the template with ``args`` in it, on one line."""
        return _SPACES.sub(" ", str(getattr(self._module, name)(*args))).strip()

    # formatting for table cells, the same as the sentences use
    def money(self, value: Money) -> str:
        return formats.money(value, self.language)

    def date(self, day: dt.date | None) -> str:
        return "" if day is None else formats.short_date(day, self.language)

    def long_date(self, day: dt.date) -> str:
        return formats.long_date(day, self.language)

    def percent(self, rate: Decimal) -> str:
        return formats.percent(rate, self.language)
