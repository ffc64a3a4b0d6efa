"""The décompte: what the debtor owes on the file's date, line by line, adding up.

Each line is one late payment, as a formal notice figures it (:mod:`connector.legal.notice`):

* an open invoice past its due date: its amount, what was paid or credited on it, the
  principal still due, the late-payment interest per period and its recovery indemnity;
* an invoice whose payment terms split it is claimed instalment by instalment: only the
  instalments past due, each late from its own due date with its own indemnity; the others
  are listed as not yet due;
* invoices a live payment plan covers are claimed through the plan's unpaid instalments past
  due, each late from its own date; the first one claimed carries the indemnities of the
  invoices the plan is for, which the plan did not waive.

Interest and indemnities are computed by :func:`connector.legal.assess` on what is still
open on each line from the day after its due date (earlier partial payments are not
replayed, so the interest claimed is never more than owed). A French consumer (B2C) owes
interest at the legal rate only from the formal notice that named the invoice, and no
indemnity; with no notice sent, no interest.

When the rate of a period is not published yet, the interest is computed up to the last
half-year whose rate is known and the line says from which day it is missing; with no rate
at all, the interest has no figure (never a zero). The indemnity, which needs no rate, is
claimed either way.

Open credit notes and unapplied payments are deductions, each a line; what is not yet due
or is disputed is listed apart and not claimed. Per currency, principal + interest +
indemnities - deductions = total, to the cent; an invoice's interest periods add up to its
interest (the legal calculator gives each period its share of the figure rounded once).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

from connector.instalments import plan_balances, term_balances
from connector.legal import (
    ContractTerms,
    InterestPeriod,
    InvoiceClaim,
    InvoiceDebt,
    LateInvoice,
    MissingRate,
    RateTables,
    assess,
)
from connector.model import LegalKind, PaymentPlan, Receivable, ReceivableKind
from connector.money import Money, Totals
from connector.planner import CustomerState, ItemKind

__all__ = [
    "ClaimedLine",
    "Decompte",
    "Deduction",
    "DeductionKind",
    "Excluded",
    "Exclusion",
    "compute_decompte",
]


class Exclusion(StrEnum):
    NOT_DUE = "not_due"
    DISPUTED = "disputed"


class DeductionKind(StrEnum):
    CREDIT_NOTE = "credit_note"
    UNAPPLIED_PAYMENT = "unapplied_payment"


@dataclass(frozen=True, slots=True)
class Debt:
    """One dated amount owed: an invoice, one instalment of its terms, or of a plan."""

    kind: ItemKind
    number: str  # the invoice's number; for a plan's instalment, the plan's id
    issued_on: date  # the invoice's date, or the day the plan was agreed
    due_on: date
    amount: Money  # the invoice's total, or the instalment's amount
    open: Money  # still owed on it
    receivables: tuple[Receivable, ...]  # the invoice, or the invoices the plan is for
    part: int | None = None  # 1 of ``parts`` for an instalment
    parts: int | None = None

    @property
    def paid(self) -> Money:
        """Paid or credited on it: its amount less what is still open."""
        return self.amount - self.open


@dataclass(frozen=True, slots=True)
class ClaimedLine:
    """One late payment claimed, with its interest and indemnity as connector.legal has them."""

    debt: Debt
    interest: Money | None  # None: not computed at all for want of a rate
    indemnity: Money
    indemnity_for: tuple[str, ...] = ()  # the invoice numbers the indemnity is for
    periods: tuple[InterestPeriod, ...] = ()
    interest_from: date | None = None  # B2C: the formal notice's day
    no_notice: bool = False  # B2C with no formal notice: no interest runs yet
    missing_from: date | None = None  # first day whose rate is not published
    computed_until: date | None = None  # last day computed when a rate is missing

    @property
    def principal(self) -> Money:
        return self.debt.open

    @property
    def computed(self) -> bool:
        """False when no interest at all could be computed for want of a rate."""
        return self.interest is not None

    @property
    def interest_figure(self) -> Money:
        """The interest as it counts in the totals: zero when it has no figure."""
        return self.interest if self.interest is not None else Money.zero(self.principal.currency)

    @property
    def rounding(self) -> Money:
        """The interest less the sum of its periods as shown (zero: they add up)."""
        if not self.periods:
            return Money.zero(self.principal.currency)
        shown = sum((p.amount for p in self.periods), Money.zero(self.principal.currency))
        return self.interest_figure - shown

    @property
    def total(self) -> Money | None:
        """Principal, interest and indemnity; None when the indemnity is in another currency."""
        if self.indemnity.currency != self.principal.currency:
            return None
        return self.principal + self.interest_figure + self.indemnity


@dataclass(frozen=True, slots=True)
class Excluded:
    """Something open not claimed on the file's date, and why."""

    debt: Debt
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
    lines: tuple[ClaimedLine, ...]
    excluded: tuple[Excluded, ...]
    deductions: tuple[Deduction, ...]

    @property
    def principal(self) -> Totals:
        return Totals(line.principal for line in self.lines)

    @property
    def interest(self) -> Totals:
        return Totals(line.interest_figure for line in self.lines)

    @property
    def indemnities(self) -> Totals:
        return Totals(line.indemnity for line in self.lines if line.indemnity.is_positive)

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

    @property
    def receivables(self) -> tuple[Receivable, ...]:
        """The invoices the claim rests on, once each, by due date."""
        found: dict[str, Receivable] = {}
        for line in self.lines:
            for receivable in line.debt.receivables:
                found.setdefault(receivable.ref.key, receivable)
        return tuple(sorted(found.values(), key=lambda r: (r.due_on, r.number)))


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
    law = _Law(as_of, jurisdiction, b2c, contract, tables)
    lines: list[ClaimedLine] = []
    excluded: list[Excluded] = []
    for debt, carries, notice_on in _debts(state, as_of, notices):
        dispute = next(
            (
                d
                for d in state.disputes
                if any(d.receivable_ref == r.ref for r in debt.receivables) and d.open_on(as_of)
            ),
            None,
        )
        if debt.due_on >= as_of:
            excluded.append(Excluded(debt, Exclusion.NOT_DUE, debt.due_on))
        elif dispute is not None:
            excluded.append(Excluded(debt, Exclusion.DISPUTED, dispute.opened_on, dispute.reason))
        else:
            lines.append(law.line(debt, carries, notice_on))
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
        lines=tuple(lines),
        excluded=tuple(excluded),
        deductions=tuple(deductions),
    )


