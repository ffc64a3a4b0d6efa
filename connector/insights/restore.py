"""The dashboard's figures read back from their JSON (:func:`~connector.insights.export.
dashboard_json`), as the store keeps them in its snapshot: what the charts draw.

Amounts come back as the JSON gives them (rounded to the currency's minor unit); a DSO point
comes back with the net open balance it divided and without its sales (the JSON has none).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from connector.commitments import Standing
from connector.insights import (
    COLUMNS,
    AgedHistory,
    AgedPoint,
    CollectedByStep,
    Dashboard,
    DsoHistory,
    DsoPoint,
    ExpectedCash,
    ExpectedDay,
    PromiseMonth,
    PromiseOutcomes,
    StepCollection,
)
from connector.money import Money

__all__ = ["dashboard_from_json"]


def _day(text: str) -> date:
    return date.fromisoformat(text)


def _money(values: Mapping[str, str]) -> dict[str, Money]:
    return {c: Money(Decimal(a), c) for c, a in values.items()}


def _aged(points: list[dict[str, Any]]) -> AgedHistory:
    return AgedHistory(
        tuple(
            AgedPoint(
                _day(p["as_of"]),
                {
                    c: {name: Money(Decimal(columns[name]), c) for name in COLUMNS}
                    for c, columns in p["currencies"].items()
                },
                p["invoices"],
                p["credit_notes"],
                p["unapplied_payments"],
            )
            for p in points
        )
    )


def _dso(data: dict[str, Any], aged: list[dict[str, Any]]) -> DsoHistory:
    totals = {
        p["as_of"]: {c: Money(Decimal(v["total"]), c) for c, v in p["currencies"].items()}
        for p in aged
    }
    return DsoHistory(
        data["period_days"],
        tuple(
            DsoPoint(
                _day(p["as_of"]),
                {c: None if v is None else Decimal(v) for c, v in p["days"].items()},
                totals.get(p["as_of"], {}),
                {},
            )
            for p in data["points"]
        ),
    )


def _steps(data: dict[str, Any], as_of: date) -> CollectedByStep:
    rows = [
        StepCollection(s["step"], _money(s["collected"]), s["invoices_paid"], s["invoices_reached"])
        for s in data["steps"]
    ]
    return CollectedByStep(_day(data["since"]), as_of, tuple(rows[:-1]), rows[-1])


def _promises(data: dict[str, Any], as_of: date) -> PromiseOutcomes:
    months = []
    for m in data["months"]:
        standings = [s for s in Standing if s.value in m]
        months.append(
            PromiseMonth(
                _day(f"{m['month']}-01"),
                {s: m[s.value]["count"] for s in standings},
                {s: _money(m[s.value]["amount"]) for s in standings},
            )
        )
    return PromiseOutcomes(as_of, data["grace_days"], tuple(months))


def _expected(data: dict[str, Any], as_of: date) -> ExpectedCash:
    return ExpectedCash(
        as_of,
        _day(data["horizon"]),
        tuple(
            ExpectedDay(
                _day(d["day"]),
                _money(d["promised"]),
                _money(d["instalments"]),
                d["promises"],
                d["plan_instalments"],
            )
            for d in data["days"]
        ),
    )


def dashboard_from_json(data: Mapping[str, Any]) -> Dashboard:
    as_of = _day(data["as_of"])
    return Dashboard(
        as_of,
        _aged(data["aged_balance"]),
        _dso(data["dso"], data["aged_balance"]),
        _steps(data["collected_after_step"], as_of),
        _promises(data["promises"], as_of),
        _expected(data["expected_cash"], as_of),
    )
