"""The recovery indemnity of one late invoice, alone: it needs no rate.

When the interest of an invoice cannot be computed (:class:`MissingRate`), the fixed
recovery sum is still owed and still claimed; :func:`assess` raises before returning it,
so this gives it by the same rule (the law's sum, or the contract's when it says more).
"""

from __future__ import annotations

from datetime import date

from connector.legal.claim import ContractTerms, InvoiceDebt, _rule
from connector.legal.rates import RateTables
from connector.money import Money

__all__ = ["recovery_indemnity"]


def recovery_indemnity(
    debt: InvoiceDebt,
    *,
    as_of: date,
    jurisdiction: str = "FR",
    b2c: bool = False,
    contract: ContractTerms | None = None,
) -> Money:
    """The indemnity ``debt`` carries on ``as_of`` (zero when none is due), as assess gives it."""
    zero = Money.zero(debt.principal.currency)
    if as_of <= debt.due_on:
        return zero
    rule = _rule(jurisdiction.upper(), b2c, RateTables(), False, contract)
    statutory = rule.indemnity(debt.principal)
    if statutory is None:
        return zero
    extra = contract.indemnity if contract is not None else None
    if extra is not None and extra.currency == statutory.currency:
        return max(statutory, extra)
    return statutory