def _debts(
    state: CustomerState, as_of: date, notices: Mapping[str, date]
) -> Iterator[tuple[Debt, Sequence[LateInvoice] | None, date | None]]:
    """Each debt with the invoices whose indemnity it carries (None: its own) and the day of
    the first notice that named it, by due date."""
    invoices = {
        r.ref.key: r for r in state.receivables if r.is_open and r.kind is ReceivableKind.INVOICE
    }
    plans = [p for p in state.plans if p.active_on(as_of)]
    in_plan = {ref.key for plan in plans for ref in plan.receivable_refs}
    found: list[tuple[Debt, Sequence[LateInvoice] | None, date | None]] = []
    for key, receivable in invoices.items():
        if key in in_plan:
            continue
        parts = term_balances(receivable)
        split = len(parts) > 1
        for part in parts:
            if not part.open.is_positive:
                continue
            debt = Debt(
                ItemKind.TERM if split else ItemKind.RECEIVABLE,
                receivable.number,
                receivable.issued_on,
                part.due_on,
                part.amount,
                part.open,
                (receivable,),
                part.number if split else None,
                part.count if split else None,
            )
            found.append((debt, None, notices.get(key)))
    for plan in plans:
        found.extend(_plan_debts(plan, invoices, as_of, notices))
    found.sort(key=lambda item: (item[0].due_on, item[0].number, item[0].part or 0))
    return iter(found)


def _plan_debts(
    plan: PaymentPlan,
    invoices: Mapping[str, Receivable],
    as_of: date,
    notices: Mapping[str, date],
) -> Iterator[tuple[Debt, Sequence[LateInvoice] | None, date | None]]:
    covered = tuple(invoices[r.key] for r in plan.receivable_refs if r.key in invoices)
    open_by_key = {r.ref.key: r.open_balance for r in covered}
    notice_on = min((notices[r.ref.key] for r in covered if r.ref.key in notices), default=None)
    carried = False
    for part in plan_balances(plan, open_by_key):
        if not part.open.is_positive:
            continue
        carries: list[LateInvoice] = []
        if not carried and part.due_on < as_of:  # the first one claimed carries them
            carries = [LateInvoice(r.number, r.due_on, r.total) for r in covered]
            carried = True
        debt = Debt(
            ItemKind.INSTALMENT,
            plan.id,
            plan.agreed_on,
            part.due_on,
            part.amount,
            part.open,
            covered,
            part.number,
            part.count,
        )
        yield debt, carries, notice_on


@dataclass(frozen=True, slots=True)
class _Law:
    as_of: date
    jurisdiction: str
    b2c: bool
    contract: ContractTerms | None
    tables: RateTables

    def line(
        self, debt: Debt, carries: Sequence[LateInvoice] | None, notice_on: date | None
    ) -> ClaimedLine:
        legal = InvoiceDebt(debt.number, debt.open, debt.due_on, indemnity_for=carries)
        from_notice = self.jurisdiction == "FR" and self.b2c
        if from_notice and notice_on is None:
            claim = self._assess(legal, self.as_of, None, interest=False)
            zero = Money.zero(debt.open.currency)
            return replace(_line(debt, claim, None), interest=zero, no_notice=True)
        interest_from = notice_on if from_notice else None
        try:
            return _line(debt, self._assess(legal, self.as_of, notice_on), interest_from)
        except MissingRate:
            pass
        start = debt.due_on + timedelta(days=1)
        if from_notice and notice_on is not None:
            start = max(notice_on, start)
        for end in _half_year_ends(start, self.as_of):
            try:
                claim = self._assess(legal, end, notice_on)
            except MissingRate:
                continue
            found = _line(debt, claim, interest_from)
            return replace(found, missing_from=end + timedelta(days=1), computed_until=end)
        claim = self._assess(legal, self.as_of, notice_on, interest=False)
        return replace(_line(debt, claim, interest_from), missing_from=start)

    def _assess(
        self, debt: InvoiceDebt, until: date, notice_on: date | None, *, interest: bool = True
    ) -> InvoiceClaim:
        return assess(
            [debt],
            as_of=until,
            jurisdiction=self.jurisdiction,
            b2c=self.b2c,
            contract=self.contract,
            notice_on=notice_on,
            tables=self.tables,
            interest=interest,
        ).invoices[0]


def _line(debt: Debt, claim: InvoiceClaim, interest_from: date | None) -> ClaimedLine:
    return ClaimedLine(
        debt,
        claim.interest,
        claim.indemnity,
        claim.indemnity_for,
        claim.periods,
        interest_from=interest_from,
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
