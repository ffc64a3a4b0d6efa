"""How long each of the dashboard's figures takes on a big tenant (``big_tenant.py``).

    python benchmarks/big_tenant.py --store-url sqlite:////tmp/big.sqlite
    python benchmarks/dashboard_figures.py --store-url sqlite:////tmp/big.sqlite

Each figure is computed ``--runs`` times on 23 November 2026 (the big tenant's day) through
a store already open (as the web app keeps it); printed: the best and the median run of
each, the whole dashboard, and its five charts rendered as SVG.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from datetime import date
from typing import Any

from connector import charts
from connector.insights import (
    aged_history,
    collected_by_step,
    dashboard,
    dso_history,
    expected_cash,
    promise_outcomes,
)
from connector.policy import default_policy
from connector.store import Store

DAY = date(2026, 11, 23)


def _time(runs: int, work: Callable[[], Any]) -> tuple[float, float, Any]:
    took, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = work()
        took.append((time.perf_counter() - started) * 1000)
    return min(took), statistics.median(took), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store-url", required=True)
    parser.add_argument("--tenant", default="big")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    store, tenant, policy = Store.open(args.store_url), args.tenant, default_policy()
    try:
        aged = aged_history(store, tenant, DAY)  # warms the connection pool
        since, grace = aged.points[0].as_of, policy.promise_grace_days
        figures: dict[str, Callable[[], Any]] = {
            "aged balance, 13 points": lambda: aged_history(store, tenant, DAY),
            "DSO, 13 points (aged given)": lambda: dso_history(store, tenant, DAY, aged=aged),
            "paid after each step": lambda: collected_by_step(
                store, tenant, DAY, since=since, policy=policy
            ),
            "promises by month": lambda: promise_outcomes(
                store, tenant, DAY, since=since, grace_days=grace
            ),
            "cash expected, 30 days": lambda: expected_cash(store, tenant, DAY, grace_days=grace),
            "whole dashboard": lambda: dashboard(store, tenant, DAY, policy=policy),
        }
        print(f"{store.engine.dialect.name}, tenant {tenant!r}, as of {DAY}, {args.runs} runs")
        whole = None
        for name, work in figures.items():
            best, median, whole = _time(args.runs, work)
            print(f"  {name:<30} best {best:7.1f} ms   median {median:7.1f} ms")
        best, median, _ = _time(
            args.runs,
            lambda: [
                charts.aged_balance_chart(whole.aged, "EUR", "fr"),
                charts.dso_chart(whole.dso, "EUR", "fr"),
                charts.collected_by_step_chart(whole.steps, "EUR", "fr"),
                charts.promises_chart(whole.promises, "fr"),
                charts.expected_cash_chart(whole.expected, "EUR", "fr"),
            ],
        )
        print(f"  {'five charts as SVG':<30} best {best:7.1f} ms   median {median:7.1f} ms")
    finally:
        store.close()


if __name__ == "__main__":
    main()
