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

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from connector.dossier.debts import ClaimedLine, ClaimLaw, Debt, debts_of
from connector.legal import ContractTerms, RateTables, assess
from connector.model import LegalKind, Receivable, ReceivableKind
from connector.money import Money, Totals
from connector.planner import CustomerState

__all__ = [
    "ClaimedLine",
    "Debt",
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
    law = ClaimLaw(as_of, jurisdiction, b2c, contract, tables)
    lines: list[ClaimedLine] = []
    excluded: list[Excluded] = []
    for debt, carries, notice_on in debts_of(state, as_of, notices):
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
