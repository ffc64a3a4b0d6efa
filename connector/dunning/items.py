"""What a message claims: one line per invoice or instalment, the credits deducted, the net.

A customer's open credit notes and unapplied payments are deducted once, from the oldest
claim first: when one day's messages split a customer's invoices in two (a formal notice for
some, an ordinary reminder for the others), each credit reduces one of them, never both.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from enum import StrEnum

from connector.dunning.history import StepTaken
from connector.model import SourceRef, StepKind
from connector.money import Money, Totals

__all__ = [
    "ClaimLine",
    "CoveredInvoice",
    "CreditLine",
    "ItemKind",
    "by_due",
    "later_parts",
    "net",
    "take_credits",
]


class ItemKind(StrEnum):
    RECEIVABLE = "receivable"  # an invoice due on one date
    TERM = "term"  # one instalment of an invoice whose payment terms split it
    INSTALMENT = "instalment"  # one instalment of a payment plan


@dataclass(frozen=True, slots=True)
class CoveredInvoice:
    """An invoice a payment plan's instalment belongs to."""

    number: str
    due_on: date
    total: Money


@dataclass(frozen=True, slots=True)
class ClaimLine:
    """One invoice (or instalment) listed in a message.

    A term instalment's ``number`` is its invoice's, ``ref`` its invoice and ``part`` of
    ``parts`` which instalment it is; a plan instalment's ``number`` is ``part/parts`` and
    ``covers`` names the invoices the plan is for.
    """

    key: str
    kind: ItemKind
    number: str
    issued_on: date
    due_on: date
    open: Money
    total: Money
    days_late: int
    ref: SourceRef | None = None  # the receivable; None for a plan instalment
    plan_id: str | None = None
    document_url: str | None = None
    payment_url: str | None = None
    part: int | None = None  # which instalment (from 1), for an instalment
    parts: int | None = None  # of how many
    covers: tuple[CoveredInvoice, ...] = ()  # a plan instalment's invoices
    steps: tuple[StepTaken, ...] = ()  # what this item went through before, oldest first
    # the dated payments this item received, oldest first: ``open`` is net of them (the law
    # imputes a late one on interest first; connector.legal.notice)
    payments: tuple[tuple[date, Money], ...] = ()

    @property
    def notice(self) -> StepTaken | None:
        """The last formal notice this item was in (posted or sent), if any."""
        found = [s for s in self.steps if s.kind is StepKind.NOTICE and s.took_effect]
        return found[-1] if found else None

    @property
    def reminders(self) -> int:
        """Written reminders this item had (a reminder step, whatever its channel)."""
        return sum(1 for s in self.steps if s.kind is StepKind.REMINDER and s.took_effect)


@dataclass(frozen=True, slots=True)
class CreditLine:
    """Something deducted from the claim: an open credit note or an unapplied payment."""

    key: str
    label: str
    on: date
    amount: Money


def by_due(line: ClaimLine) -> tuple[date, str]:
    return (line.due_on, line.number)


def net(lines: Iterable[ClaimLine], credits: Iterable[CreditLine]) -> Totals:
    """Open amounts less credits, per currency (credits in a currency with no line ignored)."""
    totals = Totals(line.open for line in lines)
    for credit in credits:
        if credit.amount.currency in totals:
            totals.add(-credit.amount)
    return totals


def take_credits(
    lines: Sequence[ClaimLine], credits: Sequence[CreditLine]
) -> tuple[list[CreditLine], list[CreditLine]]:
    """The credits that reduce ``lines`` (up to their open total, per currency), and what is
    left for another claim. A credit larger than what it can still reduce is split in two."""
    room = {currency: money.amount for currency, money in Totals(ln.open for ln in lines).items()}
    taken: list[CreditLine] = []
    left: list[CreditLine] = []
    for credit in credits:
        currency = credit.amount.currency
        available = room.get(currency, Decimal(0))
        amount = credit.amount.amount
        if available <= 0:
            left.append(credit)
        elif amount <= available:
            taken.append(credit)
            room[currency] = available - amount
        else:
            taken.append(replace(credit, amount=Money(available, currency)))
            left.append(replace(credit, amount=Money(amount - available, currency)))
            room[currency] = Decimal(0)
    return taken, left


def later_parts(lines: Sequence[ClaimLine], all_lines: Sequence[ClaimLine]) -> list[ClaimLine]:
    """The instalments not yet due of the split invoices ``lines`` claim (none listed twice):
    shown beside the claim, never claimed."""
    listed = {ln.key for ln in lines}
    split = {ln.ref.key for ln in lines if ln.kind is ItemKind.TERM and ln.ref is not None}
    return [
        ln
        for ln in all_lines
        if ln.kind is ItemKind.TERM
        and ln.days_late == 0
        and ln.ref is not None
        and ln.ref.key in split
        and ln.key not in listed
    ]
