"""The figures a formal notice lists, for one planned notice: the same in the daemon and in
the Odoo add-on.

Each line of the notice is one late payment, figured from its own due date with its real
payment history: the line's amount before the dated payments it received, and those
payments, each imputed on the interest accrued, then the indemnity, then the principal
(Code civil 1343-1; BGB § 367 in Germany). The letter shows what is open in the ledger (all
payments deducted) plus all the interest accrued and the indemnity: the same total as the
law's principal, interest and indemnity still owed after imputation. A line whose payments
are not known by date (a source that does not date them, a payment plan's instalment) is
figured on what is open from its due date, which never claims more than owed.

Which late payment carries the 40 EUR indemnity (D441-5; directive 2011/7/EU art. 6):

* **An invoice**: one indemnity (D441-5 "per late payment"; CJEU C-370/21 DOMUS-Software,
  1 Dec 2022: due for each commercial transaction not paid on time, as reflected in an
  invoice, even when several are claimed together).
* **An instalment of an invoice whose payment terms split it** (30 % at once, 70 % at 60
  days): one indemnity per late instalment. The split is the contract's own payment
  schedule, and directive 2011/7/EU art. 5 says that where an agreed instalment is not paid
  on its date, interest *and compensation* are calculated on the amounts overdue; the same
  CJEU case counts each successive payment under one contract; Germany writes it out
  (BGB § 288(5): the lump sum is owed for an instalment too). Interest runs on each
  instalment from the day after its own due date, never on the part not yet due.
* **An instalment of a payment plan** (an échéancier agreed after the invoices fell due):
  none of its own. A plan reschedules debts that were already late; it is not a payment
  under the commercial contract, so a missed plan instalment is not a further late payment
  of a transaction. The indemnities belong to the invoices the plan is for, one per invoice
  (C-370/21), owed since each invoice's own due date and not waived by the plan: the
  notice claims them once, on the first of that plan's instalments it lists
  (``indemnity_for`` names the invoices). Interest runs on each missed instalment from the
  day after its own due date (the creditor granted time until then).

When a rate the law needs is not in the tables (``MissingRate``: the next half-year is not
published yet), the indemnities, which need no rate, are still claimed; the interest has no
figure (``interest_missing`` says why) so the notice can say it runs at the legal rate, and
whoever sends it holds it for a person first.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace

from connector.legal.claim import ContractTerms, InvoiceDebt, LateInvoice, LegalClaim, assess
from connector.legal.rates import MissingRate, RateTables
from connector.model import Customer, LegalKind, StepKind
from connector.money import Money
from connector.planner import ClaimLine, ItemKind, PlannedAction

__all__ = ["notice_claim", "notice_debts"]

log = logging.getLogger(__name__)


def notice_debts(lines: Sequence[ClaimLine]) -> list[InvoiceDebt]:
    """One debt per line of a notice, each with the indemnities it carries (see above)."""
    debts: list[InvoiceDebt] = []
    plans_seen: set[str | None] = set()
    for line in lines:
        carries: list[LateInvoice] | None = None
        if line.kind is ItemKind.INSTALMENT:
            carries = []
            if line.plan_id not in plans_seen:
                plans_seen.add(line.plan_id)
                carries = [LateInvoice(c.number, c.due_on, c.total) for c in line.covers]
        paid = sum((amount for _, amount in line.payments), Money.zero(line.open.currency))
        debts.append(
            InvoiceDebt(
                line.number,
                line.open + paid,
                line.due_on,
                payments=line.payments,
                key=line.key,
                indemnity_for=carries,
                # an invoice's payment period begins with it at the latest
                period_start=None if line.kind is ItemKind.INSTALMENT else line.issued_on,
            )
        )
    return debts


def notice_claim(
    action: PlannedAction,
    customer: Customer,
    *,
    jurisdiction: str,
    tables: RateTables | None = None,
    contract: ContractTerms | None = None,
) -> LegalClaim | None:
    """The recovery indemnity and late-payment interest of each line a notice lists (None for
    any other step), matched to the action's lines by ``key``. Without a rate the law needs,
    the claim comes back with its indemnities, no interest figure and ``interest_missing``."""
    if action.kind is not StepKind.NOTICE:
        return None
    if contract is not None and contract.rate is not None and jurisdiction.upper() != "FR":
        # a tenant's contract rate is modelled for France (its 3x legal-rate floor): elsewhere
        # the notice claims the statutory rate, and the log says the contract's was left out
        log.warning(
            "contract rate %s%% not applied: modelled for FR only, %s claims its statutory rate",
            contract.rate,
            jurisdiction.upper(),
        )
        contract = replace(contract, rate=None)
    debts = notice_debts(action.lines)
    b2c = customer.legal_kind is LegalKind.B2C
    try:
        return assess(
            debts,
            as_of=action.planned_on,
            jurisdiction=jurisdiction,
            b2c=b2c,
            notice_on=action.planned_on,
            tables=tables,
            contract=contract,
        )
    except MissingRate as exc:
        claim = assess(
            debts,
            as_of=action.planned_on,
            jurisdiction=jurisdiction,
            b2c=b2c,
            notice_on=action.planned_on,
            tables=tables,
            contract=contract,
            interest=False,
        )
        why = f"{exc.message} ({exc.hint})" if exc.hint else exc.message
        return replace(claim, interest_missing=why)
