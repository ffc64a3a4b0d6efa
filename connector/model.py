"""The common model every source normalizes into, and every part of relance reads.

Platform vocabulary never appears here: adapters translate in their ``mapping.py``.
Money is :class:`~connector.money.Money` (Decimal + ISO 4217); calendar dates are
``date``; instants are timezone-aware.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from functools import cached_property
from typing import Annotated, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from connector.money import Currency, Money

__all__ = [
    "Allocation",
    "Channel",
    "Civility",
    "Contact",
    "Creditor",
    "Customer",
    "Dispute",
    "HoldKind",
    "Instalment",
    "LegalKind",
    "Pause",
    "Payment",
    "PaymentPlan",
    "Platform",
    "PostalAddress",
    "Promise",
    "Receivable",
    "ReceivableKind",
    "ReceivableStatus",
    "SourceHold",
    "SourceRef",
    "StepKind",
]


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        raise ValueError("datetimes must be timezone-aware")
    return value


AwareDatetime = Annotated[datetime, AfterValidator(_aware)]


def _language(value: str) -> str:
    code = value.strip().lower().replace("-", "_").split("_")[0]
    if len(code) != 2 or not code.isalpha():
        raise ValueError(f"{value!r} is not a language code like 'fr' or 'en'")
    return code


def _country(value: str) -> str:
    code = value.strip().upper()
    if len(code) != 2 or not code.isalpha():
        raise ValueError(f"{value!r} is not an ISO 3166 country code like 'FR'")
    return code


Language = Annotated[str, AfterValidator(_language)]
Country = Annotated[str, AfterValidator(_country)]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Platform(StrEnum):
    PENNYLANE = "pennylane"
    QUICKBOOKS = "quickbooks"
    ODOO = "odoo"
    FILES = "files"


class LegalKind(StrEnum):
    """Whether the customer is a business (B2B) or a consumer (B2C): the law differs."""

    B2B = "b2b"
    B2C = "b2c"


class ReceivableKind(StrEnum):
    INVOICE = "invoice"
    CREDIT_NOTE = "credit_note"


class ReceivableStatus(StrEnum):
    OPEN = "open"
    PARTIALLY_PAID = "partially_paid"
    PAID = "paid"
    CANCELLED = "cancelled"


class Channel(StrEnum):
    EMAIL = "email"
    LETTER = "letter"
    PHONE_TASK = "phone_task"
    SMS = "sms"


class StepKind(StrEnum):
    """What a dunning step is, legally and in practice."""

    COURTESY = "courtesy"  # before the due date; no claim
    REMINDER = "reminder"  # relance amiable; counts toward the limit before the notice
    CALL = "call"  # a phone-call task: obtain a firm payment date
    NOTICE = "notice"  # mise en demeure
    ESCALATION = "escalation"  # agency / injonction de payer file


class SourceRef(_Frozen):
    """Where a record lives: platform, tenant, and the platform's own id."""

    platform: Platform
    tenant: str = Field(min_length=1)
    external_id: str = Field(min_length=1)

    @cached_property
    def key(self) -> str:
        """``platform:tenant:external_id``, the identity used everywhere in the store."""
        return f"{self.platform.value}:{self.tenant}:{self.external_id}"

    def __str__(self) -> str:
        return self.key


class Civility(StrEnum):
    """How a person is addressed (Madame, Monsieur, M. et Mme); ``None`` means unknown."""

    MADAME = "mme"
    MONSIEUR = "m"
    COUPLE = "m_mme"

    @classmethod
    def from_title(cls, title: str | None) -> Civility | None:
        """The civility a title written by a platform stands for: « Mme », "Mrs.", "Madam",
        "M. et Mme", or one of the codes ``mme`` / ``m`` / ``m_mme``. None for a title that
        does not tell (Dr, Prof., Maître) or nothing at all."""
        key = " ".join((title or "").lower().replace(".", " ").replace("&", " et ").split())
        return _TITLES.get(key)

    @classmethod
    def split_name(cls, text: str | None) -> tuple[Civility | None, str]:
        """A name written with its title, « Mme Claire Roux » or "M. et Mme Durand", as the
        civility and the name without it; a name with no title it knows comes back whole."""
        words = (text or "").split()
        for size in (3, 1):  # « M. et Mme » first, then « Mme »
            civility = cls.from_title(" ".join(words[:size])) if len(words) > size else None
            if civility is not None:
                return civility, " ".join(words[size:])
        return None, " ".join(words)


