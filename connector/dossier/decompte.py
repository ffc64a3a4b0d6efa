"""The décompte: what the debtor owes on the file's date, line by line, adding up.

For each open invoice past its due date and not disputed: its amount, what was paid or
credited on it, the principal still due, the late-payment interest per period and the
recovery indemnity, computed by :mod:`connector.legal` the way a formal notice computes
them: on the invoice's open balance from the day after its due date (earlier partial
payments are not replayed, so the interest claimed is never more than owed). A French
consumer (B2C) owes interest at the legal rate only from the formal notice that named the
invoice, and no indemnity; with no notice sent, no interest.

When the rate of a period is not published yet, the interest is computed up to the last
half-year whose rate is known and the entry says from which day it is missing; with no
rate at all, the interest is not computed (never shown as zero). The indemnity, which needs
no rate, is claimed either way.

Open credit notes and unapplied payments are deductions, each a line; invoices not yet due
or disputed are listed apart and not claimed. Per currency, principal + interest +
indemnities - deductions = total, to the cent. Each interest period is rounded for display
while an invoice's interest is rounded once from the exact sum; the difference, when there
is one, is an entry's ``rounding``, shown as a line so the periods add up too.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

from connector.legal import (
    ContractTerms,
    InterestPeriod,
    InvoiceClaim,
    InvoiceDebt,
    MissingRate,
    RateTables,
    assess,
)
from connector.legal.indemnity import recovery_indemnity
from connector.model import LegalKind, Receivable, ReceivableKind
from connector.money import Money, Totals
from connector.planner import CustomerState

__all__ = [
    "Decompte",
    "Deduction",
    "DeductionKind",
    "Excluded",
    "Exclusion",
    "InvoiceEntry",
    "compute_decompte",
]


class Exclusion(StrEnum):
    NOT_DUE = "not_due"
    DISPUTED = "disputed"


class DeductionKind(StrEnum):
    CREDIT_NOTE = "credit_note"
    UNAPPLIED_PAYMENT = "unapplied_payment"


@dataclass(frozen=True, slots=True)
class InvoiceEntry:
    """One invoice claimed: its principal, interest and indemnity, as connector.legal has them."""

    receivable: Receivable
    principal: Money  # still due
    interest: Money  # zero when not computed: see ``computed`` and ``missing_from``
    indemnity: Money
    periods: tuple[InterestPeriod, ...] = ()
    interest_from: date | None = None  # B2C: the formal notice's day
    no_notice: bool = False  # B2C with no formal notice: no interest runs yet
    missing_from: date | None = None  # first day whose rate is not published
    computed_until: date | None = None  # last day computed when a rate is missing

    @property
    def paid(self) -> Money:
        """Paid or credited on it: its amount less what is still due."""
        return self.receivable.total - self.principal

    @property
    def computed(self) -> bool:
        """False when no interest at all could be computed for want of a rate."""
        return self.missing_from is None or self.computed_until is not None

    @property
    def rounding(self) -> Money:
        """The invoice's interest less the sum of its periods as displayed (a cent or so)."""
        shown = sum((p.amount for p in self.periods), Money.zero(self.interest.currency))
        return self.interest - shown if self.periods else Money.zero(self.interest.currency)

    @property
    def total(self) -> Money | None:
        """Principal, interest and indemnity; None when the indemnity is in another currency."""
        if self.indemnity.currency != self.principal.currency:
            return None
        return self.principal + self.interest + self.indemnity


@dataclass(frozen=True, slots=True)
class Excluded:
    """An open invoice not claimed on the file's date, and why."""

    receivable: Receivable
    reason: Exclusion
    since: date  # the due date, or the day the dispute was opened
    detail: str = ""  # the dispute's reason


@dataclass(frozen=True, slots=True)
class Deduction:
    """Money the debtor may set against the claim: an open credit note, a payment not
    allocated to any invoice. ``amount`` is positive; it is subtracted."""

    kind: DeductionKind
    reference: str
    on: date
    amount: Money


@dataclass(frozen=True, slots=True)
class Decompte:
    as_of: date
    jurisdiction: str
    b2c: bool
    day_count: str
    legal_basis: tuple[str, ...]
    contract_rate: Decimal | None
    invoices: tuple[InvoiceEntry, ...]
    excluded: tuple[Excluded, ...]
    deductions: tuple[Deduction, ...]

    @property
    def principal(self) -> Totals:
        return Totals(e.principal for e in self.invoices)

    @property
    def interest(self) -> Totals:
        return Totals(e.interest for e in self.invoices)

    @property
    def indemnities(self) -> Totals:
        return Totals(e.indemnity for e in self.invoices if e.indemnity.is_positive)

    @property
    def deducted(self) -> Totals:
        return Totals(d.amount for d in self.deductions)

    @property
    def total(self) -> Totals:
        """Per currency: principal + interest + indemnities - deductions."""
        totals = Totals()
        for part in (self.principal, self.interest, self.indemnities):
            for money in part.values():
                totals.add(money)
        for money in self.deducted.values():
            totals.add(-money)
        return totals

    @property
    def currencies(self) -> tuple[str, ...]:
        return tuple(sorted(self.total))


