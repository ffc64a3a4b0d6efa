"""The dashboard's figures as plain JSON values (``relance report --dashboard --json``):
amounts as strings rounded to the currency's minor unit, days as ISO dates."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from connector.insights import Dashboard
from connector.insights.aged import COLUMNS
from connector.money import Money

__all__ = ["dashboard_json"]


def _money(values: Mapping[str, Money]) -> dict[str, str]:
    return {c: str(m.rounded().amount) for c, m in sorted(values.items())}


def dashboard_json(figures: Dashboard) -> dict[str, Any]:
    return {
        "as_of": figures.as_of.isoformat(),
        "aged_balance": [
            {
                "as_of": p.as_of.isoformat(),
                "invoices": p.invoices,
                "credit_notes": p.credit_notes,
                "unapplied_payments": p.unapplied_payments,
                "currencies": {
                    c: {
                        **{name: str(columns[name].rounded().amount) for name in COLUMNS},
                        "total": str(p.total(c).rounded().amount),
                    }
                    for c, columns in sorted(p.by_currency.items())
                },
            }
            for p in figures.aged.points
        ],
        "dso": {
            "period_days": figures.dso.period_days,
            "points": [
                {
                    "as_of": p.as_of.isoformat(),
                    "days": {c: None if v is None else str(v) for c, v in sorted(p.days.items())},
                }
                for p in figures.dso.points
            ],
        },
        "collected_after_step": {
            "since": figures.steps.since.isoformat(),
            "steps": [
                {
                    "step": s.step,
                    "collected": _money(s.collected),
                    "invoices_paid": s.invoices_paid,
                    "invoices_reached": s.invoices_reached,
                }
                for s in (*figures.steps.steps, figures.steps.without_reminder)
            ],
        },
        "promises": {
            "grace_days": figures.promises.grace_days,
            "months": [
                {
                    "month": m.month.isoformat()[:7],
                    **{
                        standing.value: {"count": n, "amount": _money(m.amount[standing])}
                        for standing, n in m.count.items()
                    },
                }
                for m in figures.promises.months
            ],
        },
        "expected_cash": {
            "horizon": figures.expected.horizon.isoformat(),
            "days": [
                {
                    "day": d.day.isoformat(),
                    "promised": _money(d.promised),
                    "instalments": _money(d.instalments),
                    "promises": d.promises,
                    "plan_instalments": d.plan_instalments,
                }
                for d in figures.expected.days
            ],
            "total": _money(figures.expected.totals()),
        },
    }
