"""From a planned action to the words a customer (or a colleague) reads.

Each step has one template per language in ``templates/<lang>/<step>.j2``; it sets
``subject``, ``intro`` and ``outro`` as plain text. The layouts of the language
(``layout.txt.j2`` and ``layout.html.j2``) put around them the greeting, the table of what
is owed and deducted, how to pay and the signature, so that every message lists the same
facts the same way. The house style they follow is ``docs/writing.md``.

Safety contract: the HTML part is rendered by an environment that escapes every value
(``autoescape=True`` whatever the template's name), the step texts enter it escaped,
paragraph by paragraph, and a link is printed only for an ``http(s)`` URL (``safe_url``);
anything else (``javascript:``, ``data:``, a bare word) is left out. The text part prints
values as they are. French text gets its no-break spaces (``formats.typography``) once,
after rendering.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup, escape

from connector import formats
from connector.calendar import BusinessCalendar
from connector.letters import Letter, compose, letter_facts
from connector.model import (
    Channel,
    Contact,
    Creditor,
    Customer,
    LegalKind,
    PostalAddress,
    Promise,
    StepKind,
)
from connector.money import Money, Totals
from connector.planner import PlannedAction
from connector.policy import Policy

__all__ = [
    "LANGUAGES",
    "RenderedMessage",
    "paragraphs_html",
    "reminder_days",
    "render",
    "render_environment",
    "safe_url",
]

LANGUAGES = ("fr", "en")
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


def safe_url(value: object) -> str | None:
    """``value`` when it is an absolute ``http``/``https`` URL with a host, else ``None``.

    Control characters and spaces are refused too: a link a mail client would read
    differently from the text shown is no link."""
    if not isinstance(value, str) or not value:
        return None
    if any(ord(c) <= 32 or ord(c) == 127 for c in value):
        return None
    try:
        parts = urlsplit(value)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return value


def _environment(*, html: bool) -> Environment:
    env = Environment(
        loader=PackageLoader("connector", "templates"),
        # the HTML environment escapes every template it reads, whatever its name; the text
        # one writes plain text, where an escaped "&amp;" would be a mistake
        autoescape=html,  # noqa: S701
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["safe_url"] = safe_url
    env.tests["link"] = lambda value: safe_url(value) is not None
    return env


_TEXT = _environment(html=False)
_HTML = _environment(html=True)
render_environment = _environment  # a person's edit is laid out with the same (connector.edits)


def _language(customer: Customer, action: PlannedAction, creditor: Creditor) -> str:
    if action.channel is Channel.PHONE_TASK:  # a to-do for the creditor's own staff
        return "fr" if creditor.country == "FR" else "en"
    return customer.language if customer.language in LANGUAGES else "en"


_ONE_LINE = re.compile(r"[ \t]*[\r\n]+[ \t]*")
_BLANK_LINES = re.compile(r"\n[ \t]*\n(?:[ \t]*\n)+")


def _tidy(text: str, language: str) -> str:
    """One blank line at most between paragraphs, and the language's typography."""
    return formats.typography(_BLANK_LINES.sub("\n\n", text), language)


def _paragraphs(text: str) -> Markup:
    blocks = [b.strip() for b in str(text).strip().split("\n\n") if b.strip()]
    paragraphs = (Markup("<br>").join(escape(part) for part in b.split("\n")) for b in blocks)
    return Markup("\n").join(Markup("<p>{}</p>").format(p) for p in paragraphs)


paragraphs_html = _paragraphs


def reminder_days(action: PlannedAction, done: Iterable[PlannedAction]) -> tuple[date, ...]:
    """The days of the reminders carried out before ``action`` that covered one of its items,
    oldest first: what « malgré notre relance du … » may truthfully refer to.

    ``done`` is what was really sent to this customer (the outbox's sent actions)."""
    keys = {line.key for line in action.lines}
    return tuple(
        sorted(
            {
                earlier.planned_on
                for earlier in done
                if earlier.kind is StepKind.REMINDER
                and earlier.planned_on < action.planned_on
                and keys.intersection(line.key for line in earlier.lines)
            }
        )
    )


def _addressed(customer: Customer) -> Contact | None:
    """The person the message is written to: the first e-mail recipient, else the primary."""
    if customer.email_contacts:
        return customer.email_contacts[0]
    return next((c for c in customer.contacts if c.primary), None) or next(
        iter(customer.contacts), None
    )