_TITLES = {
    **dict.fromkeys(
        ("mme", "madame", "madam", "mrs", "ms", "miss", "mlle", "mademoiselle"), Civility.MADAME
    ),
    **dict.fromkeys(("m", "monsieur", "mister", "mr", "sir"), Civility.MONSIEUR),
    **dict.fromkeys(
        (
            "m_mme", "m et mme", "mme et m", "monsieur et madame", "madame et monsieur",
            "mr et mrs", "mr and mrs", "mrs and mr",
        ),
        Civility.COUPLE,
    ),
}  # fmt: skip


class PostalAddress(_Frozen):
    lines: tuple[str, ...] = ()
    postal_code: str = ""
    city: str = ""
    country: Country = "FR"


# One mailbox, as an SMTP envelope and a To: header take it: local@domain, nothing around it.
# No second address (« a@x.fr, b@y.fr »), no group or display name, no space, no control
# character (a CR/LF in a header would let a value write headers of its own).
_ATOM = r"[^@\s,;:<>()\[\]\"\\\x00-\x1f\x7f]"
_ONE_ADDRESS = re.compile(rf"{_ATOM}+@{_ATOM}+\.(?:(?!\.){_ATOM}){{2,}}")


def one_address(value: str | None) -> bool:
    """Whether ``value`` is a single e-mail address a message can be sent to."""
    return (
        bool(value)
        and ".." not in (value or "")
        and _ONE_ADDRESS.fullmatch(value or "") is not None
    )


class Contact(_Frozen):
    name: str = ""  # the full name as the source spells it ("Claire Durand")
    civility: Civility | None = None  # unknown: « Madame, Monsieur, »
    family_name: str = ""  # "Durand", when the source keeps it apart
    email: str | None = None
    phone: str | None = None
    address: PostalAddress | None = None
    role: str = "billing"
    primary: bool = False


class Customer(_Frozen):
    ref: SourceRef
    name: str = Field(min_length=1)
    legal_kind: LegalKind = LegalKind.B2B
    language: Language = "fr"
    country: Country = "FR"
    timezone: str = "Europe/Paris"
    registration_id: str | None = None  # SIREN/SIRET, VAT number, company number
    address: PostalAddress | None = None
    contacts: tuple[Contact, ...] = ()
    payment_terms_days: int | None = Field(default=None, ge=0)
    parent_ref: SourceRef | None = None  # the bill-to customer, when this one is a sub-customer

    @property
    def email_contacts(self) -> tuple[Contact, ...]:
        """The contacts a message can be sent to: each with one well-formed address (a
        source's « a@x.fr, b@y.fr » or an address carrying a line break is not one)."""
        with_email = [c for c in self.contacts if one_address(c.email)]
        return tuple(sorted(with_email, key=lambda c: not c.primary))

    @property
    def unusable_emails(self) -> tuple[str, ...]:
        """The addresses the ledger holds that no message can be sent to, as given."""
        return tuple(c.email for c in self.contacts if c.email and not one_address(c.email))

    @property
    def phone_contacts(self) -> tuple[Contact, ...]:
        with_phone = [c for c in self.contacts if c.phone]
        return tuple(sorted(with_phone, key=lambda c: not c.primary))


class Instalment(_Frozen):
    """One dated part of what is owed: of an invoice whose payment terms split it (30 % at
    once, the balance at 60 days), or of a payment plan.

    ``open_balance`` is what is still owed on it when the source keeps that per instalment
    (Odoo's receivable lines); None lets what was paid cover the instalments in date order.
    """

    due_on: date
    amount: Money
    open_balance: Money | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if not self.amount.is_positive:
            raise ValueError(f"an instalment is for a positive amount, not {self.amount}")
        left = self.open_balance
        if left is not None:
            if left.currency != self.amount.currency:
                raise ValueError("an instalment's open balance is in its own currency")
            if left.amount < 0 or left.amount > self.amount.amount:
                raise ValueError(f"open balance {left} is not between 0 and {self.amount}")
        return self


