"""Claims worked out by hand from primary sources, never from relance's output.

Each case writes down the rates the official publications give (literally, in the case),
cuts the delay where the law says the rate changes, and computes each period's interest as
an exact fraction: principal x rate / 100 x days / 365, rounded half-up to the cent; the
interest is the sum of the periods (the rounding rule relance states). A period is a run
of days on which the rate, what sets it and the principal stay the same.

Sources, cited again in each case:

* ECB main refinancing rate by date of effect: Banque de France, "Taux directeurs de la BCE"
  (https://www.banque-france.fr/en/policy-rates), ECB press releases (0.75 from 11 Jul 2012,
  0.50 from 8 May 2013, 0.25 from 13 Nov 2013, 0.15 from 11 Jun 2014, 0.05 from 10 Sep 2014,
  0.00 from 16 Mar 2016, 2.50 from 21 Dec 2022, 4.00 from 21 Jun 2023, 4.50 from 20 Sep
  2023, 4.25 from 12 Jun 2024, 3.15 from 18 Dec 2024, 2.15 from 11 Jun 2025).
* FR: Code de commerce L441-6 (loi 2008-776) then L441-10 II; loi 2012-387 art. 121 (the
  half-year rule from 1 Jan 2013); décret 2012-1115 (D441-5: 40 EUR for payment periods
  begun from 1 Jan 2013, JORFTEXT000026453427); Code civil 1231-6, 1344-1, 1343-1; CMF L313-2;
  the legal rates from the arrêtés (Direction générale du Trésor's table).
* DE: BGB §§ 247, 288, 367; EGBGB Art. 229 § 34; the Bundesbank's base-rate notices.
* BE: loi du 2 août 2002 as amended on 22 November 2013 (art. 5, 6, 14); the SPF Finances'
  published rates (Moniteur belge, avis of 23 Jan 2014, n° 2014/03032-03033).
* ES: Ley 3/2004 arts. 7-8; Real Decreto-ley 4/2013; the Secretaría General del Tesoro's
  semi-annual resolutions (BOE), e.g. BOE-A-2014-6914 (8.15 % for 2014 H2).
* UK: Late Payment of Commercial Debts (Interest) Act 1998 ss. 4, 5A; SI 2002/1675 art. 4;
  the Bank of England's Monetary Policy Summaries (Bank Rate on 31 Dec / 30 Jun).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from fractions import Fraction

__all__ = ["CASES", "Case", "Period", "cents", "hand"]


def cents(value: Fraction) -> Decimal:
    """Half-up to the cent (values here are positive)."""
    hundredths = value * 100
    whole = hundredths.numerator // hundredths.denominator
    if hundredths - whole >= Fraction(1, 2):
        whole += 1
    return Decimal(whole) / 100


@dataclass(frozen=True)
class Period:
    first: date
    last: date
    rate: str  # percent a year, as published
    principal: str

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    @property
    def amount(self) -> Decimal:
        exact = Fraction(Decimal(self.principal)) * Fraction(Decimal(self.rate)) / 100
        return cents(exact * Fraction(self.days, 365))


def hand(*periods: tuple[date, date, str, str]) -> tuple[Period, ...]:
    return tuple(Period(*p) for p in periods)


@dataclass(frozen=True)
class Case:
    name: str
    source: str
    jurisdiction: str
    principal: str
    currency: str
    due: date
    as_of: date
    periods: tuple[Period, ...]
    indemnity: str  # "0" when none
    period_start: date | None = None
    b2c: bool = False
    private_creditor: bool = False
    notice: date | None = None
    notice_received: date | None = None
    contract_rate: str | None = None
    payments: Sequence[tuple[date, str]] = ()
    # each payment: (to interest, to indemnity, to principal), worked out below
    imputations: Sequence[tuple[str, str, str]] = ()
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def interest(self) -> Decimal:
        return sum((p.amount for p in self.periods), Decimal(0))


D = date

# FR 2012: before the reform, the ECB's latest rate + 10, moving on 11 Jul 2012 (1.00 -> 0.75),
# not on 1 July; the payment period began in 2012: no 40 EUR (décret 2012-1115).
FR_2012 = Case(
    "FR B2B 2012, moving ECB rate, no indemnity",
    "L441-6 (loi 2008-776); ECB 1.00 from 14 Dec 2011, 0.75 from 11 Jul 2012; décret 2012-1115",
    "FR", "10000", "EUR", D(2012, 5, 31), D(2012, 12, 31),
    hand(
        (D(2012, 6, 1), D(2012, 7, 10), "11.00", "10000"),
        (D(2012, 7, 11), D(2012, 12, 31), "10.75", "10000"),
    ),
    "0",
    period_start=D(2012, 3, 1),
)  # fmt: skip

# FR across 1 Jan 2013: 2012 days at the latest ECB rate (0.75) + 10; from 1 Jan 2013 the rate
# in force on 1 January (0.75) then 1 July (0.50), + 10 — not the 8 May 2013 cut.
FR_2013 = Case(
    "FR B2B across 1 Jan 2013 (half-year rule starts), period begun 2012",
    "loi 2012-387 art. 121; ECB 0.75 on 1 Jan 2013, 0.50 on 1 Jul 2013; décret 2012-1115",
    "FR", "4200", "EUR", D(2012, 12, 15), D(2013, 8, 31),
    hand(
        (D(2012, 12, 16), D(2012, 12, 31), "10.75", "4200"),
        (D(2013, 1, 1), D(2013, 6, 30), "10.75", "4200"),
        (D(2013, 7, 1), D(2013, 8, 31), "10.50", "4200"),
    ),
    "0",
    period_start=D(2012, 11, 15),
)  # fmt: skip

FR_2013_FEE = Case(
    "FR B2B period begun 2 Jan 2013: 40 EUR",
    "décret 2012-1115 (D441-5); ECB 0.75 on 1 Jan 2013, 0.50 on 1 Jul 2013",
    "FR", "2500", "EUR", D(2013, 3, 3), D(2013, 12, 31),
    hand(
        (D(2013, 3, 4), D(2013, 6, 30), "10.75", "2500"),
        (D(2013, 7, 1), D(2013, 12, 31), "10.50", "2500"),
    ),
    "40",
    period_start=D(2013, 1, 2),
)  # fmt: skip

# FR 2014 to mid-2026: every half-year from 1 Jan 2014 to 1 Jan 2026; the ECB rate on each
# 1 January / 1 July + 10; runs with the same ECB value are one period.
FR_LONG = Case(
    "FR B2B 2014-2026, every half-year",
    "L441-10 II; ECB on 1 Jan/1 Jul: 0.25, 0.15, 0.05 (2015-2016 H1), 0.00 (2016 H2-2022), "
    "2.50, 4.00, 4.50, 4.25, 3.15, 2.15 (2025 H2-2026 H1)",
    "FR", "1000", "EUR", D(2013, 12, 31), D(2026, 6, 30),
    hand(
        (D(2014, 1, 1), D(2014, 6, 30), "10.25", "1000"),
        (D(2014, 7, 1), D(2014, 12, 31), "10.15", "1000"),
        (D(2015, 1, 1), D(2016, 6, 30), "10.05", "1000"),
        (D(2016, 7, 1), D(2022, 12, 31), "10.00", "1000"),
        (D(2023, 1, 1), D(2023, 6, 30), "12.50", "1000"),
        (D(2023, 7, 1), D(2023, 12, 31), "14.00", "1000"),
        (D(2024, 1, 1), D(2024, 6, 30), "14.50", "1000"),
        (D(2024, 7, 1), D(2024, 12, 31), "14.25", "1000"),
        (D(2025, 1, 1), D(2025, 6, 30), "13.15", "1000"),
        (D(2025, 7, 1), D(2026, 6, 30), "12.15", "1000"),
    ),
    "40",
    period_start=D(2013, 11, 15),
)  # fmt: skip

# FR contract rate 12 %: below 3 x the legal rate (B) in 2024 (3 x 5.07 = 15.21, 3 x 4.92 =
# 14.76), so raised; above it in 2025 H1 (3 x 3.71 = 11.13), so kept.
FR_CONTRACT_FLOOR = Case(
    "FR B2B contract 12 %, raised to the floor then not",
    "L441-10 II (3 x legal rate); arrêtés 21 Dec 2023 (5.07), 26 Jun 2024 (4.92), "
    "17 Dec 2024 (3.71)",
    "FR", "8000", "EUR", D(2024, 3, 31), D(2025, 3, 31),
    hand(
        (D(2024, 4, 1), D(2024, 6, 30), "15.21", "8000"),
        (D(2024, 7, 1), D(2024, 12, 31), "14.76", "8000"),
        (D(2025, 1, 1), D(2025, 3, 31), "12", "8000"),
    ),
    "40",
    period_start=D(2024, 2, 1),
    contract_rate="12",
)  # fmt: skip

FR_CONTRACT = Case(
    "FR B2B contract 9 %, above the floor throughout",
    "L441-10 II; arrêtés 21 Dec 2018 (0.86: floor 2.58), 26 Jun 2019 (0.87: floor 2.61)",
    "FR", "3333.33", "EUR", D(2019, 2, 28), D(2019, 9, 30),
    hand((D(2019, 3, 1), D(2019, 9, 30), "9", "3333.33")),
    "40",
    period_start=D(2019, 1, 15),
    contract_rate="9",
)  # fmt: skip

# FR consumer, business creditor: legal rate B, from the day after the notice's receipt.
FR_B2C = Case(
    "FR B2C, business creditor, from the day after the notice received",
    "Code civil 1231-6, 1344-1; CMF L313-2; arrêtés 17 Dec 2024 (B 3.71), 19 Jun 2025 (B 2.76)",
    "FR", "2000", "EUR", D(2025, 1, 10), D(2025, 9, 30),
    hand(
        (D(2025, 3, 5), D(2025, 6, 30), "3.71", "2000"),
        (D(2025, 7, 1), D(2025, 9, 30), "2.76", "2000"),
    ),
    "0",
    b2c=True,
    notice=D(2025, 3, 2),
    notice_received=D(2025, 3, 4),
)  # fmt: skip

# FR private creditor: legal rate A ("particuliers"), from the day after the notice.
FR_PRIVATE = Case(
    "FR private creditor, rate A, from the day after the notice",
    "CMF L313-2; Code civil 1231-6; arrêtés 26 Dec 2022 (A 4.47), 27 Jun 2023 (A 6.82), "
    "21 Dec 2023 (A 8.01)",
    "FR", "1500", "EUR", D(2023, 5, 31), D(2024, 1, 31),
    hand(
        (D(2023, 6, 16), D(2023, 6, 30), "4.47", "1500"),
        (D(2023, 7, 1), D(2023, 12, 31), "6.82", "1500"),
        (D(2024, 1, 1), D(2024, 1, 31), "8.01", "1500"),
    ),
    "0",
    private_creditor=True,
    notice=D(2023, 6, 15),
)  # fmt: skip


def _partial_payments() -> Case:
    """10 000 due 15 Jan 2024 (ECB 4.50 on 1 Jan 2024, 4.25 on 1 Jul 2024, + 10).
    1 Mar: 2 000 pays the 45 days of interest, then the 40 EUR, then principal.
    1 Aug: 500 pays the interest of March to July (less than 500), the rest principal."""
    first = Period(D(2024, 1, 16), D(2024, 2, 29), "14.50", "10000")
    to_principal_1 = Decimal(2000) - first.amount - 40
    after_1 = str(Decimal(10000) - to_principal_1)
    march = Period(D(2024, 3, 1), D(2024, 6, 30), "14.50", after_1)
    july = Period(D(2024, 7, 1), D(2024, 7, 31), "14.25", after_1)
    due_2 = march.amount + july.amount
    to_principal_2 = Decimal(500) - due_2
    after_2 = str(Decimal(after_1) - to_principal_2)
    august = Period(D(2024, 8, 1), D(2024, 9, 30), "14.25", after_2)
    return Case(
        "FR B2B, two partial payments (1343-1)",
        "Code civil 1343-1; Cass. 1re civ. 7 Feb 1995 n° 92-14.216; ECB 4.50 / 4.25",
        "FR", "10000", "EUR", D(2024, 1, 15), D(2024, 9, 30),
        (first, march, july, august),
        "40",
        period_start=D(2023, 12, 15),
        payments=((D(2024, 3, 1), "2000"), (D(2024, 8, 1), "500")),
        imputations=(
            (str(first.amount), "40", str(to_principal_1)),
            (str(due_2), "0", str(to_principal_2)),
        ),
        extra={"principal_owed": after_2},
    )  # fmt: skip


FR_PAYMENTS = _partial_payments()

# DE, an obligation of May 2014 (before 29 Jul 2014): base rate + 8, no 40 EUR lump sum.
DE_OLD = Case(
    "DE B2B, obligation before 29 Jul 2014: + 8, no lump sum",
    "BGB § 288(2) a.F.; EGBGB Art. 229 § 34; Bundesbank: -0.63 (1 Jan 2014), -0.73 (1 Jul 2014)",
    "DE", "4000", "EUR", D(2014, 6, 14), D(2014, 12, 31),
    hand(
        (D(2014, 6, 15), D(2014, 6, 30), "7.37", "4000"),
        (D(2014, 7, 1), D(2014, 12, 31), "7.27", "4000"),
    ),
    "0",
    period_start=D(2014, 5, 15),
)  # fmt: skip

DE_NEW = Case(
    "DE B2B 2022-2023: + 9 and 40 EUR",
    "BGB §§ 247, 288(2), (5); Bundesbank: -0.88 (2016 H2-2022), 1.62 (2023 H1), 3.12 (2023 H2)",
    "DE", "12000", "EUR", D(2022, 12, 15), D(2023, 12, 31),
    hand(
        (D(2022, 12, 16), D(2022, 12, 31), "8.12", "12000"),
        (D(2023, 1, 1), D(2023, 6, 30), "10.62", "12000"),
        (D(2023, 7, 1), D(2023, 12, 31), "12.12", "12000"),
    ),
    "40",
    period_start=D(2022, 11, 15),
)  # fmt: skip


def _german_payment() -> Case:
    """BGB § 367: a payment goes to the costs (the 40 EUR lump sum), then interest, then
    principal. 1 000 due 31 Jan 2025 (base rate 2.27 then 1.27, + 9); 50 paid on 1 Mar."""
    february = Period(D(2025, 2, 1), D(2025, 2, 28), "11.27", "1000")
    to_principal = Decimal(50) - 40 - february.amount
    after = str(Decimal(1000) - to_principal)
    return Case(
        "DE B2B, a payment: costs first (§ 367)",
        "BGB §§ 288(5), 367; Bundesbank: 2.27 (1 Jan 2025), 1.27 (1 Jul 2025)",
        "DE", "1000", "EUR", D(2025, 1, 31), D(2025, 9, 30),
        (
            february,
            Period(D(2025, 3, 1), D(2025, 6, 30), "11.27", after),
            Period(D(2025, 7, 1), D(2025, 9, 30), "10.27", after),
        ),
        "40",
        period_start=D(2025, 1, 1),
        payments=((D(2025, 3, 1), "50"),),
        imputations=((str(february.amount), "40", str(to_principal)),),
        extra={"principal_owed": after},
    )  # fmt: skip


DE_PAYMENT = _german_payment()

# BE, a contract of October 2012: + 7 rounded up to the half point until 15 Mar 2015, then
# + 8 (end of the two-year transition); no 40 EUR. Published: 8 % (2013 H1), 7.5 % (2013 H2
# to 15 Mar 2015), 8.5 % from 16 Mar 2015.
BE_OLD = Case(
    "BE contract before 16 Mar 2013, through the transition",
    "loi du 2 août 2002 art. 5, 14 (loi 22 Nov 2013); SPF Finances rates (MB 23 Jan 2014); "
    "ECB 0.75, 0.50, 0.25, 0.15, 0.05",
    "BE", "5000", "EUR", D(2012, 12, 31), D(2015, 6, 30),
    hand(
        (D(2013, 1, 1), D(2013, 6, 30), "8.0", "5000"),
        (D(2013, 7, 1), D(2013, 12, 31), "7.5", "5000"),
        (D(2014, 1, 1), D(2014, 6, 30), "7.5", "5000"),
        (D(2014, 7, 1), D(2014, 12, 31), "7.5", "5000"),
        (D(2015, 1, 1), D(2015, 3, 15), "7.5", "5000"),
        (D(2015, 3, 16), D(2015, 6, 30), "8.5", "5000"),
    ),
    "0",
    period_start=D(2012, 10, 1),
)  # fmt: skip

BE_NEW = Case(
    "BE contract from 16 Mar 2013: + 8 up to the half point, 40 EUR",
    "loi du 2 août 2002 art. 5, 6 (loi 22 Nov 2013); published 9 % (16 Mar-30 Jun 2013), "
    "8.5 % (2013 H2)",
    "BE", "3000", "EUR", D(2013, 5, 2), D(2013, 12, 31),
    hand(
        (D(2013, 5, 3), D(2013, 6, 30), "9.0", "3000"),
        (D(2013, 7, 1), D(2013, 12, 31), "8.5", "3000"),
    ),
    "40",
    period_start=D(2013, 4, 2),
)  # fmt: skip

# ES: 7.75 % from 1 Jan to 23 Feb 2013, 8.75 % from 24 Feb (Real Decreto-ley 4/2013), then
# 8.50 % (2013 H2) and 8.25 % (2014 H1), as the Tesoro published; period begun 2012: no 40.
ES_2013 = Case(
    "ES across 24 Feb 2013 (+ 7 -> + 8)",
    "Ley 3/2004 art. 7; RDL 4/2013; Tesoro resolutions (BOE): 7.75, 8.75, 8.50, 8.25",
    "ES", "6000", "EUR", D(2012, 12, 31), D(2014, 3, 31),
    hand(
        (D(2013, 1, 1), D(2013, 2, 23), "7.75", "6000"),
        (D(2013, 2, 24), D(2013, 6, 30), "8.75", "6000"),
        (D(2013, 7, 1), D(2013, 12, 31), "8.50", "6000"),
        (D(2014, 1, 1), D(2014, 3, 31), "8.25", "6000"),
    ),
    "0",
    period_start=D(2012, 12, 1),
)  # fmt: skip

ES_NEW = Case(
    "ES 2014-2015 with 40 EUR",
    "Ley 3/2004 arts. 7, 8 (RDL 4/2013); Tesoro: 8.25 (2014 H1), 8.15 (BOE-A-2014-6914), 8.05",
    "ES", "2000", "EUR", D(2014, 5, 31), D(2015, 2, 28),
    hand(
        (D(2014, 6, 1), D(2014, 6, 30), "8.25", "2000"),
        (D(2014, 7, 1), D(2014, 12, 31), "8.15", "2000"),
        (D(2015, 1, 1), D(2015, 2, 28), "8.05", "2000"),
    ),
    "40",
    period_start=D(2014, 5, 1),
)  # fmt: skip

# UK: Bank Rate on 31 Dec 2011 (0.5) + 8, fixed for the whole delay; under £1,000: £40.
UK_2012 = Case(
    "UK 2012, fixed 8.5 %, £40",
    "Late Payment Act 1998 ss. 4, 5A; SI 2002/1675 art. 4; Bank Rate 0.5 % since Mar 2009",
    "UK", "950", "GBP", D(2012, 3, 15), D(2012, 12, 31),
    hand((D(2012, 3, 16), D(2012, 12, 31), "8.50", "950")),
    "40",
)  # fmt: skip

# UK: interest starting in 2026 H1 reads 31 Dec 2025 (3.75, BoE December 2025) and keeps it
# past 1 July; £10,000 or more: £100.
UK_2026 = Case(
    "UK 2026 H1 start, fixed across 1 Jul 2026, £100",
    "SI 2002/1675 art. 4; BoE Monetary Policy Summary Dec 2025 (3.75 %); Act s. 5A",
    "UK", "12500", "GBP", D(2026, 5, 31), D(2026, 9, 30),
    hand((D(2026, 6, 1), D(2026, 9, 30), "11.75", "12500")),
    "100",
)  # fmt: skip

UK_2026_H2 = Case(
    "UK 2026 H2 start (Bank Rate on 30 Jun 2026), £70",
    "SI 2002/1675 art. 4; BoE decision 18 Jun 2026 (held 3.75 %); Act s. 5A (£1,000-£9,999.99)",
    "UK", "1000", "GBP", D(2026, 7, 31), D(2026, 11, 30),
    hand((D(2026, 8, 1), D(2026, 11, 30), "11.75", "1000")),
    "70",
)  # fmt: skip

CASES = (
    FR_2012, FR_2013, FR_2013_FEE, FR_LONG, FR_CONTRACT_FLOOR, FR_CONTRACT, FR_B2C,
    FR_PRIVATE, FR_PAYMENTS, DE_OLD, DE_NEW, DE_PAYMENT, BE_OLD, BE_NEW, ES_2013, ES_NEW,
    UK_2012, UK_2026, UK_2026_H2,
)  # fmt: skip
