"""Aged balance (balance âgée), net open balance and days sales outstanding (DSO), per
currency and per customer.

What is owed on invoices goes in the bucket of its lateness, instalment by instalment for
an invoice whose terms split it (the part not yet due is "not due"). Open credit notes and
payments not yet matched to an invoice are two deductions of their own: the net open
balance is the buckets less the deductions, per currency and per customer — the figure a
customer account (411) shows in the books. Nothing is summed across currencies.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from connector.instalments import term_balances
from connector.model import Payment, Receivable, ReceivableKind
from connector.money import Money, Totals

__all__ = [
    "BUCKETS",
    "DEDUCTIONS",
    "AgedBalance",
    "aged_balance",
    "bucket_of",
    "days_sales_outstanding",
]

BUCKETS = ("not_due", "1-30", "31-60", "61-90", "90+")
DEDUCTIONS = ("credit_notes", "unapplied_payments")


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
    by_currency: dict[str, dict[str, Money]] = field(default_factory=dict)  # buckets, deductions
    by_customer: dict[str, Totals] = field(default_factory=dict)  # customer key -> net open
    invoices: int = 0
    credit_notes: int = 0
    payments: int = 0  # with a part not matched to an invoice

    def _columns(self, currency: str) -> dict[str, Money]:
        return self.by_currency.setdefault(
            currency, {name: Money.zero(currency) for name in (*BUCKETS, *DEDUCTIONS)}
        )

    def _add(self, customer: str, column: str, money: Money) -> None:
        columns = self._columns(money.currency)
        columns[column] += money
        signed = -money if column in DEDUCTIONS else money
        self.by_customer.setdefault(customer, Totals()).add(signed)

    def total(self, currency: str) -> Money:
        """The net open balance: the buckets less the deductions."""
        columns = self.by_currency.get(currency, {})
        owed = sum((columns[b] for b in BUCKETS if b in columns), Money.zero(currency))
        less = sum((columns[d] for d in DEDUCTIONS if d in columns), Money.zero(currency))
        return owed - less

    def totals(self) -> Totals:
        return Totals(self.total(c) for c in sorted(self.by_currency))

    def as_dict(self) -> dict[str, object]:
        return {
            "as_of": self.as_of.isoformat(),
            "invoices": self.invoices,
            "credit_notes": self.credit_notes,
            "unapplied_payments": self.payments,
            "currencies": {
                currency: {
                    **{b: str(columns[b].rounded().amount) for b in (*BUCKETS, *DEDUCTIONS)},
                    "total": str(self.total(currency).rounded().amount),
                }
                for currency, columns in sorted(self.by_currency.items())
            },
            "customers": {
                key: {c: str(m.rounded().amount) for c, m in totals.items()}
                for key, totals in sorted(self.by_customer.items())
            },
        }


def aged_balance(
    receivables: Iterable[Receivable], as_of: date, payments: Iterable[Payment] = ()
) -> AgedBalance:
    """The open documents on ``as_of``, and the payments received by then not yet matched."""
    report = AgedBalance(as_of)
    for receivable in receivables:
        if not receivable.is_open:
            continue
        customer = receivable.customer_ref.key
        if receivable.kind is ReceivableKind.CREDIT_NOTE:
            report.credit_notes += 1
            report._add(customer, "credit_notes", receivable.open_balance)
            continue
        report.invoices += 1
        for part in term_balances(receivable):
            if part.open.is_positive:
                report._add(customer, bucket_of(part.due_on, as_of), part.open)
    for payment in payments:
        if payment.unapplied.is_positive and payment.received_on <= as_of:
            report.payments += 1
            report._add(payment.customer_ref.key, "unapplied_payments", payment.unapplied)
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
