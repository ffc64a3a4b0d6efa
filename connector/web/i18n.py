"""The web app in French and English: the person's choice, else the browser's language.

Templates and pages are written in English and call ``_("…")``; French comes from
``locale/fr.po`` (msgid → msgstr, read with babel when the app starts: no compile step). A
message missing from the catalog shows in English, and ``tests/web/test_i18n.py`` fails on
any page text that has no French.

The language of the request being rendered is a context variable, so one Jinja environment
serves every request and thread.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from importlib.resources import files
from typing import Any

from babel.messages.pofile import read_po

__all__ = [
    "LANGUAGES",
    "catalog",
    "gettext",
    "in_language",
    "language_of",
    "ngettext",
]

LANGUAGES = ("fr", "en")
_current: ContextVar[str] = ContextVar("relance_web_language", default="en")


@cache
def catalog(language: str) -> Mapping[Any, Any]:
    """msgid → msgstr (a plural's msgid is the (singular, plural) pair → list of forms)."""
    if language == "en":
        return {}
    path = files("connector.web") / "locale" / f"{language}.po"
    with path.open("rb") as handle:
        po = read_po(handle)
    found: dict[Any, Any] = {}
    for message in po:
        if not message.id or not message.string or message.fuzzy:
            continue
        key = tuple(message.id) if isinstance(message.id, (tuple, list)) else message.id
        found[key] = message.string
    return found


@contextmanager
def in_language(language: str) -> Iterator[None]:
    token = _current.set(language if language in LANGUAGES else "en")
    try:
        yield
    finally:
        _current.reset(token)


def current_language() -> str:
    return _current.get()


def gettext(message: str, **values: Any) -> str:
    text = str(catalog(_current.get()).get(message) or message)
    return text % values if values else text


def ngettext(singular: str, plural: str, n: int, **values: Any) -> str:
    language = _current.get()
    forms = catalog(language).get((singular, plural))
    if forms:
        # French: 0 and 1 take the singular; English: only 1
        text = forms[0] if (n <= 1 if language == "fr" else n == 1) else forms[1]
    else:
        text = singular if n == 1 else plural
    return str(text % {"num": n, **values})


def language_of(accept_language: str | None, chosen: str | None) -> str:
    """The person's choice if any, else the first of the browser's languages relance
    speaks (Accept-Language, by its q-values), else English."""
    if chosen in LANGUAGES:
        return chosen
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        ranked.append((-quality, position, tag.strip().lower()[:2]))
    for _quality, _position, primary in sorted(ranked):
        if primary in LANGUAGES:
            return primary
    return "en"
