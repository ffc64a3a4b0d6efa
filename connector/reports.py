"""Aged balance (balance âgée) and days sales outstanding (DSO), per currency.

Credit notes are netted in the "not due" column of their currency: an open credit is
money the customer may deduct, whatever its age. Nothing is summed across currencies.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from connector.model import Receivable, ReceivableKind
from connector.money import Money, Totals

__all__ = ["BUCKETS", "AgedBalance", "aged_balance", "bucket_of", "days_sales_outstanding"]

BUCKETS = ("not_due", "1-30", "31-60", "61-90", "90+")


def bucket_of(due_on: date, as_of: date) -> str:
    late = (as_of - due_on).days
    if late <= 0:
        return "not_due"
    if late <= 30:
        return "1-30"
    if late <= 60:
        return "31-60"
    if late <= 90:
        return "61-90"
    return "90+"


@dataclass(slots=True)
class AgedBalance:
    as_of: date
    by_currency: dict[str, dict[str, Money]] = field(default_factory=dict)
    invoices: int = 0
    credit_notes: int = 0

    def total(self, currency: str) -> Money:
        buckets = self.by_currency.get(currency, {})
        return sum(buckets.values(), Money.zero(currency))

    def totals(self) -> Totals:
        return Totals(self.total(c) for c in sorted(self.by_currency))

    def as_dict(self) -> dict[str, object]:
        return {
            "as_of": self.as_of.isoformat(),
            "invoices": self.invoices,
            "credit_notes": self.credit_notes,
            "currencies": {
                currency: {
                    **{b: str(buckets[b].rounded().amount) for b in BUCKETS},
                    "total": str(self.total(currency).rounded().amount),
                }
                for currency, buckets in sorted(self.by_currency.items())
            },
        }


def aged_balance(receivables: Iterable[Receivable], as_of: date) -> AgedBalance:
    report = AgedBalance(as_of)
    for receivable in receivables:
        if not receivable.is_open:
            continue
        currency = receivable.currency
        buckets = report.by_currency.setdefault(
            currency, {b: Money.zero(currency) for b in BUCKETS}
        )
        if receivable.kind is ReceivableKind.CREDIT_NOTE:
            report.credit_notes += 1
            buckets["not_due"] -= receivable.open_balance
            continue
        report.invoices += 1
        bucket = bucket_of(receivable.due_on, as_of)
        buckets[bucket] += receivable.open_balance
    return report


def days_sales_outstanding(
    open_totals: Mapping[str, Money], sales: Mapping[str, Money], days: int
) -> dict[str, Decimal | None]:
    """DSO = receivables / sales of the period * days, per currency (None without sales)."""
    result: dict[str, Decimal | None] = {}
    for currency in sorted(set(open_totals) | set(sales)):
        owed = open_totals.get(currency, Money.zero(currency)).amount
        sold = sales.get(currency, Money.zero(currency)).amount
        result[currency] = (
            None if sold <= 0 else (owed / sold * days).quantize(Decimal("0.1"), ROUND_HALF_UP)
        )
    return result
