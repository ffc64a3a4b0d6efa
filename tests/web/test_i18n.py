"""Every text of the web app has its French, and the language is the person's choice, else
the browser's."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import connector.web
from connector.model import Channel
from connector.policy import default_policy
from connector.store import ActionStatus, EventType
from connector.web.i18n import catalog, gettext, in_language, language_of
from connector.web.labels import CHANNELS, EVENTS, ROLES, STATUSES, STEPS

WEB = Path(connector.web.__file__).parent
_CALL = re.compile(r"""\b_\(\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')""")


def _template_texts() -> set[str]:
    found: set[str] = set()
    for path in (WEB / "templates").rglob("*.html"):
        for double, single in _CALL.findall(path.read_text()):
            found.add(double or single)
    return found


def _python_texts() -> set[str]:
    found: set[str] = set()
    for path in WEB.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in ("_", "gettext")
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                found.add(node.args[0].value)
    return found


def test_every_text_of_the_pages_has_its_french() -> None:
    labels = (EVENTS, ROLES, STATUSES, CHANNELS, STEPS)
    texts = _template_texts() | _python_texts() | {t for words in labels for t in words.values()}
    assert len(texts) > 40
    french = catalog("fr")
    missing = sorted(t for t in texts if t not in french)
    assert not missing, f"add to connector/web/locale/fr.po: {missing}"


def test_every_event_status_channel_and_default_step_has_words() -> None:
    """What the store records is shown in words, never as its stored name: a new event type,
    status, channel or default step without a label fails here."""
    assert not [e for e in EventType if e not in EVENTS]
    assert not [s for s in ActionStatus if s not in STATUSES]
    assert not [c for c in Channel if c not in CHANNELS]
    assert not [s.name for s in default_policy().steps if s.name not in STEPS]


def test_the_french_follows_the_house_typography() -> None:
    for english, french in catalog("fr").items():
        if not isinstance(french, str):
            continue
        assert "'" not in french, f"{english!r}: use ’ not '"
        for sign in (":", "?", "!", ";", "»"):
            assert f" {sign}" not in french, f"{english!r}: a no-break space before {sign}"
        assert "« " not in french, f"{english!r}: a no-break space after «"


def test_the_persons_choice_then_the_browsers_language() -> None:
    assert language_of("fr-FR,fr;q=0.9,en;q=0.8", None) == "fr"
    assert language_of("de-DE,de;q=0.9,en;q=0.5,fr;q=0.4", None) == "en"
    assert language_of("de-DE, fr;q=0.7", None) == "fr"
    assert language_of("fr-FR", "en") == "en"
    assert language_of(None, None) == "en"
    assert language_of("xx;q=nonsense", None) == "en"
    with in_language("fr"):
        assert gettext("Today") == "Aujourd’hui"
    with in_language("en"):
        assert gettext("Today") == "Today"
