"""A reminder cites French law only for a creditor under it.

The Code de commerce's late-payment penalties and 40 EUR indemnity (L441-10, D441-5) bind a
French creditor's business customers; a British or American creditor (an Odoo company in
London, say) writing the same reminder would be citing a law that does not govern the sale.
"""

from __future__ import annotations

import pytest

from connector.model import LegalKind
from connector.render import render

from .scenarios import CREDITOR, POLICY, YEARS, customer

FRENCH_LAW = (
    "L441-10",
    "Code de commerce",
    "Commercial Code",
    "indemnité forfaitaire",
    "recovery indemnity",
    "Code civil",
    "Civil Code",
)


def _reminder(step: str, language: str, country: str) -> str:
    sent = YEARS[LegalKind.B2B][step]
    creditor = CREDITOR.model_copy(update={"country": country})
    message = render(
        sent.action,
        customer=customer(LegalKind.B2B, language),
        creditor=creditor,
        policy=POLICY,
        reminders=sent.reminders,
    )
    return message.text


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("step", ["reminder_1", "reminder_2"])
def test_a_french_creditor_cites_the_code_de_commerce(step: str, language: str) -> None:
    assert "L441-10" in _reminder(step, language, "FR")


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("step", ["reminder_1", "reminder_2"])
@pytest.mark.parametrize("country", ["GB", "US"])
def test_another_creditor_cites_no_french_law(step: str, language: str, country: str) -> None:
    text = _reminder(step, language, country)
    for mention in FRENCH_LAW:
        assert mention not in text, f"{mention!r} in a {country} creditor's {step}"
    if step == "reminder_2":  # the next step is still announced, in plain words
        assert ("mise en demeure" if language == "fr" else "formal notice") in text
