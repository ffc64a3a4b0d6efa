# Copyright 2026 relance contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""What the customer reads, written by relance's core: the same words, tables, formats and
letters as the daemon sends (``connector.render``, held to the house style of
``docs/writing.md`` and its golden tests), so Odoo users and everyone else get one wording.

The creditor who signs is the company: its name, address, company ID, VAT number, e-mail,
phone, website, logo and first bank account, plus the dunning settings of the company
(legal form, share capital, RCS city, signatory and title) that Odoo does not hold.
"""

import base64
import os
import tempfile
from contextlib import contextmanager
from decimal import Decimal

from connector.channels.letter import letter_pdf
from connector.errors import RelanceError
from connector.model import Channel, Creditor, PostalAddress, StepKind
from connector.money import Money
from connector.render import render


@contextmanager
def _logo_file(company):
    """The company's logo as a file for the letterhead, for the time of one rendering (none
    while the company still has Odoo's « Your logo » placeholder)."""
    if not company.logo or company.uses_default_logo:
        yield ""
        return
    raw = base64.b64decode(company.logo)
    suffix = ".png" if raw.startswith(b"\x89PNG") else ".jpg"
    if not raw.startswith((b"\x89PNG", b"\xff\xd8")):
        yield ""  # an SVG or another format the letter cannot print: no logo
        return
    handle, path = tempfile.mkstemp(prefix="relance-logo-", suffix=suffix)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(raw)
        yield path
    finally:
        os.unlink(path)


def creditor_of(company, logo=""):
    """The company as relance's ``Creditor``: the letterhead, the signature, how to pay."""
    partner = company.partner_id
    lines = tuple(x for x in (company.street, company.street2) if x)
    address = (
        PostalAddress(
            lines=lines,
            postal_code=company.zip or "",
            city=company.city or "",
            country=company.country_id.code or "FR",
        )
        if lines or company.city
        else None
    )
    bank = partner.bank_ids[:1]
    capital = company.relance_share_capital
    return Creditor(
        name=company.name,
        legal_form=company.relance_legal_form or "",
        share_capital=(
            Money(Decimal(str(capital)), company.currency_id.name).rounded() if capital else None
        ),
        registration_id=company.company_registry or "",
        rcs_city=company.relance_rcs_city or "",
        vat_id=company.vat or "",
        address=address,
        email=company.email or "",
        phone=company.phone or "",
        iban=(bank.acc_number or "").replace(" ", ""),
        bic=bank.bank_id.bic or "",
        website=company.website or "",
        signatory=company.relance_signatory or "",
        signatory_title=company.relance_signatory_title or "",
        logo=logo,
        country=company.country_id.code or "FR",
    )


def reminder_days(planned):
    """The days earlier written reminders about these invoices took effect: « malgré nos
    relances » is written only after two of them."""
    return tuple(
        sorted(
            {
                step.on
                for line in planned.lines
                for step in line.steps
                if step.kind is StepKind.REMINDER and step.took_effect
            }
        )
    )


def compose(company, planned, state, policy, claim):
    """``(values, pdf)``: the rendered e-mail (subject, HTML, text) for the action's record,
    and the letter as a PDF when the step goes by post (else ``None``)."""
    broken = set(planned.broken_promises)
    with _logo_file(company) as logo:
        creditor = creditor_of(company, logo)
        try:
            message = render(
                planned,
                customer=state.customer,
                creditor=creditor,
                policy=policy,
                legal=claim,
                promises=[p for p in state.promises if p.id in broken],
                reminders=reminder_days(planned),
            )
            by_post = planned.channel is Channel.LETTER and message.letter is not None
            pdf = letter_pdf(message, creditor) if by_post else None
        except RelanceError as exc:
            return {"error": exc.message}, None
    values = {
        "subject": message.subject,
        "body_html": message.html,
        "body_text": message.text,
        "language": message.language,
    }
    return values, pdf
