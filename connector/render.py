"""From a planned action to the words a customer (or a colleague) reads.

Each step has one template per language in ``templates/<lang>/<step>.j2``; it sets
``subject``, ``intro`` and ``outro``. The layouts (text and HTML) put around them the
greeting, the table of invoices, what is deducted, how to pay and the signature, so that
every message lists the same facts the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from babel.dates import format_date
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from connector.letters import Letter, compose, letter_facts
from connector.model import Channel, Creditor, Customer, LegalKind, PostalAddress, Promise, StepKind
from connector.money import Money, Totals
from connector.planner import PlannedAction
from connector.policy import Policy

__all__ = ["LANGUAGES", "RenderedMessage", "render"]

LANGUAGES = ("fr", "en")
_LOCALES = {"fr": "fr_FR", "en": "en_GB"}
INDEMNITY_EUR = Decimal(40)  # Code de commerce D441-5, per late invoice, B2B only


@dataclass(frozen=True, slots=True)
class RenderedMessage:
    action_key: str
    step: str
    kind: StepKind
    channel: Channel
    language: str
    subject: str
    text: str
    html: str
    to: tuple[str, ...] = ()
    cc: tuple[str, ...] = ()
    recipient_name: str = ""
    recipient_id: str = ""
    postal_address: PostalAddress | None = None
    sender_name: str = ""
    sender_address: str = ""
    reply_to: str = ""
    phones: tuple[str, ...] = ()
    attachments: tuple[tuple[str, bytes, str], ...] = field(default=())  # name, data, mime
    letter: Letter | None = None  # the same message as a letter on paper (a debtor's steps)


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("connector", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html",), default=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    return env


_ENV = _environment()


def _language(customer: Customer, action: PlannedAction, creditor: Creditor) -> str:
    if action.channel is Channel.PHONE_TASK:  # a to-do for the creditor's own staff
        return "fr" if creditor.country == "FR" else "en"
    return customer.language if customer.language in LANGUAGES else "en"


def _paragraphs(text: str) -> Markup:
    blocks = [b.strip() for b in str(text).strip().split("\n\n") if b.strip()]
    paragraphs = (Markup("<br>").join(escape(part) for part in b.split("\n")) for b in blocks)
    return Markup("\n").join(Markup("<p>{}</p>").format(p) for p in paragraphs)


def _day(day: date, fmt: str, language: str) -> str:
    text = str(format_date(day, fmt, locale=_LOCALES[language]))
    if language == "fr" and fmt == "long" and day.day == 1:
        return "1er" + text[1:]  # « le 1er avril », as French is written
    return text


def _context(
    action: PlannedAction,
    customer: Customer,
    creditor: Creditor,
    policy: Policy,
    language: str,
    legal: Any,
    promises: Sequence[Promise],
) -> dict[str, Any]:
    locale = _LOCALES[language]
    b2b = customer.legal_kind is LegalKind.B2B
    late = [line for line in action.lines if line.days_late > 0]
    indemnity = Totals()
    if b2b and legal is None:
        for _ in (line for line in late if line.open.currency == "EUR"):
            indemnity.add(Money(INDEMNITY_EUR, "EUR"))
    deadline = action.planned_on + timedelta(days=policy.notice_deadline_days)
    return {
        "action": action,
        "customer": customer,
        "creditor": creditor,
        "policy": policy,
        "lines": action.lines,
        "upcoming": action.upcoming,
        "credits": action.credits,
        "totals": action.totals,
        "b2b": b2b,
        "legal": legal,
        "promises": list(promises),
        "indemnity": indemnity if legal is None else legal.indemnity_total,
        "late_count": len(late),
        "deadline": deadline,
        "today": action.planned_on,
        "contacts": customer.email_contacts or customer.contacts,
        "phones": [c for c in customer.contacts if c.phone],
        "language": language,
        "money": lambda m: m.format(locale),
        "day": lambda d, fmt="long": _day(d, fmt, language),
    }


def render(
    action: PlannedAction,
    *,
    customer: Customer,
    creditor: Creditor,
    policy: Policy,
    legal: Any = None,
    promises: Sequence[Promise] = (),
    reminders: Sequence[date] = (),
) -> RenderedMessage:
    """The message for ``action`` in the customer's language (English when unsupported)."""
    language = _language(customer, action, creditor)
    context = _context(action, customer, creditor, policy, language, legal, promises)
    facts = None
    if action.kind not in (StepKind.CALL, StepKind.ESCALATION):  # what a debtor reads
        facts = letter_facts(
            action,
            customer=customer,
            creditor=creditor,
            policy=policy,
            language=language,
            legal=legal,
            promises=promises,
            reminders=reminders,
        )
    context["letter"] = facts
    module = _ENV.get_template(f"{language}/{action.template}.j2").make_module(context)
    exported = vars(module)  # what the step template set: subject, intro, outro
    parts = {name: str(exported[name]).strip() for name in ("subject", "intro", "outro")}
    text = _ENV.get_template(f"{language}/layout.txt.j2").render(**context, **parts)
    html = _ENV.get_template("layout.html.j2").render(
        **context,
        subject=parts["subject"],
        intro=_paragraphs(parts["intro"]),
        outro=_paragraphs(parts["outro"]),
    )
    return RenderedMessage(
        action_key=action.key,
        step=action.step,
        kind=action.kind,
        channel=action.channel,
        language=language,
        subject=parts["subject"],
        text=text,
        html=html,
        to=tuple(c.email for c in customer.email_contacts[:1] if c.email),
        cc=tuple(c.email for c in customer.email_contacts[1:] if c.email),
        recipient_name=customer.name,
        recipient_id=customer.ref.external_id,
        postal_address=customer.address
        or next((c.address for c in customer.contacts if c.address), None),
        sender_name=creditor.name,
        sender_address=creditor.email,
        reply_to=creditor.reply_to or creditor.email,
        phones=tuple(c.phone for c in customer.contacts if c.phone),
        letter=None if facts is None else compose(facts, exported),
    )
