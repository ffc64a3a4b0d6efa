"""The law's figures: checked against worked examples and by hand."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from connector.errors import ConfigError
from connector.legal import (
    ContractTerms,
    DayCount,
    InvoiceDebt,
    MissingRate,
    RateTables,
    assess,
)
from connector.money import Money

TABLES = RateTables()


def eur(amount: str) -> Money:
    return Money.of(amount, "EUR")


def one(debt: InvoiceDebt, **kwargs: object):  # type: ignore[no-untyped-def]
    return assess([debt], tables=TABLES, **kwargs).invoices[0]  # type: ignore[arg-type]


def test_the_french_worked_example_on_365_and_366_days() -> None:
    debt = InvoiceDebt("F1", eur("10000"), date(2024, 1, 15))
    claim = one(debt, as_of=date(2024, 9, 30))
    assert [(p.start, p.end, p.days, p.rate, p.amount) for p in claim.periods] == [
        (date(2024, 1, 16), date(2024, 6, 30), 167, Decimal("14.50"), eur("663.42")),
        (date(2024, 7, 1), date(2024, 9, 30), 92, Decimal("14.25"), eur("359.18")),
    ]
    assert claim.interest == eur("1022.60")
    assert claim.indemnity == eur("40")
    leap = one(debt, as_of=date(2024, 9, 30), day_count=DayCount.ACT_ACT)
    assert leap.interest == eur("1019.81")


def test_penalties_start_the_day_after_the_due_date() -> None:
    debt = InvoiceDebt("F1", eur("3650"), date(2025, 3, 10))
    assert one(debt, as_of=date(2025, 3, 10)).interest == eur("0")
    # 1 day at ECB 1 Jan 2025 (3.15) + 10 = 13.15 %: 3650 x 13.15 % / 365 = 1.315 -> 1.32
    assert one(debt, as_of=date(2025, 3, 11)).interest == eur("1.32")


def test_a_partial_payment_pays_interest_first_then_principal() -> None:
    # 10 000 due 15 Jan 2024; 1 000 paid on 1 Jul 2024 covers the 663.42 of interest first
    debt = InvoiceDebt(
        "F1", eur("10000"), date(2024, 1, 15), payments=((date(2024, 7, 1), eur("1000")),)
    )
    claim = one(debt, as_of=date(2024, 9, 30))
    # 663.42 of interest, then the 40 indemnity, then 296.58 of principal
    assert claim.periods[1].principal == eur("9703.42")
    assert claim.principal.amount < Decimal("10000")


def test_a_contract_rate_below_three_times_the_legal_rate_is_raised_to_it() -> None:
    debt = InvoiceDebt("F1", eur("10000"), date(2024, 1, 15))
    low = one(debt, as_of=date(2024, 3, 31), contract=ContractTerms(rate=Decimal("5")))
    assert low.periods[0].rate == Decimal("15.21")  # 3 x 5.07 % (H1 2024, rate B)
    high = one(debt, as_of=date(2024, 3, 31), contract=ContractTerms(rate=Decimal("18")))
    assert high.periods[0].rate == Decimal("18")


def test_french_consumers_owe_legal_interest_only_from_the_notice_and_no_indemnity() -> None:
    debt = InvoiceDebt("F1", eur("2000"), date(2025, 1, 10))
    before = one(debt, as_of=date(2025, 3, 1), b2c=True)
    assert before.interest == eur("0") and before.indemnity == eur("0")
    after = one(debt, as_of=date(2025, 3, 31), b2c=True, notice_on=date(2025, 3, 2))
    assert after.periods[0].start == date(2025, 3, 3)  # the day after the notice
    assert after.periods[0].rate == Decimal("3.71")  # rate B, H1 2025


def test_the_uk_fixes_one_rate_and_a_sum_by_debt_size() -> None:
    debt = InvoiceDebt("INV-1", Money.of("5000", "GBP"), date(2023, 11, 20))
    claim = one(debt, as_of=date(2024, 2, 28), jurisdiction="UK")
    assert [p.rate for p in claim.periods] == [Decimal("13.00")]  # 5.00 (30 Jun 2023) + 8
    assert claim.indemnity == Money.of("70", "GBP")
    small = one(
        InvoiceDebt("I", Money.of("999.99", "GBP"), date(2023, 11, 20)),
        as_of=date(2023, 12, 1),
        jurisdiction="UK",
    )
    assert small.indemnity == Money.of("40", "GBP")


def test_germany_and_belgium_follow_their_own_rates() -> None:
    debt = InvoiceDebt("R1", eur("1000"), date(2023, 1, 31))
    de = one(debt, as_of=date(2023, 3, 31), jurisdiction="DE")
    assert de.periods[0].rate == Decimal("10.62")  # 1.62 + 9
    be = one(debt, as_of=date(2023, 3, 31), jurisdiction="BE")
    assert be.periods[0].rate == Decimal("10.5")  # 2.50 + 8, rounded up to the half point


def test_a_date_no_table_covers_names_the_table_to_update() -> None:
    debt = InvoiceDebt("F1", eur("1000"), date(2026, 6, 1))
    with pytest.raises(MissingRate) as error:
        one(debt, as_of=date(2026, 8, 1))
    assert "ecb_mro" in str(error.value) and "relance rates import" in str(error.value)


def test_unconfirmed_values_are_refused_unless_accepted() -> None:
    # the German base rate of 2024-H2 (3.37) has no Bundesbank notice in the sources read
    debt = InvoiceDebt("R", eur("5000"), date(2024, 8, 1))
    with pytest.raises(MissingRate, match="not confirmed"):
        one(debt, as_of=date(2024, 9, 1), jurisdiction="DE")
    accepted = one(debt, as_of=date(2024, 9, 1), jurisdiction="DE", allow_unconfirmed=True)
    assert accepted.periods[0].rate == Decimal("12.37")


def test_a_newer_half_year_is_imported_without_a_release(tmp_path: Path) -> None:
    shipped = (Path(__file__).parents[2] / "connector/legal/tables/ecb_mro.toml").read_text(
        encoding="utf-8"
    )
    newer = tmp_path / "ecb.toml"
    newer.write_text(
        shipped.replace('version = "2026-02"', 'version = "2026-07"').replace(
            'valid_until = "2026-06-30"', 'valid_until = "2026-12-31"'
        ),
        encoding="utf-8",
    )
    tables = RateTables(tmp_path / "rates")
    tables.import_file(newer)
    again = RateTables(tmp_path / "rates")  # kept for the next run
    assert again["ecb_mro"].version == "2026-07"
    claim = assess(
        [InvoiceDebt("F", eur("1000"), date(2026, 6, 1))], as_of=date(2026, 8, 1), tables=again
    ).invoices[0]
    # 1 Jun to 30 Jun and 1 Jul to 1 Aug at the same 12.15 %: one run, one period
    assert [(p.start, p.rate) for p in claim.periods] == [(date(2026, 6, 2), Decimal("12.15"))]
    with pytest.raises(ConfigError, match="not newer"):
        again.import_file(newer)


@settings(max_examples=60, deadline=None)
@given(
    st.decimals(min_value=1, max_value=10**7, places=2),
    st.integers(min_value=0, max_value=700),
    st.integers(min_value=1, max_value=200),
)
def test_interest_is_never_negative_and_grows_with_time(
    principal: Decimal, start: int, extra: int
) -> None:
    due = date(2015, 1, 1) + timedelta(days=start)
    debt = InvoiceDebt("F", eur(str(principal)), due)
    shorter = one(debt, as_of=due + timedelta(days=extra))
    longer = one(debt, as_of=due + timedelta(days=extra + 30))
    assert Decimal(0) <= shorter.interest.amount <= longer.interest.amount
    larger = one(
        InvoiceDebt("F", eur(str(principal + 1000)), due), as_of=due + timedelta(days=extra)
    )
    assert shorter.interest.amount <= larger.interest.amount  # monotonic in principal too
    assert shorter.interest.amount == shorter.interest.amount.quantize(Decimal("0.01"))


def test_a_payment_before_the_due_date_only_lowers_the_principal() -> None:
    debt = InvoiceDebt(
        "F1", eur("1000"), date(2024, 1, 15), payments=((date(2024, 1, 10), eur("400")),)
    )
    claim = one(debt, as_of=date(2024, 2, 14))
    assert claim.periods[0].principal == eur("600")
    assert claim.principal == eur("600")


@settings(max_examples=60, deadline=None)
@given(
    st.decimals(min_value=1, max_value=10**6, places=2), st.integers(min_value=1, max_value=1400)
)
def test_piecewise_equals_the_single_formula_while_the_rate_does_not_change(
    principal: Decimal, days: int
) -> None:
    # the ECB rate stayed at 0.00 from March 2016 to July 2022: 10 % throughout in France
    due = date(2017, 1, 1)
    claim = one(InvoiceDebt("F", eur(str(principal)), due), as_of=due + timedelta(days=days))
    single = (principal * Decimal("0.10") * days / 365).quantize(Decimal("0.01"), ROUND_HALF_UP)
    assert claim.interest.amount == single
    assert sum(p.days for p in claim.periods) == days


@settings(max_examples=60, deadline=None)
@given(
    st.decimals(min_value=100, max_value=10**6, places=2),
    st.decimals(min_value=Decimal("0.01"), max_value=Decimal("0.99"), places=2),
    st.integers(min_value=10, max_value=300),
)
def test_a_partial_payment_loses_no_cent(
    principal: Decimal, share: Decimal, paid_after: int
) -> None:
    due = date(2024, 1, 15)
    payment = (principal * share).quantize(Decimal("0.01"))
    paid_on = due + timedelta(days=paid_after)
    claim = one(
        InvoiceDebt("F", eur(str(principal)), due, payments=((paid_on, eur(str(payment))),)),
        as_of=paid_on + timedelta(days=40),
    )
    # the periods closed before the payment are what it settles first (1343-1)
    accrued = sum((p.amount.amount for p in claim.periods if p.end < paid_on), Decimal(0))
    to_interest = min(payment, accrued)
    to_indemnity = min(payment - to_interest, Decimal(40))
    to_principal = payment - to_interest - to_indemnity
    (imputed,) = claim.imputations
    assert (imputed.interest.amount, imputed.indemnity.amount, imputed.principal.amount) == (
        to_interest,
        to_indemnity,
        to_principal,
    )
    assert claim.principal.amount == principal - to_principal
    owed = claim.principal + claim.interest_owed + claim.indemnity_owed
    assert owed == eur(str(principal)) - eur(str(payment)) + claim.interest + claim.indemnity


def test_in_germany_a_payment_goes_to_costs_before_interest() -> None:
    payment = ((date(2023, 3, 1), eur("50")),)
    de = one(
        InvoiceDebt("R", eur("1000"), date(2023, 1, 31), payments=payment),
        as_of=date(2023, 3, 31),
        jurisdiction="DE",
    )
    fr = one(
        InvoiceDebt("R", eur("1000"), date(2023, 1, 31), payments=payment),
        as_of=date(2023, 3, 31),
        jurisdiction="FR",
    )
    # DE: 40 of costs, then ~8 of interest, then ~2 of principal; FR: interest first, then costs
    assert de.principal.amount > Decimal("997") and fr.principal.amount > Decimal("999")
    assert de.principal.amount < Decimal("1000") and fr.principal.amount < Decimal("1000")


@settings(max_examples=60, deadline=None)
@given(
    st.decimals(min_value=1, max_value=10**6, places=2),
    st.integers(min_value=1, max_value=2000),
    st.sampled_from(["FR", "EU", "BE"]),
)
def test_the_periods_add_up_to_the_invoice_interest(
    principal: Decimal, days: int, jurisdiction: str
) -> None:
    # a letter prints each period and the invoice's total: they must agree to the cent
    due = date(2019, 1, 31)
    claim = one(
        InvoiceDebt("F", eur(str(principal)), due),
        as_of=due + timedelta(days=days),
        jurisdiction=jurisdiction,
    )
    assert sum((p.amount for p in claim.periods), eur("0")) == claim.interest


def test_the_lines_printed_add_up_to_the_interest_printed_even_with_a_payment() -> None:
    """A claim printed lines of 321.15 under a total of 321.14 (the total was what a payment
    left of the interest). Now the total is the periods' sum, each period rounded to the
    cent; what payments settled of it is shown beside."""
    claim = one(
        InvoiceDebt(
            "F",
            eur("16507.69"),
            date(2025, 2, 2),
            payments=((date(2025, 3, 28), eur("0.02")),),
        ),
        as_of=date(2025, 3, 28),
    )
    assert sum((p.amount for p in claim.periods), eur("0")) == claim.interest
    # 3 Feb-27 Mar: 53 days at 13.15 %; 28 Mar: one day on the same principal (the 0.02 went
    # to interest), a period of its own since a payment came that day
    assert [(p.days, p.amount) for p in claim.periods] == [(53, eur("315.21")), (1, eur("5.95"))]
    assert claim.interest == eur("321.16")
    assert (claim.interest_paid, claim.interest_owed) == (eur("0.02"), eur("321.14"))
