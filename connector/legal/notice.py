"""The figures a formal notice lists, for one planned notice: the same in the daemon and in
the Odoo add-on."""

from __future__ import annotations

from connector.legal.claim import ContractTerms, InvoiceDebt, LegalClaim, assess
from connector.legal.rates import RateTables
from connector.model import Customer, LegalKind, StepKind
from connector.planner import PlannedAction

__all__ = ["notice_claim"]


def notice_claim(
    action: PlannedAction,
    customer: Customer,
    *,
    jurisdiction: str,
    tables: RateTables | None = None,
    contract: ContractTerms | None = None,
) -> LegalClaim | None:
    """The recovery indemnity and late-payment interest of each invoice a notice lists (None
    for any other step). Each invoice counts at its open balance from its due date: earlier
    partial payments are not replayed, so the interest claimed is never more than owed.
    Instalments of a payment plan are not invoices: they carry no indemnity of their own.
    Raises MissingRate when a rate the law needs is not in the tables."""
    if action.kind is not StepKind.NOTICE:
        return None
    debts = [InvoiceDebt(ln.number, ln.open, ln.due_on) for ln in action.lines if ln.ref]
    return assess(
        debts,
        as_of=action.planned_on,
        jurisdiction=jurisdiction,
        b2c=customer.legal_kind is LegalKind.B2C,
        notice_on=action.planned_on,
        tables=tables,
        contract=contract,
    )
