"""Country as QuickBooks writes it in an address, to an ISO 3166 alpha-2 code.

Intuit's address type says countries "should be passed as 3 ISO alpha-3 characters or the
full name of the country" (Invoice reference, ``BillAddr.Country``), and since 31 October 2025
company addresses come back as alpha-3 codes whatever was written ("United States" reads
"USA"; blogs.intuit.com 2025-08-13). So a customer's country may be ``FRA``, ``GBR``,
``France``, ``United Kingdom``, ``Deutschland`` or a two-letter code someone typed. The codes
and names come from CLDR (through Babel, a dependency already): every alpha-3 code CLDR maps
to one territory, and every territory's name in the languages relance's users write in.
"""

from __future__ import annotations

import functools
import re
import unicodedata

from babel import Locale
from babel.core import get_global

__all__ = ["country_code"]

_LANGUAGES = ("en", "fr", "de", "es", "it", "nl", "pt")
# spellings CLDR does not list, seen in QuickBooks companies
_USUAL = {
    "usa": "US",
    "u s a": "US",
    "u s": "US",
    "united states of america": "US",
    "uk": "GB",
    "u k": "GB",
    "great britain": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "northern ireland": "GB",
}


def _key(text: str) -> str:
    """Case, accents, dots and extra spaces do not matter: "Côte d'Ivoire" = "cote d ivoire"."""
    plain = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in plain if not unicodedata.combining(c)).casefold()
    return " ".join(re.sub(r"[^\w]+", " ", plain).split())


@functools.cache
def _table() -> dict[str, str]:
    english = Locale("en").territories
    alpha2 = {
        code
        for code in english
        if isinstance(code, str) and len(code) == 2 and code.isalpha() and code != "ZZ"
    }
    table: dict[str, str] = {}
    for language in reversed(_LANGUAGES):  # English last: its names win a clash
        for code, name in Locale(language).territories.items():
            if code in alpha2:
                table[_key(name)] = code
    for alias, targets in get_global("territory_aliases").items():
        if len(alias) == 3 and alias.isalpha() and len(targets) == 1 and targets[0] in alpha2:
            table[_key(alias)] = str(targets[0])
    table.update({_key(code): code for code in alpha2})
    table.update(_USUAL)
    return table


def country_code(raw: str | None, default: str) -> str:
    """The alpha-2 code of the country ``raw`` names, or ``default`` when it names none."""
    if not raw or not raw.strip():
        return default
    return _table().get(_key(raw), default)