def _check_terms(receivable: Receivable) -> None:
    """A split invoice's schedule: in date order, ending on the due date, summing to the total
    (and its open parts, when the source gives them, to the open balance)."""
    terms = receivable.instalments
    if not terms:
        return
    if receivable.kind is not ReceivableKind.INVOICE:
        raise ValueError("only an invoice is split into instalments")
    if any(i.amount.currency != receivable.currency for i in terms):
        raise ValueError(f"every instalment is in the invoice's currency {receivable.currency}")
    dates = [i.due_on for i in terms]
    if dates != sorted(dates):
        raise ValueError("instalments must be in date order")
    if dates[-1] != receivable.due_on:
        raise ValueError(
            f"the last instalment falls due on {dates[-1]}, the invoice on {receivable.due_on}: "
            "the invoice's due date is its last instalment's"
        )
    total = sum((i.amount.amount for i in terms), Decimal(0))
    if total != receivable.total.amount:
        raise ValueError(f"the instalments add up to {total}, the invoice to {receivable.total}")
    parts = [i.open_balance for i in terms]
    if any(p is not None for p in parts):
        if any(p is None for p in parts):
            raise ValueError("give every instalment's open balance, or none")
        left = sum((p.amount for p in parts if p is not None), Decimal(0))
        if left != receivable.open_balance.amount:
            raise ValueError(
                f"the instalments' open balances add up to {left}, "
                f"the invoice's to {receivable.open_balance}"
            )


class HoldKind(StrEnum):
    """Why the source itself says an invoice is not to be chased as it stands. The French
    e-invoicing lifecycle reports these through the approved platform (PA) that carried it."""

    DISPUTED = "disputed"  # the customer contests it (« en litige »): held, like a dispute
    REFUSED = "refused"  # refused or rejected: not owed as issued; a person must act
    COLLECTING = "collecting"  # reported partly collected, the amount not matched yet


class SourceHold(_Frozen):
    """A hold the source puts on an invoice, with its own words for why."""

    kind: HoldKind
    reason: str = ""


class Receivable(_Frozen):
    """A customer invoice or credit note, with what is still open on it.

    For a credit note, ``total`` and ``open_balance`` are positive amounts the business
    owes back (or may net against invoices).
    """

    ref: SourceRef
    customer_ref: SourceRef
    kind: ReceivableKind = ReceivableKind.INVOICE
    number: str = Field(min_length=1)
    issued_on: date
    due_on: date
    currency: Currency
    total: Money
    open_balance: Money
    status: ReceivableStatus
    document_url: str | None = None  # the invoice PDF
    payment_url: str | None = None  # a page where the customer can pay
    updated_at: AwareDatetime | None = None
    # the payment terms' schedule when they split the invoice; empty: all due on ``due_on``
    instalments: tuple[Instalment, ...] = ()
    hold: SourceHold | None = None  # the source says not to chase it as it stands

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        for name in ("total", "open_balance"):
            money: Money = getattr(self, name)
            if money.currency != self.currency:
                raise ValueError(f"{name} is in {money.currency}, the document in {self.currency}")
        if self.open_balance.amount < 0:
            raise ValueError("open_balance cannot be negative")
        if self.due_on < self.issued_on:
            raise ValueError(f"due date {self.due_on} is before issue date {self.issued_on}")
        _check_terms(self)
        return self

    @property
    def is_open(self) -> bool:
        return (
            self.status in (ReceivableStatus.OPEN, ReceivableStatus.PARTIALLY_PAID)
            and self.open_balance.amount > 0
        )


class Allocation(_Frozen):
    """The part of a payment that went to one document.

    For an invoice, what the payment settled of it; for a credit note, what of the credit the
    payment used (QuickBooks applies a credit memo to an invoice through a payment).
    """

    receivable_ref: SourceRef
    amount: Money


class Payment(_Frozen):
    """Money received from a customer.

    ``unapplied`` is what is not matched to any document; ``allocations`` say which documents
    the rest went to, and how much to each. Together they let relance see a document as it
    stood before the payment came (:mod:`connector.asof`). A source that names the documents
    but not the amounts gets them spread in due-date order
    (:func:`connector.allocations.allocate_in_due_order`).
    """

    ref: SourceRef
    customer_ref: SourceRef
    received_on: date
    amount: Money
    unapplied: Money
    allocations: tuple[Allocation, ...] = ()

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        currency = self.amount.currency
        if self.unapplied.currency != currency:
            raise ValueError("unapplied and amount must share a currency")
        if self.unapplied.amount < 0 or self.unapplied.amount > self.amount.amount:
            raise ValueError("unapplied must be between 0 and the payment amount")
        seen: set[str] = set()
        for allocation in self.allocations:
            key = allocation.receivable_ref.key
            if allocation.amount.currency != currency:
                raise ValueError(f"the allocation to {key} is not in the payment's {currency}")
            if allocation.amount.amount <= 0:
                raise ValueError(f"the allocation to {key} must be a positive amount")
            if key in seen:
                raise ValueError(f"{key} is allocated twice: add the amounts into one")
            seen.add(key)
        return self

    @property
    def applied(self) -> Money:
        """What went to documents: the amount less the unapplied part."""
        return self.amount - self.unapplied


