"""What a letter says, as data: built from the planned action, the legal claim, the customer,
the creditor and the policy — never from the text of an e-mail.

The facts hold figures (Money, dates, rates) and the words of single items
(:mod:`connector.letters.items`, with what the law adds in :mod:`connector.letters.charges`);
the step's template words the sentences from them (as ``letter`` in its context), and
:mod:`connector.letters.compose` puts both into a :class:`~connector.letters.Letter`.

Figures add up, per currency: the items less the credits are the action's totals (the
principal); the principal, the indemnities and the interest are the total due. The
interest is ``None`` when it could not be computed (no published rate for a period): the
letter then says it runs, without a figure. A consumer is claimed no indemnity and no
penalty; the interest at the legal rate starts with the notice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from connector.formats import Salutation, attention, salutation
from connector.legal.claim import LegalClaim
from connector.letters.charges import Charges, Sum, charges, consumer_rate, sums, without_figures
from connector.letters.items import Item, ItemType, credit_items, items, one_line
from connector.letters.words import Figures, territory
from connector.model import Contact, Creditor, Customer, LegalKind, Promise, StepKind
from connector.money import Money, Totals
from connector.planner import ClaimLine, PlannedAction
from connector.policy import Policy

__all__ = ["LetterFacts", "Recipient", "letter_facts"]

LINK_SCHEMES = ("https://", "http://")


@dataclass(frozen=True, slots=True)
class Recipient:
    name: str  # the company, or the person for a consumer
    attention: str  # « Madame Claire Durand », the contact a company's letter is for
    titled: bool  # the attention line names a person by title (else it may be a service)
    consumer: bool
    lines: tuple[str, ...]
    locality: str  # « 69002 Lyon »
    country: str  # the country's name when it is not the creditor's, else ""


@dataclass(frozen=True, slots=True)
class LetterFacts:
    language: str
    step: StepKind
    registered: bool
    consumer: bool
    day: date
    reference: str
    city: str
    creditor: Creditor
    recipient: Recipient
    salutation: Salutation
    items: tuple[Item, ...]
    credits: tuple[Item, ...]
    later: tuple[Item, ...]  # not yet due: shown for the record, not claimed
    balance: Totals  # items less credits, per currency
    charges: tuple[Charges, ...]
    interest_known: bool
    day_count: str
    consumer_rate: Decimal | None  # the legal rate a consumer's interest runs at
    sums: tuple[Sum, ...]
    indemnity_each: Money | None  # the indemnity per invoice, when it is the same for all
    reminders: tuple[date, ...]
    promises: tuple[Promise, ...]
    plans: tuple[date, ...]  # agreement dates of the plans whose instalments are claimed
    deadline_days: int
    links: tuple[tuple[str, str], ...]  # (item label, https URL) to pay online
    fmt: Figures  # figures as the language writes them: ``letter.fmt.money(…)``
    tracking_number: str | None = None
    # a payment received after a due date was imputed on interest first (Code civil 1343-1):
    # the letter says so, and its periods show the principal each ran on
    payments_imputed: bool = False

    @property
    def invoices(self) -> int:
        """How many distinct invoices the letter claims (a split invoice counts once)."""
        return len({i.invoice_key for i in self.items if i.invoice_key})

    @property
    def instalments(self) -> int:
        return sum(1 for i in self.items if i.type in (ItemType.TERM, ItemType.PLAN))

    def total(self, currency: str) -> Money:
        return next(s.total for s in self.sums if s.currency == currency)

    def indemnities(self, currency: str) -> int:
        """How many late payments the indemnities in ``currency`` are for."""
        return sum(
            c.indemnities
            for c in self.charges
            if c.indemnity is not None and c.indemnity.currency == currency
        )

    @property
    def has_indemnity(self) -> bool:
        return any(c.indemnity is not None for c in self.charges)

    @property
    def indemnity_units(self) -> str:
        """What one indemnity is for: ``invoice`` (an invoice, or one a plan is for), ``term``
        (an instalment of an invoice whose terms split it), or ``mixed``."""
        kinds = {c.type is ItemType.TERM for c in self.charges if c.indemnity is not None}
        return "mixed" if len(kinds) > 1 else "term" if kinds == {True} else "invoice"


def _contact(customer: Customer) -> Contact | None:
    """The person the letter is for: the primary billing contact, else the first one."""
    people = sorted(customer.contacts, key=lambda c: (not c.primary, c.role != "billing"))
    return people[0] if people else None


def _recipient(customer: Customer, creditor: Creditor, language: str) -> Recipient:
    contact = _contact(customer)
    consumer = customer.legal_kind is LegalKind.B2C
    titled = contact is not None and contact.civility is not None
    address = customer.address or next((c.address for c in customer.contacts if c.address), None)
    lines: tuple[str, ...] = ()
    locality = country = ""
    if address is not None:
        lines = tuple(one_line(line) for line in address.lines if line.strip())
        locality = one_line(f"{address.postal_code} {address.city}")
        if address.country != creditor.country:
            country = territory(address.country, language)
    if consumer:  # the person is the addressee: « Monsieur Paul Girard »
        person = attention(contact, "", language) if titled else ""
        name = person or one_line(customer.name)
        return Recipient(name, "", titled, consumer, lines, locality, country)
    person = attention(contact, customer.name, language)
    return Recipient(one_line(customer.name), person, titled, consumer, lines, locality, country)


def _links(lines: Sequence[ClaimLine], items: Sequence[Item]) -> tuple[tuple[str, str], ...]:
    """The payment pages of the items, each once; only web addresses are printed."""
    seen: set[str] = set()
    links = []
    for line, item in zip(lines, items, strict=True):
        url = one_line(line.payment_url or "")
        if url.lower().startswith(LINK_SCHEMES) and url not in seen:
            seen.add(url)
            links.append((item.label, url))
    return tuple(links)


def letter_facts(
    action: PlannedAction,
    *,
    customer: Customer,
    creditor: Creditor,
    policy: Policy,
    language: str,
    legal: LegalClaim | None = None,
    promises: Sequence[Promise] = (),
    reminders: Sequence[date] = (),
    tracking_number: str | None = None,
) -> LetterFacts:
    """The facts of the letter ``action`` sends (any step a debtor reads: a reminder sent by
    post as well as the formal notice). ``reminders`` are the dates reminders were really
    sent to this customer; ``legal`` the notice's indemnity and interest."""
    consumer = customer.legal_kind is LegalKind.B2C
    lines = items(action.lines, language)
    # not yet due: another invoice's courtesy mention rides along a reminder, never a notice;
    # a claimed invoice's instalments still to come are shown with it, for the record
    notice = action.kind is StepKind.NOTICE
    upcoming = (*(() if notice else action.upcoming), *action.later)
    claimed: tuple[Charges, ...] = ()
    interest_known = False
    if notice:
        legal = legal or without_figures(action)
        claimed, interest_known = charges(lines, legal, consumer, language)
    each = {
        Money(c.indemnity.amount / c.indemnities, c.indemnity.currency)
        for c in claimed
        if c.indemnity is not None
    }
    return LetterFacts(
        language=language,
        step=action.kind,
        registered=notice,
        consumer=consumer,
        day=action.planned_on,
        reference=f"{one_line(customer.ref.external_id)}-{action.planned_on:%Y%m%d}",
        city=one_line(creditor.address.city) if creditor.address else "",
        creditor=creditor,
        recipient=_recipient(customer, creditor, language),
        salutation=_salutation(customer, language),
        items=lines,
        credits=credit_items(action.credits, language),
        later=items(upcoming, language),
        balance=action.totals,
        charges=claimed,
        interest_known=interest_known,
        day_count=legal.day_count if legal is not None else "actual/365",
        consumer_rate=consumer_rate(legal) if consumer else None,
        sums=sums(action.totals, claimed, interest_known),
        indemnity_each=next(iter(each)) if len(each) == 1 else None,
        reminders=tuple(sorted(set(reminders))),
        promises=tuple(promises),
        plans=tuple(
            sorted({i.issued_on for i in lines if i.type is ItemType.PLAN and i.issued_on})
        ),
        deadline_days=policy.notice_deadline_days,
        links=_links(action.lines, lines),
        fmt=Figures(language),
        tracking_number=tracking_number,
        payments_imputed=bool(claimed) and _imputed(legal),
    )


def _imputed(legal: LegalClaim | None) -> bool:
    return legal is not None and any(
        i.on > c.due_on and (i.interest.is_positive or i.indemnity.is_positive)
        for c in legal.invoices
        for i in c.imputations
    )


def _salutation(customer: Customer, language: str) -> Salutation:
    contact = _contact(customer)
    if contact is None:
        return salutation(None, "", language)
    return salutation(contact.civility, one_line(contact.family_name), language)
