"""The debts a customer owes on a day, and what the law adds to each.

A debt is one late payment, as a formal notice figures it (:mod:`connector.legal.notice`):
an open invoice; one instalment of an invoice whose payment terms split it (each late from
its own due date, with its own indemnity); or one unpaid instalment of a live payment plan,
the first one claimed carrying the indemnities of the invoices the plan is for.

:class:`ClaimLaw` adds the interest and the indemnity with :func:`connector.legal.assess`,
on what is still open from the day after the due date. A French consumer's interest runs
only from the formal notice that named the invoice. When a half-year's rate is not published
yet, the interest is computed up to the last day whose rate is known (``computed_until``);
with no rate at all it has no figure (``None``), while the indemnity is still claimed.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta

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
from connector.model import PaymentPlan, Receivable, ReceivableKind
from connector.money import Money
from connector.planner import CustomerState, ItemKind

__all__ = ["ClaimLaw", "ClaimedLine", "Debt", "debts_of"]


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


def debts_of(
    state: CustomerState, as_of: date, notices: Mapping[str, date]
) -> Iterator[tuple[Debt, Sequence[LateInvoice] | None, date | None]]:
    """Each open debt with the invoices whose indemnity it carries (None: its own) and the
    day of the first formal notice that named it (by receivable key in ``notices``), by due
    date."""
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
class ClaimLaw:
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
