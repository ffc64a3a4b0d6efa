"""What the law lets a creditor claim on late invoices: indemnity and interest, per invoice.

Interest is simple, from the day after the due date (a French consumer's, or a private
creditor's: from the day after the formal notice, or after its receipt when that is known)
to the as-of date inclusive: principal x rate x days / basis. Which rate and which fixed
compensation apply on each day is :mod:`connector.legal.regimes`'s answer.

**Periods.** A period is a run of days with one rate on one principal: it ends where the
rate changes (each half-year, each ECB change before 2013 in France, the days the law
changed) or where a payment lowers the principal. The United Kingdom fixes one rate for
the life of the debt.

**Rounding.** Each period's interest is rounded half-up to the cent; the interest is the
sum of the periods. So the lines printed for a claim always add up to its total.

**Partial payments** (Code civil 1343-1): a payment received on a day settles, in order,
the interest accrued until the day before (the periods already closed), then the recovery
indemnity, then the principal; what is left over is an excess. The indemnity stands after
the interest and before the principal: 1343-1 names the interest; the Cour de cassation
ranks recovery costs with it as accessories of the debt, which the debtor may not pass over
to pay the capital (Cass. 1re civ., 7 février 1995, n° 92-14.216); between the two the text
names only the interest, so it comes first. Germany puts the costs first (BGB § 367). A
payment received before interest starts lowers the principal only.

``interest`` is all the interest the periods show (before any payment settled part of it),
``indemnity`` the fixed compensation; ``interest_paid`` and ``indemnity_paid`` what payments
settled of them, and ``principal`` what is still owed of the principal after imputation.
So ``principal + interest_owed + indemnity_owed`` is what is still owed, and equals the
principal less every payment plus the interest and the indemnity: a letter that shows the
ledger's open amount (payments all deducted) adds ``interest`` and ``indemnity``.

A debt is one late payment: an invoice, one instalment of an invoice whose payment terms
split it, or one instalment of a payment plan, which carries the indemnities of the invoices
the plan is for (``indemnity_for``; see :mod:`connector.legal.notice`). Asked not to compute
interest (``interest=False``: a rate the law needs is missing), the indemnities, which need
no rate, are still computed and every interest is None: never a zero that reads as a figure.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction
from itertools import pairwise

from connector.errors import ConfigError
from connector.legal.figures import (
    ROUNDING_RULE,
    ContractTerms,
    DayCount,
    Imputation,
    InterestPeriod,
    InvoiceClaim,
    InvoiceDebt,
    LateInvoice,
    LegalClaim,
)
from connector.legal.rates import MissingRate, RateTables
from connector.legal.regimes import JURISDICTIONS, Regime, change_days, from_notice, regime
from connector.money import Money, Totals, minor_units

__all__ = [
    "JURISDICTIONS",
    "ROUNDING_RULE",
    "ContractTerms",
    "DayCount",
    "Imputation",
    "InterestPeriod",
    "InvoiceClaim",
    "InvoiceDebt",
    "LateInvoice",
    "LegalClaim",
    "assess",
    "year_fraction",
]


def _cents(value: Fraction, currency: str) -> Decimal:
    """An exact rational to the currency's minor unit, half-up."""
    with localcontext() as context:
        context.prec = 60
        exact = Decimal(value.numerator) / Decimal(value.denominator)
    return exact.quantize(Decimal(1).scaleb(-minor_units(currency)), ROUND_HALF_UP)


def year_fraction(start: date, end: date, day_count: DayCount) -> Fraction:
    """The days from ``start`` to ``end`` inclusive, as a fraction of a year."""
    if day_count is DayCount.ACT_365:
        return Fraction((end - start).days + 1, 365)
    total, cursor = Fraction(0), start
    while cursor <= end:
        year_end = min(end, date(cursor.year, 12, 31))
        days_in_year = 366 if calendar.isleap(cursor.year) else 365
        total += Fraction((year_end - cursor).days + 1, days_in_year)
        cursor = year_end + timedelta(days=1)
    return total


def _indemnity_of(statutory: Money | None, contract: ContractTerms | None) -> Money | None:
    """One late payment's indemnity: the law's, or the contract's when it says more."""
    if statutory is None or contract is None or contract.indemnity is None:
        return statutory
    if contract.indemnity.currency != statutory.currency:
        return statutory
    return max(statutory, contract.indemnity)


@dataclass(frozen=True, slots=True)
class _Context:
    jurisdiction: str
    b2c: bool
    private_creditor: bool
    tables: RateTables
    allow_unconfirmed: bool
    contract: ContractTerms | None
    day_count: DayCount

    def regime(
        self, principal: Money, period_start: date, contract_on: date, start: date
    ) -> Regime:
        return regime(
            self.jurisdiction,
            b2c=self.b2c,
            private_creditor=self.private_creditor,
            principal=principal,
            period_start=period_start,
            contract_on=contract_on,
            interest_start=start,
            contract_rate=None if self.contract is None else self.contract.rate,
            tables=self.tables,
            allow_unconfirmed=self.allow_unconfirmed,
        )