# --- dunning side states: recorded in relance, fed to the planner ----------------------------


class Pause(_Frozen):
    """A manual hold on a customer: nothing is planned while it lasts."""

    since: date
    until: date | None = None  # None: until resumed
    reason: str = ""

    def active_on(self, day: date) -> bool:
        return self.since <= day and (self.until is None or day <= self.until)


class Dispute(_Frozen):
    """The customer contests an invoice: it is held and not claimed while open."""

    id: str
    receivable_ref: SourceRef
    opened_on: date
    reason: str = ""
    resolved_on: date | None = None

    def open_on(self, day: date) -> bool:
        return self.opened_on <= day and (self.resolved_on is None or day < self.resolved_on)


class Promise(_Frozen):
    """A commitment to pay ``amount`` by ``promised_on``.

    ``receivable_refs`` empty means the promise covers every open invoice of the customer.
    ``balance_at_promise`` is the open balance it covered when recorded: the promise is kept
    once the balance has fallen by ``amount``.
    """

    id: str
    customer_ref: SourceRef
    promised_on: date
    amount: Money
    recorded_on: date
    balance_at_promise: Money
    receivable_refs: tuple[SourceRef, ...] = ()
    broken_on: date | None = None  # set once relance acted on the broken promise
    cancelled_on: date | None = None  # a person withdrew it: it holds nothing from that day
    note: str = ""

    def cancelled_by(self, day: date) -> bool:
        return self.cancelled_on is not None and self.cancelled_on <= day

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.amount.currency != self.balance_at_promise.currency:
            raise ValueError("a promise's amount and covered balance share a currency")
        if self.amount.amount <= 0:
            raise ValueError("a promise is for a positive amount")
        return self


class PaymentPlan(_Frozen):
    """An échéancier: the covered invoices are chased by instalment, not by due date.

    ``balance_at_plan`` is the covered open balance when the plan was agreed; what has been
    paid since is applied to the instalments in order.
    """

    id: str
    customer_ref: SourceRef
    agreed_on: date
    receivable_refs: tuple[SourceRef, ...] = Field(min_length=1)
    instalments: tuple[Instalment, ...] = Field(min_length=1)
    balance_at_plan: Money
    cancelled_on: date | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        currency = self.balance_at_plan.currency
        if any(i.amount.currency != currency for i in self.instalments):
            raise ValueError("every instalment is in the plan's currency")
        dates = [i.due_on for i in self.instalments]
        if dates != sorted(dates):
            raise ValueError("instalments must be in date order")
        return self

    def active_on(self, day: date) -> bool:
        return self.agreed_on <= day and (self.cancelled_on is None or day < self.cancelled_on)


class Creditor(_Frozen):
    """The business that is owed: it signs every reminder and the formal notice.

    A French company's letters carry its name, legal form, share capital, registered
    office, SIREN and the city of its trade registry (« RCS Lyon 512 345 678 »), and its VAT
    number (Code de commerce R123-237): these fields make the letterhead and its footer.
    """

    name: str = Field(min_length=1)
    legal_form: str = ""  # SAS, SARL, Ltd …
    share_capital: Money | None = None  # « SAS au capital de 10 000 € »
    registration_id: str = ""  # SIREN/SIRET, company number
    rcs_city: str = ""  # the trade registry's city (« RCS Lyon »); its number is the SIREN
    vat_id: str = ""
    address: PostalAddress | None = None
    email: str = ""  # the From address of reminders
    reply_to: str = ""  # where customers answer (accounts receivable)
    phone: str = ""
    iban: str = ""
    bic: str = ""
    website: str = ""
    signatory: str = ""  # the name of the person who signs ("Claire Martin")
    signatory_title: str = ""  # their position ("Responsable de la comptabilité clients")
    logo: str = ""  # a PNG or JPEG file printed on letters
    logo_url: str = ""  # the same logo, online, shown in emails
    country: Country = "FR"
    terms_of_sale: str = ""  # the terms of sale (CGV) file, copied into the collection file

    @property
    def signed_name(self) -> str:
        """The name a message is signed with: « Atelier Dupont SAS » — the legal form after
        the name, unless the name already holds it as a word (never « Atelier Dupont SAS
        SAS », nor « SAS Dupont SAS »)."""
        form = self.legal_form.strip().rstrip(".")
        if not form or re.search(rf"(?<!\w){re.escape(form)}(?!\w)", self.name, re.IGNORECASE):
            return self.name
        return f"{self.name} {self.legal_form.strip()}"
