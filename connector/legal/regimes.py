"""Which rules apply to one late payment, day by day: the rate, the fixed compensation and
their legal basis, by jurisdiction and by the dates on which the law changed.

The dates, each read in its text (see ``docs/legal-rules.md`` for the sources):

* **FR** — the 40 EUR indemnity (D441-5, décret 2012-1115) is due only on claims whose
  payment period began on or after 1 January 2013. Before 1 January 2013 the default
  penalty rate was the ECB's rate on its most recent refinancing operation + 10 points,
  moving with every ECB change (L441-6 as written by loi 2008-776); from 1 January 2013 it
  is the rate in force on 1 January (first half-year) or 1 July (second) + 10 (loi 2012-387,
  art. 121). A contract rate may not be below three times the legal rate (the "all other
  cases" rate: the creditor is a business). Toward a consumer, or for a private creditor,
  interest runs at the legal rate from the day after the formal notice (Code civil 1231-6,
  1344-1); the legal rate follows the creditor's status (CMF L313-2, since 1 January 2015).
* **ES** — Ley 3/2004: ECB rate of the half-year + 7 points until 23 February 2013, + 8
  from 24 February 2013 (Real Decreto-ley 4/2013; the Tesoro published 7.75 % for 1 January
  to 23 February 2013 and 8.75 % from 24 February); the 40 EUR from the same day, for
  payment periods begun on or after it.
* **BE** — loi du 2 août 2002: before its amendment of 22 November 2013 (in force
  16 March 2013), the ECB rate + 7 points rounded up to the next half point; after, + 8
  rounded up, and 40 EUR. Contracts concluded before 16 March 2013 kept the old rate until
  15 March 2015 (art. 14: two-year transition; the SPF Finances published both rates).
* **DE** — BGB § 288 as in force since 29 July 2014 (+ 9 points between businesses, 40 EUR
  lump sum) applies to obligations that arose after 28 July 2014 (EGBGB art. 229 § 34);
  older ones keep + 8 and no lump sum.
* **UK** — Late Payment of Commercial Debts (Interest) Act 1998: Bank Rate on the 31
  December or 30 June before interest starts + 8, fixed for the life of the debt; fixed sums
  of £40, £70 or £100 by the size of the debt.
* **EU** (the directive as a baseline) — 2011/7/EU for contracts from 16 March 2013 (+ 8,
  40 EUR), 2000/35/EC before (+ 7, no fixed sum).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_CEILING, Decimal

from connector.errors import ConfigError
from connector.legal.rates import RateTables, half_year_start
from connector.money import Money

__all__ = [
    "JURISDICTIONS",
    "Regime",
    "change_days",
    "from_notice",
    "regime",
]

JURISDICTIONS = ("FR", "EU", "UK", "DE", "BE", "ES")

FR_INDEMNITY_FROM = date(2013, 1, 1)  # décret 2012-1115: payment period begun on/after
FR_HALF_YEAR_FROM = date(2013, 1, 1)  # loi 2012-387, art. 121
ES_DIRECTIVE_FROM = date(2013, 2, 24)  # Real Decreto-ley 4/2013 (Tesoro: 8.75 % from 24 Feb)
BE_DIRECTIVE_FROM = date(2013, 3, 16)  # loi du 22 novembre 2013: contracts from this day
BE_TRANSITION_END = date(2015, 3, 16)  # older contracts: the old rate until 15 March 2015
EU_DIRECTIVE_FROM = date(2013, 3, 16)  # directive 2011/7/EU, art. 12
DE_DIRECTIVE_AFTER = date(2014, 7, 28)  # EGBGB art. 229 § 34: obligations arising after

EUR_40 = Money(Decimal("40.00"), "EUR")

Rate = tuple[Decimal, str]  # percent a year, and how it was set (printed with the period)


@dataclass(frozen=True, slots=True)
class Regime:
    """The rules for one debt: its rate on each day of delay, its fixed compensation, the
    texts, and what to say about them."""

    rate: Callable[[date], Rate]
    indemnity: Money | None
    basis: tuple[str, ...]
    notes: tuple[str, ...] = ()
    costs_first: bool = False  # BGB § 367: costs, then interest, then principal


def from_notice(jurisdiction: str, b2c: bool, private_creditor: bool) -> bool:
    """Whether interest runs only from the formal notice (a French consumer or private
    creditor: Code civil 1231-6), not from the due date."""
    return jurisdiction == "FR" and (b2c or private_creditor)


def change_days(tables: RateTables, start: date, end: date) -> set[date]:
    """Every day in (start, end] on which some rule or rate may change: each half-year, each
    ECB change, and the days the law changed. A period of interest is cut there, and runs
    with the same rate are joined again, so only real changes show."""
    days = {BE_TRANSITION_END, ES_DIRECTIVE_FROM, FR_HALF_YEAR_FROM}
    year = start.year
    while date(year, 1, 1) <= end:
        days.update((date(year, 1, 1), date(year, 7, 1)))
        year += 1
    ecb = tables.get("ecb_mro")
    if ecb is not None:
        days.update(p.start for p in ecb.periods)
    return {d for d in days if start < d <= end}


def _pct(value: Decimal) -> str:
    return f"{value:.2f}"


def _half_up(value: Decimal) -> Decimal:
    """Rounded up to the next half point (Belgium)."""
    return (value * 2).to_integral_value(ROUND_CEILING) / 2


def regime(
    jurisdiction: str,
    *,
    b2c: bool,
    private_creditor: bool,
    principal: Money,
    period_start: date,
    contract_on: date,
    interest_start: date,
    contract_rate: Decimal | None,
    tables: RateTables,
    allow_unconfirmed: bool = False,
) -> Regime:
    """The rules for one debt (see the module's docstring for the dates)."""

    def ecb_on(day: date) -> Decimal:
        return tables["ecb_mro"].at(day, allow_unconfirmed=allow_unconfirmed)["value"]

    def legal(day: date, which: str) -> Decimal:
        return tables["fr_legal_rate"].at(day, allow_unconfirmed=allow_unconfirmed)[which]

    if private_creditor and jurisdiction != "FR":
        raise ConfigError(
            "a private creditor is modelled for FR only",
            key="--private-creditor",
            hint="drop --private-creditor, or use --jurisdiction FR",
        )
    if contract_rate is not None and jurisdiction != "FR":
        raise ConfigError(
            f"a contract rate is modelled for FR only (its 3x legal-rate floor); "
            f"{jurisdiction} applies its statutory rate",
            key="--contract-rate",
            hint="drop --contract-rate for this jurisdiction",
        )
    if jurisdiction == "FR":
        return _france(b2c, private_creditor, period_start, contract_rate, ecb_on, legal, tables)
    if b2c and jurisdiction != "DE":
        return Regime(
            lambda _d: (Decimal(0), "no statutory interest"),
            None,
            (
                "no statutory late-payment interest or fixed sum toward consumers in "
                f"{jurisdiction}",
            ),
        )
    if jurisdiction == "UK":
        return _uk(principal, interest_start, tables, allow_unconfirmed)
    if jurisdiction == "DE":
        return _germany(b2c, contract_on, tables, allow_unconfirmed)

    def ecb_half(day: date) -> Decimal:
        return ecb_on(half_year_start(day))

    if jurisdiction == "ES":
        new = period_start >= ES_DIRECTIVE_FROM

        def es(day: date) -> Rate:
            points = 8 if day >= ES_DIRECTIVE_FROM else 7
            return ecb_half(day) + points, f"ECB {_pct(ecb_half(day))} + {points}"

        notes = () if new else ("no fixed 40 EUR: the payment period began before 24 Feb 2013",)
        return Regime(es, EUR_40 if new else None, ("Ley 3/2004, arts. 7 y 8",), notes)
    if jurisdiction == "BE":
        new = contract_on >= BE_DIRECTIVE_FROM

        def be(day: date) -> Rate:
            points = 8 if new or day >= BE_TRANSITION_END else 7
            value = _half_up(ecb_half(day) + points)
            return value, f"ECB {_pct(ecb_half(day))} + {points}, up to the half point"

        notes = () if new else ("no fixed 40 EUR: contract concluded before 16 Mar 2013",)
        basis = ("Loi du 2 août 2002, art. 5, 6 et 14 (loi du 22 novembre 2013)",)
        return Regime(be, EUR_40 if new else None, basis, notes)
    if jurisdiction == "EU":
        new = contract_on >= EU_DIRECTIVE_FROM
        points = 8 if new else 7

        def eu(day: date) -> Rate:
            return ecb_half(day) + points, f"ECB {_pct(ecb_half(day))} + {points}"

        basis = ("Directive 2011/7/EU, art. 2 and 6" if new else "Directive 2000/35/EC, art. 3",)
        notes = () if new else ("no fixed 40 EUR: contract concluded before 16 Mar 2013",)
        return Regime(eu, EUR_40 if new else None, basis, notes)
    raise ConfigError(
        f"unknown jurisdiction {jurisdiction!r}",
        key="jurisdiction",
        hint=f"allowed: {', '.join(JURISDICTIONS)}",
    )


def _france(
    b2c: bool,
    private_creditor: bool,
    period_start: date,
    contract_rate: Decimal | None,
    ecb_on: Callable[[date], Decimal],
    legal: Callable[[date, str], Decimal],
    tables: RateTables,
) -> Regime:
    if b2c or private_creditor:
        which = "a" if private_creditor else "b"
        label = "private creditor" if private_creditor else "business creditor"

        def legal_rate(day: date) -> Rate:
            return legal(day, which), f"legal rate ({label})"

        return Regime(
            legal_rate,
            None,
            (
                "Code civil, art. 1231-6 et 1344-1 (intérêts au taux légal à compter de la "
                "mise en demeure)",
                "Code monétaire et financier, art. L313-2 (taux selon la qualité du créancier)",
            ),
            ("no recovery indemnity: it is owed by a professional debtor to a professional",),
        )
    if contract_rate is not None:

        def agreed(day: date) -> Rate:
            floor = 3 * legal(day, "b")
            if contract_rate >= floor:
                return contract_rate, "contract rate"
            return floor, f"contract {_pct(contract_rate)} raised to 3 x {_pct(legal(day, 'b'))}"

        rate = agreed
    else:

        def default(day: date) -> Rate:
            if day < FR_HALF_YEAR_FROM:
                return ecb_on(day) + 10, f"ECB {_pct(ecb_on(day))} (latest) + 10"
            ecb = ecb_on(half_year_start(day))
            return ecb + 10, f"ECB {_pct(ecb)} + 10"

        rate = default
    with_fee = period_start >= FR_INDEMNITY_FROM
    notes = () if with_fee else ("no 40 EUR: the payment period began before 1 Jan 2013",)
    basis = ["Code de commerce, art. L441-10 II (pénalités de retard)"]
    if with_fee:
        basis.append("Code de commerce, art. D441-5 (indemnité forfaitaire, décret 2012-1115)")
    return Regime(rate, EUR_40 if with_fee else None, tuple(basis), notes)


def _uk(principal: Money, start: date, tables: RateTables, allow: bool) -> Regime:
    amount = principal.amount
    sum_ = Money(Decimal(40 if amount < 1000 else 70 if amount < 10000 else 100), "GBP").rounded()
    before = date(start.year - 1, 12, 31) if start.month <= 6 else date(start.year, 6, 30)

    def fixed(_day: date) -> Rate:
        reference = tables["uk_reference_rate"].at(start, allow_unconfirmed=allow)["value"]
        return reference + 8, f"Bank Rate {_pct(reference)} on {before} + 8, fixed"

    return Regime(
        fixed,
        sum_,
        (
            "Late Payment of Commercial Debts (Interest) Act 1998, ss. 4 and 5A; "
            "SI 2002/1675 art. 4",
        ),
    )


def _germany(b2c: bool, contract_on: date, tables: RateTables, allow: bool) -> Regime:
    new = contract_on > DE_DIRECTIVE_AFTER
    points = 5 if b2c else 9 if new else 8

    def de(day: date) -> Rate:
        base = tables["de_base_rate"].at(half_year_start(day), allow_unconfirmed=allow)["value"]
        return base + points, f"base rate {_pct(base)} + {points}"

    fee = None if b2c or not new else EUR_40
    notes: tuple[str, ...] = ()
    if not b2c and not new:
        notes = ("no 40 EUR lump sum and + 8: obligation arose by 28 Jul 2014",)
    paragraph = "1" if b2c else "2, 5" if new else "2 (a. F.)"
    basis = f"BGB § 288 ({paragraph}), § 247, § 367"
    if not b2c and not new:
        basis += "; EGBGB Art. 229 § 34"
    return Regime(de, fee, (basis,), notes, costs_first=True)
