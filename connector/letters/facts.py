"""What a letter says, as data: built from the planned action, the legal claim, the customer,
the creditor and the policy — never from the text of an e-mail.

The facts hold figures (Money, dates, rates) and the words of single items (« Facture
F-0042 », « Échéancier du 15/10/2026, échéance 2/3 ») taken from the letter's template;
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
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import assert_never

from connector.formats import Salutation, attention, salutation
from connector.legal.claim import InterestPeriod, LegalClaim, assess
from connector.legal.notice import notice_debts
from connector.letters.words import Figures, frame, territory
from connector.model import Contact, Creditor, Customer, LegalKind, Promise, StepKind
from connector.money import Money, Totals
from connector.planner import ClaimLine, CreditLine, ItemKind, PlannedAction
from connector.policy import Policy

__all__ = [
    "Charges",
    "Item",
    "ItemType",
    "LetterFacts",
    "Recipient",
    "Sum",
    "letter_facts",
]

LINK_SCHEMES = ("https://", "http://")


class ItemType(StrEnum):
    INVOICE = "invoice"
    TERM = "term"  # one instalment of an invoice whose terms split it
    PLAN = "plan"  # one instalment of a payment plan
    CREDIT_NOTE = "credit_note"
    PAYMENT = "payment"  # a payment not applied to any invoice


@dataclass(frozen=True, slots=True)
class Item:
    """One line of the letter's statement; ``balance`` is what it adds to the total
    (negative for a credit note or an unapplied payment)."""

    type: ItemType
    number: str
    label: str
    balance: Money
    short: str = ""  # the label in the table of interest: « Échéance 1/3 »
    issued_on: date | None = None
    due_on: date | None = None
    amount: Money | None = None
    paid: Money | None = None
    days_late: int = 0
    late: str = ""  # « 31 jours »
    invoice_key: str = ""  # the invoice it is (part of)
    key: str = ""  # the dunning item (the action's line) it shows


@dataclass(frozen=True, slots=True)
class Charges:
    """What the law adds to one late invoice (or instalment): its periods of interest (empty
    when not computed) and its indemnity."""

    label: str
    due_on: date | None
    indemnity: Money | None
    interest: Money | None  # None: not computed
    periods: tuple[InterestPeriod, ...] = ()
    type: ItemType = ItemType.INVOICE
    indemnity_for: tuple[str, ...] = ()  # the invoices a plan instalment's indemnity is for

    @property
    def indemnities(self) -> int:
        """How many late payments its indemnity counts (a plan's: one per invoice)."""
        if self.indemnity is None:
            return 0
        return len(self.indemnity_for) if self.type is ItemType.PLAN else 1


@dataclass(frozen=True, slots=True)
class Sum:
    """The claim in one currency: ``total`` is ``principal + indemnity + interest``."""

    currency: str
    principal: Money
    indemnity: Money
    interest: Money | None
    total: Money


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


def _one_line(value: str) -> str:
    """A value from a platform on one line: its line breaks and tabs become single spaces."""
    return " ".join(value.split())


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
        lines = tuple(_one_line(line) for line in address.lines if line.strip())
        locality = _one_line(f"{address.postal_code} {address.city}")
        if address.country != creditor.country:
            country = territory(address.country, language)
    if consumer:  # the person is the addressee: « Monsieur Paul Girard »
        person = attention(contact, "", language) if titled else ""
        name = person or _one_line(customer.name)
        return Recipient(name, "", titled, consumer, lines, locality, country)
    person = attention(contact, customer.name, language)
    return Recipient(_one_line(customer.name), person, titled, consumer, lines, locality, country)


def _item_type(line: ClaimLine) -> ItemType:
    match line.kind:
        case ItemKind.INSTALMENT:
            return ItemType.PLAN
        case ItemKind.TERM:
            return ItemType.TERM
        case ItemKind.RECEIVABLE:
            return ItemType.INVOICE
    assert_never(line.kind)


def _items(lines: Sequence[ClaimLine], language: str) -> tuple[Item, ...]:
    words = frame(language)
    items = []
    for line in lines:
        kind = _item_type(line)
        paid = line.total - line.open if line.total.currency == line.open.currency else None
        label = words.item(
            kind.value,
            _one_line(line.number),
            line.issued_on,
            part=line.part,
            parts=line.parts,
            covers=tuple(_one_line(c.number) for c in line.covers),
        )
        items.append(
            Item(
                type=kind,
                number=_one_line(line.number),
                label=str(label).strip(),
                balance=line.open,
                short=str(
                    words.short_item(kind.value, _one_line(line.number), line.part, line.parts)
                ).strip(),
                issued_on=line.issued_on,
                due_on=line.due_on,
                amount=line.total,
                paid=paid if paid is not None and not paid.amount < 0 else None,
                days_late=line.days_late,
                late=str(words.late(line.days_late)).strip(),
                invoice_key=line.ref.key if line.ref is not None else "",
                key=line.key,
            )
        )
    return tuple(items)


def _credits(credits: Sequence[CreditLine], language: str) -> tuple[Item, ...]:
    words = frame(language)
    found = []
    for credit in credits:
        kind = ItemType.PAYMENT if credit.label == "payment" else ItemType.CREDIT_NOTE
        number = "" if kind is ItemType.PAYMENT else _one_line(credit.label)
        label = str(words.item(kind.value, number, credit.on)).strip()
        found.append(Item(kind, number, label, -credit.amount, issued_on=credit.on))
    return tuple(found)


def _without_figures(action: PlannedAction) -> LegalClaim:
    """A notice rendered without its claim still claims what needs no rate: the statutory
    indemnities (French law, the notice's own), the interest left without a figure."""
    claim = assess(
        notice_debts(action.lines), as_of=action.planned_on, jurisdiction="FR", interest=False
    )
    return replace(claim, interest_missing="the notice was rendered without its figures")


def _charges(
    items: Sequence[Item], legal: LegalClaim, consumer: bool, language: str
) -> tuple[tuple[Charges, ...], bool]:
    """What the law adds to each late payment, and whether the interest has figures."""
    known = not legal.interest_missing
    if consumer:  # no penalty, no indemnity: the legal rate runs from the notice
        return (), known
    by_key = {i.key: i for i in items}
    by_number = {(i.number, i.due_on): i for i in items}
    charges = []
    for claim in legal.invoices:
        interest = claim.interest if known else None
        fee = claim.indemnity if claim.indemnity.is_positive else None
        if fee is None and (interest is None or not interest.is_positive):
            continue
        item = by_key.get(claim.key) or by_number.get((claim.number, claim.due_on))
        label = item.short if item else str(frame(language).item("invoice", claim.number, None))
        charges.append(
            Charges(
                label.strip(),
                claim.due_on,
                fee,
                interest,
                claim.periods if known else (),
                item.type if item else ItemType.INVOICE,
                claim.indemnity_for,
            )
        )
    return tuple(charges), known


def _sums(balance: Totals, charges: Sequence[Charges], interest_known: bool) -> tuple[Sum, ...]:
    indemnity = Totals(c.indemnity for c in charges if c.indemnity is not None)
    interest = Totals(c.interest for c in charges if c.interest is not None)
    sums = []
    for currency in sorted({*balance, *indemnity, *interest}):
        principal = balance.get_or_zero(currency)
        fee = indemnity.get_or_zero(currency)
        # a figure only where some invoice in this currency was assessed: never a made-up 0
        accrued = interest[currency] if interest_known and currency in interest else None
        total = principal + fee + (accrued or Money.zero(currency))
        sums.append(Sum(currency, principal, fee, accrued, total))
    return tuple(sums)


def _consumer_rate(legal: LegalClaim | None) -> Decimal | None:
    periods = [p for claim in (legal.invoices if legal else ()) for p in claim.periods]
    return periods[0].rate if periods else None


def _links(lines: Sequence[ClaimLine], items: Sequence[Item]) -> tuple[tuple[str, str], ...]:
    """The payment pages of the items, each once; only web addresses are printed."""
    seen: set[str] = set()
    links = []
    for line, item in zip(lines, items, strict=True):
        url = _one_line(line.payment_url or "")
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
    items = _items(action.lines, language)
    # not yet due: another invoice's courtesy mention rides along a reminder, never a notice;
    # a claimed invoice's instalments still to come are shown with it, for the record
    notice = action.kind is StepKind.NOTICE
    upcoming = (*(() if notice else action.upcoming), *action.later)
    charges: tuple[Charges, ...] = ()
    interest_known = False
    if action.kind is StepKind.NOTICE:
        legal = legal or _without_figures(action)
        charges, interest_known = _charges(items, legal, consumer, language)
    each = {
        Money(c.indemnity.amount / c.indemnities, c.indemnity.currency)
        for c in charges
        if c.indemnity is not None
    }
    return LetterFacts(
        language=language,
        step=action.kind,
        registered=action.kind is StepKind.NOTICE,
        consumer=consumer,
        day=action.planned_on,
        reference=f"{_one_line(customer.ref.external_id)}-{action.planned_on:%Y%m%d}",
        city=_one_line(creditor.address.city) if creditor.address else "",
        creditor=creditor,
        recipient=_recipient(customer, creditor, language),
        salutation=_salutation(customer, language),
        items=items,
        credits=_credits(action.credits, language),
        later=_items(upcoming, language),
        balance=action.totals,
        charges=charges,
        interest_known=interest_known,
        day_count=legal.day_count if legal is not None else "actual/365",
        consumer_rate=_consumer_rate(legal) if consumer else None,
        sums=_sums(action.totals, charges, interest_known),
        indemnity_each=next(iter(each)) if len(each) == 1 else None,
        reminders=tuple(sorted(set(reminders))),
        promises=tuple(promises),
        plans=tuple(
            sorted({i.issued_on for i in items if i.type is ItemType.PLAN and i.issued_on})
        ),
        deadline_days=policy.notice_deadline_days,
        links=_links(action.lines, items),
        fmt=Figures(language),
        tracking_number=tracking_number,
    )


def _salutation(customer: Customer, language: str) -> Salutation:
    contact = _contact(customer)
    if contact is None:
        return salutation(None, "", language)
    return salutation(contact.civility, _one_line(contact.family_name), language)
