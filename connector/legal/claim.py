"""What the law lets a creditor claim on late invoices: indemnity and interest, per invoice.

Interest is simple, from the day after the due date (French consumers: from the formal
notice) to the as-of date inclusive: principal x rate x days / basis, split at every
half-year where the reference rate changes (and at every partial payment), except in the
United Kingdom where one rate is fixed for the life of the debt. Partial payments are
imputed on interest and accessories before principal (Code civil 1343-1), from the day
received. Amounts are Decimal; each invoice's interest is rounded once, half-up, to the cent,
and its periods show their shares of it (a running sum rounded once), so that a letter's
period lines add up to the invoice's interest when no payment was imputed on it.

A debt is one late payment: an invoice, or one instalment of an invoice whose payment terms
split it, which carries its own indemnity (see ``connector.legal.notice`` for why), or one
instalment of a payment plan, which carries the indemnities of the invoices the plan is for
(``indemnity_for``). Asked not to compute interest (``interest=False``: a rate the law needs
is missing), the indemnities, which need no rate, are still computed and every interest is
None: never a zero that reads as a figure.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal, localcontext
from enum import StrEnum
from fractions import Fraction
from itertools import pairwise

from connector.errors import ConfigError
from connector.legal.rates import RateTables, half_year_start
from connector.money import Money, Totals

__all__ = [
    "ContractTerms",
    "DayCount",
    "InterestPeriod",
    "InvoiceClaim",
    "InvoiceDebt",
    "LateInvoice",
    "LegalClaim",
    "assess",
]

CENT = Decimal("0.01")
JURISDICTIONS = ("FR", "EU", "UK", "DE", "BE", "ES")


class DayCount(StrEnum):
    ACT_365 = "actual/365"  # practice (the texts are silent): always divide by 365
    ACT_ACT = "actual/actual"  # days in a leap year divided by 366


@dataclass(frozen=True, slots=True)
class LateInvoice:
    """An invoice whose indemnity another debt carries (a payment plan's instalment)."""

    number: str
    due_on: date
    amount: Money


@dataclass(frozen=True, slots=True)
class InvoiceDebt:
    number: str
    principal: Money
    due_on: date
    payments: Sequence[tuple[date, Money]] = ()
    key: str = ""  # the dunning item it is (a notice's line), to find its figures again
    # None: the debt is a late payment with its own indemnity; else the invoices whose
    # indemnities it carries instead (none: no indemnity on it)
    indemnity_for: Sequence[LateInvoice] | None = None


@dataclass(frozen=True, slots=True)
class ContractTerms:
    rate: Decimal | None = None  # percent a year, replacing the statutory rate
    indemnity: Money | None = None  # per invoice, replacing the statutory sum where allowed


@dataclass(frozen=True, slots=True)
class InterestPeriod:
    start: date
    end: date
    days: int
    rate: Decimal  # percent a year
    principal: Money
    # the period's share of the invoice's interest: the running exact sum rounded once to the
    # cent, less what earlier periods showed, so the periods add up to the invoice's figure
    amount: Money


@dataclass(frozen=True, slots=True)
class InvoiceClaim:
    number: str
    principal: Money  # still owed
    due_on: date
    indemnity: Money
    interest: Money | None  # None: not computed (a rate is missing), never a silent zero
    periods: tuple[InterestPeriod, ...]
    key: str = ""
    indemnity_for: tuple[str, ...] = ()  # the invoice numbers the indemnity is for


@dataclass(frozen=True, slots=True)
class LegalClaim:
    jurisdiction: str
    b2c: bool
    as_of: date
    day_count: str
    invoices: tuple[InvoiceClaim, ...]
    indemnity_total: Totals = field(default_factory=Totals)
    interest_total: Totals = field(default_factory=Totals)
    legal_basis: tuple[str, ...] = ()
    # why the interest has no figure (a rate the law needs is not in the tables); "" when it has
    interest_missing: str = ""


@dataclass(frozen=True, slots=True)
class _Rule:
    rate: Callable[[date, date], Decimal]  # (segment start, interest start) -> percent
    piecewise: bool
    basis: tuple[str, ...]
    indemnity: Callable[[Money], Money | None]
    costs_first: bool = False  # BGB § 367: costs, then interest, then principal


def _fixed_40(principal: Money) -> Money:
    return Money(Decimal(40), "EUR")


def _uk_sum(principal: Money) -> Money:
    amount = principal.amount
    return Money(Decimal(40 if amount < 1000 else 70 if amount < 10000 else 100), "GBP")


def _rule(
    jurisdiction: str, b2c: bool, tables: RateTables, allow: bool, contract: ContractTerms | None
) -> _Rule:
    def ecb(day: date) -> Decimal:
        return tables["ecb_mro"].at(half_year_start(day), allow_unconfirmed=allow)["value"]

    def none(_: Money) -> None:
        return None

    match jurisdiction, b2c:
        case "FR", False:

            def fr(day: date, _start: date) -> Decimal:
                if contract is not None and contract.rate is not None:
                    floor = 3 * tables["fr_legal_rate"].at(day, allow_unconfirmed=allow)["b"]
                    return max(contract.rate, floor)
                return ecb(day) + 10

            return _Rule(
                fr,
                True,
                (
                    "Code de commerce, art. L441-10 II (pénalités de retard)",
                    "Code de commerce, art. D441-5 (indemnité forfaitaire)",
                ),
                _fixed_40,
            )
        case "FR", True:

            def legal(day: date, _start: date) -> Decimal:
                return tables["fr_legal_rate"].at(day, allow_unconfirmed=allow)["b"]

            return _Rule(
                legal,
                True,
                (
                    "Code civil, art. 1231-6 et 1344-1 (intérêts au taux "
                    "légal à compter de la mise en demeure)",
                ),
                none,
            )
        case (("EU" | "ES"), False):
            return _Rule(
                lambda day, _s: ecb(day) + 8,
                True,
                (
                    "Directive 2011/7/EU, art. 2 and 6"
                    if jurisdiction == "EU"
                    else "Ley 3/2004, arts. 7 y 8",
                ),
                _fixed_40,
            )
        case "BE", False:

            def be(day: date, _start: date) -> Decimal:
                return ((ecb(day) + 8) * 2).to_integral_value(ROUND_CEILING) / 2

            return _Rule(be, True, ("Loi du 2 août 2002, art. 5 et 6",), _fixed_40)
        case "DE", _:
            points = Decimal(5 if b2c else 9)

            def de(day: date, _start: date) -> Decimal:
                return (
                    tables["de_base_rate"].at(half_year_start(day), allow_unconfirmed=allow)[
                        "value"
                    ]
                    + points
                )

            return _Rule(
                de,
                True,
                ("BGB § 288 (" + ("1" if b2c else "2, 5") + "), § 247, § 367",),
                none if b2c else _fixed_40,
                costs_first=True,
            )
        case "UK", False:

            def uk(_day: date, start: date) -> Decimal:
                return tables["uk_reference_rate"].at(start, allow_unconfirmed=allow)["value"] + 8

            return _Rule(
                uk,
                False,
                (
                    "Late Payment of Commercial Debts (Interest) Act 1998, "
                    "ss. 4 and 5A; SI 2002/1675 art. 4",
                ),
                _uk_sum,
            )
        case _, True:
            return _Rule(
                lambda day, _s: Decimal(0),
                False,
                (
                    "no statutory late-payment interest or fixed sum toward consumers "
                    f"in {jurisdiction}",
                ),
                none,
            )
    raise ConfigError(
        f"unknown jurisdiction {jurisdiction!r}",
        key="jurisdiction",
        hint=f"allowed: {', '.join(JURISDICTIONS)}",
    )


def _segments(start: date, end: date, cuts: set[date], piecewise: bool) -> list[tuple[date, date]]:
    edges = {d for d in cuts if start < d <= end}
    if piecewise:
        year = start.year
        while date(year, 1, 1) <= end:
            edges.update(d for d in (date(year, 1, 1), date(year, 7, 1)) if start < d <= end)
            year += 1
    points = [start, *sorted(edges), end + timedelta(days=1)]
    return [(a, b - timedelta(days=1)) for a, b in pairwise(points)]


def _cents(value: Fraction) -> Decimal:
    """The one rounding: an exact rational to the cent, half-up."""
    with localcontext() as context:
        context.prec = 60
        exact = Decimal(value.numerator) / Decimal(value.denominator)
    return exact.quantize(CENT, ROUND_HALF_UP)


def _fraction(start: date, end: date, day_count: DayCount) -> Fraction:
    if day_count is DayCount.ACT_365:
        return Fraction((end - start).days + 1, 365)
    total, cursor = Fraction(0), start
    while cursor <= end:
        year_end = min(end, date(cursor.year, 12, 31))
        days_in_year = 366 if calendar.isleap(cursor.year) else 365
        total += Fraction((year_end - cursor).days + 1, days_in_year)
        cursor = year_end + timedelta(days=1)
    return total


def _indemnity_of(amount: Money, rule: _Rule, contract: ContractTerms | None) -> Money | None:
    """One late payment's indemnity: the law's, or the contract's when it says more."""
    statutory = rule.indemnity(amount)
    if (
        statutory is not None
        and contract is not None
        and contract.indemnity is not None
        and contract.indemnity.currency == statutory.currency
    ):
        return max(statutory, contract.indemnity)
    return statutory


def _indemnities(
    debt: InvoiceDebt, rule: _Rule, as_of: date, contract: ContractTerms | None
) -> tuple[Money | None, tuple[str, ...]]:
    """The indemnity a debt carries, and the invoice numbers it is for."""
    if debt.indemnity_for is None:
        own = _indemnity_of(debt.principal, rule, contract) if as_of > debt.due_on else None
        return own, ((debt.number,) if own is not None else ())
    found: list[tuple[str, Money]] = []
    for late in debt.indemnity_for:
        money = _indemnity_of(late.amount, rule, contract) if as_of > late.due_on else None
        if money is not None:
            found.append((late.number, money))
    if not found:
        return None, ()
    total = Totals(money for _, money in found)
    if len(total) != 1:  # the law's currency is one per jurisdiction
        raise ConfigError("indemnities in several currencies for one debt", key="jurisdiction")
    return next(iter(total.values())), tuple(number for number, _ in found)


def _assess_one(
    debt: InvoiceDebt,
    rule: _Rule,
    as_of: date,
    start: date | None,
    day_count: DayCount,
    contract: ContractTerms | None,
    interest: bool = True,
) -> InvoiceClaim:
    currency = debt.principal.currency
    principal = debt.principal.amount
    indemnity, indemnity_for = _indemnities(debt, rule, as_of, contract)
    same = indemnity is not None and indemnity.currency == currency
    owed_accessory = indemnity.amount if indemnity is not None and same else Decimal(0)
    accrued, periods = Fraction(0), []  # exact rationals: rounding happens once, at the end
    gross, shown = Fraction(0), Decimal(0)  # all interest accrued, and what the periods show
    payments = sorted(debt.payments)
    if not interest:
        principal -= sum((p.amount for _, p in payments), Decimal(0))
        return InvoiceClaim(
            debt.number,
            Money(max(principal, Decimal(0)), currency),
            debt.due_on,
            indemnity or Money.zero(currency),
            None,
            (),
            debt.key,
            indemnity_for,
        )
    if start is not None and start <= as_of:
        early = [p for day, p in payments if day < start]  # paid before interest ran
        principal -= sum((p.amount for p in early), Decimal(0))
        payments = [(day, p) for day, p in payments if day >= start]
        cuts = {day for day, _ in payments}
        for seg_start, seg_end in _segments(start, as_of, cuts, rule.piecewise):
            for day, paid in payments:  # imputed on interest and accessories, then principal
                if day == seg_start:
                    left = paid.amount
                    for owed in (
                        ("costs", "interest") if rule.costs_first else ("interest", "costs")
                    ):
                        if owed == "interest":
                            accrued = Fraction(_cents(accrued))  # what a payment can settle
                            part = min(left, _cents(accrued))
                            accrued -= Fraction(part)
                        else:
                            part = min(left, owed_accessory)
                            owed_accessory -= part
                        left -= part
                    principal = max(Decimal(0), principal - left)
            rate = rule.rate(seg_start, start)
            exact = (
                Fraction(principal)
                * Fraction(rate)
                / 100
                * _fraction(seg_start, seg_end, day_count)
            )
            accrued += exact
            gross += exact
            share = _cents(gross) - shown
            shown += share
            periods.append(
                InterestPeriod(
                    seg_start,
                    seg_end,
                    (seg_end - seg_start).days + 1,
                    rate,
                    Money(principal, currency),
                    Money(share, currency),
                )
            )
    else:
        principal -= sum((p.amount for _, p in payments), Decimal(0))
    return InvoiceClaim(
        debt.number,
        Money(max(principal, Decimal(0)), currency),
        debt.due_on,
        indemnity or Money.zero(currency),
        Money(_cents(accrued), currency),
        tuple(periods),
        debt.key,
        indemnity_for,
    )


def assess(
    invoices: Sequence[InvoiceDebt],
    *,
    as_of: date,
    jurisdiction: str = "FR",
    b2c: bool = False,
    contract: ContractTerms | None = None,
    notice_on: date | None = None,
    tables: RateTables | None = None,
    day_count: DayCount = DayCount.ACT_365,
    allow_unconfirmed: bool = False,
    interest: bool = True,
) -> LegalClaim:
    """The indemnity and the interest owed on each late invoice on ``as_of`` (the interest
    left uncomputed, None, when ``interest`` is False). Raises MissingRate when a rate the
    law needs is not in the tables."""
    tables = tables or RateTables()
    rule = _rule(jurisdiction.upper(), b2c, tables, allow_unconfirmed, contract)
    claims = []
    for debt in invoices:
        if jurisdiction.upper() == "FR" and b2c:
            start = None if notice_on is None else max(notice_on, debt.due_on + timedelta(days=1))
        else:
            start = debt.due_on + timedelta(days=1)
        claims.append(_assess_one(debt, rule, as_of, start, day_count, contract, interest))
    indemnities = Totals(c.indemnity for c in claims if c.indemnity.is_positive)
    accrued = Totals(c.interest for c in claims if c.interest is not None)
    return LegalClaim(
        jurisdiction.upper(),
        b2c,
        as_of,
        day_count.value,
        tuple(claims),
        indemnities,
        accrued,
        rule.basis,
    )
