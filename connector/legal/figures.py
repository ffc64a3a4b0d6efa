"""What a legal claim is made of, as data: the debts it is figured on, the periods of
interest, where each payment went, and the claim per invoice and in total. The computation
is :mod:`connector.legal.claim`'s."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum

from connector.money import Money, Totals

__all__ = [
    "ROUNDING_RULE",
    "ContractTerms",
    "DayCount",
    "Imputation",
    "InterestPeriod",
    "InvoiceClaim",
    "InvoiceDebt",
    "LateInvoice",
    "LegalClaim",
]

ROUNDING_RULE = "each period rounded half-up to the cent, then summed"


class DayCount(StrEnum):
    ACT_365 = "actual/365"  # practice (the texts are silent): always divide by 365
    ACT_ACT = "actual/actual"  # days in a leap year divided by 366


@dataclass(frozen=True, slots=True)
class LateInvoice:
    """An invoice whose indemnity another debt carries (a payment plan's instalment)."""

    number: str
    due_on: date
    amount: Money
    period_start: date | None = None  # when its payment period began (None: its due date)


@dataclass(frozen=True, slots=True)
class InvoiceDebt:
    number: str
    principal: Money  # the amount before the ``payments`` below
    due_on: date
    payments: Sequence[tuple[date, Money]] = ()
    key: str = ""  # the dunning item it is (a notice's line), to find its figures again
    # None: the debt is a late payment with its own indemnity; else the invoices whose
    # indemnities it carries instead (none: no indemnity on it)
    indemnity_for: Sequence[LateInvoice] | None = None
    # when the payment period began (the invoice date, or later); None: the due date, the
    # latest it can have begun
    period_start: date | None = None
    contract_on: date | None = None  # when the contract was concluded; None: period_start


@dataclass(frozen=True, slots=True)
class ContractTerms:
    rate: Decimal | None = None  # percent a year, replacing the statutory rate (FR: floored)
    indemnity: Money | None = None  # per invoice, replacing the statutory sum where allowed


@dataclass(frozen=True, slots=True)
class InterestPeriod:
    start: date
    end: date
    days: int
    rate: Decimal  # percent a year
    principal: Money
    amount: Money  # rounded half-up to the cent: the periods add up to the interest
    rule: str = ""  # how the rate was set: « ECB 4.50 + 10 », « contract 5.00 raised to … »


@dataclass(frozen=True, slots=True)
class Imputation:
    """Where one payment went (Code civil 1343-1; BGB § 367)."""

    on: date
    amount: Money
    interest: Money
    indemnity: Money
    principal: Money
    excess: Money  # more than everything owed that day


@dataclass(frozen=True, slots=True)
class InvoiceClaim:
    number: str
    principal: Money  # still owed after imputation
    due_on: date
    indemnity: Money
    interest: Money | None  # the periods' sum; None: not computed (a rate is missing)
    periods: tuple[InterestPeriod, ...]
    key: str = ""
    indemnity_for: tuple[str, ...] = ()  # the invoice numbers the indemnity is for
    interest_paid: Money | None = None
    indemnity_paid: Money | None = None
    imputations: tuple[Imputation, ...] = ()
    interest_from: date | None = None  # the first day interest runs (None: not yet)
    notes: tuple[str, ...] = ()

    @property
    def interest_owed(self) -> Money | None:
        if self.interest is None:
            return None
        return self.interest - (self.interest_paid or Money.zero(self.interest.currency))

    @property
    def indemnity_owed(self) -> Money:
        return self.indemnity - (self.indemnity_paid or Money.zero(self.indemnity.currency))


@dataclass(frozen=True, slots=True)
class LegalClaim:
    jurisdiction: str
    b2c: bool
    as_of: date
    day_count: str
    invoices: tuple[InvoiceClaim, ...]
    indemnity_total: Totals = field(default_factory=Totals)
    interest_total: Totals = field(default_factory=Totals)
    legal_basis: tuple[str, ...] = ()
    # why the interest has no figure (a rate the law needs is not in the tables); "" when it has
    interest_missing: str = ""
    rounding: str = ROUNDING_RULE
    private_creditor: bool = False
    # the legal rate in force on the as-of date where interest runs from the formal notice
    # (a French consumer or private creditor): what a notice says the interest runs at
    legal_rate: Decimal | None = None