def compute_decompte(
    state: CustomerState,
    *,
    as_of: date,
    notices: Mapping[str, date],
    jurisdiction: str = "FR",
    contract: ContractTerms | None = None,
    tables: RateTables | None = None,
) -> Decompte:
    """The décompte of ``state`` on ``as_of``; ``notices`` gives the day of the first formal
    notice that named each receivable (by key): it starts a French consumer's interest."""
    jurisdiction = jurisdiction.upper()
    b2c = state.customer.legal_kind is LegalKind.B2C
    tables = tables or RateTables()
    claim = _Claim(as_of, jurisdiction, b2c, contract, tables)
    entries: list[InvoiceEntry] = []
    excluded: list[Excluded] = []
    open_invoices = [r for r in state.receivables if r.is_open and r.kind is ReceivableKind.INVOICE]
    for receivable in sorted(open_invoices, key=lambda r: (r.due_on, r.number)):
        dispute = next(
            (d for d in state.disputes if d.receivable_ref == receivable.ref and d.open_on(as_of)),
            None,
        )
        if receivable.due_on >= as_of:
            excluded.append(Excluded(receivable, Exclusion.NOT_DUE, receivable.due_on))
        elif dispute is not None:
            excluded.append(
                Excluded(receivable, Exclusion.DISPUTED, dispute.opened_on, dispute.reason)
            )
        else:
            entries.append(claim.entry(receivable, notices.get(receivable.ref.key)))
    deductions = [
        Deduction(DeductionKind.CREDIT_NOTE, r.number, r.issued_on, r.open_balance)
        for r in sorted(state.receivables, key=lambda r: (r.issued_on, r.number))
        if r.is_open and r.kind is ReceivableKind.CREDIT_NOTE
    ]
    deductions += [
        Deduction(DeductionKind.UNAPPLIED_PAYMENT, p.ref.external_id, p.received_on, p.unapplied)
        for p in sorted(state.payments, key=lambda p: (p.received_on, p.ref.key))
        if p.unapplied.is_positive
    ]
    basis = assess([], as_of=as_of, jurisdiction=jurisdiction, b2c=b2c, tables=tables)
    return Decompte(
        as_of=as_of,
        jurisdiction=jurisdiction,
        b2c=b2c,
        day_count=basis.day_count,
        legal_basis=basis.legal_basis,
        contract_rate=contract.rate if contract is not None else None,
        invoices=tuple(entries),
        excluded=tuple(excluded),
        deductions=tuple(deductions),
    )


@dataclass(frozen=True, slots=True)
class _Claim:
    as_of: date
    jurisdiction: str
    b2c: bool
    contract: ContractTerms | None
    tables: RateTables

    def entry(self, receivable: Receivable, notice_on: date | None) -> InvoiceEntry:
        debt = InvoiceDebt(receivable.number, receivable.open_balance, receivable.due_on)
        zero = Money.zero(receivable.currency)
        from_notice = self.jurisdiction == "FR" and self.b2c
        if from_notice and notice_on is None:
            return InvoiceEntry(receivable, receivable.open_balance, zero, zero, no_notice=True)
        start = debt.due_on + timedelta(days=1)
        if from_notice and notice_on is not None:
            start = max(notice_on, start)
        interest_from = notice_on if from_notice else None
        try:
            return self._from(receivable, self._assess(debt, self.as_of, notice_on), interest_from)
        except MissingRate:
            pass
        for end in _half_year_ends(start, self.as_of):
            try:
                claim = self._assess(debt, end, notice_on)
            except MissingRate:
                continue
            found = self._from(receivable, claim, interest_from)
            return _with(found, missing_from=end + timedelta(days=1), computed_until=end)
        indemnity = recovery_indemnity(
            debt,
            as_of=self.as_of,
            jurisdiction=self.jurisdiction,
            b2c=self.b2c,
            contract=self.contract,
        )
        return InvoiceEntry(
            receivable,
            receivable.open_balance,
            zero,
            indemnity,
            interest_from=interest_from,
            missing_from=start,
        )

    def _assess(self, debt: InvoiceDebt, until: date, notice_on: date | None) -> InvoiceClaim:
        return assess(
            [debt],
            as_of=until,
            jurisdiction=self.jurisdiction,
            b2c=self.b2c,
            contract=self.contract,
            notice_on=notice_on,
            tables=self.tables,
        ).invoices[0]

    @staticmethod
    def _from(
        receivable: Receivable, claim: InvoiceClaim, interest_from: date | None
    ) -> InvoiceEntry:
        return InvoiceEntry(
            receivable,
            claim.principal,
            claim.interest,
            claim.indemnity,
            claim.periods,
            interest_from=interest_from,
        )


def _with(entry: InvoiceEntry, *, missing_from: date, computed_until: date) -> InvoiceEntry:
    return InvoiceEntry(
        entry.receivable,
        entry.principal,
        entry.interest,
        entry.indemnity,
        entry.periods,
        interest_from=entry.interest_from,
        missing_from=missing_from,
        computed_until=computed_until,
    )


def _half_year_ends(start: date, before: date) -> Iterator[date]:
    """30 June and 31 December before ``before`` and not before ``start``, latest first: the
    days up to which interest can be computed when a half-year's rate is missing."""
    end = date(before.year, 6, 30) if before > date(before.year, 6, 30) else None
    end = end or date(before.year - 1, 12, 31)
    while end >= start:
        if end < before:
            yield end
        end = date(end.year, 6, 30) if end.month == 12 else date(end.year - 1, 12, 31)
