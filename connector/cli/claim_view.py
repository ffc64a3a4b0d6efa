"""How ``relance claim`` shows its figures: the periods (which add up to the interest), the
payments and where each went, what is still owed per currency, and why."""

from __future__ import annotations

from typing import Any

from rich.table import Table

from connector.cli._context import AppState
from connector.legal import InvoiceDebt, LegalClaim
from connector.legal.claim import InvoiceClaim
from connector.money import Money, Totals

__all__ = ["show_claim"]

IMPUTATION_ORDER = {
    False: "interest, then the recovery indemnity, then the principal (Code civil 1343-1; "
    "the indemnity ranks with the interest as an accessory of the debt, Cass. 1re civ. "
    "7 Feb 1995, n° 92-14.216)",
    True: "costs (the lump sum), then interest, then the principal (BGB § 367)",
}


def _owed(invoice: InvoiceClaim) -> Totals:
    """What is still owed, per currency: the fixed compensation is never left out, even when
    it is in another currency than the invoice."""
    owed = Totals([invoice.principal])
    if invoice.interest_owed is not None:
        owed.add(invoice.interest_owed)
    if invoice.indemnity.is_positive:
        owed.add(invoice.indemnity_owed)
    return owed


def _money(value: Money | None) -> str | None:
    return None if value is None else str(value.rounded().amount)


def _json(result: LegalClaim, debt: InvoiceDebt, invoice: InvoiceClaim) -> dict[str, Any]:
    currency = debt.principal.currency
    charges = Totals(m for m in (invoice.interest_owed, invoice.indemnity_owed) if m is not None)
    single = list(charges) == [currency] or not charges
    return {
        "jurisdiction": result.jurisdiction,
        "b2c": result.b2c,
        "private_creditor": result.private_creditor,
        "as_of": result.as_of.isoformat(),
        "day_count": result.day_count,
        "rounding": result.rounding,
        "legal_basis": list(result.legal_basis),
        "currency": currency,
        "principal": str(debt.principal.amount),
        "principal_owed": str(invoice.principal.amount),
        "interest_from": invoice.interest_from.isoformat() if invoice.interest_from else None,
        "periods": [
            {
                "start": p.start.isoformat(),
                "end": p.end.isoformat(),
                "days": p.days,
                "principal": str(p.principal.amount),
                "rate": str(p.rate),
                "rule": p.rule,
                "amount": str(p.amount.amount),
            }
            for p in invoice.periods
        ],
        "interest": _money(invoice.interest),
        "interest_paid": _money(invoice.interest_paid),
        "interest_owed": _money(invoice.interest_owed),
        "indemnity": {
            "amount": _money(invoice.indemnity),
            "currency": invoice.indemnity.currency,
            "paid": _money(invoice.indemnity_paid),
            "owed": _money(invoice.indemnity_owed),
        },
        "payments": [
            {
                "on": i.on.isoformat(),
                "amount": str(i.amount.amount),
                "to_interest": str(i.interest.amount),
                "to_indemnity": str(i.indemnity.amount),
                "to_principal": str(i.principal.amount),
                "excess": str(i.excess.amount),
            }
            for i in invoice.imputations
        ],
        # interest and indemnity still owed, when they are in one currency (else: "owed")
        "total_claimable": _money(charges.get_or_zero(currency)) if single else None,
        "owed": [{"currency": m.currency, "amount": _money(m)} for m in _owed(invoice).values()],
        "notes": list(invoice.notes),
    }


def show_claim(
    state: AppState, result: LegalClaim, debt: InvoiceDebt, *, waiting_for_notice: bool
) -> None:
    (invoice,) = result.invoices
    if state.json_output:
        payload = _json(result, debt, invoice)
        if waiting_for_notice:
            payload["notes"].append("interest runs from the day after the formal notice")
        state.emit_json(payload)
        return
    console = state.console
    kind = "B2C" if result.b2c else "B2B"
    if result.private_creditor:
        kind += ", private creditor"
    view = Table(
        title=f"{result.jurisdiction} {kind}: {debt.principal} due {debt.due_on}, "
        f"as of {result.as_of} ({result.day_count})"
    )
    for column in ("from", "to", "days", "principal", "rate %", "how", "interest"):
        view.add_column(column, justify="left" if column == "how" else "right")
    for p in invoice.periods:
        view.add_row(
            str(p.start), str(p.end), str(p.days), str(p.principal), str(p.rate), p.rule,
            str(p.amount),
        )  # fmt: skip
    view.add_row("", "", "", "", "", "total", str(invoice.interest))
    console.print(view)
    console.print(f"Rounding: {result.rounding}.")
    if waiting_for_notice:
        console.print("No interest yet: it runs from the day after the formal notice (--notice).")
    if invoice.imputations:
        paid = Table(title="Payments received")
        for column in ("on", "amount", "to interest", "to indemnity", "to principal", "excess"):
            paid.add_column(column, justify="right")
        for i in invoice.imputations:
            paid.add_row(
                str(i.on), str(i.amount), str(i.interest), str(i.indemnity), str(i.principal),
                str(i.excess),
            )  # fmt: skip
        console.print(paid)
        costs_first = result.jurisdiction == "DE"
        console.print(f"Each payment goes to {IMPUTATION_ORDER[costs_first]}.")
        console.print(
            f"Interest: {invoice.interest} accrued, {invoice.interest_paid} paid, "
            f"{invoice.interest_owed} still owed."
        )
    if invoice.indemnity.is_positive:
        console.print(
            f"Recovery indemnity: {invoice.indemnity}"
            + (f", {invoice.indemnity_owed} still owed" if invoice.indemnity_paid else "")
        )
    else:
        console.print("Recovery indemnity: none")
    console.print(f"Principal still owed: {invoice.principal}")
    for money in _owed(invoice).values():
        console.print(f"Total still owed ({money.currency}): {money}")
    for note in invoice.notes:
        console.print(f"Note: {note}")
    for text in result.legal_basis:
        console.print(f"  {text}")
