from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel

from connector.errors import CurrencyMismatch
from connector.money import Money, Totals


def test_arithmetic_stays_in_one_currency() -> None:
    assert Money.of("10.10", "EUR") + Money.of("0.20", "EUR") == Money.of("10.30", "EUR")
    with pytest.raises(CurrencyMismatch, match="EUR and USD"):
        Money.of("1", "EUR") + Money.of("1", "USD")
    with pytest.raises(CurrencyMismatch):
        assert Money.of("1", "EUR") < Money.of("2", "CHF")


def test_floats_are_refused() -> None:
    with pytest.raises(TypeError, match="never float"):
        Money.of(0.1, "EUR")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Money.of("1", "EUR") * 1.5  # type: ignore[operator]


def test_unknown_currency_is_refused() -> None:
    with pytest.raises(ValueError, match="ISO 4217"):
        Money.of("1", "EUROS")
    with pytest.raises(ValueError, match="ISO 4217"):
        Money.of("1", "XYZ")


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        ("10.005", "EUR", "10.01"),
        ("10.004", "EUR", "10.00"),
        ("1234.5", "JPY", "1235"),
        ("1.0005", "TND", "1.001"),
    ],
)
def test_rounding_is_half_up_to_the_minor_unit(amount: str, currency: str, expected: str) -> None:
    assert Money.of(amount, currency).rounded().amount == Decimal(expected)


def test_pydantic_round_trip_keeps_the_decimal() -> None:
    class Holder(BaseModel):
        price: Money

    dumped = Holder(price=Money.of("19.99", "EUR")).model_dump_json()
    assert dumped == '{"price":{"amount":"19.99","currency":"EUR"}}'
    assert Holder.model_validate_json(dumped).price == Money.of("19.99", "EUR")


amounts = st.decimals(min_value=-(10**9), max_value=10**9, places=2, allow_nan=False)


@given(st.lists(st.tuples(amounts, st.sampled_from(["EUR", "USD", "CHF"])), max_size=40))
def test_totals_equal_the_per_currency_sums(items: list[tuple[Decimal, str]]) -> None:
    totals = Totals(Money(a, c) for a, c in items)
    for currency in ("EUR", "USD", "CHF"):
        expected = sum((a for a, c in items if c == currency), Decimal(0))
        assert totals.get_or_zero(currency).amount == expected
    assert set(totals) == {c for _, c in items}
