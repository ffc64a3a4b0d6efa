"""Every value from a platform is escaped in the HTML part, and only http(s) links are links.

The platform's data is not ours: an invoice number or a customer name typed in Odoo or
Pennylane reaches a mail sent under the creditor's name. These tests put ``<>"'&`` and
``javascript:`` into every field a template prints and read the HTML back with a parser.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from html.parser import HTMLParser

import pytest

from connector.model import Civility, Contact, Creditor, Customer, LegalKind, PostalAddress
from connector.planner import PlannedAction
from connector.render import RenderedMessage, render, safe_url

from .scenarios import CREDITOR, EMAIL_STEPS, POLICY, YEARS, customer

EVIL = "<script>alert('x')</script>\"&<b>"
JS = "javascript:alert(1)"
# the tags and attributes the layouts write themselves; anything else came from a value
TAGS = {
    "html", "head", "meta", "title", "body", "div", "p", "br", "strong", "span", "table",
    "thead", "tbody", "tfoot", "tr", "th", "td", "ul", "li", "a", "img",
}  # fmt: skip
ATTRIBUTES = {"lang", "charset", "name", "content", "style", "colspan", "href", "src", "alt"}


def hostile_customer(kind: LegalKind, language: str) -> Customer:
    address = PostalAddress(lines=(f"1 rue {EVIL}",), postal_code=EVIL, city=EVIL)
    return customer(kind, language).model_copy(
        update={
            "name": f"Client {EVIL}",
            "address": address,
            "contacts": (
                Contact(
                    name=f"Claire {EVIL}",
                    family_name=EVIL,
                    civility=Civility.MADAME,
                    email="c@example.fr",
                    phone=EVIL,
                    address=address,
                    primary=True,
                ),
            ),
        }
    )


HOSTILE_CREDITOR = Creditor(
    name=f"Lumen {EVIL}",
    legal_form=EVIL,
    registration_id=EVIL,
    email=f"{EVIL}@x.fr",
    reply_to=f"{EVIL}@x.fr",
    phone=EVIL,
    iban=EVIL,
    bic=EVIL,
    website=JS,
    signatory=EVIL,
    logo_url=JS,
    address=PostalAddress(lines=(EVIL,), postal_code=EVIL, city=EVIL),
)


def hostile_action(step: str, kind: LegalKind, url: str = JS) -> PlannedAction:
    action = YEARS[kind][step].action
    lines = tuple(
        replace(line, number=f"F-{EVIL}", document_url=url, payment_url=url)
        for line in (*action.lines, *action.upcoming)
    )
    credits = tuple(
        c if c.label == "payment" else replace(c, label=f"AV-{EVIL}") for c in action.credits
    )
    upcoming = lines[len(action.lines) :]
    return replace(action, lines=lines[: len(action.lines)], upcoming=upcoming, credits=credits)


def hostile(step: str, kind: LegalKind, language: str, url: str = JS) -> RenderedMessage:
    return render(
        hostile_action(step, kind, url),
        customer=hostile_customer(kind, language),
        creditor=HOSTILE_CREDITOR,
        policy=POLICY,
    )


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()
        self.attributes: set[str] = set()
        self.urls: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        for name, value in attrs:
            self.attributes.add(name)
            if name in ("href", "src"):
                self.urls.append(value or "")

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def read(html: str) -> _Reader:
    reader = _Reader()
    reader.feed(html)
    reader.close()
    return reader


@pytest.mark.parametrize("kind", [LegalKind.B2B, LegalKind.B2C], ids=lambda k: k.value)
@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("step", EMAIL_STEPS)
def test_every_platform_value_is_escaped_and_no_script_link_survives(
    step: str, language: str, kind: LegalKind
) -> None:
    html = hostile(step, kind, language).html
    page = read(html)
    assert page.tags <= TAGS, f"markup from a value: {page.tags - TAGS}"
    assert page.attributes <= ATTRIBUTES
    assert page.urls == [], f"a link to a non-http(s) URL: {page.urls}"
    assert "<script" not in html and "<b>" not in html
    assert "&lt;script&gt;" in html  # shown, as text
    visible = "".join(page.text)
    assert f"F-{EVIL}" in visible and f"Lumen {EVIL}" in visible
    if kind is LegalKind.B2B:  # the company and the person it is for head the message
        title = "Madame" if language == "fr" else "Ms"
        assert f"Client {EVIL}" in visible and f"{title} Claire {EVIL}" in visible


@pytest.mark.parametrize("step", EMAIL_STEPS)
def test_http_links_stay_links_and_are_escaped_inside_the_attribute(step: str) -> None:
    url = 'https://pay.example.fr/?a=1&b="><script>'
    page = read(hostile(step, LegalKind.B2B, "fr", url=url).html)
    assert page.urls and set(page.urls) == {url}  # the parser unescapes &amp; and &quot;


def test_the_text_part_prints_values_as_they_are_but_no_script_link() -> None:
    text = hostile("reminder_1", LegalKind.B2B, "fr").text
    assert f"F-{EVIL}" in text  # plain text: nothing is interpreted
    assert JS not in text  # a payment "link" that is not a web address is left out


@pytest.mark.parametrize(
    ("url", "kept"),
    [
        ("https://pay.example.fr/F-1?x=1", True),
        ("http://pay.example.fr/F-1", True),
        ("HTTPS://PAY.EXAMPLE.FR/", True),
        ("javascript:alert(1)", False),
        ("JavaScript:alert(1)", False),
        (" javascript:alert(1)", False),
        ("java\tscript:alert(1)", False),
        ("data:text/html,<script>alert(1)</script>", False),
        ("vbscript:msgbox", False),
        ("//evil.example/x", False),
        ("https:///no-host", False),
        ("https://exa mple.fr", False),
        ("pay.example.fr", False),
        ("", False),
        (None, False),
    ],
)
def test_only_absolute_http_urls_are_links(url: str | None, kept: bool) -> None:
    assert safe_url(url) == (url if kept else None)


def test_golden_hostile_email(golden: Callable[[str, str], None]) -> None:
    sent = hostile("reminder_2", LegalKind.B2B, "fr")
    golden("emails/hostile.reminder_2.fr.html", sent.html)
    golden("emails/hostile.reminder_2.fr.txt", sent.text)


def test_the_real_creditor_logo_is_shown_only_from_a_web_address() -> None:
    action = YEARS[LegalKind.B2B]["reminder_1"].action
    shown = CREDITOR.model_copy(update={"logo_url": "https://lumen.example.fr/logo.png"})
    hidden = CREDITOR.model_copy(update={"logo_url": "data:image/png;base64,AAAA"})
    who = customer(LegalKind.B2B, "fr")
    with_logo = render(action, customer=who, creditor=shown, policy=POLICY).html
    assert read(with_logo).urls[0] == "https://lumen.example.fr/logo.png"
    without = render(action, customer=who, creditor=hidden, policy=POLICY).html
    assert "<img" not in without