def _indemnities(
    debt: InvoiceDebt, ctx: _Context, as_of: date, start: date
) -> tuple[Money | None, tuple[str, ...], tuple[str, ...]]:
    """The indemnity a debt carries, the invoice numbers it is for, and what to say."""
    if debt.indemnity_for is None:
        if as_of <= debt.due_on:
            return None, (), ()
        rules = _rules(debt, ctx, start)
        own = _indemnity_of(rules.indemnity, ctx.contract)
        return own, ((debt.number,) if own is not None else ()), rules.notes
    found: list[tuple[str, Money]] = []
    notes: list[str] = []
    for late in debt.indemnity_for:
        if as_of <= late.due_on:
            continue
        began = late.period_start or late.due_on
        rules = ctx.regime(late.amount, began, began, late.due_on + timedelta(days=1))
        money = _indemnity_of(rules.indemnity, ctx.contract)
        notes.extend(n for n in rules.notes if n not in notes)
        if money is not None:
            found.append((late.number, money))
    if not found:
        return None, (), tuple(notes)
    total = Totals(money for _, money in found)
    if len(total) != 1:  # the law's currency is one per jurisdiction
        raise ConfigError("indemnities in several currencies for one debt", key="jurisdiction")
    return next(iter(total.values())), tuple(n for n, _ in found), tuple(notes)


def _rules(debt: InvoiceDebt, ctx: _Context, start: date) -> Regime:
    began = debt.period_start or debt.due_on
    return ctx.regime(debt.principal, began, debt.contract_on or began, start)


@dataclass
class _Ledger:
    """What is owed on one debt as the days go by, in the currency's minor unit."""

    currency: str
    principal: Decimal
    fee_left: Decimal
    costs_first: bool
    interest_left: Decimal = Decimal(0)
    imputations: list[Imputation] = field(default_factory=list)

    def receive(self, day: date, amount: Decimal) -> None:
        left, parts = amount, {"interest": Decimal(0), "fee": Decimal(0)}
        for owed in ("fee", "interest") if self.costs_first else ("interest", "fee"):
            due = self.interest_left if owed == "interest" else self.fee_left
            part = min(left, due)
            parts[owed] = part
            left -= part
        self.interest_left -= parts["interest"]
        self.fee_left -= parts["fee"]
        to_principal = min(left, self.principal)
        self.principal -= to_principal
        c = self.currency
        self.imputations.append(
            Imputation(
                day,
                Money(amount, c),
                Money(parts["interest"], c),
                Money(parts["fee"], c),
                Money(to_principal, c),
                Money(left - to_principal, c),
            )
        )


def _accrue(
    periods: list[InterestPeriod],
    ledger: _Ledger,
    rules: Regime,
    start: date,
    next_start: date,
    paid_that_day: bool,
    ctx: _Context,
) -> None:
    """The interest of the days from ``start`` to the day before ``next_start``: a period
    of its own, or the continuation of the last one when nothing changed between them (same
    rate, same principal, no payment): one run, rounded once."""
    end = next_start - timedelta(days=1)
    rate, rule = rules.rate(start)
    last = periods[-1] if periods else None
    if (
        last is not None
        and not paid_that_day
        and last.end + timedelta(days=1) == start
        and (last.rate, last.rule, last.principal.amount) == (rate, rule, ledger.principal)
    ):
        start = last.start
        periods.pop()
        ledger.interest_left -= last.amount.amount
    exact = (
        Fraction(ledger.principal) * Fraction(rate) / 100 * year_fraction(start, end, ctx.day_count)
    )
    amount = _cents(exact, ledger.currency)
    ledger.interest_left += amount
    currency = ledger.currency
    periods.append(
        InterestPeriod(
            start,
            end,
            (end - start).days + 1,
            rate,
            Money(ledger.principal, currency),
            Money(amount, currency),
            rule,
        )
    )


