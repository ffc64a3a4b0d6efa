"""What the law adds to a formal notice's lines: the recovery indemnity and the
late-payment interest, period by period, as the legal calculator figured them
(:mod:`connector.legal`), and the sums per currency a letter claims.

A figure that was not computed is ``None``, never a zero: a missing rate leaves the interest
without a figure and the letter says it runs. A consumer is claimed no indemnity and no
penalty (the interest at the legal rate starts with the notice).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from connector.legal.claim import InterestPeriod, LegalClaim, assess
from connector.legal.notice import notice_debts
from connector.letters.items import Item, ItemType
from connector.letters.words import frame
from connector.money import Money, Totals
from connector.planner import PlannedAction

__all__ = ["Charges", "Sum", "charges", "consumer_rate", "sums", "without_figures"]


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


def without_figures(action: PlannedAction) -> LegalClaim:
    """A notice rendered without its claim still claims what needs no rate: the statutory
    indemnities (French law, the notice's own), the interest left without a figure."""
    claim = assess(
        notice_debts(action.lines), as_of=action.planned_on, jurisdiction="FR", interest=False
    )
    return replace(claim, interest_missing="the notice was rendered without its figures")


def charges(
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


def sums(balance: Totals, charges: Sequence[Charges], interest_known: bool) -> tuple[Sum, ...]:
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


def consumer_rate(legal: LegalClaim | None) -> Decimal | None:
    """The legal rate a consumer's interest runs at: in force on the notice's day (the
    interest itself starts the day after)."""
    if legal is not None and legal.legal_rate is not None:
        return legal.legal_rate
    periods = [p for claim in (legal.invoices if legal else ()) for p in claim.periods]
    return periods[0].rate if periods else None
