"""Money: a Decimal amount and an ISO 4217 currency, never a float.

Amounts of different currencies are never added, subtracted or compared: that raises
:class:`~connector.errors.CurrencyMismatch`. Totals across currencies are kept as
:class:`Totals`, one :class:`Money` per currency. Rounding happens only where it is
named (:meth:`Money.rounded`), half-up, to the currency's minor unit.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache
from typing import Annotated, Any

from babel.numbers import format_currency, get_currency_precision, list_currencies
from pydantic import AfterValidator, GetCoreSchemaHandler
from pydantic_core import core_schema

from connector.errors import CurrencyMismatch

__all__ = ["Currency", "Money", "Totals", "check_currency", "minor_units"]


@lru_cache(maxsize=1)
def _known_currencies() -> frozenset[str]:
    return frozenset(list_currencies())


def check_currency(code: str) -> str:
    """Return ``code`` if it is an ISO 4217 currency code, else raise ValueError."""
    if not isinstance(code, str) or len(code) != 3 or code.upper() != code:
        raise ValueError(f"{code!r} is not an ISO 4217 currency code (three capitals, e.g. EUR)")
    if code not in _known_currencies():
        raise ValueError(f"{code!r} is not an ISO 4217 currency code")
    return code


Currency = Annotated[str, AfterValidator(check_currency)]


@lru_cache(maxsize=256)
def minor_units(currency: str) -> int:
    """Digits after the decimal point for ``currency`` (EUR 2, JPY 0, TND 3)."""
    return int(get_currency_precision(currency))


@lru_cache(maxsize=256)
def _quantum(currency: str) -> Decimal:
    return Decimal(1).scaleb(-minor_units(currency))


def _to_decimal(value: object) -> Decimal:
    if isinstance(value, float):
        raise TypeError("money amounts are Decimal, never float; pass a str or Decimal")
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int | str):
        try:
            return Decimal(value)
        except InvalidOperation as exc:
            raise ValueError(f"{value!r} is not a decimal amount") from exc
    raise TypeError(f"cannot make an amount of {type(value).__name__}")


@dataclass(frozen=True, slots=True)
class Money:
    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        if not isinstance(self.amount, Decimal):
            object.__setattr__(self, "amount", _to_decimal(self.amount))
        if not self.amount.is_finite():
            raise ValueError(f"{self.amount} is not a finite amount")

    @classmethod
    def of(cls, amount: Decimal | int | str, currency: str) -> Money:
        return cls(_to_decimal(amount), check_currency(currency))

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(Decimal(0), currency)

    # --- arithmetic within one currency ---------------------------------------------------
    def _same(self, other: Money) -> None:
        if not isinstance(other, Money):
            raise TypeError(f"cannot combine Money with {type(other).__name__}")
        if other.currency != self.currency:
            raise CurrencyMismatch(
                f"cannot combine {self.currency} and {other.currency} amounts",
                hint="keep one total per currency (connector.money.Totals)",
            )

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount - other.amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def __mul__(self, factor: Decimal | int) -> Money:
        if isinstance(factor, float):
            raise TypeError("multiply money by a Decimal or an int, never a float")
        return Money(self.amount * factor, self.currency)

    __rmul__ = __mul__

    def __lt__(self, other: Money) -> bool:
        self._same(other)
        return self.amount < other.amount

    def __le__(self, other: Money) -> bool:
        self._same(other)
        return self.amount <= other.amount

    def __gt__(self, other: Money) -> bool:
        self._same(other)
        return self.amount > other.amount

    def __ge__(self, other: Money) -> bool:
        self._same(other)
        return self.amount >= other.amount

    @property
    def is_zero(self) -> bool:
        return self.amount == 0

    @property
    def is_positive(self) -> bool:
        return self.amount > 0

    def rounded(self) -> Money:
        """Half-up to the currency's minor unit: the only rounding point for display."""
        return Money(self.amount.quantize(_quantum(self.currency), ROUND_HALF_UP), self.currency)

    def format(self, locale: str = "fr_FR") -> str:
        return str(format_currency(self.rounded().amount, self.currency, locale=locale))

    def __str__(self) -> str:
        return f"{self.rounded().amount} {self.currency}"

    # --- pydantic integration: accept Money, or {"amount": "12.30", "currency": "EUR"} ----
    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: type[Any], handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        def from_mapping(value: Mapping[str, Any]) -> Money:
            try:
                return cls.of(value["amount"], value["currency"])
            except KeyError as exc:
                raise ValueError(f"money needs 'amount' and 'currency', missing {exc}") from exc
            except TypeError as exc:
                raise ValueError(str(exc)) from exc

        from_dict = core_schema.chain_schema(
            [
                core_schema.dict_schema(),
                core_schema.no_info_plain_validator_function(from_mapping),
            ]
        )
        return core_schema.json_or_python_schema(
            json_schema=from_dict,
            python_schema=core_schema.union_schema(
                [core_schema.is_instance_schema(cls), from_dict]
            ),
            serialization=core_schema.plain_serializer_function_ser_schema(
                lambda m: {"amount": str(m.amount), "currency": m.currency}
            ),
        )


class Totals(Mapping[str, Money]):
    """One running total per currency; never a sum across currencies."""

    __slots__ = ("_by_currency",)

    def __init__(self, amounts: Iterable[Money] = ()) -> None:
        self._by_currency: dict[str, Money] = {}
        for money in amounts:
            self.add(money)

    def add(self, money: Money) -> None:
        current = self._by_currency.get(money.currency)
        self._by_currency[money.currency] = money if current is None else current + money

    def __getitem__(self, currency: str) -> Money:
        return self._by_currency[currency]

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._by_currency))

    def __len__(self) -> int:
        return len(self._by_currency)

    def get_or_zero(self, currency: str) -> Money:
        return self._by_currency.get(currency, Money.zero(currency))

    def positive(self) -> Totals:
        return Totals(m for m in self._by_currency.values() if m.is_positive)

    def __repr__(self) -> str:
        inner = ", ".join(str(self._by_currency[c]) for c in self)
        return f"Totals({inner})"