def _assess_one(
    debt: InvoiceDebt, ctx: _Context, as_of: date, start: date | None, interest: bool
) -> tuple[InvoiceClaim, tuple[str, ...]]:
    """One debt's claim, and the texts it rests on."""
    currency = debt.principal.currency
    payments = sorted((day, paid) for day, paid in debt.payments if day <= as_of)
    for day, paid in payments:
        if paid.currency != currency or paid.amount <= 0:
            raise ConfigError(
                f"payment of {paid} on {day} on {debt.number}: not a positive amount in {currency}",
                key="--payment",
            )
    began = start if start is not None else debt.due_on + timedelta(days=1)
    indemnity, indemnity_for, notes = _indemnities(debt, ctx, as_of, began)
    same = indemnity is not None and indemnity.currency == currency
    fee = indemnity.amount if indemnity is not None and same else Decimal(0)
    zero = Money.zero(currency)
    rules = _rules(debt, ctx, began)
    if not interest:
        total_paid = sum((p.amount for _, p in payments), Decimal(0))
        return InvoiceClaim(
            debt.number,
            Money(max(debt.principal.amount - total_paid, Decimal(0)), currency),
            debt.due_on,
            indemnity or zero,
            None,
            (),
            debt.key,
            indemnity_for,
            notes=notes,
        ), rules.basis
    ledger = _Ledger(currency, debt.principal.amount, Decimal(0), rules.costs_first)
    periods: list[InterestPeriod] = []
    running = start is not None and start <= as_of
    for day, paid in payments:
        if day <= debt.due_on:  # paid in time: the principal only
            ledger.receive(day, paid.amount)
    if ledger.principal <= 0:  # all paid by the due date: no late payment
        indemnity, indemnity_for, fee = None, (), Decimal(0)
    ledger.fee_left = fee
    for day, paid in payments:
        if debt.due_on < day and (not running or day < began):  # before interest runs
            ledger.receive(day, paid.amount)
    if running:
        later = {d for d, _ in payments if d >= began}
        points = [began, *sorted(change_days(ctx.tables, began, as_of) | later)]
        for seg_start, seg_next in pairwise([*points, as_of + timedelta(days=1)]):
            for day, paid in payments:
                if day == seg_start and day in later:
                    ledger.receive(day, paid.amount)
            if ledger.principal <= 0:
                continue
            _accrue(periods, ledger, rules, seg_start, seg_next, seg_start in later, ctx)
    imputed = ledger.imputations
    return InvoiceClaim(
        debt.number,
        Money(ledger.principal, currency),
        debt.due_on,
        indemnity or zero,
        sum((p.amount for p in periods), zero),
        tuple(periods),
        debt.key,
        indemnity_for,
        interest_paid=sum((i.interest for i in imputed), zero),
        indemnity_paid=Money(  # a payment settles it only when it is in the claim's currency
            sum((i.indemnity.amount for i in imputed), Decimal(0)),
            indemnity.currency if indemnity is not None else currency,
        ),
        imputations=tuple(imputed),
        interest_from=began if running else None,
        notes=notes,
    ), rules.basis


def assess(
    invoices: Sequence[InvoiceDebt],
    *,
    as_of: date,
    jurisdiction: str = "FR",
    b2c: bool = False,
    contract: ContractTerms | None = None,
    notice_on: date | None = None,
    notice_received_on: date | None = None,
    private_creditor: bool = False,
    tables: RateTables | None = None,
    day_count: DayCount = DayCount.ACT_365,
    allow_unconfirmed: bool = False,
    interest: bool = True,
) -> LegalClaim:
    """The indemnity and the interest owed on each late invoice on ``as_of`` (the interest
    left uncomputed, None, when ``interest`` is False). Raises MissingRate when a rate the
    law needs is not in the tables."""
    place = jurisdiction.upper()
    if place not in JURISDICTIONS:
        raise ConfigError(
            f"unknown jurisdiction {jurisdiction!r}",
            key="jurisdiction",
            hint=f"allowed: {', '.join(JURISDICTIONS)}",
        )
    ctx = _Context(
        place, b2c, private_creditor, tables or RateTables(), allow_unconfirmed, contract, day_count
    )
    notice = notice_received_on or notice_on
    claims: list[InvoiceClaim] = []
    basis: list[str] = []
    for debt in invoices:
        if debt.principal.amount < 0:
            raise ConfigError(
                f"{debt.number}: the principal {debt.principal} is negative",
                key="--principal",
                hint="give the amount still owed, a positive number",
            )
        after_due = debt.due_on + timedelta(days=1)
        if from_notice(place, b2c, private_creditor):
            start = None if notice is None else max(notice + timedelta(days=1), after_due)
        else:
            start = after_due
        claim, texts = _assess_one(debt, ctx, as_of, start, interest)
        claims.append(claim)
        basis.extend(t for t in texts if t not in basis)
    if not invoices:  # the texts of a debt falling due on the as-of date
        rules = ctx.regime(Money.zero("EUR"), as_of, as_of, as_of + timedelta(days=1))
        basis.extend(rules.basis)
    indemnities = Totals(c.indemnity for c in claims if c.indemnity.is_positive)
    accrued = Totals(c.interest for c in claims if c.interest is not None)
    legal_rate = None
    if from_notice(place, b2c, private_creditor):
        rules = ctx.regime(Money.zero("EUR"), as_of, as_of, as_of)
        try:
            legal_rate = rules.rate(as_of)[0]
        except MissingRate:
            legal_rate = None
    return LegalClaim(
        place,
        b2c,
        as_of,
        day_count.value,
        tuple(claims),
        indemnities,
        accrued,
        tuple(basis),
        private_creditor=private_creditor,
        legal_rate=legal_rate,
    )