def _calendar(policy: Policy, creditor: Creditor) -> BusinessCalendar:
    return BusinessCalendar.for_window(policy.send_window, creditor.country)


def _next_kind(action: PlannedAction, policy: Policy) -> StepKind | None:
    names = [s.name for s in policy.steps]
    if action.step not in names:
        return None
    later = policy.steps[names.index(action.step) + 1 :]
    return next((s.kind for s in later if s.kind is not StepKind.CALL), None)


def _context(
    action: PlannedAction,
    customer: Customer,
    creditor: Creditor,
    policy: Policy,
    language: str,
    legal: Any,
    promises: Sequence[Promise],
    reminders: Sequence[date],
) -> dict[str, Any]:
    b2b = customer.legal_kind is LegalKind.B2B
    late = [line for line in action.lines if line.days_late > 0]
    indemnity = Totals()
    if b2b and legal is None:
        for _ in (line for line in late if line.open.currency == "EUR"):
            indemnity.add(Money(INDEMNITY_EUR, "EUR"))
    calendar = _calendar(policy, creditor)

    def deadline_after(days: int) -> date:
        """A deadline printed as a date: ``days`` after today, on a business day."""
        return calendar.on_or_after(action.planned_on + timedelta(days=days))

    contact = _addressed(customer)
    known = contact.civility if contact is not None else None
    family = contact.family_name if contact is not None else ""
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
        # the Code de commerce's penalties and 40 EUR indemnity are cited only for a creditor
        # under French law: a British or American creditor's reminders cite no French article
        "french_law": creditor.country == "FR",
        "legal": legal,
        "promises": list(promises),
        "indemnity": indemnity if legal is None else legal.indemnity_total,
        "late": late,
        "late_count": len(late),
        "deadline": deadline_after(policy.notice_deadline_days),
        "deadline_after": deadline_after,
        "today": action.planned_on,
        "contacts": customer.email_contacts or customer.contacts,
        "contact": contact,
        "attention": formats.attention(contact, customer.name, language),
        "salutation": formats.salutation(known, family, language),
        "phones": [c for c in customer.contacts if c.phone],
        "reminders_sent": len(reminders),
        "last_reminder_on": reminders[-1] if reminders else None,
        "next_kind": None if (nxt := _next_kind(action, policy)) is None else nxt.value,
        "language": language,
        "nbsp": NBSP,  # French punctuation in a layout's own words (docs/writing.md §7)
        **_format_functions(language),
    }


NBSP, NNBSP = "\u00a0", "\u202f"


def _format_functions(language: str) -> dict[str, Callable[..., str]]:
    """The house formats, as a mail client shows them: the thousands separator is the plain
    no-break space (the narrow one, U+202F, is drawn as almost nothing by common mail fonts,
    « 10093,02 € »), and a long date never breaks between the day and the month."""
    return {
        "money": lambda m: formats.money(m, language).replace(NNBSP, NBSP),
        "day": lambda d, fmt="long": (
            formats.short_date(d, language)
            if fmt == "short"
            else formats.long_date(d, language).replace(" ", NBSP, 1)
        ),
        "count": lambda n, singular, plural: formats.count(n, singular, plural, language),
        "period": lambda days: formats.period(days, language),
        "percent": lambda rate: formats.percent(rate, language),
        "place_and_date": lambda city, d: formats.place_and_date(city, d, language),
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
    """The message for ``action`` in the customer's language (English when unsupported).

    ``reminders`` are the days earlier reminders covering these invoices were sent
    (:func:`reminder_days`): « malgré nos relances » is written only after two of them."""
    language = _language(customer, action, creditor)
    context = _context(
        action, customer, creditor, policy, language, legal, promises, sorted(reminders)
    )
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
    module = _TEXT.get_template(f"{language}/{action.template}.j2").make_module(context)
    exported = vars(module)  # what the step template set: subject, intro, outro
    parts = {
        name: _tidy(str(exported[name]).strip(), language) for name in ("subject", "intro", "outro")
    }
    parts["subject"] = _ONE_LINE.sub(" ", parts["subject"])  # a header: no line break
    text = _TEXT.get_template(f"{language}/layout.txt.j2").render(**context, **parts)
    html = _HTML.get_template(f"{language}/layout.html.j2").render(
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
        text=_tidy(text, language),
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
