"""The dashboard's figures, per tenant and as of a day: what ``relance report`` shows, over
the last twelve months, and how the dunning works. Money stays per currency; nothing dated
after the day counts (:mod:`connector.asof`).

:func:`dashboard` computes them all; each has its own function too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from connector.insights.aged import (
    COLUMNS,
    AgedHistory,
    AgedPoint,
    DsoHistory,
    DsoPoint,
    aged_history,
    dso_history,
    month_ends,
)
from connector.insights.commitments import (
    ExpectedCash,
    ExpectedDay,
    ExpectedWeek,
    PromiseMonth,
    PromiseOutcomes,
    expected_cash,
    promise_outcomes,
)
from connector.insights.steps import CollectedByStep, StepCollection, collected_by_step
from connector.policy import Policy, default_policy
from connector.store import Store

__all__ = [
    "COLUMNS",
    "AgedHistory",
    "AgedPoint",
    "CollectedByStep",
    "Dashboard",
    "DsoHistory",
    "DsoPoint",
    "ExpectedCash",
    "ExpectedDay",
    "ExpectedWeek",
    "PromiseMonth",
    "PromiseOutcomes",
    "StepCollection",
    "aged_history",
    "collected_by_step",
    "dashboard",
    "dso_history",
    "expected_cash",
    "month_ends",
    "promise_outcomes",
]


@dataclass(frozen=True, slots=True)
class Dashboard:
    as_of: date
    aged: AgedHistory
    dso: DsoHistory
    steps: CollectedByStep
    promises: PromiseOutcomes
    expected: ExpectedCash


def dashboard(
    store: Store,
    tenant: str,
    as_of: date,
    *,
    policy: Policy | None = None,
    period: int = 90,
    months: int = 12,
    days: int = 30,
) -> Dashboard:
    """Every figure of the dashboard on ``as_of``: the aged balance and DSO (``period`` days
    of sales) at the end of each of the last ``months`` months and on the day; what was paid
    after each step and how the promises of each month ended, over the same months; the cash
    expected in the next ``days`` days. ``policy``: the tenant's (its steps' names and order,
    the promises' grace days); the default policy without."""
    policy = policy or default_policy()
    aged = aged_history(store, tenant, as_of, months=months)
    since = aged.points[0].as_of
    grace = policy.promise_grace_days
    return Dashboard(
        as_of,
        aged,
        dso_history(store, tenant, as_of, period=period, aged=aged),
        collected_by_step(store, tenant, as_of, since=since, policy=policy),
        promise_outcomes(store, tenant, as_of, since=since, grace_days=grace),
        expected_cash(store, tenant, as_of, grace_days=grace, days=days),
    )
